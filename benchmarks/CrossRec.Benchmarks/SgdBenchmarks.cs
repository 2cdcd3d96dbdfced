using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CrossRec.Engines.Cpu;

namespace CrossRec.Benchmarks;

/// <summary>
/// SGD epoch throughput: one benchmark invocation is one epoch of the managed trainer over the whole
/// training set (MovieLens 100K u1.base when <c>CROSSREC_DATA</c> is set; a seeded 10M-rating synthetic
/// set always), at k = 32/64/128 and 1/2 threads. The "Updates/s" column is ratings ÷ mean epoch time;
/// MemoryDiagnoser's "Allocated" is per epoch (0 B: an epoch allocates nothing once the session exists).
/// </summary>
/// <example><c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*SgdEpochBenchmarks*'</c></example>
[MemoryDiagnoser]
[Config(typeof(SgdBenchmarkConfig))]
public class SgdEpochBenchmarks : SgdSessionBenchmarks
{
    [Params(32, 64, 128)]
    public int K { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    private protected override (int Factors, SgdSettings Settings) Shape() => (K, new SgdSettings(Threads));
}

/// <summary>
/// Blocked (LIBMF-style, conflict-free) versus Hogwild (lock-free, overlapping writes tolerated)
/// scheduling of the same grid at two threads, with the one-thread epoch as the baseline; k = 64.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SgdBenchmarkConfig))]
public class SgdParallelismBenchmarks : SgdSessionBenchmarks
{
    [Params("1 thread", "2 threads blocked", "2 threads hogwild")]
    public string Schedule { get; set; } = "1 thread";

    private protected override (int Factors, SgdSettings Settings) Shape() => (64, Schedule switch
    {
        "1 thread" => new SgdSettings(1),
        "2 threads blocked" => new SgdSettings(2, SgdParallelism.Blocked),
        _ => new SgdSettings(2, SgdParallelism.Hogwild),
    });
}

/// <summary>
/// One invocation is one epoch of a training session built once per case (its first epoch run in setup);
/// derived suites choose k and the thread settings.
/// </summary>
public abstract class SgdSessionBenchmarks
{
    private SgdSession? _session;

    [ParamsSource(nameof(DataSets))]
    public string Data { get; set; } = SgdBenchmarkData.Synthetic;

    public static IEnumerable<string> DataSets() => SgdBenchmarkData.Available();

    [GlobalSetup]
    public void Setup()
    {
        var (train, _) = SgdBenchmarkData.Get(Data);
        var (factors, settings) = Shape();

        // Decay 1 keeps every epoch at the same step size (the work per epoch does not depend on it).
        var options = new FactorizationOptions { Factors = factors, LearningRate = 0.005f, Regularization = 0.05f, InitStandardDeviation = 0.01f, LearningRateDecay = 1f };
        _session = new SgdSession(train, null, options, settings);
        _session.RunEpoch(default);
    }

    [Benchmark]
    public double Epoch() => _session!.RunEpoch(default).SquaredError;

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();

    /// <summary>Factors and thread settings of the current case.</summary>
    private protected abstract (int Factors, SgdSettings Settings) Shape();
}

/// <summary>
/// Whole <c>Fit</c> calls on MovieLens 100K u1.base at 10 and 20 epochs: the allocation difference
/// between the two is what ten more epochs cost, i.e. their ten <see cref="EpochReport"/>s in the
/// training history; the epochs themselves allocate nothing.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SgdBenchmarkConfig))]
public class SgdFitBenchmarks
{
    private InteractionSet? _train;

    [Params(10, 20)]
    public int Epochs { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _train = SgdBenchmarkData.Get(SgdBenchmarkData.Available().First()).Train;

    [Benchmark]
    public FactorizationModel Fit() =>
        CrossRec.Factorization.Biased().OnDevice(Device.Cpu).Factors(64).Epochs(Epochs).Threads(Threads).Fit(_train!);
}

/// <summary>Adds the Updates/s column (training ratings ÷ mean time of one epoch invocation).</summary>
internal sealed class SgdBenchmarkConfig : ManualConfig
{
    public SgdBenchmarkConfig() => AddColumn(new UpdatesPerSecondColumn());

    private sealed class UpdatesPerSecondColumn : IColumn
    {
        public string Id => nameof(UpdatesPerSecondColumn);

        public string ColumnName => "Updates/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Rating updates per second (training ratings ÷ mean epoch time)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var data = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Data")?.Value as string;
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (data is null || stats is null || benchmarkCase.Descriptor.WorkloadMethod.Name != "Epoch")
            {
                return "-";
            }

            var ratings = data == SgdBenchmarkData.MovieLens ? 80_000 : 10_000_000;
            return (ratings / (stats.Mean * 1e-9) / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " M";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
