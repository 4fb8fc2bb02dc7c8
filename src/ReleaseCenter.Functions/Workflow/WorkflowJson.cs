using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Functions.Workflow;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReleaseCenter.Functions.Events.StreamBatchResponse))]
[JsonSerializable(typeof(EvaluateResult))]
[JsonSerializable(typeof(DeployResult))]
[JsonSerializable(typeof(EndpointResult))]
[JsonSerializable(typeof(DoorResult))]
[JsonSerializable(typeof(VerifyResult))]
[JsonSerializable(typeof(RollbackResult))]
[JsonSerializable(typeof(FinishResult))]
[JsonSerializable(typeof(StopResult))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Rollbacks.RollbackInput))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Rollbacks.RollbackStopResult))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Drift.RetrainDecision))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Drift.PipelineStarted))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Drift.PipelineCheck))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Drift.VersionRegistered))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Drift.ReleaseOpened))]
internal sealed partial class WorkflowJsonContext : JsonSerializerContext;
