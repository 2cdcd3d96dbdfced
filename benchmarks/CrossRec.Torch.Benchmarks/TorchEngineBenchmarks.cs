using BenchmarkDotNet.Attributes;

namespace CrossRec.Torch.Benchmarks;

/// <summary>
/// What the factorization suites share: a seeded synthetic rating set of 10,000,000 × <see cref="TorchBenchmarkSettings.Scale"/>
/// ratings (generated once per process), the engine on the chosen device, k = 32/64/128, and one epoch of a
/// given engine and algorithm. Each invocation includes the engine's setup (copying the ratings to the device,
/// initialising factors), so rating-updates per second = ratings ÷ the mean time is a lower bound on the
/// in-epoch rate that <c>TrainingInfo.UpdatesPerSecond</c> reports.
/// </summary>
public abstract class TenMillionRatingsBenchmarks
{
    /// <summary>The rating set of the factorization suites.</summary>
    internal static readonly Lazy<InteractionSet> Data = new(() => SyntheticRatings.Generate(new SyntheticRatingsOptions
    {
        Users = TorchBenchmarkSettings.Scaled(200_000),
        Items = 40_000,
        Ratings = TorchBenchmarkSettings.Scaled(10_000_000),
    }));

    [Params(32, 64, 128)]
    public int K { get; set; }

    private protected TorchEngine Engine { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ = Data.Value;
        Engine = TorchBenchmarkSettings.CreateEngine();
    }

    private protected double Epoch(IComputeEngine engine, FactorizationAlgorithm algorithm = FactorizationAlgorithm.Sgd) =>
        engine.Factorize(Data.Value, null, new FactorizationOptions { Factors = K, Epochs = 1, Algorithm = algorithm }, null, default).Info!.UpdatesPerSecond;
}

/// <summary>One SGD epoch over the rating set: the TorchSharp engine against the managed CPU engine.</summary>
public class TorchFactorizationBenchmarks : TenMillionRatingsBenchmarks
{
    [Benchmark(Baseline = true, Description = "SGD MF, 1 epoch (managed)")]
    [BenchmarkCategory("managed")]
    public double Cpu() => Epoch(CpuEngine.Default);

    [Benchmark(Description = "SGD MF, 1 epoch (Torch)")]
    [BenchmarkCategory("torch")]
    public double TorchSgd() => Epoch(Engine);
}

/// <summary>
/// One ALS sweep (all users, then all items) over the same ratings. Separate from the SGD suite because on
/// libtorch CPU one sweep takes minutes at k = 32 on 10M ratings (about 100 s measured): the batched normal
/// equations are built for GPUs.
/// </summary>
public class TorchAlsBenchmarks : TenMillionRatingsBenchmarks
{
    [Benchmark(Description = "explicit ALS, 1 epoch (Torch)")]
    [BenchmarkCategory("torch")]
    public double TorchAls() => Epoch(Engine, FactorizationAlgorithm.Als);
}

/// <summary>
/// One implicit ALS iteration (every item, then every user, objective included) at k = 64 and 128 with the
/// default conjugate gradient (3 steps), on the managed engine's ML-20M-like set
/// (<see cref="CrossRec.Benchmarks.ImplicitAlsBenchmarks"/>: 138,493 users, 26,744 items, 20M interactions at
/// scale 1) scaled by <see cref="TorchBenchmarkSettings.Scale"/>; both engines start from the same factors.
/// </summary>
public class TorchImplicitAlsBenchmarks
{
    private IImplicitAlsSession? _cpu;
    private IImplicitAlsSession? _torch;

    [Params(64, 128)]
    public int K { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var matrix = CrossRec.Benchmarks.ImplicitAlsBenchmarks.Data(TorchBenchmarkSettings.Scale).ToMatrix();
        var options = new ImplicitAlsOptions { Factors = K };
        options = options with { Alpha = ImplicitAlsBuilder.EffectiveAlpha(options, matrix.UserValuesArray), NormalizeConfidence = false };
        var x = new float[matrix.UserCount * K];
        var y = new float[matrix.ItemCount * K];
        ImplicitAlsBuilder.Initialise(options.Seed, x, y);
        _cpu = CpuEngine.Kernel<IImplicitAlsKernel>().Start(matrix, options, x, y);
        _torch = ((IImplicitAlsKernel)TorchBenchmarkSettings.CreateEngine()).Start(matrix, options, x, y);
        Console.WriteLine($"// {matrix.UserCount} users, {matrix.ItemCount} items, {matrix.NonZeros} interactions; k = {K}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cpu?.Dispose();
        _torch?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "implicit ALS, 1 iteration (managed)")]
    [BenchmarkCategory("managed")]
    public double Cpu() => _cpu!.Iterate(default);

    [Benchmark(Description = "implicit ALS, 1 iteration (Torch)")]
    [BenchmarkCategory("torch")]
    public double Torch() => _torch!.Iterate(default);
}

