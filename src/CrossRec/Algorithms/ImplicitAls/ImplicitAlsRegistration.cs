namespace CrossRec.Algorithms.ImplicitAls;

/// <summary>Implicit ALS's entry in <see cref="AlgorithmRegistry"/>.</summary>
internal static class ImplicitAlsRegistration
{
    /// <summary>Auto's tuning step: the knobs are scales, so steps are multiplicative and wide enough to beat the split's noise.</summary>
    private const float Step = 2.5f;

    public static AlgorithmRegistration Entry { get; } = new("ials", "implicit ALS", (seed, threads) => AlgorithmRegistration.Set(AlgorithmRegistration.Set(Recommenders.ImplicitAls(), seed, (b, v) => b.Seed(v)), threads, (b, v) => b.Threads(v)))
    {
        AutoCandidate = true,
        ModelKind = ImplicitAlsModel.Kind,
        Read = ImplicitAlsModel.Read,
        CpuKernel = new CpuImplicitAlsKernel(),
        TuningAxes =
        [
            b => Als(b) is var a ? [a.Regularization(a.Options.Regularization / Step), a.Regularization(a.Options.Regularization * Step)] : [],
            b => Als(b) is var a ? [a.Alpha(a.Options.Alpha / Step), a.Alpha(a.Options.Alpha * Step)] : [],
            b => Als(b) is var a ? [a.Factors(a.Options.Factors * 2)] : [],
        ],
    };

    private static ImplicitAlsBuilder Als(IRecommenderBuilder b) => (ImplicitAlsBuilder)b;
}
