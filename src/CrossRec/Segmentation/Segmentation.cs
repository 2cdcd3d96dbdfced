namespace CrossRec;

/// <summary>Entry point of user segmentation (k-means).</summary>
/// <example>
/// <code>
/// var segments = Segmentation.KMeans(clusters: 8).Seed(7).Fit(model.UserFactors);
/// foreach (var p in segments.Profile(ratings, genresOfItem)) Console.WriteLine(p.Describe());
/// </code>
/// </example>
public static class Segmentation
{
    /// <summary>Starts a k-means segmentation with <paramref name="clusters"/> segments.</summary>
    public static KMeansBuilder KMeans(int clusters) => new(new KMeansOptions { Clusters = clusters }, null, standardize: false);

    /// <summary>
    /// Helps choose k: fits k-means for each k and reports the inertia (for an elbow plot) and the mean
    /// silhouette on a seeded sample of rows (higher is better; −1..1).
    /// </summary>
    /// <param name="points">Rows to cluster.</param>
    /// <param name="clusterCounts">The values of k to try (each ≥ 2).</param>
    /// <param name="seed">Seed of the clusterings and of the silhouette sample.</param>
    /// <param name="sampleSize">Rows in the silhouette sample (100..100000); the silhouette costs O(sample² · d).</param>
    /// <param name="standardize">Standardise the columns first.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    public static IReadOnlyList<ClusterCountScore> ChooseK(ReadOnlyMatrix points, IEnumerable<int> clusterCounts, int seed = 42, int sampleSize = 2000, bool standardize = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(clusterCounts);
        Check.Range(sampleSize, 100, 100_000, nameof(sampleSize));
        var ks = clusterCounts.ToArray();
        if (ks.Length == 0)
        {
            throw new ArgumentException("Give at least one cluster count to try.", nameof(clusterCounts));
        }

        var rng = new Random(seed);
        var sample = Enumerable.Range(0, points.Rows).ToArray();
        rng.Shuffle(sample);
        sample = sample.Take(Math.Min(sampleSize, points.Rows)).ToArray();
        var scores = new List<ClusterCountScore>(ks.Length);
        foreach (var k in ks)
        {
            Check.Range(k, 2, points.Rows, nameof(clusterCounts));
            var model = KMeans(k).Seed(seed).Standardize(standardize).Fit(points, null, cancellationToken);
            var space = standardize ? Scaling.Apply(points, model) : points;
            scores.Add(new ClusterCountScore(k, model.Result!.Inertia, Silhouette(space, model.Result.Assignments, sample, k, cancellationToken)));
        }

        return scores;
    }

    /// <summary>Mean silhouette of the sampled rows, against the other sampled rows.</summary>
    internal static double Silhouette(ReadOnlyMatrix points, ReadOnlySpan<int> labels, int[] sample, int k, CancellationToken ct)
    {
        var m = sample.Length;
        var sampleLabels = new int[m];
        for (var i = 0; i < m; i++)
        {
            sampleLabels[i] = labels[sample[i]];
        }

        var clusterSize = new int[k];
        foreach (var l in sampleLabels)
        {
            clusterSize[l]++;
        }

        var scores = new double[m];
        Parallel.For(0, m, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var sums = new double[k];
            var xi = points.Row(sample[i]);
            for (var j = 0; j < m; j++)
            {
                if (j != i)
                {
                    sums[sampleLabels[j]] += Math.Sqrt(SquaredDistance(xi, points.Row(sample[j])));
                }
            }

            var own = sampleLabels[i];
            if (clusterSize[own] <= 1)
            {
                scores[i] = 0; // a singleton's silhouette is 0 by convention
                return;
            }

            var a = sums[own] / (clusterSize[own] - 1);
            var b = double.PositiveInfinity;
            for (var c = 0; c < k; c++)
            {
                if (c != own && clusterSize[c] > 0)
                {
                    b = Math.Min(b, sums[c] / clusterSize[c]);
                }
            }

            scores[i] = double.IsInfinity(b) ? 0 : (b - a) / Math.Max(a, b);
        });
        return scores.Average();
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var d = System.Numerics.Tensors.TensorPrimitives.Distance(a, b);
        return (double)d * d;
    }
}

/// <summary>Score of one cluster count.</summary>
/// <param name="Clusters">k.</param>
/// <param name="Inertia">k-means inertia (falls as k grows; look for the elbow).</param>
/// <param name="Silhouette">Mean silhouette on the sample (higher is better).</param>
public sealed record ClusterCountScore(int Clusters, double Inertia, double Silhouette);

/// <summary>Immutable fluent builder of a k-means segmentation; options are validated by <c>Fit</c>.</summary>
public sealed class KMeansBuilder
{
    private readonly IComputeEngine? _engine;
    private readonly bool _standardize;

    internal KMeansBuilder(KMeansOptions options, IComputeEngine? engine, bool standardize)
    {
        Options = options;
        _engine = engine;
        _standardize = standardize;
    }

    /// <summary>Options collected so far.</summary>
    public KMeansOptions Options { get; }

    /// <summary>Seed of the k-means++ seeding (and mini-batch sampling).</summary>
    public KMeansBuilder Seed(int seed) => With(Options with { Seed = seed });

