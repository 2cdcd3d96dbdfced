using System.Diagnostics;
using System.Globalization;

namespace CrossRec.Benchmarks;

/// <summary>
/// One row of the scaling table (<c>... -- scaling SCALE ALGORITHM</c>): the MovieLens-20M-shaped synthetic set of
/// <see cref="ImplicitAlsBenchmarks"/> at SCALE (1 = 20M interactions), split per user 80/20 (seed 42), one default fit
/// of ALGORITHM (ials, ease, itemknn, bpr or auto) on the 80 %, then NDCG@10 on 2,000 seeded test users. Prints one line:
/// fit seconds, the process's working set before the fit and its peak after it, and the NDCG. One process per row, so
/// the peak is that fit's (plus the data, given separately). The loop over scales and algorithms is in docs/performance.md ("Scaling").
/// </summary>
internal static class ScalingStudy
{
    public static void Run(double scale, string algorithm)
    {
        var data = ImplicitAlsBenchmarks.Data(scale);
        var (train, test) = data.SplitPerUser(0.2, 42);
        var sample = Sample(test, 2_000, 7);
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        IRecommenderBuilder builder = algorithm switch
        {
            "ials" => Recommenders.ImplicitAls(),
            "ease" => Recommenders.Ease(),
            "itemknn" => Recommenders.ItemKnn(),
            "bpr" => Recommenders.Bpr(),
            "auto" => Recommenders.Auto(),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "ials, ease, itemknn, bpr or auto"),
        };
        var watch = Stopwatch.StartNew();
        var model = builder.Fit(train, null, default);
        var seconds = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var peak = process.PeakWorkingSet64;
        var ndcg = Evaluation.Ranking(model, sample, new RankingOptions { K = 10 }).Ndcg;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scale {scale} | {train.Count:N0} training rows, {train.UserCount:N0} users, {train.ItemCount:N0} items | {algorithm} | fit {seconds:F1} s | working set before fit {before / 1048576.0:F0} MiB, peak {peak / 1048576.0:F0} MiB | NDCG@10 {ndcg:F4} ({sample.UserCount:N0} test users) | {model.Training?.Note}"));
    }

    /// <summary>The test rows of <paramref name="users"/> seeded users.</summary>
    private static InteractionSet Sample(InteractionSet test, int users, int seed)
    {
        var rng = new Random(seed);
        var active = test.CountsPerUser().Select((c, u) => (c, u)).Where(p => p.c > 0).Select(p => p.u).ToArray();
        rng.Shuffle(active);
        var keep = active.Take(users).ToHashSet();
        var builder = new InteractionSetBuilder();
        for (var r = 0; r < test.Count; r++)
        {
            if (keep.Contains(test.Users[r]))
            {
                builder.Add(test.UserIds[test.Users[r]], test.ItemIds[test.Items[r]], test.Values[r]);
            }
        }

        return builder.Build("test sample");
    }
}
