namespace CrossRec.Engines.Cpu.ItemKnn;

/// <summary>The CPU engine's item-kNN kernel: sparse top-K similarity by per-item sparse accumulation.</summary>
internal sealed class CpuItemSimilarityKernel : IItemSimilarityKernel
{
    /// <inheritdoc />
    /// <remarks>Bit-identical at any thread count, so <see cref="ItemSimilarityOptions.Deterministic"/> changes nothing here.</remarks>
    public ItemNeighbors TopNeighbors(InteractionMatrix matrix, ReadOnlyMemory<float> weights, ItemSimilarityOptions options, CancellationToken cancellationToken)
        => ItemSimilarityTrainer.TopNeighbors(matrix, weights, options, cancellationToken);
}
