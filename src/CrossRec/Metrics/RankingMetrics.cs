using System.Collections.ObjectModel;
using System.Globalization;

namespace CrossRec.Metrics;

/// <summary>
/// Top-N ranking quality, averaged over the evaluated users (each user counts once). Every metric is also available by
/// name (<see cref="Values"/>, <see cref="this[string]"/>; the names are <see cref="RankingMetricNames"/>), so a new
/// metric is a new entry, not a new constructor parameter.
/// </summary>
/// <remarks>
/// <para>Precision@K: relevant items in the top K ÷ K. Recall@K: relevant items in the top K ÷ the user's relevant
/// items. NDCG@K: binary relevance, log₂ discount, normalised by the ideal list of min(|relevant|, K) hits. MAP@K: mean
/// over users of Σ precision@rank at each hit ÷ min(|relevant|, K). HitRate@K: share of users with at least one relevant
/// item in the top K. AUC: per-user ROC AUC of the full ranking (relevant vs. all other candidates, ties count ½),
/// averaged.</para>
/// <para>With <see cref="RankingOptions.BeyondAccuracy"/> the evaluated users' top-K lists are also measured for what
/// they do to the catalogue (<see cref="BeyondAccuracy"/>: coverage, popularity bias, novelty, intra-list diversity);
/// their values join <see cref="Values"/>.</para>
/// </remarks>
public sealed class RankingMetrics : IEquatable<RankingMetrics>
{
    private readonly IReadOnlyDictionary<string, double> _values;

