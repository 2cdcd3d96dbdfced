using System.Globalization;

namespace CrossRec.Metrics;

/// <summary>
/// Top-N ranking quality, averaged over the evaluated users (each user counts once).
/// </summary>
/// <param name="K">Cut-off of the top-N list.</param>
/// <param name="Precision">Precision@K: relevant items in the top K ÷ K.</param>
/// <param name="Recall">Recall@K: relevant items in the top K ÷ the user's relevant items.</param>
/// <param name="Ndcg">NDCG@K with binary relevance (log₂ discount), normalised by the ideal list of min(|relevant|, K) hits.</param>
/// <param name="Map">MAP@K: mean over users of Σ precision@rank at each hit ÷ min(|relevant|, K).</param>
/// <param name="HitRate">HitRate@K: share of users with at least one relevant item in the top K.</param>
/// <param name="Auc">Per-user ROC AUC of the full ranking (relevant vs. all other candidates, ties count ½), averaged.</param>
/// <param name="Users">Users evaluated (those with at least one relevant test item the ranker could score).</param>
public sealed record RankingMetrics(int K, double Precision, double Recall, double Ndcg, double Map, double HitRate, double Auc, int Users)
{
    /// <summary>One line, culture-invariant, four decimals: <c>NDCG@10 0.4514, Recall@10 0.2463, ... (943 users)</c>.</summary>
    public override string ToString()
    {
        static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        return $"NDCG@{K} {F(Ndcg)}, Recall@{K} {F(Recall)}, Precision@{K} {F(Precision)}, MAP@{K} {F(Map)}, HitRate@{K} {F(HitRate)}, AUC {F(Auc)} ({Users} users)";
    }
}

/// <summary>Options of a ranking evaluation.</summary>
public sealed record RankingOptions
{
    /// <summary>Cut-off K of the top-N list (1..10000).</summary>
    public int K { get; init; } = 10;

    /// <summary>
    /// A test interaction is relevant when its value is at least this (for example 4 on a 1..5 scale);
    /// null makes every test interaction relevant (implicit feedback).
    /// </summary>
    public float? RelevanceThreshold { get; init; }

    /// <summary>Leave the user's training items out of the candidates (the usual protocol).</summary>
    public bool ExcludeTrainingItems { get; init; } = true;

    /// <summary>Rank only items of this domain (cross-domain evaluation); null ranks all items.</summary>
    public string? Domain { get; init; }

    /// <summary>Checks the options.</summary>
    public void Validate()
    {
        Check.Range(K, 1, 10_000, nameof(K));
        if (RelevanceThreshold is { } t && !float.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(RelevanceThreshold), t, $"{nameof(RelevanceThreshold)} must be finite.");
        }
    }
}
