namespace CrossRec.Engines;

/// <summary>
/// The seam between CrossRec's models and the hardware that trains them. The managed
/// <see cref="CpuEngine"/> ships in the core package; <c>CrossRec.Torch</c> adds a TorchSharp engine for
/// CUDA and libtorch CPU. Every engine returns the same engine-agnostic model types, so a model trained
/// on a GPU is saved, loaded and served by the core package alone.
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once (each call owns its buffers).</remarks>
internal interface IComputeEngine
{
    /// <summary>Where the work runs: "cpu", "cuda:0", "libtorch-cpu", ...</summary>
    string Name { get; }

    /// <summary>Trains a biased matrix factorization model.</summary>
    /// <param name="train">Training interactions.</param>
    /// <param name="validation">Optional held-out interactions (same id maps or an extension of them) for per-epoch validation RMSE and early stopping.</param>
    /// <param name="options">Validated hyperparameters.</param>
    /// <param name="progress">Receives one report per epoch.</param>
    /// <param name="cancellationToken">Stops training between (or inside) epochs.</param>
    FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken);

    /// <summary>Clusters the rows of a matrix with k-means.</summary>
    KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// The engine's implementation of a capability kernel (<c>IImplicitAlsKernel</c>, <c>IBprKernel</c>, ...),
    /// or null when the engine lacks it. Known before training starts, so <see cref="Device.Auto"/> can fall
    /// back per algorithm and say so, and tests skip what an engine lacks.
    /// </summary>
    T? TryGetKernel<T>()
        where T : class => this as T;

    /// <summary>Fits an L2-regularised logistic regression (with intercept) on an already encoded design matrix.</summary>
    LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken);
}
