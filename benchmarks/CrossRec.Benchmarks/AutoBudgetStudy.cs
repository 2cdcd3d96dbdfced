using System.Diagnostics;
using System.Globalization;

namespace CrossRec.Benchmarks;

/// <summary>
/// What Auto's selection sample costs and saves: on a per-user 80/20 split (seed 42, as the accuracy suite), one
/// default implicit ALS fit, Auto with its defaults, and Auto with the given selection caps (0 = no cap), each
/// timed and scored by NDCG@10 on the test part. Datasets: <c>ml-100k</c> and <c>lastfm-2k</c> from
/// <c>CROSSREC_DATA</c>, and <c>ml20m-like:SCALE</c> (the synthetic set of <see cref="ImplicitAlsBenchmarks"/>).
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- auto-budget DATASET [CAP ...]</c>.
/// The fit times of the budget itself are measured with BenchmarkDotNet in <see cref="AutoBudgetBenchmarks"/>.
/// </summary>
internal static class AutoBudgetStudy
{
    public static void Run(string dataset, IEnumerable<long> caps)
    {
        var data = Load(dataset);
        var (train, test) = data.SplitPerUser(0.2, 42);
        Console.WriteLine($"{dataset}: {train.Count:N0} training rows, {test.Count:N0} test rows, {data.UserCount:N0} users, {data.ItemCount:N0} items");
        var options = new RankingOptions { K = 10 };

        var watch = Stopwatch.StartNew();
        var als = Recommenders.ImplicitAls().Fit(train);
        var alsSeconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"implicit ALS (defaults)        fit {alsSeconds,8:F1} s   NDCG@10 {Evaluation.Ranking(als, test, options).Ndcg:F4}");

        foreach (var cap in caps.Prepend(-1))
        {
            var auto = cap < 0 ? Recommenders.Auto() : Recommenders.Auto().SelectionRows(cap);
            watch.Restart();
            var selection = auto.Select(train);
            var seconds = watch.Elapsed.TotalSeconds;
            var ndcg = Evaluation.Ranking(selection.Model, test, options).Ndcg;
            var label = cap < 0 ? "Auto (defaults)" : $"Auto, selection cap {cap.ToString("N0", CultureInfo.InvariantCulture)}";
            Console.WriteLine($"{label,-30} fit {seconds,8:F1} s   NDCG@10 {ndcg:F4}   {seconds / alsSeconds,5:F2}× ALS   selection rows {selection.SelectionRows:N0}   chose {Describe(selection)}");
        }
    }

    private static string Describe(AutoSelection selection) =>
        selection.Model.Training?.Parameters is { } p && p.TryGetValue("components", out var parts) && p.TryGetValue("weights", out var w) ? $"blend {parts} ({w})" : selection.Algorithm;

    internal static InteractionSet Load(string dataset)
    {
        if (dataset.StartsWith("ml20m-like:", StringComparison.Ordinal))
        {
            return ImplicitAlsBenchmarks.Data(double.Parse(dataset["ml20m-like:".Length..], CultureInfo.InvariantCulture));
        }

        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA") ?? throw new InvalidOperationException("Set CROSSREC_DATA to the folder holding ml-100k/ and lastfm-2k/.");
        return dataset switch
        {
            "ml-100k" => MovieLens.Load100K(Path.Combine(root, "ml-100k", "u.data")),
            "lastfm-2k" => DelimitedFile.Load(
                Path.Combine(root, "lastfm-2k", "user_artists.dat"),
                new DelimitedFormat { Delimiter = "\t", Header = HeaderMode.Present, User = 0, Item = 1, Rating = 2 }),
            _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "ml-100k, lastfm-2k or ml20m-like:SCALE"),
        };
    }
}
