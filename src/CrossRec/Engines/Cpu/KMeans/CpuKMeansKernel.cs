namespace CrossRec.Engines.Cpu.KMeans;

/// <summary>The managed engine's k-means kernel (Lloyd, Hamerly, Elkan and mini-batch: <see cref="KMeansTrainer"/>).</summary>
internal sealed class CpuKMeansKernel : IKMeansKernel
{
    /// <inheritdoc />
    public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken)
        => KMeansTrainer.Fit(points, options, progress, CpuEngine.EngineName, cancellationToken);
}
