using CrossRec.Engines.Cpu.Bpr;

namespace CrossRec;

/// <summary>The CPU engine's BPR kernel: Hogwild SGD over managed arrays (see <c>Engines/Cpu/Bpr/BprSession.cs</c>).</summary>
public sealed partial class CpuEngine : IBprKernel
{
    /// <inheritdoc />
    IBprSession IBprKernel.Start(InteractionSet train, BprOptions options) => new BprSession(train, options);
}
