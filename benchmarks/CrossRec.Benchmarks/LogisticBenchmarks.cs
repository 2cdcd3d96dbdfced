using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace CrossRec.Benchmarks;

/// <summary>
/// Logistic-regression fit time on the encoded UCI tables (encoding excluded), to compare with
/// <c>benchmarks/peers/sklearn_logistic.py</c> on the same split. Needs <c>CROSSREC_DATA</c>.
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*LogisticBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class LogisticBenchmarks
{
    private ReadOnlyMatrix _x = null!;
    private bool[] _y = null!;

    /// <summary>Dataset: bank (bank-full.csv, target y, duration dropped) or shoppers (online_shoppers_intention.csv, target Revenue).</summary>
    [Params("bank", "shoppers")]
    public string Dataset { get; set; } = "bank";

    [GlobalSetup]
    public void Setup()
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA") ?? throw new InvalidOperationException("Set CROSSREC_DATA to the folder holding conversion/.");
        var (path, target, drop) = Dataset == "bank"
            ? (Path.Combine(root, "conversion/bank-marketing/bank-full.csv"), "y", new[] { "duration" })
            : (Path.Combine(root, "conversion/online-shoppers-intention/online_shoppers_intention.csv"), "Revenue", Array.Empty<string>());
        var table = TabularData.LoadCsv(path);
        var (train, _, _) = Conversion.SplitStratified(table, target, 0.2, 7);
        var model = Conversion.Logistic().Fit(train, target, null, drop);
        _x = model.Encoder.Encode(train);
        _y = Enumerable.Range(0, train.RowCount).Select(r => train[target].Text(r) == model.PositiveLabel).ToArray();
    }

    [Benchmark(Baseline = true, Description = "Newton (IRLS)")]
    public double Newton() => CpuEngine.Default.FitLogistic(_x, _y, new LogisticOptions { Solver = LogisticSolver.Newton }, default).Intercept;

    [Benchmark(Description = "L-BFGS")]
    public double Lbfgs() => CpuEngine.Default.FitLogistic(_x, _y, new LogisticOptions { Solver = LogisticSolver.Lbfgs }, default).Intercept;
}
