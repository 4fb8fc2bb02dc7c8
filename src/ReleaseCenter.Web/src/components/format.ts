/** Numbers for people: no float noise (0.008000000000000007 -> 0.008), at most 4 decimals. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  const clean = Number(value.toPrecision(12));
  return clean.toLocaleString('en-US', { maximumFractionDigits: digits, useGrouping: Math.abs(clean) >= 10_000 });
}

export function signed(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  const s = num(value, digits);
  return value > 0 ? `+${s}` : s;
}

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return `${value > 0 ? '+' : ''}${num(value * 100, 1)} %`;
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];
const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 22 hours". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const diff = Date.parse(iso) - now;
  for (const [unit, ms] of units) {
    if (Math.abs(diff) >= ms || unit === 'second') return rtf.format(Math.round(diff / ms), unit);
  }
  return '-';
}

/** "2026-11-30 15:32:38 UTC": one time zone everywhere, like the audit log. */
export function timestamp(iso: string | null | undefined): string {
  if (!iso) return '-';
  return `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`;
}

/** A duration for people: "2 h 5 min", "45 s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '-';
  const [algo, hex] = digest.includes(':') ? digest.split(':') : ['', digest];
  return `${algo ? `${algo}:` : ''}${(hex ?? '').slice(0, 12)}`;
}

/** File sizes as people read them: "512 bytes", "830 KB", "12.4 MB" (powers of 1024, as file managers show). */
export function fileSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : bytes < 1024 ** 3 ? [bytes / 1024 ** 2, 'MB'] : [bytes / 1024 ** 3, 'GB'];
  return `${num(value, value < 10 ? 1 : 0)} ${unit}`;
}
