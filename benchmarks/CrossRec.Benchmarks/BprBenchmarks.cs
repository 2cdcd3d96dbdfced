using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CrossRec.Engines.Cpu.Bpr;

namespace CrossRec.Benchmarks;

/// <summary>
/// BPR epoch throughput at k = 64: one invocation is one epoch of the CPU kernel (shuffle, then one SGD
/// step with a freshly sampled negative per positive) over a seeded synthetic power-law data set of
/// <see cref="Ratings"/> interactions (SyntheticRatings: item popularity Zipf 0.8, user activity Zipf 0.6,
/// 50 ratings per user and 200 per item on average), on 1 and 2 threads. The epoch is sized to exactly
/// <see cref="Ratings"/> steps, so the "Updates/s" column is <see cref="Ratings"/> ÷ mean epoch time.
/// MemoryDiagnoser's "Allocated" is per epoch: 0 B on one thread; on two, only Parallel.For's own
/// bookkeeping (the steps allocate nothing).
/// </summary>
/// <example><c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*BprBenchmarks*'</c></example>
[MemoryDiagnoser]
[Config(typeof(BprBenchmarkConfig))]
public class BprBenchmarks
{
    private BprSession? _session;
    private int _epoch;

    /// <summary>Interactions in the synthetic set (and SGD steps per epoch).</summary>
    [Params(1_000_000)]
    public int Ratings { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions
        {
            Users = Math.Max(1, Ratings / 50),
            Items = Math.Max(2, Ratings / 200),
            Ratings = Ratings,
            Seed = 42,
        });
        var pairs = data.ToMatrix().NonZeros;
        var options = new BprOptions
        {
            Factors = 64,
            LearningRate = 0.05f,
            SamplesPerEpoch = (double)Ratings / pairs,
            Threads = Threads,
            Seed = 42,
        };
        _session = new BprSession(data, options);
        if (_session.StepsPerEpoch != Ratings)
        {
            throw new InvalidOperationException($"An epoch has {_session.StepsPerEpoch} steps, not {Ratings}.");
        }

        _session.RunEpoch(_epoch++, options.LearningRate, default);
    }

    [Benchmark]
    public double Epoch() => _session!.RunEpoch(_epoch++, 0.05f, default).Loss;

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();
}

/// <summary>Adds the Updates/s column (<see cref="BprBenchmarks.Ratings"/> steps ÷ mean epoch time).</summary>
internal sealed class BprBenchmarkConfig : ManualConfig
{
    public BprBenchmarkConfig() => AddColumn(new UpdatesPerSecondColumn());

    private sealed class UpdatesPerSecondColumn : IColumn
    {
        public string Id => nameof(BprBenchmarkConfig) + nameof(UpdatesPerSecondColumn);

        public string ColumnName => "Updates/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "BPR SGD steps per second (steps per epoch ÷ mean epoch time)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var steps = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(BprBenchmarks.Ratings))?.Value as int?;
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (steps is null || stats is null)
            {
                return "-";
            }

            return (steps.Value / (stats.Mean * 1e-9) / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " M";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
