namespace CrossRec;

/// <summary>Progress of one iteration (ALS sweep, BPR epoch) of an iterative recommender.</summary>
/// <param name="Algorithm">Algorithm tag ("ials", "bpr", ...).</param>
/// <param name="Iteration">1-based iteration just finished.</param>
/// <param name="TotalIterations">Iterations planned.</param>
/// <param name="Loss">The training objective after the iteration (algorithm-specific; lower is better).</param>
/// <param name="Elapsed">Training time so far.</param>
/// <param name="Device">Engine that ran it ("cpu", "cuda:0", ...).</param>
public sealed record TrainingProgress(string Algorithm, int Iteration, int TotalIterations, double Loss, TimeSpan Elapsed, string Device)
{
    /// <summary>
    /// Further figures of the iteration by name (empty when the algorithm has none): BPR reports
    /// <c>"sampled-auc"</c>, the share of the epoch's sampled (user, positive, negative) triples ranked the right way
    /// round before their update.
    /// </summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = Empty;

    /// <summary>
    /// Set by <see cref="Recommenders.Auto"/> on every report it passes on or makes: the stage running,
    /// "selection", "tuning", "blend" or "refit" (<see cref="CandidateScore.SelectionStage"/>, <see cref="CandidateScore.TuningStage"/>,
    /// <see cref="CandidateScore.BlendStage"/>, <see cref="CandidateScore.RefitStage"/>); null elsewhere.
    /// Auto's own reports (a candidate starting, the run ending) have <see cref="Algorithm"/> "auto" and count its
    /// fits in <see cref="Iteration"/> of <see cref="TotalIterations"/>; the fits' own reports keep their algorithm and iterations.
    /// </summary>
    public string? Stage { get; init; }

    /// <summary>Set by <see cref="Recommenders.Auto"/>: the candidate being fitted or scored ("ease", "ials regularization=2", "blend of ials and ease"); null elsewhere.</summary>
    public string? Candidate { get; init; }

    /// <summary>Set by <see cref="Recommenders.Auto"/>: how much of the whole selection is done, 0..100, never decreasing; null elsewhere.</summary>
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
