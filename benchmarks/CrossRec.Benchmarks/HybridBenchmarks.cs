using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace CrossRec.Benchmarks;

/// <summary>
/// Fit time and allocations of the hybrid recommender (WARP over features plus identity features, its defaults) next to
/// implicit ALS (the baseline, its defaults) on the accuracy suite's training parts (per-user 80/20, seed 42):
/// <c>ml-100k</c> with <c>u.item</c> genres and release years and <c>u.user</c> age bands, gender and occupation;
/// <c>lastfm-2k</c>, which has no item metadata here, with identity features only. Needs <c>CROSSREC_DATA</c>.
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*HybridBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class HybridBenchmarks
{
    private InteractionSet? _train;
    private FeatureSet? _items;
    private FeatureSet? _users;

    /// <summary>The dataset.</summary>
    [Params("ml-100k", "lastfm-2k")]
    public string Dataset { get; set; } = "ml-100k";

    [GlobalSetup]
    public void Setup()
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA") ?? throw new InvalidOperationException("Set CROSSREC_DATA to the folder holding ml-100k/ and lastfm-2k/.");
        var data = Dataset == "ml-100k"
            ? MovieLens.Load100K(Path.Combine(root, "ml-100k", "u.data"))
            : DelimitedFile.Load(Path.Combine(root, "lastfm-2k", "user_artists.dat"), new DelimitedFormat { Delimiter = "\t", Header = HeaderMode.Present, User = 0, Item = 1, Rating = 2 });
        _train = data.SplitPerUser(0.2, 42).Train;
        if (Dataset == "ml-100k")
        {
            _items = MovieLens.LoadItemFeatures100K(Path.Combine(root, "ml-100k"));
            _users = MovieLens.LoadUserFeatures100K(Path.Combine(root, "ml-100k"));
        }
    }

    /// <summary>Implicit ALS with its defaults.</summary>
    [Benchmark(Baseline = true, Description = "implicit ALS fit")]
    public object ImplicitAls() => Recommenders.ImplicitAls().Fit(_train!);

    /// <summary>The hybrid with its defaults and the dataset's features.</summary>
    [Benchmark(Description = "hybrid fit")]
    public object Hybrid() => Recommenders.Hybrid().ItemFeatures(_items).UserFeatures(_users).Fit(_train!);
}
