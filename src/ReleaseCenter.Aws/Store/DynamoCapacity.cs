using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Every request the store sends asks DynamoDB what it consumed (ReturnConsumedCapacity = TOTAL), and the answer is
/// counted on the <see cref="MeterName"/> meter: instrument <see cref="UnitsInstrument"/>, tagged with the operation
/// and "read" or "write". Nothing listens in Lambda (the figure costs nothing there); the benchmarks price a release
/// with it. DynamoDB returns the figure only when asked, and asking changes nothing else.
/// </summary>
public static class DynamoCapacity
{
    public const string MeterName = "ReleaseCenter.DynamoDB";
    public const string UnitsInstrument = "releasecenter.dynamodb.consumed_capacity_units";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<double> Units = Meter.CreateCounter<double>(UnitsInstrument, unit: "{capacity_unit}",
        description: "Capacity units DynamoDB reported as consumed (ReturnConsumedCapacity).");

    /// <summary>A DynamoDB client of the SDK whose every request asks for the consumed capacity, and whose answers are counted.</summary>
    public sealed class Client : AmazonDynamoDBClient
    {
        /// <summary>In Lambda: region, credentials and endpoint from the environment.</summary>
        public Client()
        {
            Attach(this);
        }

        /// <summary>An emulator's endpoint.</summary>
        public Client(AWSCredentials? credentials, AmazonDynamoDBConfig config)
            : base(credentials, config)
        {
            Attach(this);
        }

        private static void Attach(Client client) => client.AfterResponseEvent += (_, args) => Count(args);

        /// <summary>The request is changed before it is marshalled: a handler in the SDK's pipeline, ahead of its marshaller.</summary>
        protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
        {
            ArgumentNullException.ThrowIfNull(pipeline);
            base.CustomizeRuntimePipeline(pipeline);
            pipeline.AddHandlerBefore<Marshaller>(new AskForCapacityHandler());
        }
    }

    private sealed class AskForCapacityHandler : PipelineHandler
    {
        public override void InvokeSync(IExecutionContext executionContext)
        {
            AskForCapacity(executionContext.RequestContext.OriginalRequest);
            base.InvokeSync(executionContext);
        }

        public override Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            AskForCapacity(executionContext.RequestContext.OriginalRequest);
            return base.InvokeAsync<T>(executionContext);
        }
    }

    private static void AskForCapacity(AmazonWebServiceRequest request)
    {
        switch (request)
        {
            case GetItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case PutItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case UpdateItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case DeleteItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case QueryRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case ScanRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case BatchGetItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case BatchWriteItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case TransactGetItemsRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
            case TransactWriteItemsRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL; break;
        }
    }

    private static void Count(ResponseEventArgs args)
    {
        if (!Units.Enabled || args is not WebServiceResponseEventArgs { Response: { } response })
        {
            return;
        }
        var (operation, kind, consumed) = response switch
        {
            GetItemResponse r => ("GetItem", "read", Sum(r.ConsumedCapacity)),
            QueryResponse r => ("Query", "read", Sum(r.ConsumedCapacity)),
            ScanResponse r => ("Scan", "read", Sum(r.ConsumedCapacity)),
            BatchGetItemResponse r => ("BatchGetItem", "read", Sum(r.ConsumedCapacity)),
            TransactGetItemsResponse r => ("TransactGetItems", "read", Sum(r.ConsumedCapacity)),
            PutItemResponse r => ("PutItem", "write", Sum(r.ConsumedCapacity)),
            UpdateItemResponse r => ("UpdateItem", "write", Sum(r.ConsumedCapacity)),
            DeleteItemResponse r => ("DeleteItem", "write", Sum(r.ConsumedCapacity)),
            BatchWriteItemResponse r => ("BatchWriteItem", "write", Sum(r.ConsumedCapacity)),
            TransactWriteItemsResponse r => ("TransactWriteItems", "write", Sum(r.ConsumedCapacity)),
            _ => ("", "", (double?)null),
        };
        if (consumed is { } units)
        {
            Units.Add(units, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("kind", kind));
        }
    }

    private static double? Sum(ConsumedCapacity? capacity) => capacity?.CapacityUnits;

    private static double? Sum(List<ConsumedCapacity>? capacities) => capacities is { Count: > 0 } ? capacities.Sum(c => c.CapacityUnits ?? 0) : null;
}