    /// <summary>Independent restarts; the lowest inertia wins.</summary>
    public KMeansBuilder Restarts(int restarts) => With(Options with { Restarts = restarts });

    /// <summary>Maximum iterations per restart.</summary>
    public KMeansBuilder MaxIterations(int iterations) => With(Options with { MaxIterations = iterations });

    /// <summary>Convergence tolerance (relative to the mean feature variance).</summary>
    public KMeansBuilder Tolerance(double tolerance) => With(Options with { Tolerance = tolerance });

    /// <summary>Variant (Auto, Lloyd, Hamerly, MiniBatch).</summary>
    public KMeansBuilder Algorithm(KMeansAlgorithm algorithm) => With(Options with { Algorithm = algorithm });

    /// <summary>Worker threads (0 = all cores; 0..1024). More than the core count is clamped to it, with a warning in <see cref="KMeansResult.Note"/>.</summary>
    public KMeansBuilder Threads(int threads) => With(Options with { Threads = threads });

    /// <summary>Mini-batch size.</summary>
    public KMeansBuilder BatchSize(int batchSize) => With(Options with { BatchSize = batchSize });

    /// <summary>Record the inertia after every iteration.</summary>
    public KMeansBuilder TrackInertia(bool track = true) => With(Options with { TrackInertia = track });

    /// <summary>
    /// Standardise every column (z-score with the training mean and standard deviation) before clustering,
    /// so features on different scales weigh alike; the model applies the same transform when assigning.
    /// </summary>
    public KMeansBuilder Standardize(bool standardize = true) => new(Options, _engine, standardize);

    /// <summary>Replaces all options.</summary>
    public KMeansBuilder WithOptions(KMeansOptions options) => With(options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>Runs on a specific engine (default: the managed CPU engine).</summary>
    public KMeansBuilder OnEngine(IComputeEngine engine) => new(Options, engine ?? throw new ArgumentNullException(nameof(engine)), _standardize);

    /// <summary>Clusters the rows of <paramref name="points"/> (users × features).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or k exceeds the number of rows.</exception>
    /// <exception cref="ArgumentException">The matrix is empty or holds NaN/∞, or a column is constant when standardising.</exception>
    public SegmentationModel Fit(ReadOnlyMatrix points, IProgress<IterationReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        Options.Validate();
        if (points.Rows == 0 || points.Columns == 0)
        {
            throw new ArgumentException($"Segmentation needs a non-empty matrix; got {points.Rows} x {points.Columns}.", nameof(points));
        }

        if (Options.Clusters > points.Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(KMeansOptions.Clusters), Options.Clusters, $"Clusters (k = {Options.Clusters}) exceeds the number of rows ({points.Rows}).");
        }

        float[]? means = null, scales = null;
        var input = points;
        if (_standardize)
        {
            (means, scales) = Scaling.Learn(points);
            input = Scaling.Apply(points, means, scales);
        }

        var result = (_engine ?? CpuEngine.Default).Cluster(input, Options, progress, cancellationToken);
        result.Note = ThreadCount.Join(result.Note, ThreadCount.ClampWarning(Options.Threads, "KMeansOptions.Threads"));
        var sizes = new int[Options.Clusters];
        foreach (var a in result.Assignments)
        {
            sizes[a]++;
        }

        return new SegmentationModel(result.Centroids.ToArray(), Options.Clusters, points.Columns, means, scales, points.ColumnNames, sizes, result, points.RowIds);
    }

    private KMeansBuilder With(KMeansOptions options) => new(options, _engine, _standardize);
}

/// <summary>Column standardisation.</summary>
internal static class Scaling
{
    public static (float[] Means, float[] Scales) Learn(ReadOnlyMatrix points)
    {
        var d = points.Columns;
        var means = new float[d];
        var scales = new float[d];
        for (var f = 0; f < d; f++)
        {
            double sum = 0, sq = 0;
            for (var r = 0; r < points.Rows; r++)
            {
                double v = points[r, f];
                sum += v;
                sq += v * v;
            }

            var mean = sum / points.Rows;
            var sd = Math.Sqrt(Math.Max(0, (sq / points.Rows) - (mean * mean)));
            if (!(sd > 1e-12 * Math.Max(1, Math.Abs(mean))))
            {
                throw new ArgumentException($"Column {(points.ColumnNames is null ? f.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"'{points.ColumnNames[f]}'")} is constant; it cannot be standardised (drop it).");
            }

            means[f] = (float)mean;
            scales[f] = (float)sd;
        }

        return (means, scales);
    }

    public static ReadOnlyMatrix Apply(ReadOnlyMatrix points, float[] means, float[] scales)
    {
        var data = points.ToArray();
        var d = points.Columns;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (data[i] - means[i % d]) / scales[i % d];
        }

        return ReadOnlyMatrix.Wrap(data, points.Rows, d, points.RowIds, points.ColumnNames);
    }

    public static ReadOnlyMatrix Apply(ReadOnlyMatrix points, SegmentationModel model)
    {
        if (!model.Standardized)
        {
            return points;
        }

        var (means, scales) = model.Scaling;
        return Apply(points, means, scales);
    }
}
