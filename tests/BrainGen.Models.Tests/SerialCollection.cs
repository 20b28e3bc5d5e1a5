namespace BrainGen.Models.Tests;

/// <summary>Tests that read process-wide counters (Tensor.LiveCount): never in parallel with other tests.</summary>
[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;
