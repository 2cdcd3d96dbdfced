using MathNet.Numerics.Distributions;

namespace CrossRec.Tests.Segmentation;

public class KMeansTests
{
    /// <summary>Well-separated Gaussian blobs with known labels.</summary>
    internal static (ReadOnlyMatrix Points, int[] Truth) Blobs(int n, int k, int d, double spread, int seed)
    {
        var rng = new Random(seed);
        var centres = new double[k, d];
        for (var c = 0; c < k; c++)
        {
            for (var f = 0; f < d; f++)
            {
                centres[c, f] = rng.NextDouble() * 100;
            }
        }

        var x = new float[n * d];
        var truth = new int[n];
        for (var r = 0; r < n; r++)
        {
            truth[r] = rng.Next(k);
            for (var f = 0; f < d; f++)
            {
                x[(r * d) + f] = (float)(centres[truth[r], f] + Normal.Sample(rng, 0, spread));
            }
        }

        return (ReadOnlyMatrix.Create(x, n, d), truth);
    }

    /// <summary>Overlapping Gaussian mixture: many iterations, many label changes.</summary>
    internal static ReadOnlyMatrix Mixture(int n, int d, int components, int seed)
    {
        var rng = new Random(seed);
        var centres = new double[components, d];
        for (var c = 0; c < components; c++)
        {
            for (var f = 0; f < d; f++)
            {
                centres[c, f] = Normal.Sample(rng, 0, 1.2);
            }
        }

        var x = new float[n * d];
        for (var r = 0; r < n; r++)
        {
            var c = rng.Next(components);
            for (var f = 0; f < d; f++)
            {
                x[(r * d) + f] = (float)(centres[c, f] + Normal.Sample(rng, 0, 1));
            }
        }

        return ReadOnlyMatrix.Create(x, n, d);
    }

    /// <summary>Adjusted Rand index (Hubert &amp; Arabie).</summary>
    internal static double AdjustedRand(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        var table = new Dictionary<(int, int), long>();
        var rowSum = new Dictionary<int, long>();
        var colSum = new Dictionary<int, long>();
        for (var i = 0; i < a.Length; i++)
        {
            table[(a[i], b[i])] = table.GetValueOrDefault((a[i], b[i])) + 1;
            rowSum[a[i]] = rowSum.GetValueOrDefault(a[i]) + 1;
            colSum[b[i]] = colSum.GetValueOrDefault(b[i]) + 1;
        }

        static double Pairs(long v) => v * (v - 1) / 2.0;
        var index = table.Values.Sum(Pairs);
        var rows = rowSum.Values.Sum(Pairs);
        var cols = colSum.Values.Sum(Pairs);
        var expected = rows * cols / Pairs(a.Length);
        return (index - expected) / ((0.5 * (rows + cols)) - expected);
    }

