namespace CrossRec.Algorithms.BiasedMf;

/// <summary>Biased matrix factorization's entry in <see cref="AlgorithmRegistry"/> (a ratings model; not an Auto candidate for top-N).</summary>
internal static class BiasedMfRegistration
{
    public static AlgorithmRegistration Entry { get; } = new("biased-mf", "biased MF", (seed, threads) => AlgorithmRegistration.Set(AlgorithmRegistration.Set(Factorization.Biased(), seed, (b, v) => b.Seed(v)), threads, (b, v) => b.Threads(v)))
    {
        ModelKind = "factorization",
        Read = FactorizationModel.Read,
        CpuKernel = new CpuFactorizationKernel(),
    };
}
