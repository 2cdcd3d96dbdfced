using BenchmarkDotNet.Attributes;
using CrossRec.Engines.Cpu.Bpr;

namespace CrossRec.Benchmarks;

/// <summary>
/// BPR epoch time where the data outgrows the cache: the MovieLens-20M-shaped synthetic set of the scaling table
/// (<see cref="ImplicitAlsBenchmarks"/>) at <see cref="Scale"/>, its per-user 80 % training part (seed 42), BPR's
/// defaults (k = 128, every core). One invocation is one epoch (shuffle, then one step per positive). The
/// <see cref="PrefetchAhead"/> parameter runs the kernel without prefetching (0) and at its default distance side by
/// side; both give the same model for a seed on one thread (tested), so the comparison is of time alone. The sampled
/// AUC of the last epoch each ran is printed, so that a faster epoch is seen to train the same.
/// </summary>
/// <example><c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*BprScaleBenchmarks*'</c></example>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class BprScaleBenchmarks
{
    private BprSession? _session;
    private int _epoch;
    private double _auc;

    /// <summary>1 = 20M interactions (16M training positives).</summary>
    [Params(0.05, 1.0)]
    public double Scale { get; set; }

    /// <summary>Steps (and swaps) ahead that the kernel prefetches; 0 turns prefetching off.</summary>
    [Params(0, BprSession.DefaultPrefetchAhead)]
    public int PrefetchAhead { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (train, _) = ImplicitAlsBenchmarks.Data(Scale).SplitPerUser(0.2, 42);
        BprSession.PrefetchAhead = PrefetchAhead;
        _session = new BprSession(train, new BprOptions());
        Console.WriteLine($"// {train.Count:N0} positives, {train.UserCount:N0} users, {train.ItemCount:N0} items, {_session.StepsPerEpoch:N0} steps per epoch");
    }

    [Benchmark]
    public double Epoch()
    {
        var r = _session!.RunEpoch(_epoch, new BprOptions().LearningRateAt(Math.Min(_epoch, 199)), default);
        _epoch++;
        _auc = r.SampledAuc;
        return r.Loss;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// after {_epoch} epochs: sampled AUC of the last {_auc:F4}");
        BprSession.PrefetchAhead = BprSession.DefaultPrefetchAhead;
        _session?.Dispose();
    }
}
