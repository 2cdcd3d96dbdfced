using System.Numerics;

namespace CrossRec.Engines.Cpu.Ease;

/// <summary>
/// The two O(n²) steps of EASE around the inverse: the Gram matrix <c>XᵀX + λI</c> of the kept items,
/// built sparsely (the weights <c>B = I − P·diag(1/diag P)</c> come from its inverse P in <c>EaseWeights.FromInverse</c>).
/// </summary>
internal static class EaseGram
{
    /// <summary>
    /// The lower triangle of <c>XᵀX + λI</c> over the kept items (row-major, m × m; the upper triangle is
    /// left zero). Row i sums, over the users of kept item i, the user's weight for i times their weights
    /// of the kept items up to i: each row is owned by one task and summed in user order, so the result
    /// does not depend on the thread count, and no user needs an m² buffer.
    /// </summary>
    /// <param name="matrix">Training matrix.</param>
    /// <param name="userWeights">Weight of every stored (user, item) pair, aligned with <see cref="InteractionMatrix.UserItems"/>.</param>
    /// <param name="itemWeights">The same weights aligned with <see cref="InteractionMatrix.ItemUsers"/>.</param>
    /// <param name="kept">Item index of every kept item, ascending.</param>
    /// <param name="keptIndex">Kept index of every item, or −1.</param>
    /// <param name="lambda">Added to the diagonal.</param>
    /// <param name="diagonalPenalty">α: the diagonal becomes <c>(1 + α)·G_ii + λ</c>.</param>
    /// <param name="options">Threads and cancellation.</param>
    /// <typeparam name="T">float (for the float32 inverse) or double; every sum is formed in float64 and rounded once.</typeparam>
    public static T[] Build<T>(InteractionMatrix matrix, float[] userWeights, float[] itemWeights, int[] kept, int[] keptIndex, double lambda, double diagonalPenalty, ParallelOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = kept.Length;
        var gram = new T[(long)m * m];
        var userOffsets = matrix.UserOffsetsArray;
        var userItems = matrix.UserItemsArray;
        var itemOffsets = matrix.ItemOffsetsArray;
        var itemUsers = matrix.ItemUsersArray;
        Parallel.For(0, m, options, () => new double[m], (i, _, sums) =>
        {
            var item = kept[i];
            var row = sums.AsSpan(0, i + 1);
            row.Clear();
            for (var p = itemOffsets[item]; p < itemOffsets[item + 1]; p++)
            {
                var u = itemUsers[p];
                double wi = itemWeights[p];
                for (var q = userOffsets[u]; q < userOffsets[u + 1]; q++)
                {
                    // Items are sorted and the kept map is monotone, so the row's part ends at item i.
                    var j = keptIndex[userItems[q]];
                    if (j > i)
                    {
                        break;
                    }

                    if (j >= 0)
                    {
                        row[j] += wi * userWeights[q];
                    }
                }
            }

            row[i] += (diagonalPenalty * row[i]) + lambda;
            var target = gram.AsSpan((int)((long)i * m), i + 1);
            for (var j = 0; j <= i; j++)
            {
                target[j] = T.CreateTruncating(row[j]);
            }

            return sums;
        },
        _ => { });
        return gram;
    }

    /// <summary>Mean of the diagonal of <c>XᵀX</c> over the kept items (λ not included).</summary>
    public static double MeanDiagonal(InteractionMatrix matrix, float[] itemWeights, int[] kept)
    {
        if (kept.Length == 0)
        {
            return 0;
        }

        var offsets = matrix.ItemOffsetsArray;
        var sum = 0.0;
        foreach (var item in kept)
        {
            for (var p = offsets[item]; p < offsets[item + 1]; p++)
            {
                sum += (double)itemWeights[p] * itemWeights[p];
            }
        }

        return sum / kept.Length;
    }
}
