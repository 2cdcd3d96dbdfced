namespace CrossRec;

/// <summary>The CPU engine's item-kNN kernel: sparse top-K similarity by per-item sparse accumulation.</summary>
public sealed partial class CpuEngine : IItemSimilarityKernel
{
    /// <inheritdoc />
    /// <remarks>Bit-identical at any thread count, so <see cref="ItemSimilarityOptions.Deterministic"/> changes nothing here.</remarks>
    public ItemNeighbors TopNeighbors(InteractionMatrix matrix, ReadOnlyMemory<float> weights, ItemSimilarityOptions options, CancellationToken cancellationToken)
        => Engines.Cpu.ItemSimilarityTrainer.TopNeighbors(matrix, weights, options, cancellationToken);
}