/// <summary>
/// BPR (5 epochs at k = 64), the EASE fit (Gram matrix, inverse, B) and the item-kNN fit (top-100 cosine) on
/// a synthetic implicit set of 20,000 users, 5,000 items and 1,000,000 interactions at scale 1 (users and
/// interactions scaled by <see cref="TorchBenchmarkSettings.Scale"/>): each fit on the managed engine and on the
/// Torch engine, the same builder otherwise.
/// </summary>
public class TorchRecommenderBenchmarks
{
    /// <summary>The implicit set of this suite.</summary>
    internal static readonly Lazy<InteractionSet> Data = new(() => SyntheticRatings.Generate(new SyntheticRatingsOptions
    {
        Users = TorchBenchmarkSettings.Scaled(20_000),
        Items = 5_000,
        Ratings = TorchBenchmarkSettings.Scaled(1_000_000),
        Seed = 8,
    }));

    private TorchEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ = Data.Value;
        _engine = TorchBenchmarkSettings.CreateEngine();
    }

    [Benchmark(Description = "BPR k 64, 5 epochs (managed)")]
    [BenchmarkCategory("managed")]
    public int BprCpu() => Bpr(CpuEngine.Default);

    [Benchmark(Description = "BPR k 64, 5 epochs (Torch)")]
    [BenchmarkCategory("torch")]
    public int BprTorch() => Bpr(_engine);

    [Benchmark(Description = "EASE fit (managed)")]
    [BenchmarkCategory("managed")]
    public int EaseCpu() => Recommenders.Ease().OnEngine(CpuEngine.Default).Fit(Data.Value).ItemIds.Count;

    [Benchmark(Description = "EASE fit (Torch)")]
    [BenchmarkCategory("torch")]
    public int EaseTorch() => Recommenders.Ease().OnEngine(_engine).Fit(Data.Value).ItemIds.Count;

    [Benchmark(Description = "item-kNN fit (managed)")]
    [BenchmarkCategory("managed")]
    public int ItemKnnCpu() => Recommenders.ItemKnn().OnEngine(CpuEngine.Default).Fit(Data.Value).ItemIds.Count;

    [Benchmark(Description = "item-kNN fit (Torch)")]
    [BenchmarkCategory("torch")]
    public int ItemKnnTorch() => Recommenders.ItemKnn().OnEngine(_engine).Fit(Data.Value).ItemIds.Count;

    private static int Bpr(IComputeEngine engine) => Recommenders.Bpr().Factors(64).Epochs(5).OnEngine(engine).Fit(Data.Value).ItemIds.Count;
}

/// <summary>
/// k-means on 1,000,000 × 64 (k = 32, 10 Lloyd iterations from the same start) and a logistic fit on
/// 200,000 × 50, rows scaled by <see cref="TorchBenchmarkSettings.Scale"/>.
/// </summary>
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
        _engine = TorchBenchmarkSettings.CreateEngine();
        (_points, _init, _x, _y) = KMeansAndLogisticData.Create();
    }

    private KMeansOptions KMeansOptions => new() { Clusters = 32, InitialCentroids = _init, MaxIterations = 10, Tolerance = 0, Algorithm = KMeansAlgorithm.Lloyd };

    [Benchmark(Description = "k-means Lloyd, 10 it (managed)")]
    [BenchmarkCategory("managed")]
    public double KMeansCpu() => CpuEngine.Default.Cluster(_points, KMeansOptions, null, default).Inertia;

    [Benchmark(Description = "k-means Lloyd, 10 it (Torch)")]
    [BenchmarkCategory("torch")]
    public double KMeansTorch() => _engine.Cluster(_points, KMeansOptions, null, default).Inertia;

    [Benchmark(Description = "logistic Newton (managed)")]
    [BenchmarkCategory("managed")]
    public double LogisticCpu() => CpuEngine.Default.FitLogistic(_x, _y, new LogisticOptions(), default).Objective;

    [Benchmark(Description = "logistic Newton (Torch)")]
    [BenchmarkCategory("torch")]
    public double LogisticTorch() => _engine.FitLogistic(_x, _y, new LogisticOptions(), default).Objective;
}

/// <summary>The k-means points (32 noisy clusters in 64 dimensions) and the logistic design (50 uniform features, a planted linear logit).</summary>
internal static class KMeansAndLogisticData
{
    public static (ReadOnlyMatrix Points, ReadOnlyMatrix Init, ReadOnlyMatrix X, bool[] Y) Create()
    {
        var rng = new Random(1);
        var rows = TorchBenchmarkSettings.Scaled(1_000_000);
        var points = new float[rows * 64];
        var centres = new float[32 * 64];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        for (var r = 0; r < rows; r++)
        {
            var c = rng.Next(32);
            for (var f = 0; f < 64; f++)
            {
                points[(r * 64) + f] = centres[(c * 64) + f] + (float)((rng.NextDouble() * 2) - 1);
            }
        }

        var n = TorchBenchmarkSettings.Scaled(200_000);
        var x = new float[n * 50];
        var y = new bool[n];
        for (var r = 0; r < n; r++)
        {
            var z = -1.0;
            for (var j = 0; j < 50; j++)
            {
                x[(r * 50) + j] = (float)((rng.NextDouble() * 2) - 1);
                z += ((j % 5) - 2) * 0.3 * x[(r * 50) + j];
            }

            y[r] = rng.NextDouble() < 1 / (1 + Math.Exp(-z));
        }

        return (ReadOnlyMatrix.Create(points, rows, 64), ReadOnlyMatrix.Create(points.AsSpan(0, 32 * 64), 32, 64), ReadOnlyMatrix.Create(x, n, 50), y);
    }
}
