namespace CrossRec.Serving;

/// <summary>
/// What <see cref="TopNServer"/> ranks: a per-user score function over one catalogue and, for plain
/// latent-factor models, the factor arrays of the blocked batch kernel (<see cref="ServingKernel"/>).
/// Implemented by every <see cref="RecommenderModel"/> and by the cross-domain scorers.
/// </summary>
internal interface IItemScorer
{
    /// <summary>Scores every item of the catalogue for a training user (index already checked).</summary>
    void ScoreUser(int user, Span<float> scores);

    /// <summary>
    /// The factor arrays whose <see cref="ServingKernel"/> scores are those of <see cref="ScoreUser"/> bit for
    /// bit, so that batches may take the blocked path; null when the scorer is not a plain factor model.
    /// </summary>
    FactorScoring? BlockScoring { get; }
}

/// <summary>Writes every item's score for one request (a folded-in user, an item's similarities) from <paramref name="state"/>.</summary>
internal delegate void ScoreInto<in TState>(TState state, Span<float> scores);
