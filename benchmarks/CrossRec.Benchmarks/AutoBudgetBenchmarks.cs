using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace CrossRec.Benchmarks;

/// <summary>
/// Auto's cost against one default implicit ALS fit (the baseline) on the MovieLens-20M-like synthetic set of
/// <see cref="ImplicitAlsBenchmarks"/> (scale from <c>CROSSREC_AUTO_SCALE</c>, default 1 = 20M interactions): Auto with
/// its default selection sample (<see cref="AutoRecommenderBuilder.DefaultMaxSelectionRows"/>) and, for the record, one
/// fit each. Accuracy of the same runs: <c>-- auto-budget ml20m-like:SCALE</c> (<see cref="AutoBudgetStudy"/>).
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*AutoBudgetBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class AutoBudgetBenchmarks
{
    private InteractionSet? _data;

    /// <summary>Size relative to MovieLens 20M.</summary>
    [ParamsSource(nameof(Scales))]
    public double Scale { get; set; }

    /// <summary>The scale from <c>CROSSREC_AUTO_SCALE</c>, 1 by default.</summary>
    public static IEnumerable<double> Scales() =>
        [double.TryParse(Environment.GetEnvironmentVariable("CROSSREC_AUTO_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 1 ? s : 1.0];

    [GlobalSetup]
    public void Setup() => _data = ImplicitAlsBenchmarks.Data(Scale);

    /// <summary>One implicit ALS fit with its defaults.</summary>
    [Benchmark(Baseline = true, Description = "implicit ALS fit (defaults)")]
    public object ImplicitAls() => Recommenders.ImplicitAls().Fit(_data!);

    /// <summary>Auto with its defaults (selection on a sample of at most 1M rows, then the refit on all the data).</summary>
    [Benchmark(Description = "Auto (defaults)")]
    public object Auto() => Recommenders.Auto().Fit(_data!);
}
