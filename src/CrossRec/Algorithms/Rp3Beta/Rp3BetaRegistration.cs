using CrossRec.Engines.Cpu.Rp3Beta;

namespace CrossRec.Algorithms.Rp3Beta;

/// <summary>RP3beta's entry in <see cref="AlgorithmRegistry"/>.</summary>
internal static class Rp3BetaRegistration
{
    public static AlgorithmRegistration Entry { get; } = new("rp3beta", "RP3beta", (_, threads) => AlgorithmRegistration.Set(Recommenders.Rp3Beta(), threads, (b, v) => b.Threads(v)))
    {
        AutoCandidate = false, // below item-kNN, EASE and implicit ALS on validation: docs/decisions/rp3beta-defaults.md
        ModelKind = "rp3beta",
        Read = Rp3BetaModel.Read,
        CpuKernel = new CpuRp3BetaKernel(),
        TuningAxes =
        [
            b => Rp3(b) is var r ? [r.Beta(Math.Max(0, r.Options.Beta - 0.1f)), r.Beta(Math.Min(5, r.Options.Beta + 0.1f))] : [],
            b => Rp3(b) is var r ? [r.Neighbors(Math.Max(1, r.Options.Neighbors / 2)), r.Neighbors(Math.Min(100_000, r.Options.Neighbors * 2))] : [],
        ],
    };

    private static Rp3BetaBuilder Rp3(IRecommenderBuilder b) => (Rp3BetaBuilder)b;
}
