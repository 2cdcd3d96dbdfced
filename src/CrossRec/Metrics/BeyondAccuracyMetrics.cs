using System.Collections.ObjectModel;
using System.Globalization;

namespace CrossRec.Metrics;

/// <summary>
/// What a set of top-N lists does to the catalogue, whatever the users think of it: how much of the catalogue is
/// recommended at all, how strongly the lists lean to popular items, how new the items are, how different the items of
/// one list are from each other. From <see cref="Evaluation.BeyondAccuracy"/> (any lists a model served) or
/// <see cref="RankingOptions.BeyondAccuracy"/> (the lists of a ranking evaluation).
/// </summary>
/// <remarks>
/// <para>Popularity is measured on the model's training data: pop(i) is the share of the model's training users who
/// have item i (its seen items). The catalogue is every item of the model, or of the evaluated domain.</para>
/// <para>The diversity compares item vectors by cosine: the model's item factors where it has them (implicit ALS, BPR,
/// biased MF), otherwise each item's binary vector of training users (so 1 − cosine is one minus the items' normalised
/// co-occurrence: <c>|U_i ∩ U_j| / √(|U_i| · |U_j|)</c>). <see cref="DiversityBasis"/> says which; diversities measured on
/// different bases are not comparable. A pair with a zero vector (an item without training users or with zero factors)
/// counts as fully dissimilar.</para>
/// </remarks>
public sealed class BeyondAccuracyMetrics
{
    /// <summary><see cref="DiversityBasis"/> of a model with item factors.</summary>
    public const string ItemFactorsBasis = "item factors";

    /// <summary><see cref="DiversityBasis"/> of a model without item factors: items as binary vectors of their training users.</summary>
    public const string TrainingUsersBasis = "training users";

    internal BeyondAccuracyMetrics(int lists, int catalogueSize, string diversityBasis, Dictionary<string, double> values)
    {
        Lists = lists;
        CatalogueSize = catalogueSize;
        DiversityBasis = diversityBasis;
        Values = new ReadOnlyDictionary<string, double>(values);
    }

    /// <summary>Lists measured (one per user).</summary>
    public int Lists { get; }

    /// <summary>Items that could be recommended: every item of the model, or of the evaluated domain.</summary>
    public int CatalogueSize { get; }

    /// <summary>Catalogue coverage: the share of the catalogue in at least one list (0..1).</summary>
    public double Coverage => Values[RankingMetricNames.Coverage];

    /// <summary>Average recommended-item popularity: the mean over lists of the mean pop(i) of their items (0..1; pop(i) the share of training users who have i).</summary>
    public double MeanPopularity => Values[RankingMetricNames.MeanPopularity];

    /// <summary>
    /// Gini coefficient of how often each catalogue item is recommended (0: every item equally often; towards 1: a few
    /// items fill every list), <c>Σ_r (2r − n − 1) · c_(r) / (n · Σ c)</c> over the counts sorted ascending.
    /// </summary>
    public double PopularityGini => Values[RankingMetricNames.PopularityGini];

    /// <summary>
    /// Novelty: the mean over lists of the mean self-information <c>−log₂ pop(i)</c> of their items, in bits (higher:
    /// less known items). An item no training user has counts as one user's, so its self-information is finite.
    /// </summary>
    public double Novelty => Values[RankingMetricNames.Novelty];

    /// <summary>Intra-list diversity: the mean over lists of two or more items of the mean over their item pairs of <c>1 − cosine</c> of the items' vectors (<see cref="DiversityBasis"/>); NaN when no list has two items.</summary>
    public double Diversity => Values[RankingMetricNames.Diversity];

    /// <summary>What the diversity compared: <see cref="ItemFactorsBasis"/> or <see cref="TrainingUsersBasis"/>.</summary>
    public string DiversityBasis { get; }

    /// <summary>The five metrics by name (<see cref="RankingMetricNames"/>).</summary>
    public IReadOnlyDictionary<string, double> Values { get; }

    /// <summary>One line: <c>coverage 0.3121, mean popularity 0.1187, popularity Gini 0.8702, novelty 4.2410 bits, diversity 0.7430 by item factors (943 lists)</c>.</summary>
    public override string ToString() => $"{Describe()} ({Lists} lists)";

    internal string Describe()
    {
        static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        return $"coverage {F(Coverage)}, mean popularity {F(MeanPopularity)}, popularity Gini {F(PopularityGini)}, novelty {F(Novelty)} bits, diversity {F(Diversity)} by {DiversityBasis}";
    }
}
