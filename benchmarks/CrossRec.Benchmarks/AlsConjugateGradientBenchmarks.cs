using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CrossRec.Benchmarks.Baselines;
using CrossRec.Engines.Cpu.ImplicitAls;

namespace CrossRec.Benchmarks;

/// <summary>
/// One user half-sweep of implicit ALS by conjugate gradient (3 steps, loss included, one thread, every user from the same
/// start) on the MovieLens-20M-like set at scale 0.05 (6,924 users, 26,744 items, 1.0M interactions): the library's
/// fused, lockstep solver against the per-row solver it replaced (<see cref="LegacyAlsConjugateGradient"/>, the baseline).
/// Both reach the same factors to float rounding (checked in <c>[GlobalSetup]</c>).
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*AlsConjugateGradientBenchmarks*'</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class AlsConjugateGradientBenchmarks
{
    private InteractionMatrix _m = null!;
    private ImplicitAlsOptions _o = null!;
    private float[] _y = [];
    private float[] _start = [];
    private float[] _x = [];
    private float[] _conf = [];
    private float[] _gram = [];
    private AlsScratch _scratch = null!;

    /// <summary>Latent factors k.</summary>
    [Params(64, 128)]
    public int Factors { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _m = ImplicitAlsBenchmarks.Data(0.05).ToMatrix();
        _o = new ImplicitAlsOptions { Factors = Factors, Threads = 1 };
        _o = _o with { Alpha = ImplicitAlsBuilder.EffectiveAlpha(_o, _m.UserValuesArray), NormalizeConfidence = false };
        _start = new float[_m.UserCount * Factors];
        _y = new float[_m.ItemCount * Factors];
        ImplicitAlsBuilder.Initialise(_o.Seed, _start, _y);
        _x = new float[_start.Length];
        _conf = _m.UserValuesArray.Select(_o.ConfidenceOf).ToArray();
        var kp = AlsMath.Padded(Factors);
        _gram = new float[Factors * kp];
        var pool = new AlsScratchPool(Factors);
        AlsRowSolver.Gram(_y, _m.ItemCount, Factors, _gram, new float[AlsRowSolver.GramBlocks(_m.ItemCount) * Factors * kp], pool, 1, default);
        _scratch = new AlsScratch(Factors);
        var legacyLoss = Legacy();
        var legacy = (float[])_x.Clone();
        var loss = Current();
        var worst = 0.0;
        for (var n = 0; n < legacy.Length; n++)
        {
            worst = Math.Max(worst, Math.Abs(legacy[n] - _x[n]));
        }

        Console.WriteLine($"// {_m.UserCount} users, {_m.NonZeros} pairs, k = {Factors}: loss {loss:E6} (legacy {legacyLoss:E6}), largest factor difference {worst:E2}");
        if (worst > 1e-3 || Math.Abs(loss - legacyLoss) > 1e-4 * Math.Abs(legacyLoss))
        {
            throw new InvalidOperationException("The two solvers disagree.");
        }
    }

    /// <summary>The per-row solver of commit ee74865.</summary>
    [Benchmark(Baseline = true, Description = "per row, dot + axpy, loss pass")]
    public double Legacy()
    {
        _start.CopyTo(_x, 0);
        var k = Factors;
        var kp = AlsMath.Padded(k);
        var offsets = _m.UserOffsetsArray;
        var columns = _m.UserItemsArray;
        var r = new float[kp];
        var p = new float[kp];
        var ap = new float[kp];
        var loss = 0.0;
        for (var u = 0; u < _m.UserCount; u++)
        {
            var from = offsets[u];
            var n = offsets[u + 1] - from;
            loss += LegacyAlsConjugateGradient.Solve(_gram, _y, columns.AsSpan(from, n), _conf.AsSpan(from, n), _o.RegularizationOf(n), _o.CgSteps, r, p, ap, kp, _x.AsSpan(u * k, k), withLoss: true);
        }

        return loss;
    }

    /// <summary>The library's solver: blocks of rows in lockstep, fused passes, loss tracked through the steps.</summary>
    [Benchmark(Description = "lockstep blocks, fused pass")]
    public double Current()
    {
        _start.CopyTo(_x, 0);
        var offsets = _m.UserOffsetsArray;
        var loss = 0.0;
        for (var first = 0; first < _m.UserCount; first += AlsScratch.BlockRows)
        {
            var count = Math.Min(AlsScratch.BlockRows, _m.UserCount - first);
            for (var i = 0; i < count; i++)
            {
                _scratch.Lambdas[i] = _o.RegularizationOf(offsets[first + i + 1] - offsets[first + i]);
            }

            loss += AlsRowSolver.SolveConjugateGradient(_gram, _y, offsets, _m.UserItemsArray, _conf, _scratch.Lambdas, _o.CgSteps, _scratch, _x, first, count, loss: true);
        }

        return loss;
    }
}
