namespace CrossRec.Engines.Cpu.Logistic;

/// <summary>The managed engine's logistic-regression kernel (Newton or L-BFGS: <see cref="LogisticTrainer"/>).</summary>
internal sealed class CpuLogisticKernel : ILogisticKernel
{
    /// <inheritdoc />
    public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken)
        => LogisticTrainer.Fit(x, y, options, CpuEngine.EngineName, cancellationToken);
}
