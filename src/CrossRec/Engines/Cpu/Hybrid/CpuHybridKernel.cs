using CrossRec.Algorithms.Hybrid;

namespace CrossRec.Engines.Cpu.Hybrid;

/// <summary>The managed engine's hybrid kernel (see <c>Engines/Cpu/Hybrid/HybridSession.cs</c>).</summary>
internal sealed class CpuHybridKernel : IHybridKernel
{
    /// <inheritdoc />
    IHybridSession IHybridKernel.Start(HybridProblem problem, HybridOptions options) => new HybridSession(problem, options);
}
