namespace CrossRec.Algorithms.ItemKnn;

/// <summary>How a training value becomes the strength of an interaction before <see cref="ItemKnnWeighting"/>.</summary>
public enum ItemKnnValues
{
    /// <summary>Every interaction counts 1, whatever its value.</summary>
    Binary = 0,

    /// <summary><c>log(1 + v)</c> of the summed value (negative values count 0): damps play counts, keeps ratings ordered.</summary>
    Log = 1,

    /// <summary>The summed value itself (negative values count 0).</summary>
    Raw = 2,
}

/// <summary>How interactions are weighted before the item vectors are compared.</summary>
public enum ItemKnnWeighting
{
    /// <summary>The interaction strengths as they are: the plain cosine.</summary>
    Cosine = 0,

    /// <summary>
    /// <c>√v · idf_i</c> with <c>idf_i = log N − log(1 + n_i)</c> (N users, n_i users of item i, floored at 0),
    /// as <c>tfidf_weight</c> of the Python library <c>implicit</c> applied to the user × item matrix.
    /// </summary>
    TfIdf = 1,

    /// <summary>
    /// Okapi BM25 of each user's row, as <c>bm25_weight</c> of <c>implicit</c> applied to the user × item
    /// matrix: <c>v · (K1 + 1) / (K1 · L_u + v) · idf_i</c> with the length norm
    /// <c>L_u = 1 − B + B · |u| / mean |u|</c> (|u| the user's summed strengths). Saturates repeated
    /// interactions and lowers the weight of users with long histories.
    /// </summary>
    Bm25 = 2,
}

/// <summary>Which weight a user's training item carries when its neighbours' similarities are summed into scores.</summary>
public enum ItemKnnScoring
{
    /// <summary>Every training item weighs 1: the score is the sum of similarities to the user's items.</summary>
    Binary = 0,

    /// <summary>Each training item weighs its weighted strength (the same weight the similarity used).</summary>
    Weighted = 1,
}

/// <summary>
/// Hyperparameters of item-kNN: item-item similarity over the training users, the K most similar
/// neighbours kept per item, and a user's score of an item the sum of the similarities from the user's
/// items. Immutable; use <c>with</c> expressions or the fluent builder from <see cref="Recommenders.ItemKnn()"/>.
/// Every value is checked by <see cref="Validate"/> when training starts, and a bad value names the
/// option and its allowed range.
/// </summary>
/// <remarks>
/// <para>The similarity of items i and j is <c>dot(x_i, x_j) / (‖x_i‖^(2α) · ‖x_j‖^(2(1−α)) + shrinkage)</c>
/// with x the weighted user × item matrix, scaled so that its entries average 1 (α = 0.5: the cosine).</para>
/// <para><b>How the defaults were chosen.</b> By validation inside the training part only: the 80 %
/// training part of the accuracy protocol (per-user split, seed 42) was split again per user (20 % held
/// out, seed 7), on ML-100K (ratings 1–5) and Last.fm 2K (play counts up to ~350k), and checked on the
/// same data with every value set to 1. A coordinate search around the defaults, reproducible with
/// <c>tests/CrossRec.AccuracyTests/TopN/ItemKnnDefaultsSearch.cs</c> (explicit test, about three minutes
/// on two cores), scored NDCG@10 on the validation part. The plain cosine (binary values, symmetric,
/// binary scoring, K 400, shrinkage 10) scores 0.2245 on ML-100K and 0.1670 on Last.fm; the defaults
/// 0.2603 and 0.1762 (0.2584 and 0.1735 on the all-ones copies). What mattered most was BM25's length
/// normalisation, which lowers the weight of users with long histories (+0.035 on ML-100K), then the
/// weighted scoring and K. Each option's comment gives the figures behind it.</para>
/// </remarks>
public sealed record ItemKnnOptions
{
    /// <summary>Neighbours kept per item, K (1..100000).</summary>
    /// <remarks>
    /// Validation NDCG@10 (ML-100K / Last.fm) at shrinkage 10: K 50 0.2535 / 0.1671, 100 0.2544 / 0.1737,
    /// 200 0.2552 / 0.1754, 400 0.2603 / 0.1762, 1000 0.2620 / 0.1766. 400 takes nearly all of the gain
    /// at 40 % of the memory of 1000 (at most n·K pairs, 8 bytes each).
    /// </remarks>
    public int Neighbors { get; init; } = 400;

