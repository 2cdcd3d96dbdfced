using System.Collections.Concurrent;
using System.Diagnostics;
using CrossRec.Persistence;

namespace CrossRec.Serving.Approximate;

/// <summary>
/// The approximate index of a factor model: its items split into norm bands, one <see cref="HnswGraph"/> per band, and the
/// search that goes through the bands from the largest norms down, walking each band's graph (or scanning a band of at
/// most <see cref="ApproximateServingOptions.ScanFactor"/> × <see cref="EfSearch"/> items whole), re-scores exactly what each finds
/// (unless its compact score shows that it cannot enter the list) and stops at the first band whose best possible score
/// cannot enter the list, or, with a <see cref="StopRatio"/> below 1, whose items would need a cosine to the query
/// above it to enter.
/// </summary>
/// <remarks>
/// <para><b>Why bands.</b> The augmentation that turns inner products into distances (<see cref="HnswGraph"/>) gives
/// every item the norm of the largest one; when norms vary (popular items get longer vectors), most items end up
/// crowded near one pole of the augmented sphere, far from every query, and a graph search over them finds the best
/// items poorly. Measured on 6,000 items, k = 16, log-normal norms (σ = 0.5): recall@10 0.36 at efSearch = 100 over one
/// graph, 1.00 when the same vectors had equal norms. Norm-range partitioning (Yan et al. 2018) fixes this: a band holds
/// items whose norms lie within a factor <see cref="BandRatio"/> of each other, so each band's augmentation is mild.</para>
/// <para><b>Exact pruning of bands.</b> No item of a band scores above |[p, 1]| · (the band's largest |[q_j, b_j]|)
/// (Cauchy–Schwarz); once the list holds N items scoring more than that, the band and every band after it are skipped.</para>
/// <para>Immutable after the build; safe to share across threads.</para>
/// </remarks>
internal sealed class MipsIndex
{
    /// <summary>The tag of the model-file section that holds the index.</summary>
    internal const string SectionTag = "ANNI";

    /// <summary>
    /// Largest ratio of the longest to the shortest item vector in one band. Narrower bands augment more mildly (every band
    /// walked, 20k items: ratio 1.5 recall@10 0.958 at efSearch 80, 2 0.773, 4 0.183, one band 0.046) and let the stop
    /// ratio skip more of the items near the top norms, but add walks: 1.35 against 1.5 served 1M isotropic factors twice
    /// as fast, structured ones 1.2× faster and σ 0.70 ones 1.3× slower; 1.25 slowed σ 0.70 1.6-fold (docs/performance.md).
    /// </summary>
    internal const double BandRatio = 1.35;

    /// <summary>Largest scan factor a file may hold (a calibrated one is at most twice the default).</summary>
    internal const int MaxScanFactor = 1 << 20;

    /// <summary>Fewest items of a band (a band of the longest outliers is widened to this many; the last band takes the rest).</summary>
    internal const int MinBand = 64;

    /// <summary>
    /// Version 2 adds the calibration (target recall, chosen efSearch, measured recall), version 3 the scan factor and
    /// stop ratio it chose with efSearch; versions 1 and 2 still load (they search with the defaults, 256 and 1).
    /// </summary>
    private const int SectionVersion = 3;

    private readonly FactorScoring _scoring;
    private readonly HnswGraph[] _bands;
    private readonly float[] _bandNorms;
    private readonly ConcurrentBag<Marks> _marks;
    private readonly SearchCost? _cost;

    private MipsIndex(ApproximateServingOptions options, ApproximateServingCalibration? calibration, FactorScoring scoring, HnswGraph[] bands, float[] bandNorms, ConcurrentBag<Marks> marks, SearchCost? cost = null)
    {
        if ((options.EfSearch is null) == (calibration is null))
        {
            throw new InvalidOperationException("An index searches with either an explicit efSearch or a calibrated one.");
        }

        Options = options;
        Calibration = calibration;
        EfSearch = options.EfSearch ?? calibration!.EfSearch;
        ScanFactor = calibration?.ScanFactor ?? options.ScanFactor;
        StopRatio = calibration?.StopRatio ?? options.StopRatio;
        _cost = cost;
        _scoring = scoring;
        _bands = bands;
        _bandNorms = bandNorms;
        _marks = marks;
    }

