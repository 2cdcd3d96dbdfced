using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace CrossRec.Benchmarks;

/// <summary>
/// Load time of 10 million ratings written once from the synthetic generator, in MovieLens 100K layout
/// (tab-separated) and as CSV with a header, against a naive baseline in the same run
/// (File.ReadLines + string.Split + float.Parse into the same builder), with numeric ids (as MovieLens has)
/// and with prefixed ones.
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*LoadBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class LoadBenchmarks
{
    private string _dir = null!;
    private string _tsv = null!;
    private string _csv = null!;

    /// <summary>Rows in the files.</summary>
    [Params(10_000_000)]
    public int Rows { get; set; }

    /// <summary>"numeric" ids as in MovieLens ("196"), or "prefixed" ids ("u196", "i242").</summary>
    [Params("numeric", "prefixed")]
    public string Ids { get; set; } = "numeric";

    [GlobalSetup]
    public void Setup()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 100_000, Items = 20_000, Ratings = Rows });
        _dir = Path.Combine(Path.GetTempPath(), $"crossrec-load-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _tsv = Path.Combine(_dir, "ratings.data");
        _csv = Path.Combine(_dir, "ratings.csv");
        using (var tsv = new StreamWriter(_tsv))
        using (var csv = new StreamWriter(_csv))
        {
            csv.Write("userId,movieId,rating,timestamp\n");
            for (var r = 0; r < data.Count; r++)
            {
                var u = data.UserIds[data.Users[r]];
                var i = data.ItemIds[data.Items[r]];
                if (Ids == "numeric")
                {
                    u = u[1..]; // the generator's ids are "u123" / "i45"
                    i = i[1..];
                }

                var v = data.Values[r].ToString(CultureInfo.InvariantCulture);
                var t = data.Timestamps[r].ToString(CultureInfo.InvariantCulture);
                tsv.Write($"{u}\t{i}\t{v}\t{t}\n");
                csv.Write($"{u},{i},{v},{t}\n");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark(Baseline = true, Description = "naive: ReadLines + Split + Parse")]
    public int Naive()
    {
        var builder = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        foreach (var line in File.ReadLines(_tsv))
        {
            var f = line.Split('\t');
            builder.Add(f[0], f[1], float.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture));
        }

        return builder.Build().Count;
    }

    [Benchmark(Description = "MovieLens.Load100K (tab-separated)")]
    public int Tsv() => MovieLens.Load100K(_tsv).Count;

    [Benchmark(Description = "MovieLens.LoadCsv (header, quotes honoured)")]
    public int Csv() => MovieLens.LoadCsv(_csv).Count;
}