    [TestCase(KMeansAlgorithm.Lloyd)]
    [TestCase(KMeansAlgorithm.Hamerly)]
    [TestCase(KMeansAlgorithm.Elkan)]
    [TestCase(KMeansAlgorithm.MiniBatch)]
    public void RecoversWellSeparatedBlobs(KMeansAlgorithm algorithm)
    {
        var (points, truth) = Blobs(5000, 6, 5, 2.0, 1);
        var result = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 6, Algorithm = algorithm, Restarts = 3, Seed = 3, BatchSize = 500 }, null, default);
        Assert.That(AdjustedRand(result.Assignments, truth), Is.GreaterThanOrEqualTo(0.99));
    }

    [TestCase(8, 8, 1, KMeansAlgorithm.Hamerly)]
    [TestCase(32, 64, 2, KMeansAlgorithm.Hamerly)]
    [TestCase(50, 13, 3, KMeansAlgorithm.Hamerly)]
    [TestCase(8, 8, 1, KMeansAlgorithm.Elkan)]
    [TestCase(32, 64, 2, KMeansAlgorithm.Elkan)]
    [TestCase(50, 13, 3, KMeansAlgorithm.Elkan)]
    public void LloydAndTheBoundedVariantsGiveIdenticalAssignments(int k, int d, int seed, KMeansAlgorithm bounded)
    {
        var points = Mixture(6000, d, k, seed);
        var lloyd = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = k, Algorithm = KMeansAlgorithm.Lloyd, Seed = seed, TrackInertia = true }, null, default);
        var hamerly = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = k, Algorithm = bounded, Seed = seed, TrackInertia = true }, null, default);
        Assert.That(hamerly.Iterations, Is.EqualTo(lloyd.Iterations));
        Assert.That(hamerly.Assignments.ToArray(), Is.EqualTo(lloyd.Assignments.ToArray()));
        Assert.That(hamerly.Centroids.AsSpan().ToArray(), Is.EqualTo(lloyd.Centroids.AsSpan().ToArray()));
        Assert.That(hamerly.InertiaHistory, Is.EqualTo(lloyd.InertiaHistory));
    }

    [TestCase(KMeansAlgorithm.Lloyd)]
    [TestCase(KMeansAlgorithm.Hamerly)]
    [TestCase(KMeansAlgorithm.Elkan)]
    public void InertiaNeverIncreases(KMeansAlgorithm algorithm)
    {
        var points = Mixture(8000, 16, 12, 4);
        var result = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 12, Algorithm = algorithm, TrackInertia = true }, null, default);
        Assert.That(result.InertiaHistory, Has.Count.GreaterThan(5));
        for (var i = 1; i < result.InertiaHistory.Count; i++)
        {
            // The history sums float32 distances; allow their rounding, nothing more.
            Assert.That(result.InertiaHistory[i], Is.LessThanOrEqualTo(result.InertiaHistory[i - 1] * (1 + 1e-6)), $"iteration {i + 1}");
        }

        Assert.That(result.Inertia, Is.LessThanOrEqualTo(result.InertiaHistory[0]));
    }

    [Test]
    public void ElkanRefusesMoreBoundsThanItMayKeep()
    {
        var points = ReadOnlyMatrix.Create(new float[300_000 * 2], 300_000, 2);
        var e = Assert.Throws<ArgumentException>(() => CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 1000, Algorithm = KMeansAlgorithm.Elkan }, null, default));
        Assert.That(e!.Message, Does.Contain("Hamerly"));
        Assert.That(e.ParamName, Does.Contain("Algorithm"));
    }

    [Test]
    public void SameSeedSameResultWhateverTheThreadCount()
    {
        var points = Mixture(5000, 10, 8, 5);
        var one = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 8, Threads = 1, Seed = 9 }, null, default);
        var two = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 8, Threads = 2, Seed = 9 }, null, default);
        Assert.That(two.Assignments.ToArray(), Is.EqualTo(one.Assignments.ToArray()));
        Assert.That(two.Inertia, Is.EqualTo(one.Inertia));
    }

    [Test]
    public void MiniBatchComesCloseToLloyd()
    {
        var points = Mixture(20_000, 8, 10, 6);
        var lloyd = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 10, Algorithm = KMeansAlgorithm.Lloyd, Restarts = 2 }, null, default);
        var mini = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 10, Algorithm = KMeansAlgorithm.MiniBatch, BatchSize = 1000, MaxIterations = 500, Restarts = 2 }, null, default);
        Assert.That(mini.Inertia, Is.LessThan(lloyd.Inertia * 1.05));
    }

    [Test]
    public void EmptyClustersAreRecovered()
    {
        // Start two centroids far away from all data: they get no points and must be relocated.
        var (points, _) = Blobs(2000, 4, 3, 1.0, 7);
        var init = new float[4 * 3];
        points.Row(0).CopyTo(init);
        points.Row(1).CopyTo(init.AsSpan(3));
        Array.Fill(init, 1e6f, 6, 6);
        var result = CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 4, InitialCentroids = ReadOnlyMatrix.Create(init, 4, 3) }, null, default);
        var sizes = new int[4];
        foreach (var a in result.Assignments)
        {
            sizes[a]++;
        }

        Assert.That(sizes, Has.All.GreaterThan(0));
    }

    [Test]
    public void BadInputIsRefusedWithAClearMessage()
    {
        var (points, _) = Blobs(10, 2, 2, 1, 1);
        Assert.That(() => CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 11 }, null, default), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("exceeds the number of points (10)"));
        Assert.That(() => CpuEngine.Default.Cluster(ReadOnlyMatrix.Create([], 0, 3), new KMeansOptions { Clusters = 1 }, null, default), Throws.ArgumentException.With.Message.Contains("non-empty"));
        Assert.That(() => ReadOnlyMatrix.Create([1f, float.NaN], 1, 2), Throws.ArgumentException.With.Message.Contains("finite"));
        Assert.That(() => CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 2, InitialCentroids = ReadOnlyMatrix.Create(new float[6], 2, 3) }, null, default), Throws.ArgumentException.With.Message.Contains("expected 2 x 2"));
        Assert.That(() => CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 0 }, null, default), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Clusters must be in 1..100000"));
    }

    [Test]
    public void CancellationStopsTheFit()
    {
        var points = Mixture(20_000, 8, 10, 8);
        using var cts = new CancellationTokenSource();
        var progress = new Cancel(cts);
        Assert.That(() => CpuEngine.Default.Cluster(points, new KMeansOptions { Clusters = 10, Algorithm = KMeansAlgorithm.Lloyd }, progress, cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(progress.Reports, Is.EqualTo(2));
    }

    private sealed class Cancel(CancellationTokenSource cts) : IProgress<IterationReport>
    {
        public int Reports { get; private set; }

        public void Report(IterationReport value)
        {
            if (++Reports == 2)
            {
                cts.Cancel();
            }
        }
    }
}
