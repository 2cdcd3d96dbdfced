using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace CrossRec.Benchmarks;

/// <summary>
/// Serving throughput of the recommender interface: <see cref="RecommenderModel.RecommendMany"/> (exact
/// top-N, every item scored, seen items excluded, one worker per core with its own buffers) for a batch of
/// users, with 128 latent factors. Both models take the blocked path of factor models
/// (<see cref="ServingKernel"/>: 64 users per pass over the item factors, per-user thresholds;
/// a batch with fewer blocks than workers is also split across the catalogue). The time reported is per
/// batch: lists/s = batch size / time, and recommendations/s = lists/s × <see cref="Count"/>.
/// <list type="bullet">
/// <item><c>ml-100k</c>: implicit ALS (k = 128, 5 iterations, seed 1) on all of MovieLens 100K
/// (<c>CROSSREC_DATA</c>/ml-100k/u.data); batch = its 943 users.</item>
/// <item><c>synthetic-1m</c>: a biased-MF model over a 1,000,000-item catalogue and 2,000 users, factors
/// drawn N(0, 0.1²) (seed 7), 20 seen items per user; batch = 64 users (each scores 10⁶ items).</item>
/// </list>
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*ServingBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class ServingBenchmarks
{
    private const int Factors = 128;
    private RecommenderModel _model = null!;
    private string[] _batch = [];

    /// <summary>The catalogue served.</summary>
    [Params("ml-100k", "synthetic-1m")]
    public string Catalogue { get; set; } = "ml-100k";

    /// <summary>Items per list.</summary>
    [Params(10, 128)]
    public int Count { get; set; }

    /// <summary>Worker threads (0: every core).</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Catalogue == "ml-100k")
        {
            var root = Environment.GetEnvironmentVariable("CROSSREC_DATA") ?? throw new InvalidOperationException("Set CROSSREC_DATA to the folder holding ml-100k/.");
            var data = MovieLens.Load100K(Path.Combine(root, "ml-100k"));
            _model = Recommenders.ImplicitAls().Factors(Factors).Iterations(5).Seed(1).Fit(data);
            _batch = _model.UserIds.AsSpan().ToArray();
        }
        else
        {
            _model = SyntheticCatalogue(2_000, 1_000_000, 7);
            _batch = _model.UserIds.AsSpan()[..64].ToArray();
        }
    }

    /// <summary>A biased-MF model with random factors over a large catalogue (no training: serving cost only).</summary>
    internal static FactorizationModel SyntheticCatalogue(int users, int items, int seed)
    {
        var rng = new Random(seed);
        float Gaussian() => (float)(0.1 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var userFactors = new float[users * Factors];
        var itemFactors = new float[(long)items * Factors];
        for (var i = 0; i < userFactors.Length; i++)
        {
            userFactors[i] = Gaussian();
        }

        for (var i = 0L; i < itemFactors.Length; i++)
        {
            itemFactors[i] = Gaussian();
        }

        var itemBias = new float[items];
        for (var i = 0; i < items; i++)
        {
            itemBias[i] = Gaussian();
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

        var seenValues = Enumerable.Repeat(1f, seen.Length).ToArray();
        return new FactorizationModel(
            IdMap.Create("user", Enumerable.Range(0, users).Select(u => $"u{u}")),
            IdMap.Create("item", Enumerable.Range(0, items).Select(i => $"i{i}")),
            Factors, 0f, new float[users], itemBias, userFactors, itemFactors, offsets, seen, seenValues, null, null, null, null);
    }

    /// <summary>Top-<see cref="Count"/> lists for the whole batch.</summary>
    [Benchmark(Description = "RecommendMany (exact top-N)")]
    public int RecommendMany()
    {
        var lists = _model.RecommendMany(_batch, Count, null, Threads);
        return lists.Count;
    }
}
