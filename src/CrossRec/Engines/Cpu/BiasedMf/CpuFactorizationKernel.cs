namespace CrossRec.Engines.Cpu.BiasedMf;

/// <summary>The managed engine's biased-MF kernel: Hogwild or blocked SGD (<see cref="SgdTrainer"/>).</summary>
internal sealed class CpuFactorizationKernel : IFactorizationKernel
{
    /// <inheritdoc />
    public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Algorithm switch
        {
            FactorizationAlgorithm.Sgd => SgdTrainer.Train(train, validation, options, progress, CpuEngine.EngineName, cancellationToken),
            _ => throw new NotSupportedException($"The CPU engine trains with {nameof(FactorizationAlgorithm.Sgd)}; {options.Algorithm} is available on the Torch engine (CrossRec.Torch)."),
        };
    }
}
