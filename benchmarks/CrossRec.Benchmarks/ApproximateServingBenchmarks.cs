using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace CrossRec.Benchmarks;

/// <summary>
/// Exact against approximate top-10 serving (<see cref="ApproximateServing.WithApproximateServing{TModel}"/>) side by
/// side, over synthetic implicit-style catalogues of 20k, 200k and 1M items, k = 64, of two shapes: structured (shaped
/// like trained factors, <see cref="StructuredShape"/>) and isotropic, whose item norms vary as popularity does: item j's factors are N(0, 1) times a log-normal scale exp(0.5·z) (so the longest vectors of a 1M catalogue are
/// about 10× the median), users N(0, 1), 20 seen items per user, seed 7 (<see cref="Catalogue"/>). Both paths serve the
/// same batch of 512 users with <see cref="RecommenderModel.RecommendMany"/> (every core): lists/s = 512 / time.
/// <para>The setup builds the index once per catalogue (default options, every core) and prints its build time, the
/// graph's size and the process's peak working set; each efSearch then reuses the graph. Recall@10 against the exact
/// lists of the same 512 users is printed per efSearch ("recall@10 ..." lines in the log).</para>
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*ApproximateServingBenchmarks*' '*ExactServingBaseline*' --inProcess --strategy Monitoring --iterationCount 3 --warmupCount 1 --launchCount 1</c>.
/// </summary>
/// <remarks>No job attribute: run it in process (<c>--inProcess</c>), so that each catalogue's index is built once per run.</remarks>
[MemoryDiagnoser]
public class ApproximateServingBenchmarks
{
    private const int Factors = 64;
    /// <summary>Users of every catalogue.</summary>
    internal const int Users = 2_000;
    private const int Batch = 512;

    /// <summary>σ of the log of the isotropic catalogue's item norms.</summary>
    private const double IsotropicNormSigma = 0.5;
    private const int Count = 10;

    private static readonly Dictionary<(int, CatalogueShape), (RecommenderModel Exact, RecommenderModel Approximate, IReadOnlyList<IReadOnlyList<ScoredItem>> Truth)> Built = [];

    private RecommenderModel _exact = null!;
    private RecommenderModel _approximate = null!;
    private string[] _batch = [];

    /// <summary>Items in the catalogue (<see cref="Sizes"/>).</summary>
    [ParamsSource(nameof(Sizes))]
    public int Items { get; set; }

    /// <summary>The factors' distribution (<see cref="Catalogue(int, int, int, CatalogueShape)"/>).</summary>
    [Params(CatalogueShape.Isotropic, CatalogueShape.Structured)]
    public CatalogueShape Shape { get; set; }

    /// <summary>The search's candidates (efSearch); 0: the default options, which calibrate efSearch, the scan limit and the stop ratio to recall 0.95.</summary>
    [Params(0, 20, 80, 320)]
    public int EfSearch { get; set; }

