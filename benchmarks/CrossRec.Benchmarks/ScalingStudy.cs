using System.Diagnostics;
using System.Globalization;

namespace CrossRec.Benchmarks;

/// <summary>
/// One row of the scaling table (<c>... -- scaling SCALE ALGORITHM</c>): the MovieLens-20M-shaped synthetic set of
/// <see cref="ImplicitAlsBenchmarks"/> at SCALE (1 = 20M interactions), split per user 80/20 (seed 42), one default fit
/// of ALGORITHM (ials, ease, itemknn, bpr, auto; hybrid and Auto with features on synthetic features) on the 80 %, then NDCG@10 on 2,000 seeded test users. Prints one line:
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
            "hybrid" => Recommenders.Hybrid().ItemFeatures(ItemFeatures(train)).UserFeatures(UserFeatures(train)),
            "auto-features" => WithFeatures(train, AutoRequest.WarmUsers),
            "auto-new-items" => WithFeatures(train, AutoRequest.NewItems),
            "auto-new-users" => WithFeatures(train, AutoRequest.NewUsers),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "ials, ease, itemknn, bpr, auto, hybrid, auto-features, auto-new-items or auto-new-users"),
        };
        var watch = Stopwatch.StartNew();
        var selection = (builder as FeatureAutoBuilder)?.Select(train);
        var model = selection?.Model ?? builder.Fit(train, null, default);
        var seconds = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var peak = process.PeakWorkingSet64;
        var ndcg = Evaluation.Ranking(model, sample, new RankingOptions { K = 10 }).Ndcg;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scale {scale} | {train.Count:N0} training rows, {train.UserCount:N0} users, {train.ItemCount:N0} items | {algorithm} | fit {seconds:F1} s | working set before fit {before / 1048576.0:F0} MiB, peak {peak / 1048576.0:F0} MiB | NDCG@10 {ndcg:F4} ({sample.UserCount:N0} test users) | {model.Training?.Note}"));
        if (selection is not null)
        {
            // What the selection tried and what each candidate cost; the model above is its refit on all the training rows.
            Console.WriteLine($"chose {selection.Choice}");
            foreach (var c in selection.Candidates)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Stage,-20} {c.Algorithm,-60} NDCG@10 {c.Ndcg:F4} {c.Seconds,7:F1} s {c.Skipped}"));
            }
        }
    }

    /// <summary>Auto with the synthetic features below, validated for <paramref name="request"/>.</summary>
    private static FeatureAutoBuilder WithFeatures(InteractionSet train, AutoRequest request) =>
        Recommenders.Auto().ItemFeatures(ItemFeatures(train)).UserFeatures(UserFeatures(train)).For(request);

    /// <summary>
    /// Synthetic item metadata for the cost rows (the set has no taste structure, so they carry none either): two of 19
    /// genres and one of 10 release-year bands per item, drawn from the item's index.
    /// </summary>
    private static FeatureSet ItemFeatures(InteractionSet train)
    {
        var builder = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < train.ItemCount; i++)
        {
            var id = train.ItemIds[i];
            var first = (int)((uint)(i * 7919) % 19);
            var second = (int)((uint)(i * 104_729 + 3) % 19);
            builder.Add(id, "genre:" + first).Add(id, "year:" + (i % 10));
            if (second != first)
            {
                builder.Add(id, "genre:" + second);
            }
        }

        return builder.Build("synthetic item features");
    }

    /// <summary>Synthetic user attributes, shaped like MovieLens's: one of 7 age bands, 2 genders and 21 occupations, drawn with a seed.</summary>
    private static FeatureSet UserFeatures(InteractionSet train)
    {
        var rng = new Random(11);
        var builder = FeatureSet.CreateBuilder("user");
        for (var u = 0; u < train.UserCount; u++)
        {
            var id = train.UserIds[u];
            builder.Add(id, "age:" + rng.Next(7)).Add(id, "gender:" + rng.Next(2)).Add(id, "occupation:" + rng.Next(21));
        }

        return builder.Build("synthetic user attributes");
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
