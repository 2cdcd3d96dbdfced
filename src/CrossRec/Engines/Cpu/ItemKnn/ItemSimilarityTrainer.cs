using System.Runtime.InteropServices;

namespace CrossRec.Engines.Cpu.ItemKnn;

/// <summary>
/// Sparse top-K item-item similarity on the CPU. For each item <c>i</c> the dot products with every
/// co-occurring item are accumulated by walking the rows of <c>i</c>'s users (sparse × sparse into a
/// dense per-thread accumulator of length n plus the list of touched indices), normalised, and the
/// best K kept with <see cref="TopK"/>. Memory is O(n·K) for the result plus O(n) per thread; time is
/// Σ_u deg(u)², never n².
/// </summary>
/// <remarks>
/// <para>Reproducibility: each item's row is computed by exactly one thread, in a fixed order (its users
/// in index order, each user's items in index order), and rows are assembled in item order, so the
/// result is bit-identical at any thread count. The same order makes the cosine exactly symmetric
/// before truncation: dot(i, j) and dot(j, i) sum the same products (x·y = y·x) over the same users in
/// the same order.</para>
/// <para>Items are handed out in blocks of <see cref="BlockSize"/> so that the work of one item (a
/// popular item can touch every user) is not the unit of scheduling, and each block writes its rows
/// into exactly sized arrays: peak memory is the result plus one block's scratch per thread.</para>
/// <para>The inner loop is a gather-multiply-scatter over sparse indices; there is nothing for
/// TensorPrimitives to vectorise (AVX2 has no scatter), so it stays scalar and is bound by the random
/// accesses into the accumulator, which for n ≤ 10⁵ (400 KB) stays in L2. Detecting first touches
/// through the accumulator's zero instead of a stamp array measured no different (1.5–3 s either way
/// for Σ deg² = 2·10⁸ on a loaded two-core machine), so the stamp, which needs no reset pass, stayed.</para>
/// </remarks>
internal static class ItemSimilarityTrainer
{
    private const int BlockSize = 64;

    public static ItemNeighbors TopNeighbors(InteractionMatrix matrix, ReadOnlyMemory<float> weights, ItemSimilarityOptions options, CancellationToken cancellationToken)
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

        cancellationToken.ThrowIfCancellationRequested();

        var n = matrix.ItemCount;
        var userOffsets = matrix.UserOffsetsArray;
        var userItems = matrix.UserItemsArray;
        var itemOffsets = matrix.ItemOffsetsArray;
        var itemUsers = matrix.ItemUsersArray;
        var userWeights = MemoryMarshal.TryGetArray(weights, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : weights.ToArray();

        // The by-item copy of the weights: walking users in index order and appending to each item's
        // column reproduces the (user-sorted) order of ItemUsers exactly.
        var itemWeights = new float[userWeights.Length];
        var cursor = itemOffsets.AsSpan(0, n).ToArray();
        for (var p = 0; p < userItems.Length; p++)
        {
            var w = userWeights[p];
            if (!float.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"Interaction weight {w} at position {p}: weights must be finite and non-negative.", nameof(weights));
            }

            itemWeights[cursor[userItems[p]]++] = w;
        }

        // Normalisation factors: row item i contributes ‖x_i‖^(2α), a neighbour j ‖x_j‖^(2(1−α)).
        var alpha = (double)options.Asymmetry;
        var left = new float[n];
        var right = new float[n];
        for (var i = 0; i < n; i++)
        {
            var sq = 0.0;
            for (var p = itemOffsets[i]; p < itemOffsets[i + 1]; p++)
            {
                sq += (double)itemWeights[p] * itemWeights[p];
            }

            left[i] = alpha == 0.5 ? (float)Math.Sqrt(sq) : (float)Math.Pow(sq, alpha);
            right[i] = alpha == 0.5 ? left[i] : (float)Math.Pow(sq, 1 - alpha);
        }