    /// <summary>Shrinkage added to the norm product (0..1000000): pulls similarities resting on few shared users towards 0.</summary>
    /// <remarks>
    /// Counts in typical interactions, whatever the value scale, because the weights are scaled to mean 1.
    /// At K 400: 0 → 0.2579 / 0.1646, 5 → 0.2589 / 0.1751, 10 → 0.2603 / 0.1762, 20 → 0.2612 / 0.1753,
    /// 50 → 0.2612 / 0.1721. Last.fm's long tail of rare artists needs some; ML-100K barely cares.
    /// </remarks>
    public float Shrinkage { get; init; } = 10f;

    /// <summary>How a training value becomes an interaction strength.</summary>
    /// <remarks>
    /// With BM25: binary 0.2587 / 0.1736, log 0.2603 / 0.1762, raw 0.2583 / 0.1752. Log uses the ratings
    /// and play counts a little without letting a 350k play count dominate, and on data whose values are
    /// all 1 it equals binary (0.2584 / 0.1735 against 0.2587 / 0.1736).
    /// </remarks>
    public ItemKnnValues Values { get; init; } = ItemKnnValues.Log;

    /// <summary>How interactions are weighted before items are compared.</summary>
    /// <remarks>
    /// Log values, other options at their defaults: cosine 0.2240 / 0.1656, TF-IDF 0.2197 / 0.1749,
    /// BM25 0.2603 / 0.1762. (A per-item IDF cancels in a cosine except through shrinkage; BM25 wins by its
    /// per-user length normalisation.)
    /// </remarks>
    public ItemKnnWeighting Weighting { get; init; } = ItemKnnWeighting.Bm25;

    /// <summary>BM25 saturation K1 (0 &lt; K1 ≤ 10000); only with <see cref="ItemKnnWeighting.Bm25"/>.</summary>
    /// <remarks>implicit's default. K1 1.2 / 20 / 100 at B 0.8: 0.2486 / 0.1744, 0.2603 / 0.1762, 0.2603 / 0.1762.</remarks>
    public float Bm25K1 { get; init; } = 100f;

    /// <summary>BM25 length normalisation B (0 ≤ B ≤ 1); only with <see cref="ItemKnnWeighting.Bm25"/>.</summary>
    /// <remarks>implicit's default. B 0.5 / 0.8 / 1 at K1 100: 0.2538 / 0.1755, 0.2603 / 0.1762, 0.2579 / 0.1750.</remarks>
    public float Bm25B { get; init; } = 0.8f;

    /// <summary>Asymmetry α of the normalisation (0 ≤ α ≤ 1; 0.5 is the symmetric cosine).</summary>
    /// <remarks>
    /// Above 0.5 a neighbour's own popularity is penalised less. With weighted scoring: 0.4 → 0.2512 /
    /// 0.1750, 0.5 → 0.2551 / 0.1765, 0.6 → 0.2603 / 0.1762, 0.7 → 0.2605 / 0.1763. 0.6: the gain on
    /// ML-100K, nothing lost on Last.fm, the nearest to the cosine.
    /// </remarks>
    public float Asymmetry { get; init; } = 0.6f;

    /// <summary>Weight of a user's training item in the score sum.</summary>
    /// <remarks>At α 0.6: binary 0.2564 / 0.1701, weighted 0.2603 / 0.1762.</remarks>
    public ItemKnnScoring Scoring { get; init; } = ItemKnnScoring.Weighted;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to the core count, with a warning in the fitted model's training note.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Ask the engine for a bit-identical model run to run. The CPU engine always gives one, at any
    /// thread count; a GPU engine may need this to avoid order-dependent sums.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        Check.Range(Neighbors, 1, 100_000, nameof(Neighbors));
        Check.Closed(Shrinkage, 0, 1_000_000, nameof(Shrinkage));
        if (!Enum.IsDefined(Values))
        {
            throw new ArgumentOutOfRangeException(nameof(Values), Values, $"{nameof(Values)} must be Binary, Log or Raw.");
        }

        if (!Enum.IsDefined(Weighting))
        {
            throw new ArgumentOutOfRangeException(nameof(Weighting), Weighting, $"{nameof(Weighting)} must be Cosine, TfIdf or Bm25.");
        }

        Check.OpenClosed(Bm25K1, 0, 10_000, nameof(Bm25K1));
        Check.Closed(Bm25B, 0, 1, nameof(Bm25B));
        Check.Closed(Asymmetry, 0, 1, nameof(Asymmetry));
        if (!Enum.IsDefined(Scoring))
        {
            throw new ArgumentOutOfRangeException(nameof(Scoring), Scoring, $"{nameof(Scoring)} must be Binary or Weighted.");
        }

        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
    }
}
