namespace ReleaseCenter.Domain.Drift;

/// <summary>
/// Tail probabilities of the Kolmogorov–Smirnov statistics, as SciPy computes them:
/// <see cref="Sf(int, double)"/> is <c>scipy.stats.kstwo.sf(d, n)</c> (the finite-n two-sided
/// one-sample distribution), <see cref="LimitingSf(double)"/> is <c>scipy.stats.kstwobign.sf(x)</c>
/// (Kolmogorov's limit of sqrt(n)·D_n) and <see cref="SmirnovSf(int, double)"/> is
/// <c>scipy.special.smirnov(n, d)</c> (the one-sided D_n⁺).
/// </summary>
/// <remarks>
/// <see cref="Sf(int, double)"/> follows the method selection of Simard and L'Ecuyer (2011),
/// "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11), as SciPy
/// does, so a two-sample test on large samples returns SciPy's p-value rather than a different
/// approximation of it. The only substitution: where SciPy uses Pomeranz's recursion (n ≤ 140,
/// 0.754693 &lt; n·d² ≤ 4) this uses the Durbin matrix (Marsaglia, Tsang and Wang 2003); both are
/// exact, and agree with SciPy to about 1e-12 there.
/// </remarks>
public static class KolmogorovDistribution
{
    private const int ScaleExponent = 128;
    private static readonly double ScaleUp = Math.ScaleB(1.0, ScaleExponent);
    private static readonly double ScaleDown = Math.ScaleB(1.0, -ScaleExponent);

    /// <summary>Where a convergent series stops: the next term no longer changes the sum.</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>P(D_n ≥ d) for the two-sided one-sample statistic D_n of a sample of size <paramref name="n"/>.</summary>
    public static double Sf(int n, double d)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (double.IsNaN(d))
        {
            return double.NaN;
        }
        if (d >= 1.0)
        {
            return 0.0;
        }
        if (d <= 0.0)
        {
            return 1.0;
        }

        var t = n * d;
        if (t <= 1.0)
        {
            // Ruben and Gambino: on 1/(2n) ≤ d ≤ 1/n the CDF is n!/nⁿ·(2t−1)ⁿ.
            if (t <= 0.5)
            {
                return 1.0;
            }
            return Clip(1.0 - Math.Exp(LogFactorialOverPower(n) + (n * Math.Log((2 * t) - 1))));
        }
        if (t >= n - 1)
        {
            // Ruben and Gambino: on 1 − 1/n ≤ d ≤ 1 the tail is 2(1−d)ⁿ.
            return Clip(2 * Math.Pow(1.0 - d, n));
        }
        if (d >= 0.5)
        {
            // D⁺ ≥ d and D⁻ ≥ d cannot both happen, so the two-sided tail is exactly twice the one-sided one.
            return Clip(2 * SmirnovSf(n, d));
        }

        var nd2 = t * d;
        if (n <= 140)
        {
            if (nd2 <= 4.0)
            {
                return Clip(1.0 - DurbinCdf(n, d));
            }
            // Miller's approximation: the intersection term is below 1e-13 here.
            return Clip(2 * SmirnovSf(n, d));
        }