        var k = Math.Min(options.Neighbors, Math.Max(n - 1, 0));
        var shrink = options.Shrinkage;
        var blocks = (n + BlockSize - 1) / BlockSize;
        var rowLengths = new int[n];
        var blockItems = new int[blocks][];
        var blockWeights = new float[blocks][];
        var threads = ThreadCount.Effective(options.Threads);
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
            () => new Scratch(n, k),
            (b, _, s) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var first = b * BlockSize;
                var last = Math.Min(n, first + BlockSize);
                var written = 0;
                for (var i = first; i < last; i++)
                {
                    var touched = Accumulate(i, s, itemOffsets, itemUsers, itemWeights, userOffsets, userItems, userWeights);
                    var top = new TopK(s.TopIndex, s.TopScore);
                    var li = left[i];
                    for (var t = 0; t < touched; t++)
                    {
                        var j = s.Touched[t];
                        var dot = s.Acc[j];
                        if (j == i || !(dot > 0))
                        {
                            continue;
                        }

                        var sim = dot / ((li * right[j]) + shrink);
                        if (sim > 0 && float.IsFinite(sim))
                        {
                            top.Offer(j, sim);
                        }
                    }

                    var kept = top.Count;
                    var rowItems = s.BlockItems.AsSpan(written, kept);
                    var rowWeights = s.BlockWeights.AsSpan(written, kept);
                    s.TopIndex.AsSpan(0, kept).CopyTo(rowItems);
                    s.TopScore.AsSpan(0, kept).CopyTo(rowWeights);
                    rowItems.Sort(rowWeights);
                    rowLengths[i] = kept;
                    written += kept;
                }

                blockItems[b] = s.BlockItems.AsSpan(0, written).ToArray();
                blockWeights[b] = s.BlockWeights.AsSpan(0, written).ToArray();
                return s;
            },
            _ => { });

        var offsets = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            offsets[i + 1] = offsets[i] + rowLengths[i];
        }

        var items = new int[offsets[n]];
        var sims = new float[offsets[n]];
        for (var b = 0; b < blocks; b++)
        {
            var at = offsets[b * BlockSize];
            blockItems[b].CopyTo(items, at);
            blockWeights[b].CopyTo(sims, at);
        }

        return new ItemNeighbors(offsets, items, sims);
    }

    /// <summary>Accumulates dot(x_i, x_j) for every j sharing a user with i into <see cref="Scratch.Acc"/>; returns how many j were touched.</summary>
    private static int Accumulate(int i, Scratch s, int[] itemOffsets, int[] itemUsers, float[] itemWeights, int[] userOffsets, int[] userItems, float[] userWeights)
    {
        var acc = s.Acc;
        var mark = s.Mark;
        var touched = s.Touched;
        var count = 0;
        var stamp = ++s.Stamp;
        for (var p = itemOffsets[i]; p < itemOffsets[i + 1]; p++)
        {
            var wi = itemWeights[p];
            if (wi == 0f)
            {
                continue;
            }

            var u = itemUsers[p];
            var end = userOffsets[u + 1];
            for (var q = userOffsets[u]; q < end; q++)
            {
                var j = userItems[q];
                var product = wi * userWeights[q];
                if (mark[j] != stamp)
                {
                    mark[j] = stamp;
                    touched[count++] = j;
                    acc[j] = product;
                }
                else
                {
                    acc[j] += product;
                }
            }
        }

        return count;
    }

    /// <summary>One thread's buffers: the dense accumulator, touched marks and list, the top-K heap, one block's rows.</summary>
    private sealed class Scratch(int n, int k)
    {
        public float[] Acc { get; } = new float[n];

        public int[] Mark { get; } = new int[n];

        public int[] Touched { get; } = new int[n];

        public int Stamp { get; set; }

        public int[] TopIndex { get; } = new int[k];

        public float[] TopScore { get; } = new float[k];

        public int[] BlockItems { get; } = new int[BlockSize * k];

        public float[] BlockWeights { get; } = new float[BlockSize * k];
    }
}
