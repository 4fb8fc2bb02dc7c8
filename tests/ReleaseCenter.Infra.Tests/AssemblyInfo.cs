// Every test talks to the one jsii node process behind the CDK; run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