    /// <summary>
    /// The catalogue sizes: <c>CROSSREC_ANN_BENCH_ITEMS</c> (comma-separated), else 20k, 200k and 1M. Each case builds
    /// its index in its own process unless run in process, and a 1M build takes minutes: see <see cref="Indexed"/> for
    /// the file cache that makes 1M practical.
    /// </summary>
    public static IEnumerable<int> Sizes() => Environment.GetEnvironmentVariable("CROSSREC_ANN_BENCH_ITEMS") is { Length: > 0 } list
        ? list.Split(',').Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture))
        : [20_000, 200_000, 1_000_000];

    [GlobalSetup]
    public void Setup()
    {
        if (!Built.TryGetValue((Items, Shape), out var built))
        {
            var exact = Catalogue(Users, Items, 7, Shape);
            var approximate = Indexed(exact, Shape);
            var batch = exact.UserIds.AsSpan()[..Batch].ToArray();
            var truth = exact.RecommendMany(batch, Count);
            built = (exact, approximate, truth);
            Built[(Items, Shape)] = built;
        }

        _exact = built.Exact;
        _batch = _exact.UserIds.AsSpan()[..Batch].ToArray();
        _approximate = built.Approximate.WithApproximateServing(EfSearch == 0 ? new ApproximateServingOptions() : new ApproximateServingOptions { EfSearch = EfSearch });
        var lists = _approximate.RecommendMany(_batch, Count);
        double hit = 0, total = 0;
        for (var u = 0; u < lists.Count; u++)
        {
            var truth = built.Truth[u].Select(s => s.Index).ToHashSet();
            hit += lists[u].Count(s => truth.Contains(s.Index));
            total += truth.Count;
        }

        var setting = _approximate.ApproximateCalibration?.ToString() ?? FormattableString.Invariant($"efSearch {EfSearch}");
        Console.WriteLine(FormattableString.Invariant($"recall@10 {Shape} {Items} items, {setting}: {hit / total:F4} on the benchmark's 512 users (about half of them in calibration's sample)"));
    }

    /// <summary>
    /// The catalogue's model with its index (built at an explicit efSearch of 20: the build
    /// alone, not the calibration of the default options). With <c>CROSSREC_ANN_BENCH_CACHE</c> set to a folder, the
    /// indexed model is read from <c>ann-SHAPE-ITEMS-SIGMA-bandsRATIO.crossrec</c> there (the band ratio of this build of the
    /// library) when that file holds this very catalogue (its item factors bit for bit), else built and saved there; so that the 1M cases, whose build takes minutes, fit
    /// the in-process toolchain's time limit (build the file first with <c>ann-index SHAPE ITEMS</c>).
    /// </summary>
    /// <param name="exact">The catalogue, as <see cref="Catalogue"/> made it with <see cref="Users"/> users and seed 7.</param>
    /// <param name="shape">Its shape.</param>
    internal static RecommenderModel Indexed(ImplicitAlsModel exact, CatalogueShape shape)
    {
        var items = exact.ItemIds.Count;
        var folder = Environment.GetEnvironmentVariable("CROSSREC_ANN_BENCH_CACHE");
        var sigma = shape == CatalogueShape.Structured ? StructuredShape.ItemNormSigma : IsotropicNormSigma;
        var file = folder is { Length: > 0 } ? Path.Combine(folder, FormattableString.Invariant($"ann-{shape}-{items}-{sigma:F2}-bands{Serving.Approximate.MipsIndex.BandRatio:F2}.crossrec")) : null;
        if (file is not null && File.Exists(file))
        {
            var watch = Stopwatch.StartNew();
            var loaded = Recommender.Load(file);
            if (loaded is ImplicitAlsModel als && als.Approximate is not null && als.ItemFactorArray.AsSpan().SequenceEqual(exact.ItemFactorArray))
            {
                Console.WriteLine(FormattableString.Invariant($"index {shape} {items} items read from {file} in {watch.Elapsed.TotalSeconds:F1} s"));
                return loaded;
            }

            Console.WriteLine($"{file} holds another catalogue: building again");
        }

        var before = GC.GetTotalMemory(true);
        var build = Stopwatch.StartNew();
        var approximate = exact.WithApproximateServing(new ApproximateServingOptions { EfSearch = 20 });
        var seconds = build.Elapsed.TotalSeconds;
        var after = GC.GetTotalMemory(true);
        Console.WriteLine(FormattableString.Invariant($"build {shape} {items} items: {seconds:F1} s on {Environment.ProcessorCount} cores, graph {(after - before) / 1048576.0:F1} MiB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB"));
        if (file is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            approximate.Save(file);
            Console.WriteLine($"saved to {file}");
        }

        return approximate;
    }

    /// <summary>
    /// An implicit-ALS model (no item biases) of the given shape. <see cref="CatalogueShape.Isotropic"/>: item factors
    /// N(0, 1) × exp(0.5·z), users N(0, 1). <see cref="CatalogueShape.Structured"/>: <see cref="StructuredShape"/>.
    /// </summary>
    internal static ImplicitAlsModel Catalogue(int users, int items, int seed, CatalogueShape shape)
    {
        var rng = new Random(seed);
        float Gaussian() => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var userFactors = new float[users * Factors];
        var itemFactors = new float[(long)items * Factors];
        if (shape == CatalogueShape.Structured)
        {
            StructuredShape.Fill(rng, itemFactors, items, userFactors, users, Factors);
        }
        else
        {
            for (var i = 0; i < userFactors.Length; i++)
            {
                userFactors[i] = Gaussian();
            }

            for (var j = 0; j < items; j++)
            {
                var scale = MathF.Exp((float)IsotropicNormSigma * Gaussian());
                for (var f = 0; f < Factors; f++)
                {
                    itemFactors[((long)j * Factors) + f] = Gaussian() * scale;
                }
            }
        }

        const int seenPerUser = 20;
        var offsets = new int[users + 1];
        var seen = new int[users * seenPerUser];
        for (var u = 0; u < users; u++)
        {
            offsets[u + 1] = (u + 1) * seenPerUser;
            var picks = new SortedSet<int>();
            while (picks.Count < seenPerUser)
            {
                picks.Add(rng.Next(items));
            }

            picks.CopyTo(seen, u * seenPerUser);
        }

        var common = new RecommenderModel.CommonSections(
            IdMap.Create("user", Enumerable.Range(0, users).Select(u => $"u{u}")),
            IdMap.Create("item", Enumerable.Range(0, items).Select(i => $"i{i}")),
            offsets, seen, Enumerable.Repeat(1f, seen.Length).ToArray(), null, null, null);
        return new ImplicitAlsModel(common, Factors, userFactors, itemFactors, new ImplicitAlsOptions { Factors = Factors });
    }

    /// <summary>Approximate top-10 for the batch.</summary>
    [Benchmark(Description = "RecommendMany approximate")]
    public int Approximate() => _approximate.RecommendMany(_batch, Count).Count;
}

/// <summary>
/// The exact baseline of <see cref="ApproximateServingBenchmarks"/>: the same catalogues, exact top-10 with the blocked
/// kernel (<see cref="RecommenderModel.RecommendMany"/>, every core) for the first 128 of the same users (two blocks of 64,
/// one per core): lists/s = 128 / time.
/// Run: with <see cref="ApproximateServingBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class ExactServingBaselineBenchmarks
{
    private RecommenderModel _exact = null!;
    private string[] _batch = [];

    /// <summary>Items in the catalogue (<see cref="ApproximateServingBenchmarks.Sizes"/>).</summary>
    [ParamsSource(nameof(Sizes))]
    public int Items { get; set; }

    /// <summary>The sizes of <see cref="ApproximateServingBenchmarks.Sizes"/>.</summary>
    public static IEnumerable<int> Sizes() => ApproximateServingBenchmarks.Sizes();

    /// <summary>The factors' distribution.</summary>
    [Params(CatalogueShape.Isotropic, CatalogueShape.Structured)]
    public CatalogueShape Shape { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _exact = ApproximateServingBenchmarks.Catalogue(2_000, Items, 7, Shape);
        _batch = _exact.UserIds.AsSpan()[..128].ToArray();
    }

    /// <summary>Exact top-10 for the batch.</summary>
    [Benchmark(Description = "RecommendMany exact")]
    public int Exact() => _exact.RecommendMany(_batch, 10).Count;
}
