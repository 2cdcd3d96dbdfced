namespace CrossRec.Algorithms.Bpr;

/// <summary>BPR's entry in <see cref="AlgorithmRegistry"/> (not an Auto candidate by default: it trails implicit ALS on every accuracy dataset, see docs/accuracy.md).</summary>
internal static class BprRegistration
{
    public static AlgorithmRegistration Entry { get; } = new("bpr", "BPR", (seed, threads) => AlgorithmRegistration.Set(AlgorithmRegistration.Set(Recommenders.Bpr(), seed, (b, v) => b.Seed(v)), threads, (b, v) => b.Threads(v)))
    {
        ModelKind = "bpr",
        Read = BprModel.Read,
        CpuKernel = new CpuBprKernel(),
    };
}
