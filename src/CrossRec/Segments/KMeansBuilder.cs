namespace CrossRec.Segments;

/// <summary>Score of one cluster count.</summary>
/// <param name="Clusters">k.</param>
/// <param name="Inertia">k-means inertia (falls as k grows; look for the elbow).</param>
/// <param name="Silhouette">Mean silhouette on the sample (higher is better).</param>
public sealed record ClusterCountScore(int Clusters, double Inertia, double Silhouette);

/// <summary>Immutable fluent builder of a k-means segmentation; options are validated by <c>Fit</c>.</summary>
[OptionSetters(typeof(KMeansOptions))]
public sealed partial class KMeansBuilder
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

    /// <summary>
    /// Standardise every column (z-score with the training mean and standard deviation) before clustering,
    /// so features on different scales weigh alike; the model applies the same transform when assigning.
    /// </summary>
    public KMeansBuilder Standardize(bool standardize = true) => new(Options, _engine, standardize);

    /// <summary>Runs on a specific engine (default: the managed CPU engine).</summary>
    internal KMeansBuilder OnEngine(IComputeEngine engine) => new(Options, engine ?? throw new ArgumentNullException(nameof(engine)), _standardize);

    /// <summary>Clusters the rows of <paramref name="points"/> (users × features).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or k exceeds the number of rows.</exception>
    /// <exception cref="ArgumentException">The matrix is empty or holds NaN/∞, or a column is constant when standardising.</exception>
    public SegmentationModel Fit(ReadOnlyMatrix points, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
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

        var result = (_engine ?? CpuEngine.Default).Cluster(input, Options, ProgressAdapters.KMeans(progress, Options.MaxIterations), cancellationToken);
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
