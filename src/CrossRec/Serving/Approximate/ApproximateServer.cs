using System.Buffers;

namespace CrossRec.Serving.Approximate;

/// <summary>
/// Approximate top-N over a factor model's catalogue: the lists of a <see cref="MipsIndex"/> search, whose every item is
/// allowed by the request's filter and carries the score the exact path gives it. Immutable and thread-safe.
/// </summary>
internal sealed class ApproximateServer(MipsIndex index, FactorScoring scoring, IdMap items)
{
    /// <summary>Lists up to this long keep their candidates on the stack.</summary>
    private const int MaxStackList = 256;

    /// <summary>The index searched.</summary>
    public MipsIndex Index => index;

    /// <summary>Top-<paramref name="count"/> for a training user (index already checked).</summary>
    public List<ScoredItem> Recommend(int user, int count, in ServingFilter filter, ReadOnlySpan<int> seen, int allowed)
    {
        var k = scoring.Factors;
        return Recommend(scoring.UserFactors.AsSpan(user * k, k), scoring.UserBias is null ? null : scoring.Offset(user), filter.ExcludeSeen ? seen : [], count, filter.Mask, allowed);
    }

    /// <summary>
    /// Top-<paramref name="count"/> for a query vector (user factors) with the model's constant <paramref name="offset"/>
    /// (null: none), leaving out <paramref name="exclude"/> and items <paramref name="mask"/> forbids
    /// (<paramref name="allowed"/>: how many it allows).
    /// </summary>
    public List<ScoredItem> Recommend(ReadOnlySpan<float> query, float? offset, ReadOnlySpan<int> exclude, int count, bool[]? mask, int allowed)
    {
        var n = Math.Min(count, allowed);
        int[]? rentedIndex = null;
        float[]? rentedScore = null;
        try
        {
            var idx = n <= MaxStackList ? stackalloc int[n] : (rentedIndex = ArrayPool<int>.Shared.Rent(n)).AsSpan(0, n);
            var sc = n <= MaxStackList ? stackalloc float[n] : (rentedScore = ArrayPool<float>.Shared.Rent(n)).AsSpan(0, n);
            var kept = index.Search(query, offset, count, mask, allowed, exclude, idx, sc);
            var result = new List<ScoredItem>(kept);
            for (var r = 0; r < kept; r++)
            {
                result.Add(new ScoredItem(items[idx[r]], idx[r], sc[r]));
            }

            return result;
        }
        finally
        {
            if (rentedIndex is not null)
            {
                ArrayPool<int>.Shared.Return(rentedIndex);
            }

            if (rentedScore is not null)
            {
                ArrayPool<float>.Shared.Return(rentedScore);
            }
        }
    }

    /// <summary>How many items <paramref name="mask"/> allows (null: the whole catalogue).</summary>
    public int Allowed(bool[]? mask)
    {
        var n = items.Count;
        return mask is null ? n : mask.AsSpan(0, n).Count(true);
    }
}
