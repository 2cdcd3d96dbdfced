using CrossRec.Algorithms.Rp3Beta;

namespace CrossRec.Engines.Cpu.Rp3Beta;

/// <summary>The CPU engine's RP3beta kernel: per-item sparse accumulation of the walk's last two steps (<see cref="Rp3BetaWalk"/>).</summary>
internal sealed class CpuRp3BetaKernel : IRp3BetaKernel
{
    /// <inheritdoc />
    /// <remarks>Bit-identical at any thread count, so <see cref="Rp3BetaWalkOptions.Deterministic"/> changes nothing here.</remarks>
    public ItemNeighbors Walk(InteractionMatrix matrix, ReadOnlyMemory<float> strengths, Rp3BetaWalkOptions options, CancellationToken cancellationToken)
        => Rp3BetaWalk.Weights(matrix, strengths, options, cancellationToken);
}
