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
