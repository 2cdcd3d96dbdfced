using System.Runtime.InteropServices;
using CrossRec.Algorithms.Rp3Beta;

namespace CrossRec.Engines.Cpu.Rp3Beta;

/// <summary>
/// RP3beta's walk weights on the CPU (the contract is <see cref="IRp3BetaKernel"/>'s). The user → item
/// probabilities <c>(s_uj / S_u)^α</c> are computed once per interaction; then, for each item i, the walk's second
/// and third steps are a sparse accumulation over i's users' rows into a dense per-thread accumulator of length n
/// with the list of touched items, scaled by <c>deg(i)^(−α) · deg(j)^(−β)</c>, and the best K kept with
/// <see cref="TopK"/>. Memory is O(n·K) for the result plus O(n) per thread; time is Σ_u deg(u)², never n².
/// </summary>
/// <remarks>
/// <para>Reproducibility: each item's row is computed by exactly one thread, in a fixed order (its users in index
/// order, each user's items in index order), and rows are assembled in item order, so the result is bit-identical
/// at any thread count.</para>
/// <para>Items are handed out in blocks of <see cref="BlockSize"/>, so that one popular item (whose users may cover
/// the catalogue) is not the unit of scheduling, and each block writes its rows into exactly sized arrays: peak
/// memory is the result plus one block's scratch per thread.</para>
/// <para>The probabilities are raised to α in double once per interaction (<see cref="Math.Pow"/>, skipped at α = 1),
/// never in the inner loop, which is a scalar gather-add bound by random access to the accumulator.</para>
/// </remarks>
internal static class Rp3BetaWalk
{
    private const int BlockSize = 64;

    public static ItemNeighbors Weights(InteractionMatrix matrix, ReadOnlyMemory<float> strengths, Rp3BetaWalkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        if (strengths.Length != matrix.NonZeros)
        {
            throw new ArgumentException($"{strengths.Length} strengths for {matrix.NonZeros} interactions.", nameof(strengths));
        }

        if (options.Neighbors < 1 || !(options.Alpha >= 0) || !float.IsFinite(options.Alpha) || !(options.Beta >= 0) || !float.IsFinite(options.Beta))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options, "Neighbors must be at least 1, Alpha and Beta finite and non-negative.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var n = matrix.ItemCount;
        var userOffsets = matrix.UserOffsetsArray;
        var userItems = matrix.UserItemsArray;
        var itemOffsets = matrix.ItemOffsetsArray;
        var itemUsers = matrix.ItemUsersArray;
        var s = MemoryMarshal.TryGetArray(strengths, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : strengths.ToArray();

        // The user → item step of every interaction, (s_uj / S_u)^α (0 for no edge), and every item's degree.
        var alpha = (double)options.Alpha;
        var step = new float[s.Length];
        var degree = new int[n];
        for (var u = 0; u < matrix.UserCount; u++)
        {
            var total = 0.0;
            for (var p = userOffsets[u]; p < userOffsets[u + 1]; p++)
            {
                var v = s[p];
                if (!float.IsFinite(v) || v < 0)
                {
                    throw new ArgumentException($"Interaction strength {v} at position {p}: strengths must be finite and non-negative.", nameof(strengths));
                }

                total += v;
            }

            for (var p = userOffsets[u]; p < userOffsets[u + 1]; p++)
            {
                if (s[p] > 0)
                {
                    var probability = s[p] / total;
                    step[p] = (float)(alpha == 1 ? probability : Math.Pow(probability, alpha));
                    degree[userItems[p]]++;
                }
            }
        }

        // Whether each (item, user) entry of the by-item form is an edge: walking users in index order and appending
        // to each item's column reproduces the (user-sorted) order of ItemUsers exactly.
        var edge = new bool[s.Length];
        var cursor = itemOffsets.AsSpan(0, n).ToArray();
        for (var p = 0; p < userItems.Length; p++)
        {
            edge[cursor[userItems[p]]++] = s[p] > 0;
        }

        // The item → user step, (1 / deg(i))^α, and the popularity penalty of a destination, deg(j)^(−β).
        var beta = (double)options.Beta;
        var from = new float[n];
        var to = new float[n];
        for (var i = 0; i < n; i++)
        {
            if (degree[i] > 0)
            {
                from[i] = (float)Math.Pow(degree[i], -alpha);
                to[i] = (float)Math.Pow(degree[i], -beta);
            }
        }

        var k = Math.Min(options.Neighbors, Math.Max(n - 1, 0));
        var blocks = (n + BlockSize - 1) / BlockSize;
        var rowLengths = new int[n];
        var blockItems = new int[blocks][];
        var blockWeights = new float[blocks][];
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { MaxDegreeOfParallelism = ThreadCount.Effective(options.Threads), CancellationToken = cancellationToken },
            () => new Scratch(n, k),
            (b, _, scratch) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var first = b * BlockSize;
                var last = Math.Min(n, first + BlockSize);
                var written = 0;
                for (var i = first; i < last; i++)
                {
                    var kept = Row(i, scratch, itemOffsets, itemUsers, edge, userOffsets, userItems, step, from[i], to, options.NormalizeRows);
                    scratch.TopIndex.AsSpan(0, kept).CopyTo(scratch.BlockItems.AsSpan(written));
                    scratch.TopScore.AsSpan(0, kept).CopyTo(scratch.BlockWeights.AsSpan(written));
                    rowLengths[i] = kept;
                    written += kept;
                }

                blockItems[b] = scratch.BlockItems.AsSpan(0, written).ToArray();
                blockWeights[b] = scratch.BlockWeights.AsSpan(0, written).ToArray();
                return scratch;
            },
            _ => { });

