using System.Diagnostics;
using System.Globalization;

namespace CrossRec.Benchmarks;

/// <summary>
/// The width-generic kernels against the per-width kernels they replaced, alternated call by call in one process
/// (<c>... -- kernel-rounds ROUNDS</c>): on a shared machine whose load changes from minute to minute, BenchmarkDotNet's
/// one-case-after-another runs can put the two sides under different loads, so this prints, per case, the minimum
/// time of each side over ROUNDS alternating rounds and their ratio. The BenchmarkDotNet classes
/// (<see cref="ServingKernelBenchmarks"/>, <see cref="SgdKernelBenchmarks"/>) are the same code; run them on an idle machine.
/// </summary>
internal static class KernelRounds
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"{"case",-34} {"legacy min",12} {"current min",12} {"current/legacy",15}");
        foreach (var items in new[] { 20_000, 1_000_000 })
        {
            foreach (var factors in new[] { 64, 128 })
            {
                foreach (var count in new[] { 10, 128 })
                {
                    var bench = new ServingKernelBenchmarks { Items = items, Factors = factors, Count = count };
                    bench.Setup();
                    var repeat = items < 100_000 ? 20 : 1;
                    Report($"serving {items} items k={factors} N={count}", rounds, repeat, () => bench.Legacy(), () => bench.Current());
                }
            }
        }

        foreach (var k in new[] { 32, 64, 128 })
        {
            var bench = new SgdKernelBenchmarks { K = k };
            bench.Setup();
            Report($"sgd row step k={k} (4096 pairs)", rounds, 50, () => bench.LegacySpecialised(), () => bench.Specialised());
            bench.Cleanup();
        }
    }

    private static void Report(string name, int rounds, int repeat, Func<object> legacy, Func<object> current)
    {
        var best = new[] { double.MaxValue, double.MaxValue };
        for (var r = 0; r < rounds; r++)
        {
            for (var side = 0; side < 2; side++)
            {
                var run = side == 0 ? legacy : current;
                var watch = Stopwatch.StartNew();
                for (var n = 0; n < repeat; n++)
                {
                    run();
                }

                best[side] = Math.Min(best[side], watch.Elapsed.TotalMilliseconds / repeat);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {best[0],10:F3}ms {best[1],10:F3}ms {best[1] / best[0],15:F3}"));
    }
}
