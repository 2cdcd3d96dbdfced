namespace CrossRec.Engines.Cpu;

/// <summary>
/// The managed CPU engine: multi-threaded, SIMD inner loops (TensorPrimitives / Vector256 with
/// fallbacks), no native dependencies. The default engine of every builder.
/// </summary>
internal sealed partial class CpuEngine : IComputeEngine
{
    private CpuEngine()
    {
    }

    /// <summary>The shared instance (the engine is stateless).</summary>
    public static CpuEngine Default { get; } = new();

    /// <inheritdoc />
    public string Name => "cpu";

    /// <summary>The managed engine's kernel of type <typeparamref name="T"/> (tests and benchmarks call kernels directly).</summary>
    /// <exception cref="NotSupportedException">No registered algorithm provides <typeparamref name="T"/> on this engine.</exception>
    public static T Kernel<T>()
        where T : class => ((IComputeEngine)Default).TryGetKernel<T>() ?? throw new NotSupportedException($"The managed engine has no {typeof(T).Name}.");

    /// <summary>The managed kernels are the algorithms' own (each registration names its <c>CpuKernel</c>).</summary>
    T? IComputeEngine.TryGetKernel<T>()
        where T : class => this as T ?? AlgorithmRegistry.CpuKernel<T>();

    /// <inheritdoc />
    public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Algorithm switch
        {
            FactorizationAlgorithm.Sgd => SgdTrainer.Train(train, validation, options, progress, Name, cancellationToken),
            _ => throw new NotSupportedException($"The CPU engine trains with {nameof(FactorizationAlgorithm.Sgd)}; {options.Algorithm} is available on the Torch engine (CrossRec.Torch)."),
        };
    }

    /// <inheritdoc />
    public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken)
    {
        return KMeansTrainer.Fit(points, options, progress, Name, cancellationToken);
    }

    /// <inheritdoc />
    public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken)
    {
        return LogisticTrainer.Fit(x, y, options, Name, cancellationToken);
    }
}
