using BenchmarkDotNet.Attributes;

namespace CrossRec.Torch.Benchmarks;

/// <summary>
/// What the factorization suites share: the seeded 10M-rating synthetic set (generated once per process),
/// the engine on the chosen device, k = 32/64/128, and one epoch of a given engine and algorithm. Each
/// invocation includes the engine's setup (copying the ratings to the device, initialising factors), so
/// rating-updates per second = 10,000,000 ÷ the mean time is a lower bound on the in-epoch rate that
/// <c>TrainingInfo.UpdatesPerSecond</c> reports.
/// </summary>
public abstract class TenMillionRatingsBenchmarks
{
    private static readonly Lazy<InteractionSet> Data = new(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 200_000, Items = 40_000, Ratings = 10_000_000 }));

    [Params(32, 64, 128)]
    public int K { get; set; }

    protected TorchEngine Engine { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ = Data.Value;
        Engine = new TorchEngine(TorchBenchmarkSettings.Device);
    }

    protected double Epoch(IComputeEngine engine, FactorizationAlgorithm algorithm = FactorizationAlgorithm.Sgd) =>
        engine.Factorize(Data.Value, null, new FactorizationOptions { Factors = K, Epochs = 1, Algorithm = algorithm }, null, default).Info!.UpdatesPerSecond;
}

/// <summary>One SGD epoch over 10 million synthetic ratings: the TorchSharp engine against the managed CPU engine.</summary>
public class TorchFactorizationBenchmarks : TenMillionRatingsBenchmarks
{
    [Benchmark(Baseline = true, Description = "CPU engine, 1 epoch")]
    public double Cpu() => Epoch(CpuEngine.Default);

    [Benchmark(Description = "Torch engine SGD, 1 epoch")]
    public double TorchSgd() => Epoch(Engine);
}

/// <summary>
/// One ALS sweep (all users, then all items) over the same 10 million ratings. Separate from the SGD suite
/// because on libtorch CPU one sweep takes minutes at k = 32 (about 100 s measured here): the batched
/// normal equations are built for GPUs.
/// </summary>
public class TorchAlsBenchmarks : TenMillionRatingsBenchmarks
{
    [Benchmark(Description = "Torch engine ALS, 1 epoch")]
    public double TorchAls() => Epoch(Engine, FactorizationAlgorithm.Als);
}

/// <summary>k-means on 1,000,000 × 64 (k = 32, 10 Lloyd iterations from the same start) and a logistic fit on 200,000 × 50.</summary>
public class TorchKMeansAndLogisticBenchmarks
{
    private ReadOnlyMatrix _points = null!;
    private ReadOnlyMatrix _init = null!;
    private ReadOnlyMatrix _x = null!;
    private bool[] _y = null!;
    private TorchEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new TorchEngine(TorchBenchmarkSettings.Device);
        var rng = new Random(1);
        var points = new float[1_000_000 * 64];
        var centres = new float[32 * 64];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        for (var r = 0; r < 1_000_000; r++)
        {
            var c = rng.Next(32);
            for (var f = 0; f < 64; f++)
            {
                points[(r * 64) + f] = centres[(c * 64) + f] + (float)((rng.NextDouble() * 2) - 1);
            }
        }

        _points = ReadOnlyMatrix.Create(points, 1_000_000, 64);
        _init = ReadOnlyMatrix.Create(points.AsSpan(0, 32 * 64), 32, 64);
        var x = new float[200_000 * 50];
        _y = new bool[200_000];
        for (var r = 0; r < 200_000; r++)
        {
            var z = -1.0;
            for (var j = 0; j < 50; j++)
            {
                x[(r * 50) + j] = (float)((rng.NextDouble() * 2) - 1);
                z += ((j % 5) - 2) * 0.3 * x[(r * 50) + j];
            }

            _y[r] = rng.NextDouble() < 1 / (1 + Math.Exp(-z));
        }

        _x = ReadOnlyMatrix.Create(x, 200_000, 50);
    }

    private KMeansOptions KMeansOptions => new() { Clusters = 32, InitialCentroids = _init, MaxIterations = 10, Tolerance = 0, Algorithm = KMeansAlgorithm.Lloyd };

    [Benchmark(Description = "k-means CPU engine (Lloyd, 10 it)")]
    public double KMeansCpu() => CpuEngine.Default.Cluster(_points, KMeansOptions, null, default).Inertia;

    [Benchmark(Description = "k-means Torch engine (10 it)")]
    public double KMeansTorch() => _engine.Cluster(_points, KMeansOptions, null, default).Inertia;

    [Benchmark(Description = "logistic CPU engine (Newton)")]
    public double LogisticCpu() => CpuEngine.Default.FitLogistic(_x, _y, new LogisticOptions(), default).Objective;

    [Benchmark(Description = "logistic Torch engine (Newton)")]
    public double LogisticTorch() => _engine.FitLogistic(_x, _y, new LogisticOptions(), default).Objective;
}
