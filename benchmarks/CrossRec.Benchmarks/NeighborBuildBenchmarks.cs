using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace CrossRec.Benchmarks;

/// <summary>
/// Build (Fit) time of item-kNN and EASE with the library defaults, end to end from an
/// <see cref="InteractionSet"/> (the CSR matrix cached on the set is built once in setup, as every second
/// model trained on the same set finds it). Data: MovieLens 100K and Last.fm 2K when <c>CROSSREC_DATA</c>
/// points at them, and the MovieLens-20M-like synthetic set of <see cref="ImplicitAlsBenchmarks"/> at the scale
/// <c>CROSSREC_NEIGHBOR_SCALE</c> (1 by default: 138,493 users, 26,744 items, 20M interactions). EASE's default
/// keeps the 8,192 most popular items of a larger catalogue (its Gram matrix would need n² × 8 bytes), so on the
/// synthetic and Last.fm sets it solves at n = 8,192; item-kNN keeps every item.
/// </summary>
/// <example><c>CROSSREC_DATA=/path/to/data dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*NeighborBuild*'</c></example>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class NeighborBuildBenchmarks
{
    private InteractionSet? _data;

    /// <summary>Data set name.</summary>
    [ParamsSource(nameof(DataSets))]
    public string Data { get; set; } = "";

    /// <summary>The data sets available here.</summary>
    public static IEnumerable<string> DataSets()
    {
        if (Folder("ml-100k") is not null)
        {
            yield return "ml-100k";
        }

        if (Folder("lastfm-2k") is not null)
        {
            yield return "lastfm-2k";
        }

        yield return "ml20m-like";
    }

    [GlobalSetup]
    public void Setup()
    {
        _data = Data switch
        {
            "ml-100k" => MovieLens.Load100K(Path.Combine(Folder("ml-100k")!, "u.data")),
            "lastfm-2k" => DelimitedFile.Load(Path.Combine(Folder("lastfm-2k")!, "user_artists.dat"), new DelimitedFormat { Delimiter = "\t", Header = HeaderMode.Present, User = 0, Item = 1, Rating = 2 }),
            _ => ImplicitAlsBenchmarks.Data(Scale()),
        };
        var m = _data.ToMatrix();
        Console.WriteLine($"// {Data}: {m.UserCount} users, {m.ItemCount} items, {m.NonZeros} distinct pairs; {Environment.ProcessorCount} cores");
    }

    /// <summary>Item-kNN with its defaults (cosine, top-K neighbours per item kept sparse).</summary>
    [Benchmark(Description = "item-kNN fit")]
    public int ItemKnn() => Recommenders.ItemKnn().Fit(_data!).ItemIds.Count;

    /// <summary>EASE with its defaults (Gram matrix, blocked Cholesky inverse, closed-form B).</summary>
    [Benchmark(Description = "EASE fit")]
    public int Ease() => Recommenders.Ease().Fit(_data!).ItemIds.Count;

    private static double Scale() =>
        double.TryParse(Environment.GetEnvironmentVariable("CROSSREC_NEIGHBOR_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 1 ? s : 1.0;

    private static string? Folder(string name)
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA");
        var dir = string.IsNullOrWhiteSpace(root) ? null : Path.Combine(root, name);
        return dir is not null && Directory.Exists(dir) ? dir : null;
    }
}