    /// <summary>The options the index was built (and is searched) with, as given (efSearch null when calibrated).</summary>
    public ApproximateServingOptions Options { get; }

    /// <summary>The calibration that chose <see cref="EfSearch"/>; null when the options set it.</summary>
    public ApproximateServingCalibration? Calibration { get; }

    /// <summary>The efSearch lists are searched with.</summary>
    public int EfSearch { get; }

    /// <summary>Bands of at most this many × <see cref="EfSearch"/> items are scanned whole (calibrated, or the options').</summary>
    public int ScanFactor { get; }

    /// <summary>The search ends at the first band whose items would need a cosine above this to enter the list (calibrated, or the options').</summary>
    public double StopRatio { get; }

    /// <summary>Norm bands (graphs).</summary>
    public int Bands => _bands.Length;

    /// <summary>Bytes of the graphs, not counting the model's factors they search.</summary>
    public long Bytes => _bands.Sum(b => b.Bytes) + (_bandNorms.Length * sizeof(float));

    /// <summary>True when <paramref name="options"/> build the graphs this index has (M, efConstruction and seed equal).</summary>
    public bool BuiltWith(ApproximateServingOptions options) =>
        options.M == Options.M && options.EfConstruction == Options.EfConstruction && options.Seed == Options.Seed;

    /// <summary>
    /// The same graphs searched with other search options (the build options must be equal): the options' efSearch, or
    /// the calibrated one when it is null (<paramref name="calibration"/> must then be given).
    /// </summary>
    public MipsIndex WithSearch(ApproximateServingOptions options, ApproximateServingCalibration? calibration = null) => new(options, calibration, _scoring, _bands, _bandNorms, _marks);

    /// <summary>The same index, adding the work of every search to <paramref name="cost"/> (calibration's measure).</summary>
    public MipsIndex Counting(SearchCost cost) => new(Options, Calibration, _scoring, _bands, _bandNorms, _marks, cost);

    /// <summary>
    /// Builds the graphs over <paramref name="scoring"/>'s items (options already validated); the index searches with
    /// <paramref name="efSearch"/> until <see cref="WithSearch"/> gives it its own.
    /// </summary>
    public static MipsIndex Build(FactorScoring scoring, ApproximateServingOptions options, int efSearch, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var n = scoring.Items;
        var watch = Stopwatch.StartNew();
        var norms = new double[n];
        var order = new int[n];
        for (var j = 0; j < n; j++)
        {
            norms[j] = Math.Sqrt(HnswGraph.SquaredNorm(scoring, j));
            order[j] = j;
        }

        // Longest first, ties by index.
        Array.Sort(order, (a, b) => norms[a] != norms[b] ? norms[b].CompareTo(norms[a]) : a.CompareTo(b));
        var bandIds = new List<int[]>();
        var bandNorms = new List<float>();
        for (var start = 0; start < n;)
        {
            var top = norms[order[start]];
            var end = start + 1;
            while (end < n && (end - start < MinBand || norms[order[end]] * BandRatio >= top))
            {
                end++;
            }

            if (n - end < MinBand)
            {
                end = n;
            }

            var ids = order[start..end];
            Array.Sort(ids);
            bandIds.Add(ids);

            // Rounded up so that the bound is never below a score of the band.
            bandNorms.Add(MathF.BitIncrement((float)top));
            start = end;
        }

        var random = new Random(options.Seed);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = ThreadCount.Effective(options.Threads), CancellationToken = cancellationToken };
        var inserted = 0;
        var reported = 0;
        void Inserted(int count)
        {
            inserted += count;
            if (progress is not null && (inserted - reported >= n / 100 || inserted == n))
            {
                reported = inserted;
                progress.Report(new TrainingProgress("hnsw", inserted, n, double.NaN, watch.Elapsed, "cpu") { Percent = 100.0 * inserted / n });
            }
        }