    /// <summary>The six accuracy metrics of a ranking evaluation (the former positional record's constructor, its parameter names kept for named arguments).</summary>
    /// <param name="K">Cut-off of the top-N list.</param>
    /// <param name="Precision">Precision@K.</param>
    /// <param name="Recall">Recall@K.</param>
    /// <param name="Ndcg">NDCG@K.</param>
    /// <param name="Map">MAP@K.</param>
    /// <param name="HitRate">HitRate@K.</param>
    /// <param name="Auc">AUC (NaN when not computed).</param>
    /// <param name="Users">Users evaluated.</param>
    public RankingMetrics(int K, double Precision, double Recall, double Ndcg, double Map, double HitRate, double Auc, int Users)
        : this(K, Users, new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [RankingMetricNames.Precision] = Precision,
            [RankingMetricNames.Recall] = Recall,
            [RankingMetricNames.Ndcg] = Ndcg,
            [RankingMetricNames.Map] = Map,
            [RankingMetricNames.HitRate] = HitRate,
            [RankingMetricNames.Auc] = Auc,
        }, null)
    {
    }

    internal RankingMetrics(int k, int users, Dictionary<string, double> values, BeyondAccuracyMetrics? beyondAccuracy)
    {
        K = k;
        Users = users;
        BeyondAccuracy = beyondAccuracy;
        if (beyondAccuracy is not null)
        {
            foreach (var (name, value) in beyondAccuracy.Values)
            {
                values[name] = value;
            }
        }

        _values = new ReadOnlyDictionary<string, double>(values);
    }

    /// <summary>Cut-off of the top-N list.</summary>
    public int K { get; }

    /// <summary>Users evaluated (those with at least one relevant test item the ranker could score).</summary>
    public int Users { get; }

    /// <summary>Precision@K.</summary>
    public double Precision => ValueOrNaN(RankingMetricNames.Precision);

    /// <summary>Recall@K.</summary>
    public double Recall => ValueOrNaN(RankingMetricNames.Recall);

    /// <summary>NDCG@K.</summary>
    public double Ndcg => ValueOrNaN(RankingMetricNames.Ndcg);

    /// <summary>MAP@K.</summary>
    public double Map => ValueOrNaN(RankingMetricNames.Map);

    /// <summary>HitRate@K.</summary>
    public double HitRate => ValueOrNaN(RankingMetricNames.HitRate);

    /// <summary>AUC; NaN when the evaluation skipped it.</summary>
    public double Auc => ValueOrNaN(RankingMetricNames.Auc);

    /// <summary>What the top-K lists do to the catalogue; null unless <see cref="RankingOptions.BeyondAccuracy"/> asked for it.</summary>
    public BeyondAccuracyMetrics? BeyondAccuracy { get; }

    /// <summary>Every computed metric by name (<see cref="RankingMetricNames"/>), accuracy first, in a fixed order.</summary>
    public IReadOnlyDictionary<string, double> Values => _values;

    /// <summary>The metric called <paramref name="name"/> (<see cref="RankingMetricNames"/>).</summary>
    /// <exception cref="KeyNotFoundException">No metric of that name was computed; the message lists those that were.</exception>
    public double this[string name] => _values.TryGetValue(name, out var value)
        ? value
        : throw new KeyNotFoundException($"No ranking metric '{name}' was computed; this evaluation has {string.Join(", ", _values.Keys)}{(BeyondAccuracy is null ? " (beyond-accuracy metrics need RankingOptions.BeyondAccuracy)" : "")}.");

    /// <summary>One line, culture-invariant, four decimals: <c>NDCG@10 0.4514, Recall@10 0.2463, ... (943 users)</c>.</summary>
    public override string ToString() => $"{Accuracy()} ({Users} users)";

    /// <summary>
    /// Every computed metric on one line: <see cref="ToString"/>'s, then, when computed, the beyond-accuracy ones
    /// (<c>...; coverage 0.3121, mean popularity 0.1187, popularity Gini 0.8702, novelty 4.2410 bits, diversity 0.7430 by item factors (943 users)</c>).
    /// </summary>
    public string Describe() => BeyondAccuracy is { } b ? $"{Accuracy()}; {b.Describe()} ({Users} users)" : ToString();

    /// <inheritdoc />
    public bool Equals(RankingMetrics? other)
    {
        if (other is null || other.K != K || other.Users != Users || other._values.Count != _values.Count)
        {
            return false;
        }

        foreach (var (name, value) in _values)
        {
            if (!other._values.TryGetValue(name, out var v) || !v.Equals(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RankingMetrics);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(K, Users, Ndcg, Recall);

    /// <summary>Whether two evaluations have the same cut-off, users and metrics (as the former record compared them).</summary>
    public static bool operator ==(RankingMetrics? left, RankingMetrics? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Whether two evaluations differ.</summary>
    public static bool operator !=(RankingMetrics? left, RankingMetrics? right) => !(left == right);

    /// <summary>The six accuracy figures in the former positional record's order.</summary>
    public void Deconstruct(out int K, out double Precision, out double Recall, out double Ndcg, out double Map, out double HitRate, out double Auc, out int Users)
    {
        (K, Precision, Recall, Ndcg, Map, HitRate, Auc, Users) = (this.K, this.Precision, this.Recall, this.Ndcg, this.Map, this.HitRate, this.Auc, this.Users);
    }

    private double ValueOrNaN(string name) => _values.TryGetValue(name, out var value) ? value : double.NaN;

    private string Accuracy()
    {
        static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        return $"NDCG@{K} {F(Ndcg)}, Recall@{K} {F(Recall)}, Precision@{K} {F(Precision)}, MAP@{K} {F(Map)}, HitRate@{K} {F(HitRate)}, AUC {F(Auc)}";
    }
}

/// <summary>The names of the metrics in <see cref="RankingMetrics.Values"/> and <see cref="BeyondAccuracyMetrics.Values"/> (also the trainer's JSON keys).</summary>
public static class RankingMetricNames
{
    /// <summary>Precision@K.</summary>
    public const string Precision = "precision";

    /// <summary>Recall@K.</summary>
    public const string Recall = "recall";

    /// <summary>NDCG@K.</summary>
    public const string Ndcg = "ndcg";

    /// <summary>MAP@K.</summary>
    public const string Map = "map";

    /// <summary>HitRate@K.</summary>
    public const string HitRate = "hit_rate";

    /// <summary>ROC AUC of the full ranking.</summary>
    public const string Auc = "auc";

    /// <summary>Catalogue coverage: <see cref="BeyondAccuracyMetrics.Coverage"/>.</summary>
    public const string Coverage = "coverage";

    /// <summary>Average recommended-item popularity: <see cref="BeyondAccuracyMetrics.MeanPopularity"/>.</summary>
    public const string MeanPopularity = "mean_popularity";

    /// <summary>Gini coefficient of recommendation counts: <see cref="BeyondAccuracyMetrics.PopularityGini"/>.</summary>
    public const string PopularityGini = "popularity_gini";

    /// <summary>Mean self-information: <see cref="BeyondAccuracyMetrics.Novelty"/>.</summary>
    public const string Novelty = "novelty";

    /// <summary>Intra-list diversity: <see cref="BeyondAccuracyMetrics.Diversity"/>.</summary>
    public const string Diversity = "diversity";
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

    /// <summary>
    /// Also measure the evaluated users' top-K lists beyond accuracy (<see cref="RankingMetrics.BeyondAccuracy"/>:
    /// coverage, popularity bias, novelty, intra-list diversity). Off by default: the diversity costs K²/2 vector
    /// comparisons per user, and model selection needs only accuracy.
    /// </summary>
    public bool BeyondAccuracy { get; init; }

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
