namespace CrossRec.Algorithms.Ease;

/// <summary>EASE's entry in <see cref="AlgorithmRegistry"/>.</summary>
internal static class EaseRegistration
{
    /// <summary>Auto's tuning step for λ (a scale, so the step is multiplicative).</summary>
    private const float Step = 2.5f;

    public static AlgorithmRegistration Entry { get; } = new("ease", "EASE", (_, threads) => AlgorithmRegistration.Set(Recommenders.Ease(), threads, (b, v) => b.Threads(v)))
    {
        AutoCandidate = true,
        ModelKind = "ease",
        Read = EaseModel.Read,
        CpuKernel = new CpuGramSolver(),
        TuningAxes =
        [
            b => ((EaseBuilder)b) is var e && e.Options.Lambda is { } l
                ? [e.Lambda(l / Step), e.Lambda(l * Step)]
                : [e.LambdaScale(e.Options.LambdaScale / Step), e.LambdaScale(e.Options.LambdaScale * Step)],
        ],
    };
}