        if (nd2 >= 370.0)
        {
            return 0.0;
        }
        if (nd2 >= 2.2)
        {
            return Clip(2 * SmirnovSf(n, d));
        }
        var cdf = n <= 100_000 && n * Math.Pow(d, 1.5) <= 1.4 ? DurbinCdf(n, d) : PelzGoodCdf(n, d);
        return Clip(1.0 - cdf);
    }

    /// <summary>
    /// Kolmogorov's limiting tail P(K ≥ x), K = lim sqrt(n)·D_n: 2·Σ_{k≥1} (−1)^(k−1)·exp(−2k²x²),
    /// evaluated through the equivalent theta-function series sqrt(2π)/x·Σ exp(−(2k−1)²π²/(8x²)) below x = 1,
    /// where the alternating series converges slowly.
    /// </summary>
    public static double LimitingSf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }
        if (x <= 0)
        {
            return 1.0;
        }
        if (x >= 1.0)
        {
            var alpha = -2.0 * x * x;
            var sum = 0.0;
            var sign = 1.0;
            for (var k = 1; k < 1000; k++)
            {
                var term = Math.Exp(alpha * k * k);
                sum += sign * term;
                if (term == 0.0 || term / sum <= MachineEpsilon)
                {
                    break;
                }
                sign = -sign;
            }
            return Clip(2 * sum);
        }

        var beta = -Math.PI * Math.PI / (8 * x * x);
        var cdfSum = 0.0;
        for (var r = 1; r < 2000; r += 2)
        {
            var term = Math.Exp(beta * r * r);
            cdfSum += term;
            if (term == 0.0 || term / cdfSum < MachineEpsilon)
            {
                break;
            }
        }
        return Clip(1.0 - (cdfSum * Math.Sqrt(2 * Math.PI) / x));
    }

    /// <summary>
    /// P(D_n⁺ ≥ d) for the one-sided statistic, by the Birnbaum–Tingey sum
    /// d·Σ_{v=0}^{⌊n(1−d)⌋} C(n,v)·(d + v/n)^(v−1)·(1 − d − v/n)^(n−v), each term in logarithms.
    /// </summary>
    public static double SmirnovSf(int n, double d)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (double.IsNaN(d) || d < 0 || d > 1)
        {
            return double.NaN;
        }
        if (d == 0.0)
        {
            return 1.0;
        }
        if (d == 1.0)
        {
            return 0.0;
        }

        var nd = n * d;
        var last = (int)Math.Floor(n * (1.0 - d));
        var logBinomial = 0.0; // ln C(n, v), built up term by term
        var sum = 0.0;
        for (var v = 0; v <= last; v++)
        {
            if (v > 0)
            {
                logBinomial += Math.Log((double)(n - v + 1) / v);
            }
            var below = (nd + v) / n;        // d + v/n
            var above = (n - v - nd) / n;    // 1 − d − v/n, without the cancellation of 1 − below
            if (above <= 0.0)
            {
                continue;
            }
            var logTerm = logBinomial + ((v - 1) * Math.Log(below)) + ((n - v) * Math.Log(above));
            if (logTerm > -745)
            {
                sum += Math.Exp(logTerm);
            }
        }
        return Clip(sum * d);
    }

    /// <summary>ln(n!/nⁿ) = Σ ln(i/n).</summary>
    private static double LogFactorialOverPower(int n)
    {
        var sum = 0.0;
        for (var i = 1; i <= n; i++)
        {
            sum += Math.Log((double)i / n);
        }
        return sum;
    }

    /// <summary>
    /// P(D_n &lt; d) by Durbin's matrix: n!/nⁿ times the centre element of Hⁿ, H of order 2k−1 with
    /// k = ⌈nd⌉ (Marsaglia, Tsang and Wang 2003). Powers are rescaled by 2^±128 with the exponent
    /// kept apart, so neither Hⁿ nor n!/nⁿ overflows or underflows.
    /// </summary>
    private static double DurbinCdf(int n, double d)
    {
        var nd = n * d;
        var k = (int)Math.Ceiling(nd);
        var h = k - nd;
        var m = (2 * k) - 1;

        var inverseFactorial = new double[m + 1];
        inverseFactorial[0] = 1.0;
        for (var i = 1; i <= m; i++)
        {
            inverseFactorial[i] = inverseFactorial[i - 1] / i;
        }

        var matrix = new double[m, m];
        for (var row = 0; row < m; row++)
        {
            for (var col = 0; col < m; col++)
            {
                var order = row - col + 1;
                if (order >= 0)
                {
                    matrix[row, col] = inverseFactorial[order];
                }
            }
        }
        for (var i = 0; i < m; i++)
        {
            // First column and last row lose the paths that leave through the corners.
            matrix[i, 0] -= Math.Pow(h, i + 1) * inverseFactorial[i + 1];
            matrix[m - 1, i] -= Math.Pow(h, m - i) * inverseFactorial[m - i];
        }
        matrix[m - 1, 0] += (2 * h) - 1 > 0 ? Math.Pow((2 * h) - 1, m) * inverseFactorial[m] : 0.0;

        var power = Identity(m);
        var powerExponent = 0;
        var square = matrix;
        var squareExponent = 0;
        for (var remaining = n; remaining > 0; remaining >>= 1)
        {
            if ((remaining & 1) == 1)
            {
                power = Multiply(power, square);
                powerExponent += squareExponent;
                while (Math.Abs(power[k - 1, k - 1]) > ScaleUp)
                {
                    Scale(power, ScaleDown);
                    powerExponent += ScaleExponent;
                }
            }
            if (remaining > 1)
            {
                square = Multiply(square, square);
                squareExponent *= 2;
                while (Math.Abs(square[k - 1, k - 1]) > ScaleUp)
                {
                    Scale(square, ScaleDown);
                    squareExponent += ScaleExponent;
                }
            }
        }

        var p = power[k - 1, k - 1];
        for (var i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < ScaleDown)
            {
                p *= ScaleUp;
                powerExponent -= ScaleExponent;
            }
        }
        return Clip(Math.ScaleB(p, powerExponent));
    }

    /// <summary>
    /// Pelz and Good's (1976) expansion of P(D_n ≤ d) ≈ K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^(3/2),
    /// z = d·√n, in the theta-function form that converges for small z; used for large n where SciPy uses it.
    /// </summary>
    private static double PelzGoodCdf(int n, double d)
    {
        var z = Math.Sqrt(n) * d;
        var z2 = z * z;
        var z4 = z2 * z2;
        var z6 = z4 * z2;
        var z8 = z4 * z4;
        var logQ = -Math.PI * Math.PI / 8 / z2;
        if (logQ < -708)
        {
            return 0.0;
        }

        var pi2 = Math.PI * Math.PI;
        var pi4 = pi2 * pi2;
        var pi6 = pi4 * pi2;
        var q = Math.Exp(logQ);
        var maxK = (int)Math.Ceiling(16 * z / Math.PI);

        // Σ_k c(m)·q^(m²) over odd m = 2k−1; m² grows by 8k from one odd number to the next,
        // which makes a Horner scheme in q^(8k).
        double k0 = 0, k1 = 0, k2 = 0, k3 = 0;
        for (var k = maxK; k >= 1; k--)
        {
            double odd = (2 * k) - 1;
            var m2 = odd * odd;
            var m4 = m2 * m2;
            var m6 = m4 * m2;
            var step = Math.Pow(q, 8.0 * k);
            k0 = (k0 * step) + 1.0;
            k1 = (k1 * step) + ((pi2 * m2 / 4) - z2);
            k2 = (k2 * step) + ((6 * z6) + (2 * z4) + ((2 * z4) - (5 * z2)) * pi2 / 4 * m2 + (pi4 * (1 - (2 * z2)) / 16 * m4));
            k3 = (k3 * step) + ((-30 * z6) - (90 * z8) + (pi2 * ((135 * z4) - (96 * z6)) / 4 * m2)
                + (pi4 * ((212 * z4) - (60 * z2)) / 16 * m4) + (pi6 * (5 - (30 * z2)) / 64 * m6));
        }
        var sqrt2Pi = Math.Sqrt(2 * Math.PI);
        k0 *= q * sqrt2Pi / z;
        k1 *= q * sqrt2Pi / (6 * z4);
        k2 *= q * sqrt2Pi / (72 * z6 * z);
        k3 *= q * sqrt2Pi / (6480 * z8 * z2);

        // The second theta series, over all k: exp(−π²k²/(2z²)).
        var q2 = Math.Exp(-pi2 / 2 / z2);
        double extra2 = 0, extra3 = 0;
        for (var k = maxK; k >= 1; k--)
        {
            double kk = k * k;
            var weight = kk * Math.Pow(q2, kk);
            extra2 += weight;
            extra3 += ((3 * z2) - (pi2 * kk)) * weight;
        }
        k2 += extra2 * pi2 * sqrt2Pi / (-36 * z2 * z);
        k3 += extra3 * pi2 * sqrt2Pi / (216 * z6);

        return k0 + (k1 / Math.Sqrt(n)) + (k2 / n) + (k3 / (n * Math.Sqrt(n)));
    }

    private static double[,] Identity(int size)
    {
        var identity = new double[size, size];
        for (var i = 0; i < size; i++)
        {
            identity[i, i] = 1.0;
        }
        return identity;
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var size = a.GetLength(0);
        var product = new double[size, size];
        for (var i = 0; i < size; i++)
        {
            for (var l = 0; l < size; l++)
            {
                var ail = a[i, l];
                if (ail == 0.0)
                {
                    continue;
                }
                for (var j = 0; j < size; j++)
                {
                    product[i, j] += ail * b[l, j];
                }
            }
        }
        return product;
    }

    private static void Scale(double[,] matrix, double factor)
    {
        var size = matrix.GetLength(0);
        for (var i = 0; i < size; i++)
        {
            for (var j = 0; j < size; j++)
            {
                matrix[i, j] *= factor;
            }
        }
    }

    private static double Clip(double p) => double.IsNaN(p) ? p : Math.Clamp(p, 0.0, 1.0);
}
