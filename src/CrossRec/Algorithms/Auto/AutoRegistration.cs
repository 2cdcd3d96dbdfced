namespace CrossRec.Algorithms.Auto;

/// <summary>Auto's entry in <see cref="AlgorithmRegistry"/>: a builder that selects among the others (its models are theirs, so it has no model kind).</summary>
internal static class AutoRegistration
{
    public static AlgorithmRegistration Entry { get; } = new("auto", "Auto", (seed, threads) => AlgorithmRegistration.Set(AlgorithmRegistration.Set(Recommenders.Auto(), seed, (b, v) => b.Seed(v)), threads, (b, v) => b.Threads(v)));
}