        var offsets = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            offsets[i + 1] = offsets[i] + rowLengths[i];
        }

        var items = new int[offsets[n]];
        var weights = new float[offsets[n]];
        for (var b = 0; b < blocks; b++)
        {
            var at = offsets[b * BlockSize];
            blockItems[b].CopyTo(items, at);
            blockWeights[b].CopyTo(weights, at);
        }

        return new ItemNeighbors(offsets, items, weights);
    }

    /// <summary>Item i's kept weights, sorted by item index, in the first entries of <see cref="Scratch.TopIndex"/> and <see cref="Scratch.TopScore"/>; returns how many.</summary>
    private static int Row(int i, Scratch scratch, int[] itemOffsets, int[] itemUsers, bool[] edge, int[] userOffsets, int[] userItems, float[] step, float from, float[] to, bool normalize)
    {
        var acc = scratch.Acc;
        var mark = scratch.Mark;
        var touched = scratch.Touched;
        var count = 0;
        var stamp = ++scratch.Stamp;
        for (var p = itemOffsets[i]; p < itemOffsets[i + 1]; p++)
        {
            if (!edge[p])
            {
                continue;
            }

            var u = itemUsers[p];
            var end = userOffsets[u + 1];
            for (var q = userOffsets[u]; q < end; q++)
            {
                var probability = step[q];
                if (probability == 0f)
                {
                    continue;
                }

                var j = userItems[q];
                if (mark[j] != stamp)
                {
                    mark[j] = stamp;
                    touched[count++] = j;
                    acc[j] = probability;
                }
                else
                {
                    acc[j] += probability;
                }
            }
        }

        var top = new TopK(scratch.TopIndex, scratch.TopScore);
        for (var t = 0; t < count; t++)
        {
            var j = touched[t];
            var w = from * acc[j] * to[j];
            if (j != i && w > 0 && float.IsFinite(w))
            {
                top.Offer(j, w);
            }
        }

        var kept = top.Count;
        var rowItems = scratch.TopIndex.AsSpan(0, kept);
        var rowWeights = scratch.TopScore.AsSpan(0, kept);
        rowItems.Sort(rowWeights);
        if (!normalize || kept == 0)
        {
            return kept;
        }

        // The sum in double in index order (fixed, so bit-identical run to run); a weight that underflows to 0 on
        // division (a row spanning more than 38 orders of magnitude) is dropped, as the contract keeps positives only.
        var sum = 0.0;
        foreach (var w in rowWeights)
        {
            sum += w;
        }

        var length = 0;
        for (var r = 0; r < kept; r++)
        {
            var w = (float)(rowWeights[r] / sum);
            if (w > 0)
            {
                rowItems[length] = rowItems[r];
                rowWeights[length++] = w;
            }
        }

        return length;
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
