using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using MathNet.Numerics.Distributions;

namespace CrossRec.Benchmarks;

/// <summary>
/// k-means on the 200,000 × 64 float32 Gaussian mixture of the scikit-learn comparison, k = 32, one
/// k-means++ start (seeding included in the time), 2 threads. Reads the matrix written by
/// <c>benchmarks/peers/make_mixture.py</c> from <c>CROSSREC_KMEANS_NPY</c> (and scikit-learn's start
/// from <c>CROSSREC_KMEANS_INIT</c> for the same-start rows); without them it generates a mixture of the
/// same shape in process.
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*KMeansBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class KMeansBenchmarks
{
    private ReadOnlyMatrix _x = null!;
    private ReadOnlyMatrix? _init;

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("CROSSREC_KMEANS_NPY");
        _x = path is not null ? Npy.Read(path) : Generate(200_000, 64, 32, 0);
        var init = Environment.GetEnvironmentVariable("CROSSREC_KMEANS_INIT");
        _init = init is not null ? Npy.Read(init) : null;
        Console.WriteLine($"// k-means data: {(path ?? "generated")} {_x.Rows} x {_x.Columns}; same-start centroids: {init ?? "none"}");
    }

    [Benchmark(Baseline = true, Description = "Lloyd, k-means++")]
    public double Lloyd() => Fit(KMeansAlgorithm.Lloyd, null);

    [Benchmark(Description = "Hamerly, k-means++")]
    public double Hamerly() => Fit(KMeansAlgorithm.Hamerly, null);

    [Benchmark(Description = "Lloyd, scikit-learn's start")]
    public double LloydSameStart() => _init is null ? double.NaN : Fit(KMeansAlgorithm.Lloyd, _init);

    [Benchmark(Description = "Hamerly, scikit-learn's start")]
    public double HamerlySameStart() => _init is null ? double.NaN : Fit(KMeansAlgorithm.Hamerly, _init);

    internal static ReadOnlyMatrix Generate(int n, int d, int components, int seed)
    {
        var rng = new Random(seed);
        var centres = new double[components * d];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = Normal.Sample(rng, 0, 1.2);
        }

        var x = new float[n * d];
        for (var r = 0; r < n; r++)
        {
            var c = rng.Next(components);
            for (var f = 0; f < d; f++)
            {
                x[(r * d) + f] = (float)(centres[(c * d) + f] + Normal.Sample(rng, 0, 1));
            }
        }

        return ReadOnlyMatrix.Create(x, n, d);
    }

    private double Fit(KMeansAlgorithm algorithm, ReadOnlyMatrix? init) =>
        CpuEngine.Default.Cluster(_x, new KMeansOptions { Clusters = 32, Algorithm = algorithm, Seed = 0, Threads = 2, InitialCentroids = init }, null, default).Inertia;
}

/// <summary>
/// Lloyd against Hamerly and Elkan over k = 8…256 and d = 8…128 on a 50,000-row mixture (same start, so both run
/// the same iterations): the measurements behind <see cref="KMeansAlgorithm.Auto"/>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class KMeansVariantBenchmarks
{
    private ReadOnlyMatrix _x = null!;
    private ReadOnlyMatrix _init = null!;

    [Params(8, 32, 128, 256)]
    public int K { get; set; }

    [Params(8, 32, 128)]
    public int D { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = KMeansBenchmarks.Generate(50_000, D, K, 1);
        var init = new float[K * D];
        for (var c = 0; c < K; c++)
        {
            _x.Row(c * 97 % _x.Rows).CopyTo(init.AsSpan(c * D, D));
        }

        _init = ReadOnlyMatrix.Create(init, K, D);
    }

    [Benchmark(Baseline = true)]
    public int Lloyd() => Fit(KMeansAlgorithm.Lloyd);

    [Benchmark]
    public int Hamerly() => Fit(KMeansAlgorithm.Hamerly);

    [Benchmark]
    public int Elkan() => Fit(KMeansAlgorithm.Elkan);

    private int Fit(KMeansAlgorithm algorithm) =>
        CpuEngine.Default.Cluster(_x, new KMeansOptions { Clusters = K, Algorithm = algorithm, InitialCentroids = _init, MaxIterations = 50, Threads = 2 }, null, default).Iterations;
}
