using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Domain.Events;

/// <summary>
/// An event the product publishes on its EventBridge bus (docs/events.md): one sealed record per
/// detail-type, whose public properties are the event's <c>detail</c>. Values are strings (the v1
/// contract), so notification rules and input transformers read them as they always have.
/// <see cref="Id"/> is stable: a change recorded twice (a retried step) carries the same id, and the
/// relay may deliver an event more than once, so consumers deduplicate on it.
/// </summary>
public abstract record ReleaseCenterEvent
{
    /// <summary>The EventBridge detail-type, versioned (e.g. <c>release.requested.v1</c>). Not part of the detail.</summary>
    [JsonIgnore]
    public string DetailType => DetailTypeName();

    /// <summary>Derived from the detail-type and the key of the change that caused the event (<see cref="StableId"/>).</summary>
    [JsonPropertyOrder(-2)]
    public string Id { get; init; } = "";

    /// <summary>The project of the model the event names, so notification rules can route per project; absent when it names no model.</summary>
    [JsonPropertyOrder(-1)]
    public string? Project { get; init; }

    /// <summary>The detail-type of this record (a method, so that no override can slip into the serialized detail).</summary>
    protected abstract string DetailTypeName();

    /// <summary>The same id for the same detail-type and change key, every time: <c>evt-</c> and 32 hex digits of a SHA-256.</summary>
    public static string StableId(string detailType, string changeKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(detailType);
        ArgumentException.ThrowIfNullOrEmpty(changeKey);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{detailType}\n{changeKey}"));
        return "evt-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>This event with its id derived from <paramref name="changeKey"/> and its project set.</summary>
    public ReleaseCenterEvent Keyed(string changeKey, string? project) =>
        this with { Id = StableId(DetailType, changeKey), Project = project ?? Project };
}

/// <summary>An event ready for the outbox: its id, detail-type and detail as JSON.</summary>
public sealed record OutboxEvent(string Id, string DetailType, string Detail);
