using System.Diagnostics;

namespace CrossRec.Serving.Approximate;

/// <summary>
/// Chooses an index's efSearch (<see cref="ApproximateServingOptions.EfSearch"/> left null): the smallest of
/// <see cref="Ladder"/> whose recall@10 against the exact top-10 lists of a seeded sample of the model's own users
/// reaches <see cref="ApproximateServingOptions.TargetRecall"/> with 95 % confidence (the sample's recall less
/// <see cref="Z"/> standard errors of its per-user recalls), else the largest tried (up to
/// <see cref="ApproximateServingOptions.CalibrationCap"/>). Both kinds of list come from the model's own serving paths
/// (the exact one and the approximate one, default filter: seen items excluded), so they score alike.
/// </summary>
internal static class EfSearchCalibration
{
    /// <summary>Most users in the calibration sample.</summary>
    internal const int SampleUsers = 1000;

    /// <summary>The list length whose recall is measured.</summary>
    internal const int Count = 10;

    /// <summary>
    /// Standard errors between the sample's recall and the bound that must reach the target: one-sided 95 %. A choice
    /// whose recall on the sample only just reaches the target misses it on other users as often as not; the bound keeps
    /// a margin of the sample's own error (docs/performance.md, "Approximate serving (HNSW)").
    /// </summary>
    internal const double Z = 1.645;

    /// <summary>The <see cref="TrainingProgress.Stage"/> of calibration's reports.</summary>
    internal const string CalibrationStage = "calibration";

    /// <summary>
    /// The efSearch values tried, smallest first: fine steps where serving is cheap, then alternately ×1.5 and ×4/3
    /// (the next value costs about 1.4× the one before, so the whole ladder costs a few times its last step).
    /// </summary>
    internal static readonly int[] Ladder = MakeLadder();

    /// <summary>The ladder up to <paramref name="cap"/>, ending with <paramref name="cap"/> when it is not on the ladder.</summary>
    internal static int[] LadderUpTo(int cap)
    {
        var below = Ladder.TakeWhile(ef => ef < cap);
        return [.. below, cap];
    }

    /// <summary>The users of the sample (sorted indices): all of them up to <see cref="SampleUsers"/>, else a seeded draw without replacement.</summary>
    internal static int[] Sample(int users, int seed)
    {
        var all = Enumerable.Range(0, users).ToArray();
        if (users <= SampleUsers)
        {
            return all;
        }

        var random = new Random(seed);
        for (var i = 0; i < SampleUsers; i++)
        {
            var j = random.Next(i, users);
            (all[i], all[j]) = (all[j], all[i]);
        }

        var sample = all[..SampleUsers];
        Array.Sort(sample);
        return sample;
    }

    /// <summary>
    /// Calibrates <paramref name="graphs"/> (built for <paramref name="model"/>'s items) on <paramref name="model"/>'s users:
    /// one progress report per efSearch tried (algorithm "hnsw", stage "calibration", its recall in
    /// <see cref="TrainingProgress.Metrics"/>), cancellable between and within the passes.
    /// </summary>
    public static ApproximateServingCalibration Run(RecommenderModel model, MipsIndex graphs, ApproximateServingOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var exact = model.WithIndex(null);
        var users = Sample(exact.UserIds.Count, options.Seed).Select(u => exact.UserIds[u]).ToArray();
        var truth = exact.RecommendMany(users, Count, null, options.Threads, cancellationToken)
            .Select(list => list.Select(s => s.Index).ToHashSet()).ToArray();
        var sizes = truth.Select(t => t.Count).ToArray();
        var ladder = LadderUpTo(options.CalibrationCap);
        for (var step = 0; ; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ef = ladder[step];
            var lists = exact.WithIndex(graphs.WithSearch(options with { EfSearch = ef })).RecommendMany(users, Count, null, options.Threads, cancellationToken);
            var hits = new int[users.Length];
            for (var u = 0; u < users.Length; u++)
            {
                foreach (var s in lists[u])
                {
                    hits[u] += truth[u].Contains(s.Index) ? 1 : 0;
                }
            }

            var (recall, bound) = Bound(hits, sizes);
            progress?.Report(new TrainingProgress("hnsw", step + 1, ladder.Length, double.NaN, watch.Elapsed, "cpu")
            {
                Stage = CalibrationStage,
                Candidate = $"efSearch {ef}",
                Metrics = new Dictionary<string, double> { [TrainingProgress.RecallMetric] = recall },
            });
            if (bound >= options.TargetRecall || step == ladder.Length - 1)
            {
                return new ApproximateServingCalibration(ef, recall, bound, options.TargetRecall, users.Length);
            }
        }
    }

    /// <summary>
    /// Recall over the sample (hits ÷ exact items, every list's items counted) and its one-sided 95 % lower bound: less
    /// <see cref="Z"/> standard errors of the mean of the per-user recalls (users with an empty exact list left out),
    /// never below 0 or above the recall.
    /// </summary>
    internal static (double Recall, double Bound) Bound(int[] hits, int[] sizes)
    {
        long hit = 0, total = 0;
        double sum = 0, squares = 0;
        var n = 0;
        for (var u = 0; u < hits.Length; u++)
        {
            hit += hits[u];
            total += sizes[u];
            if (sizes[u] > 0)
            {
                var r = (double)hits[u] / sizes[u];
                sum += r;
                squares += r * r;
                n++;
            }
        }

        var recall = total == 0 ? 1.0 : (double)hit / total;
        if (n < 2)
        {
            return (recall, recall);
        }

        var mean = sum / n;
        var variance = Math.Max(0, (squares - (n * mean * mean)) / (n - 1));
        return (recall, Math.Clamp(recall - (Z * Math.Sqrt(variance / n)), 0, recall));
    }

    private static int[] MakeLadder()
    {
        List<int> ladder = [10, 12, 16, 20, 24, 32];
        for (var i = 0; ladder[^1] < 65536; i++)
        {
            ladder.Add(Math.Min(65536, i % 2 == 0 ? ladder[^1] * 3 / 2 : ladder[^1] * 4 / 3));
        }

        return [.. ladder];
    }
}
