namespace CrossRec.Engines.Cpu.ImplicitAls;

/// <summary>The managed engine's implicit ALS kernel (code in <c>Engines/Cpu/ImplicitAls/</c>).</summary>
internal sealed class CpuImplicitAlsKernel : IImplicitAlsKernel
{
    /// <inheritdoc />
    IImplicitAlsSession IImplicitAlsKernel.Start(InteractionMatrix data, ImplicitAlsOptions options, ReadOnlySpan<float> userFactors, ReadOnlySpan<float> itemFactors)
        => new Engines.Cpu.ImplicitAls.AlsSession(data, options, userFactors, itemFactors);
}
