using System.Diagnostics;

namespace CrossRec.Benchmarks;

/// <summary>
/// A quick recall/throughput sweep over efSearch on one catalogue of <see cref="ApproximateServingBenchmarks"/>
/// (<c>ann-curve [isotropic|structured] ITEMS EF...</c>, isotropic when the shape is left out; Stopwatch,
/// best of three passes, after a second of warm-up passes; the 1M-item figures of docs/performance.md come from it, since
/// BenchmarkDotNet's in-process setup of that catalogue runs past its time limit): the build time, the graph's size, then per efSearch recall@10 against the exact lists of 512 users and
/// lists/s, next to the exact path's lists/s for 128 of them, timed in the same process. Both ways of serving are timed:
/// in batches (<c>RecommendMany</c>: the exact path's blocked product reads the item factors once per 64 users) and one
/// request at a time (<c>Recommend</c>, as an online service answers: the exact path reads every item's factors per list).
/// Each efSearch is served twice from the same graphs: with the default options (small norm bands scanned whole) and with
/// every band walked (<c>ScanFactor = 0</c>), so that the two can be compared in one process.
/// <para>First, the default options: efSearch chosen by calibration (<see cref="ApproximateServingOptions.TargetRecall"/>
/// 0.95, or <c>CROSSREC_ANN_TARGET</c>) on a seeded sample of 1,000 of the model's 2,000 users; every recall and rate
/// of the run is measured on 512 of the other 1,000 users, held out from calibration (same distribution, never seen by
/// it; <c>CROSSREC_ANN_USERS</c> and <c>CROSSREC_ANN_HELDOUT</c> change the 2,000 and the 512: users are drawn before the items, so
/// another user count draws another catalogue of the same distribution; <c>CROSSREC_ANN_M</c> and
/// <c>CROSSREC_ANN_EF_CONSTRUCTION</c> set the graph's degree and build effort; with <c>CROSSREC_ANN_BENCH_CACHE</c> and the
/// default users and build options, the graph comes from the benchmarks' file cache, <see cref="ApproximateServingBenchmarks.Indexed"/>). The graph is built once (with an explicit efSearch, timed alone), calibrated on it (timed alone) and reused by
/// every row.</para>
/// </summary>
public static class ApproximateServingCurve
{
    public static void Run(CatalogueShape shape, int items, int[] efs)
    {
        var exact = ApproximateServingBenchmarks.Catalogue(EnvironmentCount("CROSSREC_ANN_USERS", 2_000), items, 7, shape);
        var defaults = new ApproximateServingOptions();
        if (double.TryParse(Environment.GetEnvironmentVariable("CROSSREC_ANN_TARGET"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var target))
        {
            defaults = defaults with { TargetRecall = target };
        }

        defaults = defaults with { M = EnvironmentCount("CROSSREC_ANN_M", defaults.M), EfConstruction = EnvironmentCount("CROSSREC_ANN_EF_CONSTRUCTION", defaults.EfConstruction) };

        // The users calibration samples (the library's own draw for this seed), and 512 of the others to measure on.
        var calibrationUsers = Serving.Approximate.EfSearchCalibration.Sample(exact.UserIds.Count, defaults.Seed).ToHashSet();
        var users = Enumerable.Range(0, exact.UserIds.Count).Where(u => !calibrationUsers.Contains(u)).Take(EnvironmentCount("CROSSREC_ANN_HELDOUT", 512)).Select(u => exact.UserIds[u]).ToArray();
        Console.WriteLine(FormattableString.Invariant($"{exact.UserIds.Count} users: calibration samples {calibrationUsers.Count}, {users.Length} others held out"));
        var truth = exact.RecommendMany(users, 10);
        var exactRate = Rate(() => exact.RecommendMany(users[..128], 10), 128);
        var exactSingle = Rate(() => Single(exact, users[..32]), 32);
        Console.WriteLine(FormattableString.Invariant($"{shape} catalogue, {items} items: exact {exactRate:F1} lists/s in batches, {exactSingle:F1} lists/s one request at a time"));
        RecommenderModel approximate;
        var watch = Stopwatch.StartNew();
        var built = new ApproximateServingOptions();
        if (Environment.GetEnvironmentVariable("CROSSREC_ANN_BENCH_CACHE") is { Length: > 0 } && exact.UserIds.Count == ApproximateServingBenchmarks.Users
            && defaults.M == built.M && defaults.EfConstruction == built.EfConstruction)
        {
            // The benchmarks' file cache holds this catalogue's graph with the default build options (efSearch is a search option).
            approximate = ApproximateServingBenchmarks.Indexed(exact, shape);
        }
        else
        {
            var before = GC.GetTotalMemory(true);
            approximate = exact.WithApproximateServing(defaults with { EfSearch = 10 });
            var seconds = watch.Elapsed.TotalSeconds;
            var graph = GC.GetTotalMemory(true) - before;
            Console.WriteLine(FormattableString.Invariant($"build {seconds:F1} s ({Environment.ProcessorCount} cores), graph {graph / 1048576.0:F1} MiB, bands {approximate.Approximate!.Index.Bands}, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB"));
        }

        watch.Restart();
        var calibrated = approximate.WithApproximateServing(defaults);
        var calibration = calibrated.ApproximateCalibration!;
        Console.WriteLine(FormattableString.Invariant($"calibration {watch.Elapsed.TotalSeconds:F1} s: {calibration}"));
        Row(calibrated, FormattableString.Invariant($"calibrated (target {defaults.TargetRecall}) efSearch {calibration.EfSearch}, calibration recall@10 {calibration.Recall:F4}, held-out"));
        foreach (var ef in efs)
        {
            foreach (var scan in ScanFactors())
            {
                foreach (var stop in StopRatios())
                {
                    var model = approximate.WithApproximateServing(defaults with { EfSearch = ef, ScanFactor = scan, StopRatio = stop });
                    Row(model, FormattableString.Invariant($"efSearch {ef}, {(scan == 0 ? "every band walked" : $"bands of at most {scan} x efSearch items scanned")}, stop ratio {stop}:"));
                }
            }
        }

        // Recall@10 on the held-out users and both rates, against the exact path's before the sweep.
        void Row(RecommenderModel model, string label)
        {
            var lists = model.RecommendMany(users, 10);
            double hit = 0;
            for (var u = 0; u < users.Length; u++)
            {
                var set = truth[u].Select(s => s.Index).ToHashSet();
                hit += lists[u].Count(s => set.Contains(s.Index));
            }

            var rate = Rate(() => model.RecommendMany(users, 10), users.Length);
            var single = Rate(() => Single(model, users), users.Length);
            Console.WriteLine(FormattableString.Invariant($"{label} recall@10 {hit / (10.0 * users.Length):F4}, in batches {rate:F0} lists/s ({rate / exactRate:F2}x exact), one at a time {single:F0} lists/s ({single / exactSingle:F1}x exact), load average {Load()}"));
        }

        // The exact path again, after the sweep: under other jobs' load its rate drifts, and both ends bracket the sweep.
        var exactRateAfter = Rate(() => exact.RecommendMany(users[..128], 10), 128);
        var exactSingleAfter = Rate(() => Single(exact, users[..32]), 32);
        Console.WriteLine(FormattableString.Invariant($"exact again after the sweep: {exactRateAfter:F1} lists/s in batches, {exactSingleAfter:F1} lists/s one request at a time, load average {Load()}"));
    }

    /// <summary>The scan factors each efSearch is served with: <c>CROSSREC_ANN_SCAN_FACTORS</c> (comma-separated), else the default and 0 (every band walked).</summary>
    private static int[] ScanFactors() => Environment.GetEnvironmentVariable("CROSSREC_ANN_SCAN_FACTORS") is { Length: > 0 } list
        ? [.. list.Split(',').Select(f => int.Parse(f, System.Globalization.CultureInfo.InvariantCulture))]
        : [ApproximateServingOptions.DefaultScanFactor, 0];

    /// <summary>The stop ratios each efSearch is served with: <c>CROSSREC_ANN_STOP_RATIOS</c> (comma-separated), else 1 (exact band stop).</summary>
    private static double[] StopRatios() => Environment.GetEnvironmentVariable("CROSSREC_ANN_STOP_RATIOS") is { Length: > 0 } list
        ? [.. list.Split(',').Select(f => double.Parse(f, System.Globalization.CultureInfo.InvariantCulture))]
        : [1.0];

    /// <summary>A positive count from the environment variable <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    private static int EnvironmentCount(string name, int fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) is > 0 and var count ? count : throw new ArgumentOutOfRangeException(name, value, "must be a positive count")
        : fallback;

    /// <summary>The one-minute load average where the system reports it (Linux), else "n/a".</summary>
    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static void Single(RecommenderModel model, string[] users)
    {
        foreach (var user in users)
        {
            model.Recommend(user, 10);
        }
    }

    /// <summary>Lists/s of the best of three passes, after warm-up passes for at least a second (so that the tiered JIT has
    /// promoted the hot loops before the first configuration is timed).</summary>
    private static double Rate(Action serve, int lists)
    {
        var warm = Stopwatch.StartNew();
        do
        {
            serve();
        }
        while (warm.Elapsed.TotalSeconds < 1);

        var best = double.MaxValue;
        for (var pass = 0; pass < 3; pass++)
        {
            var watch = Stopwatch.StartNew();
            serve();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return lists / best;
    }
}
