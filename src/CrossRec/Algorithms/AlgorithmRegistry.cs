namespace CrossRec.Algorithms;

/// <summary>
/// The top-N algorithms this library knows, in <see cref="Recommenders.Auto"/>'s order: one line per algorithm,
/// each pointing at the registration its folder declares.
/// </summary>
public static class AlgorithmRegistry
{
    /// <summary>Every registered algorithm; <see cref="Recommenders.Auto"/> tries the <see cref="AlgorithmRegistration.AutoCandidate"/> ones in this order.</summary>
    public static IReadOnlyList<AlgorithmRegistration> All { get; } =
    [
        Popularity.PopularityRegistration.Entry,
        ImplicitAls.ImplicitAlsRegistration.Entry,
        Ease.EaseRegistration.Entry,
        ItemKnn.ItemKnnRegistration.Entry,
        Rp3Beta.Rp3BetaRegistration.Entry,
        Bpr.BprRegistration.Entry,
        Hybrid.HybridRegistration.Entry,
        BiasedMf.BiasedMfRegistration.Entry,
        Blend.BlendRegistration.Entry,
        Mapped.MappedRegistration.Entry,
        Auto.AutoRegistration.Entry,
    ];

    /// <summary>The algorithm called <paramref name="name"/> (case-sensitive), or null.</summary>
    public static AlgorithmRegistration? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    /// <summary>The names of every algorithm that <see cref="AlgorithmRegistration.Create"/> can build, for messages and usage text.</summary>
    public static IReadOnlyList<string> CreatableNames => [.. All.Where(a => a.CanCreate).Select(a => a.Name)];

    internal static AlgorithmRegistration? ForModelKind(string kind) => All.FirstOrDefault(a => a.ModelKind == kind);

    internal static IEnumerable<string> ModelKinds => All.Where(a => a.ModelKind is not null).Select(a => a.ModelKind!);

    internal static AlgorithmRegistration? ForBuilder(IRecommenderBuilder builder) => Find(builder.Algorithm);

    /// <summary>The managed engine's kernel of type <typeparamref name="T"/>, from whichever registration provides it.</summary>
    internal static T? CpuKernel<T>()
        where T : class
    {
        foreach (var a in All)
        {
            if (a.CpuKernel is T kernel)
            {
                return kernel;
            }
        }

        return null;
    }
}
