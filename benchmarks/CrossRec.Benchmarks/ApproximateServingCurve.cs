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
/// </summary>
public static class ApproximateServingCurve
{
    public static void Run(CatalogueShape shape, int items, int[] efs)
    {
        var exact = ApproximateServingBenchmarks.Catalogue(2_000, items, 7, shape);
        var users = exact.UserIds.AsSpan()[..512].ToArray();
        var truth = exact.RecommendMany(users, 10);
        var exactRate = Rate(() => exact.RecommendMany(users[..128], 10), 128);
        var exactSingle = Rate(() => Single(exact, users[..32]), 32);
        Console.WriteLine(FormattableString.Invariant($"{shape} catalogue, {items} items: exact {exactRate:F1} lists/s in batches, {exactSingle:F1} lists/s one request at a time"));
        var before = GC.GetTotalMemory(true);
        var watch = Stopwatch.StartNew();
        var approximate = exact.WithApproximateServing();
        var seconds = watch.Elapsed.TotalSeconds;
        var graph = GC.GetTotalMemory(true) - before;
        Console.WriteLine(FormattableString.Invariant($"build {seconds:F1} s ({Environment.ProcessorCount} cores), graph {graph / 1048576.0:F1} MiB, bands {approximate.Approximate!.Index.Bands}, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB"));
        foreach (var ef in efs)
        {
            foreach (var scan in new[] { ApproximateServingOptions.DefaultScanFactor, 0 })
            {
                var model = approximate.WithApproximateServing(new ApproximateServingOptions { EfSearch = ef, ScanFactor = scan });
                var lists = model.RecommendMany(users, 10);
                double hit = 0;
                for (var u = 0; u < users.Length; u++)
                {
                    var set = truth[u].Select(s => s.Index).ToHashSet();
                    hit += lists[u].Count(s => set.Contains(s.Index));
                }

                var rate = Rate(() => model.RecommendMany(users, 10), users.Length);
                var single = Rate(() => Single(model, users), users.Length);
                var label = scan == 0 ? "every band walked" : "small bands scanned";
                Console.WriteLine(FormattableString.Invariant($"efSearch {ef}, {label}: recall@10 {hit / (10.0 * users.Length):F4}, in batches {rate:F0} lists/s ({rate / exactRate:F2}x exact), one at a time {single:F0} lists/s ({single / exactSingle:F1}x exact), load average {Load()}"));
            }
        }

        // The exact path again, after the sweep: under other jobs' load its rate drifts, and both ends bracket the sweep.
        var exactRateAfter = Rate(() => exact.RecommendMany(users[..128], 10), 128);
        var exactSingleAfter = Rate(() => Single(exact, users[..32]), 32);
        Console.WriteLine(FormattableString.Invariant($"exact again after the sweep: {exactRateAfter:F1} lists/s in batches, {exactSingleAfter:F1} lists/s one request at a time, load average {Load()}"));
    }

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
