namespace CrossRec.Algorithms.ItemKnn;

/// <summary>
/// Capability kernel of item-kNN: the sparse top-K item-item similarity of a weighted user × item
/// matrix, without ever forming the dense item × item matrix. The managed <see cref="CpuEngine"/>
/// implements it; other engines (Torch) may. Obtained with <see cref="IComputeEngine.TryGetKernel{T}"/>.
/// </summary>
/// <remarks>
/// Contract every implementation keeps: the similarity of items <c>i</c> and <c>j</c> is
/// <c>dot(x_i, x_j) / (‖x_i‖^(2α) · ‖x_j‖^(2(1−α)) + shrinkage)</c>, where <c>x_i</c> is column <c>i</c> of the weighted matrix (α = 0.5 is the cosine); an item is never its
/// own neighbour; only strictly positive similarities are kept; each row keeps its
/// <see cref="ItemSimilarityOptions.Neighbors"/> largest (ties: smaller item index first), sorted by item
/// index. With <see cref="ItemSimilarityOptions.Deterministic"/> the result must be bit-identical run to run.
/// </remarks>
internal interface IItemSimilarityKernel
{
    /// <summary>The top-K neighbours of every item.</summary>
    /// <param name="matrix">The interactions (only the sparsity structure is read, not the values).</param>
    /// <param name="weights">Non-negative, finite weight of every stored interaction, aligned with <see cref="InteractionMatrix.UserItems"/>.</param>
    /// <param name="options">Validated similarity options.</param>
    /// <param name="cancellationToken">Checked between blocks of items.</param>
    /// <returns>One neighbour list per item.</returns>
    ItemNeighbors TopNeighbors(InteractionMatrix matrix, ReadOnlyMemory<float> weights, ItemSimilarityOptions options, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IItemSimilarityKernel.TopNeighbors"/> computes, already validated by the caller.</summary>
internal sealed record ItemSimilarityOptions
{
    /// <summary>Neighbours kept per item (K ≥ 1).</summary>
    public int Neighbors { get; init; } = 100;

    /// <summary>Added to the norm product in the denominator (≥ 0): damps similarities resting on few co-occurrences.</summary>
    public float Shrinkage { get; init; }

    /// <summary>Asymmetry α in [0, 1] of the normalisation: 0.5 is the (symmetric) cosine.</summary>
    public float Asymmetry { get; init; } = 0.5f;

    /// <summary>Worker threads; 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>The result must be bit-identical run to run (the CPU kernel always is, at any thread count).</summary>
    public bool Deterministic { get; init; }
}

/// <summary>
/// The sparse item-item similarity an item-kNN model keeps: for every item, up to K neighbours with
/// their (positive) similarity, in compressed-row form sorted by neighbour index.
/// </summary>
public sealed class ItemNeighbors
{
    private readonly int[] _offsets;
    private readonly int[] _items;
    private readonly float[] _weights;

    /// <summary>Wraps compressed rows (the arrays are taken, not copied) after checking them.</summary>
    /// <param name="offsets">Row offsets, length item count + 1, from 0 to the number of entries, never decreasing.</param>
    /// <param name="items">Neighbour indices, in 0..item count − 1, strictly increasing within a row, never the row's own item.</param>
    /// <param name="weights">Finite, positive similarities aligned with <paramref name="items"/>.</param>
    /// <exception cref="ArgumentException">The arrays are inconsistent (the message says how).</exception>
    public ItemNeighbors(int[] offsets, int[] items, float[] weights)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(weights);
        if (Problem(offsets, items, weights) is { } problem)
        {
            throw new ArgumentException($"Inconsistent neighbour lists: {problem}.");
        }

        _offsets = offsets;
        _items = items;
        _weights = weights;
    }

    /// <summary>Number of items (rows).</summary>
    public int ItemCount => _offsets.Length - 1;

    /// <summary>Number of stored (item, neighbour) pairs.</summary>
    public int Count => _items.Length;

    /// <summary>Row offsets (length <see cref="ItemCount"/> + 1).</summary>
    public ReadOnlySpan<int> Offsets => _offsets;

    /// <summary>Neighbour indices of every row, sorted within a row.</summary>
    public ReadOnlySpan<int> Items => _items;

    /// <summary>Similarities aligned with <see cref="Items"/>.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>The neighbours of one item (sorted by index).</summary>
    public ReadOnlySpan<int> NeighborsOf(int item) => _items.AsSpan(_offsets[item], _offsets[item + 1] - _offsets[item]);

    /// <summary>The similarities of one item's neighbours, aligned with <see cref="NeighborsOf"/>.</summary>
    public ReadOnlySpan<float> WeightsOf(int item) => _weights.AsSpan(_offsets[item], _offsets[item + 1] - _offsets[item]);

    /// <summary>The similarity of <paramref name="neighbor"/> in the list of <paramref name="item"/>; 0 when it is not a neighbour.</summary>
    public float Weight(int item, int neighbor)
    {
        var k = NeighborsOf(item).BinarySearch(neighbor);
        return k >= 0 ? _weights[_offsets[item] + k] : 0f;
    }

    /// <summary>Writes <paramref name="item"/>'s row into <paramref name="scores"/> (zero elsewhere): its similar items.</summary>
    internal void CopyRow(int item, Span<float> scores)
    {
        scores.Clear();
        var neighbors = NeighborsOf(item);
        var weights = WeightsOf(item);
        for (var k = 0; k < neighbors.Length; k++)
        {
            scores[neighbors[k]] = weights[k];
        }
    }

    /// <summary>
    /// Scores = Σ_k s_k · row(items[k]) (s = 1 when <paramref name="strengths"/> is empty), the sparse rows scattered in
    /// item order: how item-kNN and RP3beta score a user from the items they have.
    /// </summary>
    /// <remarks>
    /// A scatter-add by index, so scalar (no SIMD scatter on AVX2); O(|u| · K). The fixed order (the user's items
    /// ascending, each row ascending) is what makes <see cref="Explain"/> and a fold-in of the same items give
    /// bit-identical scores.
    /// </remarks>
    internal void ScatterRows(ReadOnlySpan<int> items, ReadOnlySpan<float> strengths, Span<float> scores)
    {
        scores.Clear();
        var weighted = !strengths.IsEmpty;
        for (var k = 0; k < items.Length; k++)
        {
            var j = items[k];
            var end = _offsets[j + 1];
            if (weighted)
            {
                var s = strengths[k];
                if (s == 0f)
                {
                    continue;
                }

                for (var p = _offsets[j]; p < end; p++)
                {
                    scores[_items[p]] += s * _weights[p];
                }
            }
            else
            {
                for (var p = _offsets[j]; p < end; p++)
                {
                    scores[_items[p]] += _weights[p];
                }
            }
        }
    }

    /// <summary>
    /// Each of <paramref name="items"/>' term <c>s_k · W[items[k], item]</c> in <paramref name="contributions"/>, summed in
    /// the order <see cref="ScatterRows"/> sums them, so the returned score is identical to the scored one.
    /// </summary>
    internal float Explain(ReadOnlySpan<int> items, ReadOnlySpan<float> strengths, int item, Span<float> contributions)
    {
        var score = 0f;
        for (var k = 0; k < items.Length; k++)
        {
            var w = Weight(items[k], item);
            var term = w == 0f ? 0f : (strengths.IsEmpty ? w : strengths[k] * w);
            contributions[k] = term;
            score += term;
        }

        return score;
    }

    internal int[] OffsetsArray => _offsets;

    internal int[] ItemsArray => _items;

    internal float[] WeightsArray => _weights;

    /// <summary>What is wrong with the arrays, or null when they form valid neighbour lists.</summary>
    internal static string? Problem(int[] offsets, int[] items, float[] weights)
    {
        if (offsets.Length < 1)
        {
            return "no offsets";
        }

        if (items.Length != weights.Length)
        {
            return $"{items.Length} neighbours but {weights.Length} weights";
        }

        var n = offsets.Length - 1;
        if (offsets[0] != 0 || offsets[n] != items.Length)
        {
            return "the offsets do not span the neighbour list";
        }

        // All offsets first, so that every row read below lies inside the arrays.
        for (var i = 0; i < n; i++)
        {
            if (offsets[i + 1] < offsets[i])
            {
                return $"the offsets decrease at item {i}";
            }
        }

        for (var i = 0; i < n; i++)
        {
            var start = offsets[i];
            var end = offsets[i + 1];
            for (var p = start; p < end; p++)
            {
                var j = items[p];
                if ((uint)j >= (uint)n || j == i || (p > start && j <= items[p - 1]))
                {
                    return $"item {i} has neighbour {j} out of range, repeated, unsorted or itself";
                }

                if (!float.IsFinite(weights[p]) || weights[p] <= 0)
                {
                    return $"item {i} has similarity {weights[p]} (must be finite and positive)";
                }
            }
        }

        return null;
    }
}
