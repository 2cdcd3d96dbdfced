namespace CrossRec;

/// <summary>
/// The one progress report of CrossRec's long-running work: an iteration of a recommender (ALS sweep, BPR epoch),
/// an epoch of biased MF or the joint cross-domain model, a k-means iteration, a fold of cross-validation, a stage of
/// <see cref="Recommenders.Auto"/> or of the cross-domain protocol. Reports arrive synchronously, in order, on the
/// training thread; a listener should return quickly.
/// </summary>
/// <param name="Algorithm">Algorithm tag ("ials", "bpr", "biased-mf", "kmeans", "auto", ...).</param>
/// <param name="Iteration">1-based iteration (epoch, fold, ...) just finished; 0 for a report that a stage starts.</param>
/// <param name="TotalIterations">Iterations planned (the most planned, for k-means, which can converge early).</param>
/// <param name="Loss">The training objective after the iteration (algorithm-specific; lower is better: biased MF's training RMSE, k-means' inertia, a fold's test RMSE); NaN when there is none.</param>
/// <param name="Elapsed">Training time so far.</param>
/// <param name="Device">Engine that ran it ("cpu", "cuda:0", ...).</param>
public sealed record TrainingProgress(string Algorithm, int Iteration, int TotalIterations, double Loss, TimeSpan Elapsed, string Device)
{
    /// <summary>Name in <see cref="Metrics"/> of BPR's share of the epoch's sampled (user, positive, negative) triples ranked the right way round before their update.</summary>
    public const string SampledAucMetric = "sampled-auc";

    /// <summary>Name in <see cref="Metrics"/> of biased MF's RMSE on the training data during (SGD) or after (ALS) the epoch.</summary>
    public const string TrainRmseMetric = "train-rmse";

    /// <summary>Name in <see cref="Metrics"/> of biased MF's RMSE on the validation set after the epoch (present only with a validation set).</summary>
    public const string ValidationRmseMetric = "validation-rmse";

    /// <summary>Name in <see cref="Metrics"/> of biased MF's factor learning rate in the epoch.</summary>
    public const string LearningRateMetric = "learning-rate";

    /// <summary>Name in <see cref="Metrics"/> of biased MF's rating updates per second in the epoch.</summary>
    public const string UpdatesPerSecondMetric = "updates-per-second";

    /// <summary>Name in <see cref="Metrics"/> of k-means' inertia (sum of squared distances to the nearest centroid).</summary>
    public const string InertiaMetric = "inertia";

    /// <summary>Name in <see cref="Metrics"/> of k-means' total squared movement of the centroids in the iteration.</summary>
    public const string CentroidShiftMetric = "centroid-shift";

    /// <summary>Name in <see cref="Metrics"/> of k-means' 0-based restart (k-means++ initialisation) the iteration belongs to.</summary>
    public const string RestartMetric = "restart";

    /// <summary>Name in <see cref="Metrics"/> of a cross-validation fold's test RMSE.</summary>
    public const string RmseMetric = "rmse";

    /// <summary>Name in <see cref="Metrics"/> of approximate serving's calibration: recall@10 of the efSearch tried (<see cref="Candidate"/>) on the sample of users.</summary>
    public const string RecallMetric = "recall@10";

    /// <summary>Further figures of the iteration by name (empty when the algorithm has none): the names are the <c>…Metric</c> constants of this type.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = Empty;

    /// <summary>
    /// The stage of a run made of several fits, or null for a single fit. <see cref="Recommenders.Auto"/>: "selection",
    /// "tuning", "blend" or "refit" (<see cref="CandidateScore.SelectionStage"/>, ...); its own reports (a candidate
    /// starting, the run ending) have <see cref="Algorithm"/> "auto" and count its fits in <see cref="Iteration"/> of
    /// <see cref="TotalIterations"/>, while the fits' own reports keep their algorithm and iterations.
    /// Cross-validation: "cross-validation". The cross-domain protocol: the <c>…Stage</c> constants of
    /// <see cref="Transfer.CrossDomainProtocolBuilder"/> ("split", "joint-training", "target-only-training", "evaluation", "done").
    /// Approximate serving: "calibration" for each efSearch tried (algorithm "hnsw"; the build's own reports have none).
    /// </summary>
    public string? Stage { get; init; }

    /// <summary>What within the stage is being fitted or scored (Auto: "ease", "ials regularization=2", "blend of ials and ease"; cross-validation: "configuration 2 of 6"), or null.</summary>
    public string? Candidate { get; init; }

    /// <summary>How much of the whole multi-fit run is done, 0..100, never decreasing (Auto, cross-validation), or null.</summary>
    public double? Percent { get; init; }

    private static readonly IReadOnlyDictionary<string, double> Empty = new Dictionary<string, double>(0);
}

/// <summary>How a recommender was trained.</summary>
/// <param name="Algorithm">Algorithm tag.</param>
/// <param name="Device">Engine that trained it.</param>
/// <param name="Parameters">The hyperparameters used, by name, invariant-culture strings.</param>
/// <param name="Iterations">Iterations run (0 for closed-form and counting models).</param>
/// <param name="Seconds">Wall-clock training time.</param>
/// <param name="History">One report per iteration (empty for non-iterative models, and after loading).</param>
/// <param name="Note">Anything the user should know about the run (an engine fallback and why), or null.</param>
public sealed record RecommenderTrainingInfo(
    string Algorithm,
    string Device,
    IReadOnlyDictionary<string, string> Parameters,
    int Iterations,
    double Seconds,
    IReadOnlyList<TrainingProgress> History,
    string? Note);