        var bands = bandIds.Select(ids => HnswGraph.Build(scoring, ids, options, random, parallel, Inserted)).ToArray();
        return new MipsIndex(options with { EfSearch = efSearch }, null, scoring, bands, [.. bandNorms], new ConcurrentBag<Marks>());
    }

    /// <summary>
    /// The best <paramref name="count"/> allowed items for <paramref name="query"/>, exactly scored (the dot of
    /// <see cref="ServingKernel.Dot"/>, then the item bias, then <paramref name="offset"/>, the order of the exact path),
    /// best first, into <paramref name="index"/>/<paramref name="scores"/>; returns how many. Allowed: not in
    /// <paramref name="exclude"/> and <paramref name="mask"/>[j] true (null: every item; <paramref name="allowed"/> items).
    /// A mask that allows at most 1/16 of the catalogue is served by an exact pass over the allowed items.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, float? offset, int count, bool[]? mask, int allowed, ReadOnlySpan<int> exclude, Span<int> index, Span<float> scores)
    {
        var n = _scoring.Items;
        var marks = _marks.TryTake(out var m) ? m : new Marks(n);
        try
        {
            var mark = marks.Next();
            foreach (var j in exclude)
            {
                marks.Excluded[j] = mark;
            }

            var top = new TopK(index, scores);
            if (mask is not null && allowed <= n / 16)
            {
                for (var j = 0; j < n; j++)
                {
                    if (mask[j] && marks.Excluded[j] != mark)
                    {
                        top.Offer(j, Score(query, offset, j));
                    }
                }

                return top.SortDescending();
            }

            var ef = Math.Max(count, EfSearch);
            if (mask is not null)
            {
                // A search keeps about ef × allowed / n allowed items among the ef it would find unfiltered: widen it.
                ef = (int)Math.Min(n, (long)ef * n / Math.Max(1, allowed));
            }

            double queryNorm = 0;
            foreach (var v in query)
            {
                queryNorm += (double)v * v;
            }

            queryNorm = Math.Sqrt(queryNorm + (_scoring.ItemBias is null ? 0 : 1));
            var found = marks.Found;
            long walked = 0, scanned = 0, rescored = 0;
            for (var b = 0; b < _bands.Length; b++)
            {
                if (top.Count >= index.Length && index.Length > 0)
                {
                    // The lowest kept score, without the user's constant, against the band's best possible score.
                    var lowest = (double)top.Lowest - (offset ?? 0f);
                    var bound = queryNorm * _bandNorms[b];
                    if (lowest > (StopRatio * bound) + Tolerance(bound))
                    {
                        break;
                    }
                }

                found.Clear();
                var band = _bands[b];
                double slack;
                if (band.Count <= ScanFactor * (long)ef)
                {
                    var floor = float.NegativeInfinity;
                    if (top.Count >= index.Length && index.Length > 0)
                    {
                        var lowest = (double)top.Lowest - (offset ?? 0f);
                        floor = (float)(lowest - Tolerance(lowest));
                    }

                    slack = band.Scan(query, floor, mask, marks.Excluded, mark, found);
                    scanned += band.Count;
                }
                else
                {
                    slack = band.Search(query, ef, mask, marks.Excluded, mark, found, out var scored);
                    walked += scored;
                }

                foreach (var (j, approximate) in found)
                {
                    // Re-scored exactly unless even its largest possible exact score is below the full list's lowest.
                    if (top.Count >= index.Length && index.Length > 0)
                    {
                        var most = approximate + slack;
                        if ((double)top.Lowest - (offset ?? 0f) > most + Tolerance(most))
                        {
                            continue;
                        }
                    }

                    top.Offer(j, Score(query, offset, j));
                    rescored++;
                }
            }

            _cost?.Add(walked, scanned, rescored);
            return top.SortDescending();
        }
        finally
        {
            _marks.Add(marks);
        }
    }

    /// <summary>The float rounding allowed around a bound or a score before an item or band is skipped on its account.</summary>
    private static double Tolerance(double value) => (1e-5 * Math.Abs(value)) + 1e-6;

    /// <summary>The exact path's score of item j: the dot in its order, then the item bias, then the user's constant.</summary>
    private float Score(ReadOnlySpan<float> query, float? offset, int j)
    {
        var k = _scoring.Factors;
        var s = ServingKernel.Dot(query, _scoring.ItemFactors.AsSpan(j * k, k));
        if (_scoring.ItemBias is { } bias)
        {
            s += bias[j];
        }

        if (offset is { } o)
        {
            s += o;
        }

        return s;
    }

    /// <summary>
    /// Writes the index as the <see cref="SectionTag"/> section: version, items, k, biases, M, efConstruction, efSearch
    /// (0: calibrated), seed, target recall, whether calibrated (then the chosen efSearch, the recall measured, its lower
    /// bound and the sample's users), the band norms, the graphs.
    /// </summary>
    public void Write(ModelFileWriter file)
    {
        var payload = new PayloadWriter()
            .Int32(SectionVersion).Int32(_scoring.Items).Int32(_scoring.Factors).Boolean(_scoring.ItemBias is not null)
            .Int32(Options.M).Int32(Options.EfConstruction).Int32(Options.EfSearch ?? 0).Int32(Options.Seed)
            .Double(Options.TargetRecall).Boolean(Calibration is not null);
        if (Calibration is { } c)
        {
            payload.Int32(c.EfSearch).Double(c.Recall).Double(c.LowerBound).Int32(c.Users).Int32(c.ScanFactor).Double(c.StopRatio);
        }

        payload.Singles(_bandNorms);
        foreach (var band in _bands)
        {
            band.Write(payload);
        }

        file.Add(SectionTag, payload);
    }

    /// <summary>
    /// Reads and validates the <see cref="SectionTag"/> section against the model's factors: the item count, k and
    /// biases must match, every option be in range, every item be in exactly one band, the band norms bound the items'
    /// norms, and every graph be well formed (<see cref="HnswGraph.Read"/>). Version 1 (before calibration) holds an
    /// explicit efSearch and no target; it loads with the default target.
    /// </summary>
    public static MipsIndex Read(ModelFileReader file, FactorScoring scoring)
    {
        var s = file.Section(SectionTag);
        var version = s.Int32();
        if (version is < 1 or > SectionVersion)
        {
            throw s.Fail($"approximate-index format version {version}; this CrossRec version reads versions 1 to {SectionVersion}");
        }

        var n = s.Int32();
        var k = s.Int32();
        var hasBias = s.Boolean();
        if (n != scoring.Items || k != scoring.Factors || hasBias != (scoring.ItemBias is not null))
        {
            throw s.Fail($"the index is for {n} items × {k} factors{(hasBias ? " with item biases" : string.Empty)}; the model has {scoring.Items} items × {scoring.Factors} factors{(scoring.ItemBias is not null ? " with item biases" : string.Empty)}");
        }

        var options = new ApproximateServingOptions { M = s.Int32(), EfConstruction = s.Int32(), EfSearch = s.Int32(), Seed = s.Int32() };
        ApproximateServingCalibration? calibration = null;
        if (version >= 2)
        {
            options = options with { EfSearch = options.EfSearch == 0 ? null : options.EfSearch, TargetRecall = s.Double() };
            var calibrated = s.Boolean();
            if (calibrated != options.EfSearch is null)
            {
                throw s.Fail(calibrated ? "a calibrated index with an explicit efSearch" : "an index with neither an explicit nor a calibrated efSearch");
            }

            if (calibrated)
            {
                var ef = s.Int32();
                var recall = s.Double();
                var bound = s.Double();
                var users = s.Int32();
                var (scanFactor, stopRatio) = version >= 3 ? (s.Int32(), s.Double()) : (ApproximateServingOptions.DefaultScanFactor, 1.0);
                calibration = new ApproximateServingCalibration(ef, recall, bound, options.TargetRecall, users, scanFactor, stopRatio);
                if (calibration.EfSearch is < 1 or > 65536 || !(calibration.Recall is >= 0 and <= 1) || !(bound >= 0 && bound <= recall) || calibration.Users < 0
                    || scanFactor is < 0 or > MaxScanFactor || !(stopRatio is > 0 and <= 1))
                {
                    throw s.Fail($"calibration out of range (efSearch {calibration.EfSearch}, recall {calibration.Recall}, lower bound {bound}, users {calibration.Users}, scan factor {scanFactor}, stop ratio {stopRatio})");
                }
            }
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw s.Fail($"index option out of range ({e.Message})");
        }

        var bandNorms = s.Singles();
        var claimed = new bool[n];
        var bands = new HnswGraph[bandNorms.Length];
        for (var b = 0; b < bands.Length; b++)
        {
            bands[b] = HnswGraph.Read(s, options.M, scoring, claimed);
            if (!(bandNorms[b] >= 0) || (b > 0 && bandNorms[b] > bandNorms[b - 1]))
            {
                throw s.Fail($"band {b}'s norm {bandNorms[b]} is not finite, negative or above the band before it");
            }

            foreach (var j in bands[b].Ids)
            {
                if (Math.Sqrt(HnswGraph.SquaredNorm(scoring, j)) > bandNorms[b])
                {
                    throw s.Fail($"item {j} is longer than its band's norm {bandNorms[b]}");
                }
            }
        }

        s.End();
        if (Array.IndexOf(claimed, false) is var missing and >= 0)
        {
            throw s.Fail($"item {missing} is in no band");
        }

        return new MipsIndex(options, calibration, scoring, bands, bandNorms, new ConcurrentBag<Marks>());
    }

    /// <summary>One request's excluded-item marks (by generation, cleared only on wrap-around) and its candidate list.</summary>
    private sealed class Marks(int n)
    {
        private int _mark;

        public int[] Excluded { get; } = new int[n];

        public List<(int Item, float Score)> Found { get; } = [];

        public int Next()
        {
            if (++_mark == int.MaxValue)
            {
                Array.Clear(Excluded);
                _mark = 1;
            }

            return _mark;
        }
    }
}

