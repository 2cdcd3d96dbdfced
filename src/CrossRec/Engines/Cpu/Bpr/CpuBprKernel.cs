namespace CrossRec.Engines.Cpu.Bpr;

/// <summary>The CPU engine's BPR kernel: Hogwild SGD over managed arrays (see <c>Engines/Cpu/Bpr/BprSession.cs</c>).</summary>
internal sealed class CpuBprKernel : IBprKernel
{
    /// <inheritdoc />
    IBprSession IBprKernel.Start(InteractionSet train, BprOptions options) => new BprSession(train, options);
}
