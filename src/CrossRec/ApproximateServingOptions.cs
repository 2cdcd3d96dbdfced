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
    /// one that can enter the list re-scored exactly: the recall/speed knob of serving. Null (the default): chosen when
    /// the index is built, from a fixed ladder (10, 12, 16, 20, 24, 32, 48, 64, 96, 128, ... up to 1024), together with
    /// which norm bands are scanned whole and how early the search stops going down the bands: of the settings whose
    /// recall@10 against the exact top-10 lists of a seeded sample of the model's own users (up to 1,000, seen items
    /// excluded) reaches <see cref="TargetRecall"/> with 95 % confidence (its one-sided lower bound,
    /// <see cref="ApproximateServingCalibration.LowerBound"/>), the one whose searches did the least work (counted, not
    /// timed, so the same model and options choose the same way on any machine). The choice and the recall it measured
    /// are <see cref="RecommenderModel.ApproximateCalibration"/>. A value: used as given, no calibration, every band that
    /// could hold a better item searched. Changing only this (or <see cref="TargetRecall"/>) reuses a model's index (no
    /// rebuild).
    /// </summary>
    public int? EfSearch { get; init; }

    /// <summary>
    /// The recall@10 the chosen efSearch must reach when <see cref="EfSearch"/> is null (greater than 0, at most 1; default
    /// 0.95): the one-sided 95 % lower confidence bound of the calibration sample's recall must reach it, so that users
    /// like the sample's get at least the target. When even the ladder's largest efSearch misses it, that largest one is
    /// used and <see cref="ApproximateServingCalibration.Reached"/> is false. Ignored when <see cref="EfSearch"/> is set.
    /// </summary>
    public double TargetRecall { get; init; } = 0.95;

    /// <summary>
    /// The largest efSearch calibration tries (the ladder stops here). Internal: the default is
    /// <see cref="DefaultCalibrationCap"/>; tests lower it to reach the fallback.
    /// </summary>
    internal int CalibrationCap { get; init; } = DefaultCalibrationCap;

    /// <summary>The default of <see cref="CalibrationCap"/>.</summary>
    internal const int DefaultCalibrationCap = 1024;

    /// <summary>
    /// A norm band of at most this many times efSearch items is scanned in full instead of walked (0: every
    /// band is walked). Internal: the default is the measured crossover; tests set 0 to exercise the walk.
    /// </summary>
    internal int ScanFactor { get; init; } = DefaultScanFactor;

    /// <summary>The default of <see cref="ScanFactor"/> (docs/performance.md, "Approximate serving (HNSW)").</summary>
    internal const int DefaultScanFactor = 256;

    /// <summary>
    /// The search ends at the first norm band whose longest items would need a cosine to the query above this value to
    /// enter the list (the list's lowest score ÷ (query norm × the band's largest item norm)); 1: only bands that cannot
    /// hold a better item are skipped. Used with an explicit <see cref="EfSearch"/>; calibration chooses its own.
    /// Internal: tests and benchmarks set it.
    /// </summary>
    internal double StopRatio { get; init; } = 1.0;

    /// <summary>
    /// Whether calibration also chooses the scan limit (<see cref="ScanFactor"/> or twice it) and the stop ratio
    /// (<see cref="Serving.Approximate.EfSearchCalibration.StopRatios"/>) with efSearch, by the least search work that reaches the target.
    /// Internal: tests set false to calibrate efSearch alone at these options' scan factor and stop ratio.
    /// </summary>
    internal bool JointCalibration { get; init; } = true;

    /// <summary>Seed of the random layer assignment: the same model, options and seed give the same index on any thread count.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads of the build (0: every core; 0..<c>ThreadCount.Max</c>).</summary>
    public int Threads { get; init; }

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one and its range.</summary>
    public void Validate()
    {
        Check.Range(M, 4, 64, nameof(M));
        Check.Range(EfConstruction, 8, 4096, nameof(EfConstruction));
        if (EfSearch is { } ef)
        {
            Check.Range(ef, 1, 65536, nameof(EfSearch));
        }

        Check.OpenClosed(TargetRecall, 0, 1, nameof(TargetRecall));
        Check.Range(CalibrationCap, 10, 65536, nameof(CalibrationCap));
        Check.OpenClosed(StopRatio, 0, 1, nameof(StopRatio));
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
    }
}
