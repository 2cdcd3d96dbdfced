namespace CrossRec;

/// <summary>
/// A user who was not in the training data, placed in the model's latent space from a handful of
/// ratings by <see cref="FactorizationModel.FoldIn"/>. Immutable.
/// </summary>
public sealed class FoldedUser
{
    private readonly float[] _factors;
    private readonly int[] _seenItems;

    internal FoldedUser(float bias, float[] factors, int[] seenItems)
    {
        Bias = bias;
        _factors = factors;
        _seenItems = seenItems;
    }

    /// <summary>Estimated user bias b_u.</summary>
    public float Bias { get; }

    /// <summary>Estimated user factors p_u.</summary>
    public ReadOnlySpan<float> Factors => _factors;

    /// <summary>Dense indices of the items the ratings named (sorted, distinct); excluded from recommendations.</summary>
    public ReadOnlySpan<int> SeenItems => _seenItems;
}