/// <summary>
/// The work of the searches of an index (<see cref="MipsIndex.Counting"/>), counted the same on every machine and thread
/// count: codes scored by graph walks, codes scored by band scans, items re-scored exactly, lists. Thread-safe.
/// </summary>
internal sealed class SearchCost
{
    /// <summary>
    /// Scan codes that cost as much as one code scored by a walk or one exact re-score: a walk or a re-score reads a node
    /// from a scattered address, a scan reads nodes in memory order. Measured at 1M items, k = 64 (σ 0.70 structured
    /// catalogue, one request at a time): 53–73 ns per walked code against 6.1 ns per scanned code; at 200k items 40
    /// against 6.3 ns.
    /// </summary>
    internal const long ScatteredWeight = 8;

    private long _walked;
    private long _scanned;
    private long _rescored;
    private long _lists;

    /// <summary>Codes scored by walks.</summary>
    public long Walked => Interlocked.Read(ref _walked);

    /// <summary>Codes scored by scans.</summary>
    public long Scanned => Interlocked.Read(ref _scanned);

    /// <summary>Items re-scored exactly.</summary>
    public long Rescored => Interlocked.Read(ref _rescored);

    /// <summary>Lists searched.</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>The work per list, in scanned-code units: scanned + <see cref="ScatteredWeight"/> × (walked + re-scored).</summary>
    public double PerList => Lists == 0 ? 0 : (Scanned + (ScatteredWeight * (Walked + Rescored))) / (double)Lists;

    /// <summary>Adds one list's work.</summary>
    public void Add(long walked, long scanned, long rescored)
    {
        Interlocked.Add(ref _walked, walked);
        Interlocked.Add(ref _scanned, scanned);
        Interlocked.Add(ref _rescored, rescored);
        Interlocked.Increment(ref _lists);
    }
}
