namespace CrossRec;

/// <summary>
/// A user who was not in the training data, placed into a model from a handful of interactions by
/// <see cref="IRecommender.FoldIn"/>, without retraining. Immutable; scored and recommended for by
/// the model that made it (or one loaded from the same file).
/// </summary>
/// <remarks>
/// Factor models (biased MF, implicit ALS, BPR) fill <see cref="Factors"/> (and <see cref="Bias"/> for
/// biased MF); neighbourhood models (item-kNN, EASE) and popularity keep only the items and their
/// values, from which they score.
/// </remarks>
public sealed class FoldedUser
{
    private readonly float[] _factors;
    private readonly int[] _seenItems;
    private readonly float[] _values;

    internal FoldedUser(float bias, float[] factors, int[] seenItems)
        : this(null, "biased-mf", -1, bias, factors, seenItems, OnesLike(seenItems))
    {
    }

    internal FoldedUser(RecommenderModel? owner, string algorithm, int itemCount, float bias, float[] factors, int[] seenItems, float[] values)
    {
        if (values.Length != seenItems.Length)
        {
            throw new ArgumentException("Fold-in items and values differ in length.");
        }

        Owner = owner;
        Algorithm = algorithm;
        ItemCount = itemCount;
        Bias = bias;
        _factors = factors;
        _seenItems = seenItems;
        _values = values;
    }

    /// <summary>Estimated user bias b_u (biased MF; 0 for other models).</summary>
    public float Bias { get; }

    /// <summary>Estimated user factors p_u (factor models; empty for neighbourhood models).</summary>
    public ReadOnlySpan<float> Factors => _factors;

    /// <summary>Dense indices of the items the interactions named (sorted, distinct); excluded from recommendations by default.</summary>
    public ReadOnlySpan<int> SeenItems => _seenItems;

    /// <summary>The summed values of <see cref="SeenItems"/>, as given.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Algorithm tag of the model that folded this user in.</summary>
    public string Algorithm { get; }

    internal RecommenderModel? Owner { get; }

    internal int ItemCount { get; }

    internal float[] FactorsArray => _factors;

    /// <summary>A blend's user known by attributes: each component's own folded user (null for a component of weight 0).</summary>
    internal FoldedUser?[]? Components { get; init; }

    private static float[] OnesLike(int[] items)
    {
        var ones = new float[items.Length];
        Array.Fill(ones, 1f);
        return ones;
    }
}
