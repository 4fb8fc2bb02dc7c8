using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// What the steps of statemachines/retrain.asl.json share. Each step is idempotent: the run (named after
/// the drift report) is moved under its revision and only the writer of a move audits and announces it;
/// the pipeline is started with the report id as ClientRequestToken; the version is registered once per
/// report; the release has an id derived from the report.
/// </summary>
public static class RetrainRuns
{
    public const string Actor = "retrain-workflow";
    public const string PipelineFailed = "Retrain.PipelineFailed";
    public const string PipelineTimedOut = "Retrain.PipelineTimedOut";
    public const string NoModelPackage = "Retrain.NoModelPackage";

    /// <summary>The version the pipeline registered was marked as bad before its release could be opened.</summary>
    public const string VersionVetoed = "Retrain.VersionVetoed";

    public static async Task<RetrainRun> LoadAsync(IRetrainStore retrain, string driftReportId, CancellationToken ct) =>
        await retrain.GetRunAsync(driftReportId, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"No retrain run for {driftReportId}.");
}

public sealed record RetrainDecision(bool Proceed, bool OpenRelease, string Reason);

public sealed record PipelineStarted(string PipelineExecutionArn);

/// <summary>The pipeline execution's status; whether it finished well; if not, how many seconds to wait before asking again.</summary>
public sealed record PipelineCheck(string Status, bool Finished, int WaitSeconds);

public sealed record VersionRegistered(int Version);

public sealed record ReleaseOpened(string ReleaseId);
