namespace CrossRec.Segments;

/// <summary>k-means variant.</summary>
public enum KMeansAlgorithm
{
    /// <summary>Let the engine choose the fastest exact variant for the shape of the data.</summary>
    Auto = 0,

    /// <summary>Plain Lloyd iterations: every point against every centroid.</summary>
    Lloyd = 1,

    /// <summary>Hamerly's bounds: one upper and one lower bound per point skip most distance computations.</summary>
    Hamerly = 2,

    /// <summary>
    /// Elkan's bounds: k lower bounds per point (n × k floats, at most 1 GB) and the centroid-pair test; same
    /// assignments as Lloyd. <see cref="Auto"/> does not use it (slower than <see cref="Hamerly"/> on the CPU engine:
    /// docs/performance.md).
    /// </summary>
    Elkan = 3,

    /// <summary>Mini-batch k-means (Sculley 2010) for data too large to iterate fully; approximate.</summary>
    MiniBatch = 4,
}

/// <summary>Options of k-means clustering. Immutable; validated when fitting.</summary>
public sealed record KMeansOptions
{
    /// <summary>Number of clusters k (1..100000, at most the number of points).</summary>
    public int Clusters { get; init; } = 8;

    /// <summary>Maximum Lloyd iterations per restart (1..100000).</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>Convergence tolerance on the centroid shift, relative to the data's mean variance (scikit-learn's definition; 0 ≤ tol ≤ 1).</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Independent k-means++ restarts; the one with the lowest inertia is kept (1..1000).</summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Seed of the seeding and of mini-batch sampling.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Variant: Auto, Lloyd, Hamerly or MiniBatch (<see cref="KMeansAlgorithm"/>).</summary>
    public KMeansAlgorithm Algorithm { get; init; } = KMeansAlgorithm.Auto;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to the core count, with a warning in <see cref="KMeansResult.Note"/>.</summary>
    public int Threads { get; init; }

    /// <summary>Batch size of <see cref="KMeansAlgorithm.MiniBatch"/> (1..10000000).</summary>
    public int BatchSize { get; init; } = 4096;

    /// <summary>
    /// Start the first restart from these centroids (k × d) instead of k-means++ seeding, for example to
    /// continue a previous clustering or to compare with another library from the same start.
    /// </summary>
    public ReadOnlyMatrix? InitialCentroids { get; init; }

    /// <summary>
    /// Record the inertia after every iteration (<see cref="KMeansResult.InertiaHistory"/>). It costs one
    /// distance per point per iteration, which Hamerly's algorithm otherwise mostly avoids; it is on
    /// whenever a progress observer is attached.
    /// </summary>
    public bool TrackInertia { get; init; }

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    public void Validate()
    {
        Check.Range(Clusters, 1, 100_000, nameof(Clusters));
        Check.Range(MaxIterations, 1, 100_000, nameof(MaxIterations));
        Check.Closed(Tolerance, 0, 1, nameof(Tolerance));
        Check.Range(Restarts, 1, 1000, nameof(Restarts));
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
        Check.Range(BatchSize, 1, 10_000_000, nameof(BatchSize));
        if (!Enum.IsDefined(Algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, "Algorithm must be Auto, Lloyd, Hamerly, Elkan or MiniBatch.");
        }
    }
}

/// <summary>Progress of one k-means iteration.</summary>
/// <param name="Restart">0-based restart.</param>
/// <param name="Iteration">1-based iteration within the restart.</param>
/// <param name="Inertia">Sum of squared distances to the assigned centroids.</param>
/// <param name="CentroidShift">Total squared movement of the centroids in this iteration.</param>
/// <param name="Elapsed">Time since the fit started.</param>
/// <param name="Device">Engine that ran it.</param>
internal sealed record IterationReport(int Restart, int Iteration, double Inertia, double CentroidShift, TimeSpan Elapsed, string Device);

/// <summary>A k-means clustering: centroids, the cluster of every point and the inertia. Immutable.</summary>
public sealed class KMeansResult
{
    private readonly int[] _assignments;
    private readonly double[] _history;

    internal KMeansResult(ReadOnlyMatrix centroids, int[] assignments, double inertia, int iterations, bool converged, double[] inertiaHistory, string device)
    {
        Centroids = centroids;
        _assignments = assignments;
        Inertia = inertia;
        Iterations = iterations;
        Converged = converged;
        _history = inertiaHistory;
        Device = device;
    }

    /// <summary>Cluster centres (k × d).</summary>
    public ReadOnlyMatrix Centroids { get; }

    /// <summary>Cluster of every point.</summary>
    public ReadOnlySpan<int> Assignments => _assignments;

    /// <summary>Sum of squared distances of points to their centroids.</summary>
    public double Inertia { get; }

    /// <summary>Iterations run by the kept restart.</summary>
    public int Iterations { get; }

    /// <summary>True when the kept restart met the tolerance before the iteration limit.</summary>
    public bool Converged { get; }

    /// <summary>Inertia after each iteration of the kept restart.</summary>
    public IReadOnlyList<double> InertiaHistory => _history;

    /// <summary>Engine that ran the clustering.</summary>
    public string Device { get; }

    /// <summary>Anything the user should know about the run (a <see cref="KMeansOptions.Threads"/> above the core count, clamped), or null. Not stored in model files.</summary>
    public string? Note { get; internal set; } // set once by the builder before the result is handed out

    internal int[] AssignmentArray => _assignments;
}
