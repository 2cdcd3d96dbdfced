namespace CrossRec.Algorithms.Popularity;

/// <summary>Popularity's entry in <see cref="AlgorithmRegistry"/>.</summary>
internal static class PopularityRegistration
{
    public static AlgorithmRegistration Entry { get; } = new("popularity", "popularity", (_, _) => Recommenders.Popularity())
    {
        AutoCandidate = true,
        ModelKind = "popularity",
        Read = PopularityModel.Read,
    };
}
