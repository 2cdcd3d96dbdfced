namespace CrossRec.Algorithms;

/// <summary>
/// Everything the library needs to know about one top-N algorithm: its name (the builder's
/// <see cref="IRecommenderBuilder.Algorithm"/> tag and the trainer's <c>--algorithm</c> value), how to make a builder
/// with its documented defaults, and whether <see cref="Recommenders.Auto"/> considers it.
/// </summary>
/// <remarks>
/// Each algorithm folder (<c>Algorithms/&lt;Name&gt;/</c>) declares one registration and
/// <see cref="AlgorithmRegistry"/> lists it once; model loading, <see cref="Recommenders.Auto"/>, its tuning and the
/// trainer's command line read the registry, so no other list of algorithms exists.
/// </remarks>
public sealed class AlgorithmRegistration
{
    private readonly Func<int?, int?, IRecommenderBuilder>? _create;

    internal AlgorithmRegistration(string name, string displayName, Func<int?, int?, IRecommenderBuilder>? create)
    {
        Name = name;
        DisplayName = displayName;
        _create = create;
    }

    /// <summary>The algorithm's tag: <see cref="IRecommenderBuilder.Algorithm"/> of its builder and the trainer's <c>--algorithm</c> value.</summary>
    public string Name { get; }

    /// <summary>A name for people ("implicit ALS").</summary>
    public string DisplayName { get; }

    /// <summary>Whether <see cref="Recommenders.Auto"/> tries it when no candidates are given.</summary>
    public bool AutoCandidate { get; internal init; }

    /// <summary>Whether <see cref="Create"/> can make a builder (false for algorithms that combine fitted models, such as a blend).</summary>
    public bool CanCreate => _create is not null;

    /// <summary>The kind tag its models carry in model files (<see cref="Recommender.Load(string)"/>), or null when it saves none of its own.</summary>
    internal string? ModelKind { get; init; }

    /// <summary>Reads a model of <see cref="ModelKind"/>.</summary>
    internal Func<ModelFileReader, RecommenderModel>? Read { get; init; }

    /// <summary>
    /// The knobs <see cref="Recommenders.Auto"/> tunes when this algorithm wins the selection, in order; each maps a
    /// builder to the variants one step either side of its value.
    /// </summary>
    internal IReadOnlyList<Func<IRecommenderBuilder, IReadOnlyList<IRecommenderBuilder>>> TuningAxes { get; init; } = [];

    /// <summary>The managed engine's kernel for this algorithm (<see cref="IComputeEngine.TryGetKernel{T}"/>), if it has one.</summary>
    internal object? CpuKernel { get; init; }

    /// <summary>A builder with the algorithm's documented defaults, seeded and threaded as given where the algorithm takes them.</summary>
    /// <param name="seed">Seed for algorithms with random initialisation or sampling; null keeps the default.</param>
    /// <param name="threads">Threads (0 = all cores; 0..1024); null keeps the default.</param>
    /// <exception cref="NotSupportedException"><see cref="CanCreate"/> is false.</exception>
    public IRecommenderBuilder Create(int? seed = null, int? threads = null) =>
        _create is null ? throw new NotSupportedException($"'{Name}' combines fitted models and has no builder of its own.") : _create(seed, threads);

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Applies <paramref name="value"/> with <paramref name="set"/> when it is given (for the registrations' factories).</summary>
    internal static TBuilder Set<TBuilder>(TBuilder builder, int? value, Func<TBuilder, int, TBuilder> set) => value is { } v ? set(builder, v) : builder;
}
