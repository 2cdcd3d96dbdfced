namespace CrossRec.Engines;

/// <summary>
/// Shorthands that ask an engine for a kernel and call it: <c>engine.Factorize(...)</c> is
/// <c>engine.TryGetKernel&lt;IFactorizationKernel&gt;()!.Factorize(...)</c>, with a clear error when the engine lacks it.
/// </summary>
internal static class EngineKernels
{
    /// <summary>The engine's kernel of type <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException">The engine has no such kernel.</exception>
    public static T Kernel<T>(this IComputeEngine engine)
        where T : class => engine.TryGetKernel<T>() ?? throw new NotSupportedException($"The {engine.Name} engine has no {typeof(T).Name}.");

    /// <inheritdoc cref="IFactorizationKernel.Factorize"/>
    public static FactorizationModel Factorize(this IComputeEngine engine, InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken)
        => engine.Kernel<IFactorizationKernel>().Factorize(train, validation, options, progress, cancellationToken);

    /// <inheritdoc cref="IKMeansKernel.Cluster"/>
    public static KMeansResult Cluster(this IComputeEngine engine, ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken)
        => engine.Kernel<IKMeansKernel>().Cluster(points, options, progress, cancellationToken);

    /// <inheritdoc cref="ILogisticKernel.FitLogistic"/>
    public static LogisticFit FitLogistic(this IComputeEngine engine, ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken)
        => engine.Kernel<ILogisticKernel>().FitLogistic(x, y, options, cancellationToken);
}
