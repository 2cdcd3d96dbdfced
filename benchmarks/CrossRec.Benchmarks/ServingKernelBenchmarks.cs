using BenchmarkDotNet.Attributes;
using CrossRec.Benchmarks.Baselines;
using CrossRec.Serving;

namespace CrossRec.Benchmarks;

/// <summary>
/// The serving block kernel alone, side by side with the hand-unrolled per-width kernel it replaced
/// (<see cref="LegacyServingKernel"/>, commit 0ab6475): one block of 64 users, top-<see cref="Count"/> over the
/// whole catalogue, one thread, seen items excluded, biased-MF scoring (item biases and user offsets). Both see the
/// same model and the same users; the test <c>ServingKernelBaselineTests</c> is not needed because the lists are
/// compared in <see cref="Setup"/> (a benchmark of two kernels that disagree would be meaningless).
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*ServingKernelBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ServingKernelBenchmarks
{
    private FactorScoring _scoring;
    private int[] _users = [];
    private int[] _seenOffsets = [];
    private int[] _seenItems = [];
    private ServingKernel.Block _current = null!;
    private LegacyServingKernel.Block _legacy = null!;

    /// <summary>Items in the catalogue.</summary>
    [Params(20_000, 1_000_000)]
    public int Items { get; set; }

    /// <summary>Latent factors.</summary>
    [Params(64, 128)]
    public int Factors { get; set; }

    /// <summary>Items per list.</summary>
    [Params(10, 128)]
    public int Count { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int users = 256;
        const int seenPerUser = 20;
        var rng = new Random(7);
        float Gaussian() => (float)(0.1 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var k = Factors;
        var userFactors = new float[users * k];
        var itemFactors = new float[(long)Items * k];
        for (var i = 0; i < userFactors.Length; i++)
        {
            userFactors[i] = Gaussian();
        }

        for (var i = 0L; i < itemFactors.Length; i++)
        {
            itemFactors[i] = Gaussian();
        }

        var itemBias = new float[Items];
        for (var i = 0; i < Items; i++)
        {
            itemBias[i] = Gaussian();
        }

        var userBias = new float[users];
        for (var u = 0; u < users; u++)
        {
            userBias[u] = Gaussian();
        }

        _seenOffsets = new int[users + 1];
        _seenItems = new int[users * seenPerUser];
        for (var u = 0; u < users; u++)
        {
            _seenOffsets[u + 1] = (u + 1) * seenPerUser;
            var picks = new SortedSet<int>();
            while (picks.Count < seenPerUser)
            {
                picks.Add(rng.Next(Items));
            }

            picks.CopyTo(_seenItems, u * seenPerUser);
        }

        _scoring = new FactorScoring(k, userFactors, itemFactors, itemBias, 3.5f, userBias);
        _users = Enumerable.Range(0, ServingKernel.BlockUsers).Select(b => b * 3).ToArray();
        _current = new ServingKernel.Block(k, Count);
        _legacy = new LegacyServingKernel.Block(k, Count);

        Current();
        Legacy();
        for (var b = 0; b < _users.Length; b++)
        {
            var n = _current.Finish(b);
            var m = _legacy.Finish(b);
            if (n != m || !_current.Keys.AsSpan(b * 2 * Count, n).SequenceEqual(_legacy.Keys.AsSpan(b * 2 * Count, m)))
            {
                throw new InvalidOperationException($"The current and the legacy kernel disagree on user {b}'s list.");
            }
        }
    }

    /// <summary>The hand-unrolled kernel per vector width (before the width-generic rewrite).</summary>
    [Benchmark(Baseline = true)]
    public int Legacy()
    {
        LegacyServingKernel.SelectBlock(_scoring, _users, 0, Items, null, _seenOffsets, _seenItems, _legacy, CancellationToken.None);
        return _legacy.Counts[0];
    }

    /// <summary>The width-generic kernel the library serves with.</summary>
    [Benchmark]
    public int Current()
    {
        ServingKernel.SelectBlock(_scoring, _users, 0, Items, null, _seenOffsets, _seenItems, _current, CancellationToken.None);
        return _current.Counts[0];
    }
}
