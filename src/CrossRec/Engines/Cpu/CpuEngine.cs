namespace CrossRec;

/// <summary>
/// The managed CPU engine: multi-threaded, SIMD inner loops (TensorPrimitives / Vector256 with
/// fallbacks), no native dependencies. The default engine of every builder.
/// </summary>
public sealed partial class CpuEngine : IComputeEngine
{
    private CpuEngine()
    {
    }

    /// <summary>The shared instance (the engine is stateless).</summary>
    public static CpuEngine Default { get; } = new();

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Algorithm switch
        {
            FactorizationAlgorithm.Sgd => Engines.Cpu.SgdTrainer.Train(train, validation, options, progress, Name, cancellationToken),
            _ => throw new NotSupportedException($"The CPU engine trains with {nameof(FactorizationAlgorithm.Sgd)}; {options.Algorithm} is available on the Torch engine (CrossRec.Torch)."),
        };
    }

    /// <inheritdoc />
    public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken)
    {
        return Engines.Cpu.KMeansTrainer.Fit(points, options, progress, Name, cancellationToken);
    }

    /// <inheritdoc />
    public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken)
    {
        return Engines.Cpu.LogisticTrainer.Fit(x, y, options, Name, cancellationToken);
    }
}
