namespace CrossRec;

/// <summary>
/// How <see cref="ApproximateServing.WithApproximateServing{TModel}"/> builds and searches the HNSW index of a factor
/// model's items (Malkov and Yashunin 2018) for maximum-inner-product search. Immutable; every value is checked by
/// <see cref="Validate"/> before a build starts, and a bad value names the option and its allowed range.
/// </summary>
public sealed record ApproximateServingOptions
{
    /// <summary>HNSW's M: links per item on the upper layers, twice as many on the bottom layer (4..64). More links: higher recall at the same search effort, more memory (8·M bytes per item) and a slower build.</summary>
    public int M { get; init; } = 16;

    /// <summary>HNSW's efConstruction: candidates kept while an item's links are chosen during the build (8..4096); more: a better graph, a slower build.</summary>
    public int EfConstruction { get; init; } = 100;

    /// <summary>
    /// HNSW's efSearch: candidates kept while a list is searched (1..65536; a list of N items searches at least N), every
    /// one that can enter the list re-scored exactly: the recall/speed knob of serving. Changing only this reuses a model's
    /// index (no rebuild).
    /// </summary>
    public int EfSearch { get; init; } = 100;

    /// <summary>
    /// A norm band of at most this many times <see cref="EfSearch"/> items is scanned in full instead of walked (0: every
    /// band is walked). Internal: the default is the measured crossover; tests set 0 to exercise the walk.
    /// </summary>
    internal int ScanFactor { get; init; } = DefaultScanFactor;

    /// <summary>The default of <see cref="ScanFactor"/> (docs/performance.md, "Approximate serving (HNSW)").</summary>
    internal const int DefaultScanFactor = 256;

    /// <summary>Seed of the random layer assignment: the same model, options and seed give the same index on any thread count.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads of the build (0: every core; 0..<c>ThreadCount.Max</c>).</summary>
    public int Threads { get; init; }

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one and its range.</summary>
    public void Validate()
    {
        Check.Range(M, 4, 64, nameof(M));
        Check.Range(EfConstruction, 8, 4096, nameof(EfConstruction));
        Check.Range(EfSearch, 1, 65536, nameof(EfSearch));
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
    }
}
