using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossRec.Engines.Cpu.Bpr;

/// <summary>
/// Draws BPR negatives: an item uniformly from the candidates (all items, or the positive's domain),
/// rejected and redrawn while the user has it (a binary search of the user's sorted item row). Immutable;
/// shared by every worker, each with its own <see cref="BprRandom"/>.
/// </summary>
/// <remarks>
/// Rejection keeps the draw exactly uniform over the items the user does not have, at an expected
/// 1/(1 − f) draws for a user who has a share f of the candidates (ML-100K's heaviest user, 737 of 1682
/// items, needs 1.8). After <see cref="MaxDraws"/> rejections the step is skipped rather than looping:
/// that happens always for a user who has every candidate, and otherwise with probability f⁶⁴
/// (under 0.2% even at f = 0.9).
/// </remarks>
internal sealed class BprNegativeSampler
{
    /// <summary>Draws before a step gives up on finding a negative.</summary>
    public const int MaxDraws = 64;

    private readonly int _itemCount;
    private readonly int[]? _groupOfItem;
    private readonly int[] _groupOffsets;
    private readonly int[] _groupItems;

    private BprNegativeSampler(int itemCount, int[]? groupOfItem, int[] groupOffsets, int[] groupItems)
    {
        _itemCount = itemCount;
        _groupOfItem = groupOfItem;
        _groupOffsets = groupOffsets;
        _groupItems = groupItems;
    }

    /// <summary>True when negatives come from the positive's domain.</summary>
    public bool DomainAware => _groupOfItem is not null;

    /// <summary>
    /// A sampler over <paramref name="itemCount"/> items; with <paramref name="itemDomains"/> (domain index
    /// per item, −1 for none) negatives come from the positive's domain, items without a domain forming
    /// one more group.
    /// </summary>
    public static BprNegativeSampler Create(int itemCount, ReadOnlySpan<int> itemDomains, bool domainAware)
    {
        if (!domainAware || itemDomains.IsEmpty)
        {
            return new BprNegativeSampler(itemCount, null, [], []);
        }

        var (groupOf, offsets, items) = Groups(itemCount, itemDomains);
        return new BprNegativeSampler(itemCount, groupOf, offsets, items);
    }

    /// <summary>
    /// The domain groups, as CSR: group d + 1 holds the items of domain d, group 0 the items without one;
    /// <c>GroupOf[i]</c> is item i's group and <c>Items[Offsets[g]..Offsets[g + 1]]</c> its members, ascending.
    /// The Torch engine's sampler uses the same layout.
    /// </summary>
    internal static (int[] GroupOf, int[] Offsets, int[] Items) Groups(int itemCount, ReadOnlySpan<int> itemDomains)
    {
        var groups = 1;
        foreach (var d in itemDomains)
        {
            groups = Math.Max(groups, d + 2);
        }

        var groupOf = new int[itemCount];
        var offsets = new int[groups + 1];
        for (var i = 0; i < itemCount; i++)
        {
            groupOf[i] = itemDomains[i] + 1;
            offsets[groupOf[i] + 1]++;
        }

        for (var g = 0; g < groups; g++)
        {
            offsets[g + 1] += offsets[g];
        }

        var cursor = offsets.AsSpan(0, groups).ToArray();
        var items = new int[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            items[cursor[groupOf[i]]++] = i;
        }

        return (groupOf, offsets, items);
    }

    /// <summary>A negative for a step with positive <paramref name="positive"/> of a user whose sorted items are <paramref name="userItems"/>, or −1 when none was found.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Sample(ref BprRandom rng, ReadOnlySpan<int> userItems, int positive) => Sample(ref rng, userItems, default, positive);

    /// <summary>
    /// As <see cref="Sample(ref BprRandom, ReadOnlySpan{int}, int)"/>, with the user's items also given as a
    /// bit set (bit j of word j/64; empty when the caller has none), which answers "does the user have j"
    /// with one load instead of a binary search's chain of dependent loads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Sample(ref BprRandom rng, ReadOnlySpan<int> userItems, ReadOnlySpan<ulong> userBits, int positive)
    {
        if (_groupOfItem is null)
        {
            if (userItems.Length >= _itemCount)
            {
                return -1;
            }

            for (var t = 0; t < MaxDraws; t++)
            {
                var j = rng.NextInt(_itemCount);
                if (!Has(userItems, userBits, j))
                {
                    return j;
                }
            }

            return -1;
        }

        var g = _groupOfItem[positive];
        var from = _groupOffsets[g];
        var count = _groupOffsets[g + 1] - from;
        for (var t = 0; t < MaxDraws; t++)
        {
            var j = _groupItems[from + rng.NextInt(count)];
            if (!Has(userItems, userBits, j))
            {
                return j;
            }
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Has(ReadOnlySpan<int> row, ReadOnlySpan<ulong> bits, int item) =>
        bits.IsEmpty ? Contains(row, item) : ((bits[item >> 6] >> (item & 63)) & 1) != 0;

    /// <summary>
    /// Whether a sorted row holds <paramref name="item"/>: a branch-free lower-bound search (the halving
    /// step compiles to a conditional move), so the unpredictable comparisons cost no mispredictions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Contains(ReadOnlySpan<int> row, int item)
    {
        var n = row.Length;
        if (n == 0)
        {
            return false;
        }

        ref var first = ref MemoryMarshal.GetReference(row);
        var lo = 0;
        while (n > 1)
        {
            var half = n >> 1;
            lo = Unsafe.Add(ref first, lo + half) <= item ? lo + half : lo;
            n -= half;
        }

        return Unsafe.Add(ref first, lo) == item;
    }
}
