using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

internal sealed partial class TorchEngine : IItemSimilarityKernel
{
    /// <inheritdoc />
    /// <remarks>
    /// The weighted matrix goes to the device once, transposed, as a sparse COO tensor (items × users). Items
    /// are then taken in blocks: the block's columns as a dense users × block matrix, one sparse-dense product
    /// (<c>mm</c>) gives every item's dot with every block item, which is normalised as the CPU engine does
    /// (<c>dot / (‖x_i‖^(2α)·‖x_j‖^(2(1−α)) + shrinkage)</c>, the norms computed on the host in float64), cleared
    /// of the item itself and of non-positive values, and cut to the K largest by the K-th value of <c>topk</c>
    /// and a running count of the ties at it (equal similarities keep the smaller item first), without sorting a row. The block size comes from <see cref="MemoryBudget"/>;
    /// the sparse matrix must fit it whole, or the call is refused by name with the size needed. On libtorch CPU
    /// the result is bit-identical run to run; on CUDA cuSPARSE's product is not guaranteed to be, so
    /// <see cref="ItemSimilarityOptions.Deterministic"/> is refused there (use the CPU engine or libtorch CPU).
    /// </remarks>
    public ItemNeighbors TopNeighbors(InteractionMatrix matrix, ReadOnlyMemory<float> weights, ItemSimilarityOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        if (weights.Length != matrix.NonZeros)
        {
            throw new ArgumentException($"{weights.Length} weights for {matrix.NonZeros} interactions.", nameof(weights));
        }

        if (options.Neighbors < 1 || !(options.Shrinkage >= 0) || !float.IsFinite(options.Shrinkage) || !(options.Asymmetry >= 0 && options.Asymmetry <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options, "Neighbors must be at least 1, Shrinkage finite and non-negative, Asymmetry in [0, 1].");
        }

        if (options.Deterministic && OnCuda)
        {
            throw new NotSupportedException($"{nameof(ItemSimilarityOptions.Deterministic)} item-kNN is not offered on {Name}: cuSPARSE's sparse-dense product does not promise bit-identical sums; run it on the managed CPU engine or on libtorch CPU.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var n = matrix.ItemCount;
        var users = matrix.UserCount;
        var nnz = matrix.NonZeros;
        var userItems = matrix.UserItemsArray;
        var itemOffsets = matrix.ItemOffsetsArray;
        var itemUsers = matrix.ItemUsersArray;
        var userWeights = weights.Span;

        // The by-item copy of the weights (user-sorted within each item, as ItemUsers is).
        var itemWeights = new float[nnz];
        var cursor = itemOffsets.AsSpan(0, n).ToArray();
        for (var p = 0; p < nnz; p++)
        {
            var w = userWeights[p];
            if (!float.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"Interaction weight {w} at position {p}: weights must be finite and non-negative.", nameof(weights));
            }

            itemWeights[cursor[userItems[p]]++] = w;
        }

        // Normalisation: row item i contributes ‖x_i‖^(2α), a neighbour j ‖x_j‖^(2(1−α)) (the CPU engine's arithmetic).
        var alpha = (double)options.Asymmetry;
        var left = new float[n];
        var right = new float[n];
        var itemOf = new int[nnz];
        for (var i = 0; i < n; i++)
        {
            var sq = 0.0;
            for (var p = itemOffsets[i]; p < itemOffsets[i + 1]; p++)
            {
                sq += (double)itemWeights[p] * itemWeights[p];
                itemOf[p] = i;
            }

            left[i] = alpha == 0.5 ? (float)Math.Sqrt(sq) : (float)Math.Pow(sq, alpha);
            right[i] = alpha == 0.5 ? left[i] : (float)Math.Pow(sq, 1 - alpha);
        }

        var k = Math.Min(options.Neighbors, Math.Max(n - 1, 0));
        var offsets = new int[n + 1];
        if (k == 0 || nnz == 0)
        {
            return new ItemNeighbors(offsets, [], []);
        }

        // The sparse matrix (int64 indices and float values, plus libtorch's coalesced copy), then per block
        // column: the dense column (users floats) and, per item, the dot, the similarity and the sort's value and
        // index (4 + 4 + 4 + 8 bytes).
        var budget = MemoryBudget();
        var sparseBytes = 2L * nnz * (16 + 4);
        budget.Require($"Item-kNN's sparse item × user matrix ({nnz} interactions)", sparseBytes + (24L * n) + (4L * users), Name);
        var perColumn = (4L * users) + (20L * n);
        var block = (int)Math.Min(budget.Units(perColumn, sparseBytes, Math.Min(n, 8192)), Math.Max(1, MaxChunkBytes / perColumn));

        var rowItems = new int[n][];
        var rowWeights = new float[n][];
        using (var scope = torch.NewDisposeScope())
        {
            var indices = torch.stack([TorchCompat.Indices(itemOf, _device), TorchCompat.Indices(itemUsers, _device)]);
            var transposed = torch.sparse_coo_tensor(indices, TorchCompat.Floats(itemWeights, _device), [n, users]); // entries item-major, users ascending: already in coalesced order
            var rightNorms = TorchCompat.Floats(right, _device).unsqueeze(0);
            var leftNorms = TorchCompat.Floats(left, _device);
            for (var first = 0; first < n; first += block)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var blockScope = torch.NewDisposeScope();
                var count = Math.Min(block, n - first);
                var from = itemOffsets[first];
                var to = itemOffsets[first + count];

                // The block's columns, dense: users × count (every (user, item) pair occurs once, so the adds do not collide).
                var flat = new long[to - from];
                for (var p = from; p < to; p++)
                {
                    flat[p - from] = ((long)itemUsers[p] * count) + (itemOf[p] - first);
                }

                var dense = torch.zeros((long)users * count, dtype: ScalarType.Float32, device: _device);
                TorchCompat.IndexAdd(dense, 0, torch.tensor(flat, dtype: ScalarType.Int64, device: _device), TorchCompat.Floats(itemWeights[from..to], _device));
                var dots = transposed.mm(dense.reshape(users, count)).t(); // count × n: row c is block item first + c
                var similarity = dots / ((leftNorms.narrow(0, first, count).unsqueeze(1) * rightNorms) + options.Shrinkage);
                var keep = (dots > 0) & (similarity > 0) & similarity.isfinite();
                var self = torch.arange(first, first + count, dtype: ScalarType.Int64, device: _device).unsqueeze(1);
                keep.scatter_(1, self, torch.zeros(count, 1, dtype: ScalarType.Bool, device: _device));
                var masked = torch.where(keep, similarity, torch.full_like(similarity, float.NegativeInfinity));

                // The K largest of each row without sorting it: everything above the K-th value, then as many of
                // the values equal to it as are still needed, smallest item first (a running count of the ties);
                // -∞ (not kept) never counts. nonzero() lists the chosen entries row by row, items ascending.
                var kth = masked.topk(k, 1).values.narrow(1, k - 1, 1);
                var above = masked > kth;
                var tie = masked == kth;
                var need = (k - above.sum(1)).unsqueeze(1);
                var chosen = (above | (tie & (tie.cumsum(1) <= need))) & keep;
                var at = chosen.nonzero();
                var rows = TorchCompat.ToLongs(at.select(1, 0));
                var columns = TorchCompat.ToLongs(at.select(1, 1));
                var sims = TorchCompat.ToFloats(masked.reshape(-1).index_select(0, (at.select(1, 0) * n) + at.select(1, 1)));
                var from2 = 0;
                for (var c = 0; c < count; c++)
                {
                    var to2 = from2;
                    while (to2 < rows.Length && rows[to2] == c)
                    {
                        to2++;
                    }

                    rowItems[first + c] = columns[from2..to2].Select(v => (int)v).ToArray();
                    rowWeights[first + c] = sims[from2..to2];
                    from2 = to2;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            offsets[i + 1] = offsets[i] + rowItems[i].Length;
        }

        var allItems = new int[offsets[n]];
        var allWeights = new float[offsets[n]];
        for (var i = 0; i < n; i++)
        {
            rowItems[i].CopyTo(allItems, offsets[i]);
            rowWeights[i].CopyTo(allWeights, offsets[i]);
        }

        return new ItemNeighbors(offsets, allItems, allWeights);
    }
}
