using System.Runtime.InteropServices;

namespace CrossRec.Engines.Cpu.BiasedMf;

/// <summary>One training rating in the trainer's own index space (12 bytes: five per cache line).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SgdEntry
{
    public int User;
    public int Item;
    public float Value;
}

/// <summary>
/// The training ratings laid out for SGD: users and items relabelled by a seeded random permutation,
/// split into <c>bins × bins</c> blocks of contiguous relabelled user and item ranges, each block's
/// ratings stored contiguously in a seeded random order.
/// </summary>
/// <remarks>
/// <para>Implementation note (why a grid, LIBMF-style): two blocks in different user bins and different
/// item bins touch disjoint rows of P and Q, so threads that hold such blocks never write the same
/// parameters (no lost updates, no cache-line ping-pong on the bias arrays); and a block's working set
/// is only <c>(users + items) / bins</c> rows, which keeps large problems in cache. The random relabelling
/// balances the blocks (MovieLens ids are correlated with activity) and makes a bin a contiguous range,
/// so a block's rows are contiguous in memory.</para>
/// <para>Ratings are shuffled once inside each block; each epoch visits the blocks in a fresh random
/// order. Re-shuffling every block before every epoch costs a random-access pass over the whole data
/// set and measured no better: mean validation RMSE over the five MovieLens 100K training folds
/// (10% held out) moved by 0.00003 to 0.0006, within the spread between seeds, for both a tuned and an
/// untuned configuration.</para>
/// </remarks>
internal sealed unsafe class SgdGrid : IDisposable
{
    private readonly AlignedBuffer<SgdEntry> _entries;

    private SgdGrid(int bins, int[] userIndex, int[] itemIndex, int[] userCounts, int[] itemCounts, AlignedBuffer<SgdEntry> entries, int[] blockStart)
    {
        Bins = bins;
        UserIndex = userIndex;
        ItemIndex = itemIndex;
        UserCounts = userCounts;
        ItemCounts = itemCounts;
        _entries = entries;
        BlockStart = blockStart;
    }

    /// <summary>Bins per side; the grid has <c>Bins²</c> blocks.</summary>
    public int Bins { get; }

    /// <summary>Relabelled index of each original user.</summary>
    public int[] UserIndex { get; }

    /// <summary>Relabelled index of each original item.</summary>
    public int[] ItemIndex { get; }

    /// <summary>Training ratings per relabelled user.</summary>
    public int[] UserCounts { get; }

    /// <summary>Training ratings per relabelled item.</summary>
    public int[] ItemCounts { get; }

    /// <summary>Ratings of block b are <c>Entries[BlockStart[b]..BlockStart[b+1]]</c>; block b = userBin·Bins + itemBin.</summary>
    public int[] BlockStart { get; }

    /// <summary>All ratings, block by block.</summary>
    public SgdEntry* Entries => _entries.Pointer;

    /// <summary>Number of ratings.</summary>
    public int Count => BlockStart[^1];

    /// <summary>
    /// Lays out <paramref name="train"/> in a <paramref name="bins"/> × <paramref name="bins"/> grid, using up to
    /// <paramref name="threads"/> threads. The result depends on <paramref name="seed"/> only, not on the
    /// thread count: each thread scatters a contiguous range of rows into offsets that preserve row order,
    /// and block b is then shuffled by its own generator seeded from (seed, b).
    /// </summary>
    public static SgdGrid Build(InteractionSet train, int bins, int seed, int threads)
    {
        var nu = train.UserCount;
        var ni = train.ItemCount;
        var rng = new Random(seed);
        var userIndex = Permutation(nu, rng);
        var itemIndex = Permutation(ni, rng);
        var userBin = Bin(userIndex, bins);
        var itemBin = Bin(itemIndex, bins);
        var users = train.UsersArray;
        var items = train.ItemsArray;
        var values = train.ValuesArray;
        var n = users.Length;
        var blocks = bins * bins;

        // Rows are split into ranges; ranges (not threads) own the counts, so the layout is the same for any
        // thread count. A range is at least 64k rows: below that a second thread costs more than it saves.
        var ranges = Math.Clamp(n / 65_536, 1, Math.Max(1, threads));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        var counts = new int[ranges][];
        Parallel.For(0, ranges, parallel, t =>
        {
            var c = new int[blocks];
            var (from, to) = Range(n, ranges, t);
            for (var r = from; r < to; r++)
            {
                c[(userBin[users[r]] * bins) + itemBin[items[r]]]++;
            }

            counts[t] = c;
        });

        var blockStart = new int[blocks + 1];
        var cursors = new int[ranges][];
        for (var t = 0; t < ranges; t++)
        {
            cursors[t] = new int[blocks];
        }

        for (var b = 0; b < blocks; b++)
        {
            var offset = blockStart[b];
            for (var t = 0; t < ranges; t++)
            {
                cursors[t][b] = offset;
                offset += counts[t][b];
            }

            blockStart[b + 1] = offset;
        }

        var userCounts = new int[nu];
        var itemCounts = new int[ni];
        foreach (var u in users)
        {
            userCounts[userIndex[u]]++;
        }

        foreach (var i in items)
        {
            itemCounts[itemIndex[i]]++;
        }

        var entries = new AlignedBuffer<SgdEntry>(n);
        try
        {
            var e = entries.Pointer;
            Parallel.For(0, ranges, parallel, t =>
            {
                var cursor = cursors[t];
                var (from, to) = Range(n, ranges, t);
                for (var r = from; r < to; r++)
                {
                    var u = users[r];
                    var i = items[r];
                    e[cursor[(userBin[u] * bins) + itemBin[i]]++] = new SgdEntry { User = userIndex[u], Item = itemIndex[i], Value = values[r] };
                }
            });

            Parallel.For(0, blocks, parallel, b =>
            {
                var block = new Span<SgdEntry>(e + blockStart[b], blockStart[b + 1] - blockStart[b]);
                new Random(SubSeed(seed, b)).Shuffle(block);
            });
        }
        catch
        {
            entries.Dispose();
            throw;
        }

        return new SgdGrid(bins, userIndex, itemIndex, userCounts, itemCounts, entries, blockStart);
    }

    public void Dispose() => _entries.Dispose();

    /// <summary>A deterministic seed for part <paramref name="part"/> of a run seeded with <paramref name="seed"/> (SplitMix64 finaliser).</summary>
    internal static int SubSeed(int seed, int part)
    {
        var z = ((ulong)(uint)seed << 32) | (uint)part;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    private static (int From, int To) Range(int n, int parts, int part) =>
        ((int)((long)n * part / parts), (int)((long)n * (part + 1) / parts));

    private static int[] Permutation(int n, Random rng)
    {
        var p = new int[n];
        for (var j = 0; j < n; j++)
        {
            p[j] = j;
        }

        rng.Shuffle(p);
        return p;
    }

    /// <summary>Bin of each original id: relabelled indices 0..n-1 split into <paramref name="bins"/> contiguous ranges.</summary>
    private static int[] Bin(int[] index, int bins)
    {
        var n = index.Length;
        var bin = new int[n];
        for (var j = 0; j < n; j++)
        {
            bin[j] = (int)((long)index[j] * bins / Math.Max(n, 1));
        }

        return bin;
    }
}
