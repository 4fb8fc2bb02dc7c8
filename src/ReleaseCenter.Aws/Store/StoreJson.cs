using System.Text.Json;
using System.Text.Json.Serialization;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Aws.Store;

/// <summary>Nested documents the store keeps as JSON attributes (read and written together with their item).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReleaseStage[]))]
[JsonSerializable(typeof(Bundle))]
[JsonSerializable(typeof(TemplateUse))]
[JsonSerializable(typeof(ReleaseTemplate))]
[JsonSerializable(typeof(ReleaseCenter.Domain.Rollbacks.Rollback))]
[JsonSerializable(typeof(ReleaseCenter.Domain.Drift.DriftPolicy))]
[JsonSerializable(typeof(ReleaseCenter.Domain.Drift.DriftReportRecord))]
[JsonSerializable(typeof(ReleaseCenter.Domain.Drift.RetrainingPolicy))]
[JsonSerializable(typeof(ReleaseCenter.Domain.Drift.RetrainRun))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
