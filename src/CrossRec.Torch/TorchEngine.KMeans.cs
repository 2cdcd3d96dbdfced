using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

internal sealed partial class TorchEngine : IKMeansKernel
{
    /// <inheritdoc />
    /// <remarks>
    /// Greedy k-means++ (candidates drawn with <c>multinomial</c> in proportion to D², the best of
    /// 2 + ⌊ln k⌋ kept) and Lloyd iterations: assignment with <c>cdist</c> + <c>argmin</c> over row chunks
    /// (chunk × k distances at a time, so 10M × 128 points fit a GPU), centroid update with
    /// <c>index_add_</c> and <c>bincount</c>. Empty clusters move to the points farthest from their centroids.
    /// </remarks>
    public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var n = points.Rows;
        var d = points.Columns;
        var k = options.Clusters;
        if (n == 0 || d == 0)
        {
            throw new ArgumentException($"k-means needs a non-empty matrix; got {n} x {d}.", nameof(points));
        }

        if (k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(options), k, $"Clusters (k = {k}) exceeds the number of points ({n}).");
        }

        if (options.InitialCentroids is { } init && (init.Rows != k || init.Columns != d))
        {
            throw new ArgumentException($"InitialCentroids is {init.Rows} x {init.Columns}; expected {k} x {d}.", nameof(options));
        }

        if (options.Algorithm == KMeansAlgorithm.MiniBatch)
        {
            throw new NotSupportedException("Mini-batch k-means runs on the CPU engine; the Torch engine runs full Lloyd iterations.");
        }

        using var scope = torch.NewDisposeScope();
        var x = TorchCompat.Floats(points.ToArray(), n, d, _device);
        var variance = x.var(0).mean().to(ScalarType.Float64).item<double>();
        var tolerance = options.Tolerance * variance;
        var watch = Stopwatch.StartNew();
        KMeansResult? best = null;
        for (var restart = 0; restart < options.Restarts; restart++)
        {
            using var restartScope = torch.NewDisposeScope();
            using var generator = new torch.Generator((ulong)(options.Seed + (restart * 7919L)), _device);
            var centroids = options.InitialCentroids is { } given && restart == 0
                ? TorchCompat.Floats(given.ToArray(), k, d, _device)
                : SeedPlusPlus(x, k, generator, cancellationToken);
            var result = Lloyd(x, centroids, options, tolerance, restart, progress, watch, cancellationToken);
            if (best is null || result.Inertia < best.Inertia)
            {
                best = result;
            }
        }

        return best!;
    }

    private Tensor SeedPlusPlus(Tensor x, int k, Generator generator, CancellationToken ct)
    {
        var n = x.shape[0];
        var trials = 2 + (int)Math.Log(k);
        var first = TorchCompat.Multinomial(torch.ones(n, dtype: ScalarType.Float32, device: _device), 1, generator);
        var centroids = x.index_select(0, first);
        var closest = SquaredDistances(x, centroids).min(1).values;
        for (var c = 1; c < k; c++)
        {
            ct.ThrowIfCancellationRequested();
            using var step = torch.NewDisposeScope();
            var weights = closest.sum().item<float>() > 0 ? closest : torch.ones_like(closest);
            var candidates = x.index_select(0, TorchCompat.Multinomial(weights, trials, generator));
            var distances = SquaredDistances(x, candidates);                   // n × trials
            var potential = torch.minimum(distances, closest.unsqueeze(1)).sum(0);
            var bestTrial = potential.argmin().item<long>();
            var chosen = candidates.narrow(0, bestTrial, 1);
            closest.copy_(torch.minimum(closest, distances.select(1, bestTrial)));
            var grown = torch.cat([centroids, chosen], 0).MoveToOuterDisposeScope();
            centroids = grown;
        }

        return centroids;
    }

    private KMeansResult Lloyd(Tensor x, Tensor centroids, KMeansOptions o, double tolerance, int restart, IProgress<IterationReport>? progress, Stopwatch watch, CancellationToken ct)
    {
        var n = x.shape[0];
        var d = x.shape[1];
        var k = o.Clusters;
        var history = new List<double>();
        var converged = false;
        var iteration = 0;
        var labels = torch.zeros(n, dtype: ScalarType.Int64, device: _device);
        var distance = torch.zeros(n, dtype: ScalarType.Float32, device: _device);
        while (iteration < o.MaxIterations)
        {
            ct.ThrowIfCancellationRequested();
            using var iterationScope = torch.NewDisposeScope();
            Assign(x, centroids, labels, distance);
            var inertia = distance.sum().to(ScalarType.Float64).item<double>();
            history.Add(inertia);
            var sums = TorchCompat.IndexAdd(torch.zeros(k, d, dtype: ScalarType.Float32, device: _device), 0, labels, x);
            var counts = labels.bincount(null, k).to(ScalarType.Float32);
            var updated = sums / counts.clamp(1).unsqueeze(1);
            var empty = (counts == 0).nonzero().reshape(-1);
            if (empty.shape[0] > 0)
            {
                // Relocate empty clusters onto the points farthest from their centroids.
                var far = distance.topk((int)empty.shape[0]).indexes;
                updated.index_copy_(0, empty, x.index_select(0, far));
            }

            var shift = (updated - centroids).pow(2).sum().to(ScalarType.Float64).item<double>();
            centroids.copy_(updated);
            iteration++;
            progress?.Report(new IterationReport(restart, iteration, inertia, shift, watch.Elapsed, Name));
            if (shift <= tolerance)
            {
                converged = true;
                break;
            }
        }

        Assign(x, centroids, labels, distance);
        var finalInertia = distance.sum().to(ScalarType.Float64).item<double>();
        var assignments = TorchCompat.ToLongs(labels).Select(v => (int)v).ToArray();
        return new KMeansResult(ReadOnlyMatrix.Create(TorchCompat.ToFloats(centroids), k, (int)d), assignments, finalInertia, iteration, converged, history.ToArray(), Name);
    }

    /// <summary>Nearest centroid and squared distance of every point, chunk by chunk.</summary>
    private void Assign(Tensor x, Tensor centroids, Tensor labels, Tensor distance)
    {
        var n = x.shape[0];
        for (long start = 0; start < n; start += Options.KMeansChunkRows)
        {
            using var chunkScope = torch.NewDisposeScope();
            var length = Math.Min(Options.KMeansChunkRows, n - start);
            var (values, indexes) = SquaredDistances(x.narrow(0, start, length), centroids).min(1);
            labels.narrow(0, start, length).copy_(indexes);
            distance.narrow(0, start, length).copy_(values);
        }
    }

    private static Tensor SquaredDistances(Tensor x, Tensor centroids) => torch.cdist(x, centroids).pow(2);
}
