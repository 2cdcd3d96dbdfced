using System.Buffers;

namespace CrossRec.Serving;

/// <summary>
/// A <see cref="RecommendFilter"/> resolved against one catalogue for one request (<see cref="TopNServer.Resolve"/>):
/// whether the user's seen items are left out, and the allowed-item mask (null: every item allowed).
/// </summary>
/// <remarks>
/// The mask is rented from the shared array pool, whose per-thread cache hands a worker the same buffer call
/// after call, so a request allocates no <c>bool[items]</c>; a batch builds it once and its workers share it
/// read-only. A ref struct, so it is never copied into a closure and returned twice: dispose it once
/// (<c>using var</c>).
/// </remarks>
internal readonly ref struct ServingFilter
{
    internal ServingFilter(bool excludeSeen, bool[]? mask)
    {
        ExcludeSeen = excludeSeen;
        Mask = mask;
    }

    /// <summary>Leave out the user's seen items.</summary>
    public bool ExcludeSeen { get; }

    /// <summary>
    /// Item j may be recommended only where <c>Mask[j]</c> is true (the array may be longer than the catalogue);
    /// null when every item is allowed.
    /// </summary>
    public bool[]? Mask { get; }

    /// <summary>Returns the mask to the pool.</summary>
    public void Dispose()
    {
        if (Mask is not null)
        {
            ArrayPool<bool>.Shared.Return(Mask);
        }
    }
}
