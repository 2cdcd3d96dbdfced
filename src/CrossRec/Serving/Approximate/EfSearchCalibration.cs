using System.Diagnostics;

namespace CrossRec.Serving.Approximate;

/// <summary>
/// Chooses an index's efSearch (<see cref="ApproximateServingOptions.EfSearch"/> left null): the smallest of
/// <see cref="Ladder"/> whose recall@10 against the exact top-10 lists of a seeded sample of the model's own users
/// reaches <see cref="ApproximateServingOptions.TargetRecall"/> with 95 % confidence (the sample's recall less
/// <see cref="Z"/> standard errors of its per-user recalls; <see cref="ZFor"/> when several settings compete), with the
/// scan limit and stop ratio of the least work (<see cref="Run"/>), else the largest tried (up to
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
    /// The stop ratios joint calibration tries (<see cref="ApproximateServingOptions.StopRatio"/>), the exact stop first.
    /// Measured on the 1M-item σ 0.70 catalogue at efSearch 16 (held-out recall@10, lists/s in batches ÷ exact): 1 0.9889
    /// 8.8×, 0.9 0.9889 10.3×, 0.8 0.9885 13.7×, 0.7 0.9885 14.1×, 0.6 0.9773 16.6×: the bands the exact stop still walks
    /// almost never hold a list's item, since an item there needs a cosine to the query far above the usual ones.
    /// </summary>
    internal static readonly double[] StopRatios = [1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

    /// <summary>
    /// Calibrates <paramref name="graphs"/> (built for <paramref name="model"/>'s items) on <paramref name="model"/>'s users:
    /// one progress report per setting tried (algorithm "hnsw", stage "calibration", its recall in
    /// <see cref="TrainingProgress.Metrics"/>), cancellable between and within the passes.
    /// </summary>
    /// <remarks>
    /// With <see cref="ApproximateServingOptions.JointCalibration"/> (the default) each pair of scan factor (the options'
    /// and twice it) and stop ratio (<see cref="StopRatios"/>) climbs the ladder to the smallest efSearch whose bound
    /// reaches the target, and the pair whose searches did the least work (<see cref="SearchCost.PerList"/>, counted the
    /// same on every machine, so the choice is reproducible) is chosen; on a tie the earlier, more exhaustive one. A pair
    /// stops climbing once its work reaches the best so far. At equal scan factor and efSearch a smaller stop ratio never
    /// finds more of a user's exact list (its search is a prefix of the other's, band by band), so it starts at the
    /// efSearch where the larger one reached the target or stopped.
    /// Without it, efSearch alone at the options' scan factor and stop ratio. Whatever reaches nothing falls back to the
    /// options' scan factor and stop ratio at the largest efSearch.
    /// </remarks>
    public static ApproximateServingCalibration Run(RecommenderModel model, MipsIndex graphs, ApproximateServingOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var exact = model.WithIndex(null);
        var users = Sample(exact.UserIds.Count, options.Seed).Select(u => exact.UserIds[u]).ToArray();
        var truth = exact.RecommendMany(users, Count, null, options.Threads, cancellationToken)
            .Select(list => list.Select(s => s.Index).ToHashSet()).ToArray();
        var sizes = truth.Select(t => t.Count).ToArray();
        var ladder = LadderUpTo(options.CalibrationCap);
        var scans = options.JointCalibration && options.ScanFactor > 0 ? new[] { options.ScanFactor, options.ScanFactor * 2 } : [options.ScanFactor];
        var stops = options.JointCalibration ? StopRatios.Where(r => r <= options.StopRatio).Prepend(options.StopRatio).Distinct().ToArray() : [options.StopRatio];
        var total = ladder.Length * scans.Length * stops.Length;
        var z = ZFor(scans.Length * stops.Length);
        var step = 0;
        ApproximateServingCalibration? best = null, fallback = null;
        var bestCost = double.PositiveInfinity;
        foreach (var scan in scans)
        {
            var from = 0;
            foreach (var stop in stops)
            {
                for (var rung = from; rung < ladder.Length; rung++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var ef = ladder[rung];
                    var cost = new SearchCost();
                    var search = options with { EfSearch = ef, ScanFactor = scan, StopRatio = stop };
                    var lists = exact.WithIndex(graphs.WithSearch(search).Counting(cost)).RecommendMany(users, Count, null, options.Threads, cancellationToken);
                    var hits = new int[users.Length];
                    for (var u = 0; u < users.Length; u++)
                    {
                        foreach (var s in lists[u])
                        {
                            hits[u] += truth[u].Contains(s.Index) ? 1 : 0;
                        }
                    }

                    var (recall, bound) = Bound(hits, sizes, z);
                    var defaults = scan == options.ScanFactor && stop == options.StopRatio;
                    progress?.Report(new TrainingProgress("hnsw", ++step, total, double.NaN, watch.Elapsed, "cpu")
                    {
                        Stage = CalibrationStage,
                        Candidate = defaults ? $"efSearch {ef}" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"efSearch {ef}, scan factor {scan}, stop ratio {stop}"),
                        Metrics = new Dictionary<string, double> { [TrainingProgress.RecallMetric] = recall },
                    });
                    var result = new ApproximateServingCalibration(ef, recall, bound, options.TargetRecall, users.Length, scan, stop);
                    if (bound >= options.TargetRecall)
                    {
                        if (cost.PerList < bestCost)
                        {
                            (best, bestCost) = (result, cost.PerList);
                        }

                        from = rung;
                        break;
                    }

                    if (defaults && rung == ladder.Length - 1)
                    {
                        fallback = result;
                    }

                    from = rung + 1;
                    if (cost.PerList >= bestCost)
                    {
                        break; // a larger efSearch costs more still
                    }
                }
            }
        }

        return best ?? fallback!;
    }

    /// <summary>
    /// The standard errors of the bound when <paramref name="settings"/> settings compete: <see cref="Z"/> for one, else
    /// the one-sided 95 % bound with a Bonferroni correction (Φ⁻¹(1 − 0.05 / settings); 2.69 for the default fourteen). Choosing the
    /// cheapest of several settings that pass favours one whose sample recall came out high by chance; the correction
    /// keeps the chance that the chosen one misses the target at 5 % or less.
    /// </summary>
    internal static double ZFor(int settings) => settings <= 1 ? Z : MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (0.05 / settings));

    /// <summary>
    /// Recall over the sample (hits ÷ exact items, every list's items counted) and its one-sided lower bound: less
    /// <paramref name="z"/> standard errors of the mean of the per-user recalls (users with an empty exact list left out),
    /// never below 0 or above the recall.
    /// </summary>
    internal static (double Recall, double Bound) Bound(int[] hits, int[] sizes, double z = Z)
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
        return (recall, Math.Clamp(recall - (z * Math.Sqrt(variance / n)), 0, recall));
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
