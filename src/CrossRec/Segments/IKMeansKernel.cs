namespace CrossRec.Segments;

/// <summary>The engine capability segmentation needs: k-means over the rows of a matrix.</summary>
/// <remarks>Implementations must be safe to call from several threads at once (each call owns its buffers).</remarks>
internal interface IKMeansKernel
{
    /// <summary>Clusters the rows of a matrix with k-means.</summary>
    KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken);
}
