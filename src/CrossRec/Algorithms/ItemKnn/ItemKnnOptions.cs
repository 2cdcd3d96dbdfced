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
/// <remarks>How each default was chosen, with the validation figures behind it: <c>docs/decisions/itemknn-defaults.md</c>.</remarks>
public sealed record ItemKnnOptions
{
    /// <summary>Neighbours kept per item, K (1..100000).</summary>
    public int Neighbors { get; init; } = 400;

    /// <summary>Shrinkage added to the norm product (0..1000000): pulls similarities resting on few shared users towards 0.</summary>
    public float Shrinkage { get; init; } = 10f;

    /// <summary>How a training value becomes an interaction strength.</summary>
    public ItemKnnValues Values { get; init; } = ItemKnnValues.Log;

    /// <summary>How interactions are weighted before items are compared.</summary>
    public ItemKnnWeighting Weighting { get; init; } = ItemKnnWeighting.Bm25;

    /// <summary>BM25 saturation K1 (0 &lt; K1 ≤ 10000); only with <see cref="ItemKnnWeighting.Bm25"/>.</summary>
    public float Bm25K1 { get; init; } = 100f;

    /// <summary>BM25 length normalisation B (0 ≤ B ≤ 1); only with <see cref="ItemKnnWeighting.Bm25"/>.</summary>
    public float Bm25B { get; init; } = 0.8f;

    /// <summary>Asymmetry α of the normalisation (0 ≤ α ≤ 1; 0.5 is the symmetric cosine).</summary>
    public float Asymmetry { get; init; } = 0.6f;

    /// <summary>Weight of a user's training item in the score sum.</summary>
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
