namespace CrossRec.Algorithms.ItemKnn;

/// <summary>
/// Turns one user's (item, summed value) row into interaction weights: the value transform of
/// <see cref="ItemKnnValues"/>, then the weighting of <see cref="ItemKnnWeighting"/>. The statistics it
/// needs (the inverse document frequency of every item, the mean row length) come from the training
/// data and are kept by the model, so a folded-in user is weighted exactly as a training user.
/// </summary>
internal sealed class ItemKnnWeighter
{
    private readonly float[] _idf;

    private ItemKnnWeighter(ItemKnnValues values, ItemKnnWeighting weighting, float k1, float b, float[] idf, float meanLength, float scale)
    {
        Scale = scale;
        Values = values;
        Weighting = weighting;
        K1 = k1;
        B = b;
        _idf = idf;
        MeanLength = meanLength;
    }

    public ItemKnnValues Values { get; }

    public ItemKnnWeighting Weighting { get; }

    public float K1 { get; }

    public float B { get; }

    /// <summary>Mean summed strength of a user row (BM25 length norm; 0 when unused).</summary>
    public float MeanLength { get; }

    /// <summary>
    /// Every weight is multiplied by this, 1 / (mean training weight), so that weights average 1 whatever
    /// the value scale (ratings, play counts, IDF): shrinkage then counts in "typical interactions" and
    /// one default suits every weighting. A global scale leaves the unshrunk cosine unchanged.
    /// </summary>
    public float Scale { get; }

    /// <summary>Inverse document frequency of every item (empty when the weighting does not use it).</summary>
    public ReadOnlySpan<float> Idf => _idf;

    internal float[] IdfArray => _idf;

    /// <summary>The weighter of a training matrix (item IDF over all its users, mean row length over all its rows) and the matrix's weights, aligned with <see cref="InteractionMatrix.UserItems"/>.</summary>
    public static (ItemKnnWeighter Weighter, float[] Weights) Fit(InteractionMatrix m, ItemKnnOptions o)
    {
        var idf = Array.Empty<float>();
        if (o.Weighting != ItemKnnWeighting.Cosine)
        {
            idf = new float[m.ItemCount];
            var logN = Math.Log(Math.Max(m.UserCount, 1));
            for (var i = 0; i < idf.Length; i++)
            {
                // implicit's log N − log1p(n_i); floored at 0 so that an item every user has weighs 0, not less.
                idf[i] = (float)Math.Max(0, logN - Math.Log(1 + m.ItemDegree(i)));
            }
        }

        var meanLength = 0f;
        if (o.Weighting == ItemKnnWeighting.Bm25)
        {
            var values = m.UserValues;
            var total = 0.0;
            for (var p = 0; p < values.Length; p++)
            {
                total += Strength(o.Values, values[p]);
            }

            meanLength = (float)(total / Math.Max(m.UserCount, 1));
        }

        var unscaled = new ItemKnnWeighter(o.Values, o.Weighting, o.Bm25K1, o.Bm25B, idf, meanLength, 1f);
        var weights = unscaled.WeighAll(m);
        var sum = 0.0;
        foreach (var w in weights)
        {
            sum += w;
        }

        var scale = sum > 0 ? (float)(weights.Length / sum) : 1f;
        if (scale != 1f)
        {
            // The same float product Weigh applies last, so these equal what the scaled weighter gives a row.
            for (var p = 0; p < weights.Length; p++)
            {
                weights[p] *= scale;
            }
        }

        return (new ItemKnnWeighter(o.Values, o.Weighting, o.Bm25K1, o.Bm25B, idf, meanLength, scale), weights);
    }

    /// <summary>A weighter restored from a model file (arguments already validated).</summary>
    public static ItemKnnWeighter Restore(ItemKnnValues values, ItemKnnWeighting weighting, float k1, float b, float[] idf, float meanLength, float scale)
        => new(values, weighting, k1, b, idf, meanLength, scale);

    /// <summary>The strength of one summed value.</summary>
    public static float Strength(ItemKnnValues values, float v) => values switch
    {
        ItemKnnValues.Binary => 1f,
        ItemKnnValues.Log => v > 0 ? MathF.Log(1 + v) : 0f,
        _ => v > 0 ? v : 0f,
    };

    /// <summary>Weights of one row (items sorted, values summed) into <paramref name="weights"/>.</summary>
    public void Weigh(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> weights)
    {
        var length = 0.0;
        for (var k = 0; k < items.Length; k++)
        {
            weights[k] = Strength(Values, values[k]);
            length += weights[k];
        }

        switch (Weighting)
        {
            case ItemKnnWeighting.TfIdf:
                for (var k = 0; k < items.Length; k++)
                {
                    weights[k] = MathF.Sqrt(weights[k]) * _idf[items[k]];
                }

                break;
            case ItemKnnWeighting.Bm25:
                var norm = MeanLength > 0 ? (float)((1 - B) + (B * length / MeanLength)) : 1f;
                var saturation = K1 * norm;
                for (var k = 0; k < items.Length; k++)
                {
                    var v = weights[k];
                    weights[k] = v * (K1 + 1) / (saturation + v) * _idf[items[k]];
                }

                break;
        }

        if (Scale != 1f)
        {
            for (var k = 0; k < items.Length; k++)
            {
                weights[k] *= Scale;
            }
        }
    }

    private float[] WeighAll(InteractionMatrix m) => WeighAll(m.UserOffsetsArray, m.UserItemsArray, m.UserValuesArray);

    /// <summary>Weights of every interaction of compressed user rows.</summary>
    public float[] WeighAll(int[] offsets, int[] items, float[] values)
    {
        var weights = new float[items.Length];
        for (var u = 0; u + 1 < offsets.Length; u++)
        {
            var start = offsets[u];
            var length = offsets[u + 1] - start;
            Weigh(items.AsSpan(start, length), values.AsSpan(start, length), weights.AsSpan(start, length));
        }

        return weights;
    }
}
