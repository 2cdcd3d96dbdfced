using System.Buffers;

namespace CrossRec.Serving;

/// <summary>
/// The one top-N path: exact lists of the best items of an <see cref="IItemScorer"/> for one training user, for a
/// score function of one request (a folded-in user, an item's similarities) and for a batch of users, with the
/// seen items of each user and a <see cref="RecommendFilter"/> left out. Every recommender model, blends and
/// cross-domain models serve through it.
/// </summary>
/// <remarks>
/// <para>Lists are best first with ties broken by the smaller item index (the order of <see cref="TopK"/>), so a
/// batch returns the lists of one request at a time, bit for bit, whichever path serves it. Batches of
/// <see cref="MinBlockUsers"/> users or more on a plain factor model (<see cref="IItemScorer.BlockScoring"/>) take
/// the blocked path of <see cref="ServingKernel"/>; other batches score one user at a time on each worker.</para>
/// <para>Immutable after construction (the sorted copy of the seen lists is made once, on first need) and safe to
/// share across threads. Every request owns its buffers: score buffers and masks are rented from the shared pools
/// (per thread), candidate buffers of lists up to 256 items live on the stack; besides them the only allocations
/// are the result lists (and, for a blocked batch, each worker's <see cref="ServingKernel.Block"/>).</para>
/// </remarks>
internal sealed class TopNServer
{
    /// <summary>
    /// Smallest batch that takes the blocked path. Measured on the 10⁶-item × 128-factor catalogue, one thread: 7 users
    /// on the per-user path 527 ms, 8 users blocked 118 ms; a block of two costs about what a block of sixteen does
    /// (the 256-bit kernel computes 16 lanes), so two users already beat two passes.
    /// </summary>
    internal const int MinBlockUsers = 2;

    /// <summary>Longest list the blocked path serves: each worker holds 2 × this many candidates per user of a block (8 MiB at 64 users).</summary>
    private const int MaxBlockList = 8192;

    /// <summary>Fewest items a worker's share of the catalogue may have when a small batch is split across workers.</summary>
    private const int MinSplitItems = 4096;

    /// <summary>Lists up to this long keep their candidates on the stack.</summary>
    private const int MaxStackList = 256;

    private readonly IItemScorer _scorer;
    private readonly IdMap _items;
    private readonly int[] _seenOffsets;
    private readonly int[] _seenItems;
    private readonly int[]? _candidates;
    private readonly bool[]? _candidateMask;
    private int[]? _sortedSeenItems;

    /// <summary>A server over <paramref name="scorer"/>'s catalogue.</summary>
    /// <param name="scorer">The scores.</param>
    /// <param name="items">The catalogue's ids.</param>
    /// <param name="seenOffsets">The training users' seen items, CSR offsets (users + 1).</param>
    /// <param name="seenItems">The training users' seen items, CSR items (distinct per user, in any order).</param>
    /// <param name="candidates">The only items ever recommended, ascending (a cross-domain model's target items); null for every item.</param>
    public TopNServer(IItemScorer scorer, IdMap items, int[] seenOffsets, int[] seenItems, int[]? candidates = null)
    {
        _scorer = scorer;
        _items = items;
        _seenOffsets = seenOffsets;
        _seenItems = seenItems;
        _candidates = candidates;
        if (candidates is not null)
        {
            _candidateMask = new bool[items.Count];
            foreach (var j in candidates)
            {
                _candidateMask[j] = true;
            }
        }
    }

    /// <summary>Items a list may hold at most: the candidates, or the whole catalogue.</summary>
    private int CandidateCount => _candidates?.Length ?? _items.Count;

    /// <summary>
    /// Checks a batch request's arguments and resolves every user id to its index before any work starts: an unknown id
    /// raises <see cref="KeyNotFoundException"/> naming it, a null one <see cref="ArgumentException"/> naming its position.
    /// </summary>
    public static int[] BatchUsers(IdMap userIds, IReadOnlyList<string> users, int count, int threads)
    {
        ArgumentNullException.ThrowIfNull(users);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        Check.Range(threads, 0, ThreadCount.Max, nameof(threads));
        var index = new int[users.Count];
        for (var n = 0; n < users.Count; n++)
        {
            index[n] = userIds.GetIndex(users[n] ?? throw new ArgumentException($"User {n} of the batch is null.", nameof(users)));
        }

        return index;
    }

    /// <summary>
    /// Resolves <paramref name="filter"/> (null: <see cref="RecommendFilter.Default"/>) for one request: the allowed-item
    /// mask of its lists and predicate, narrowed to the items of domain index <paramref name="domain"/> (-1: any; resolving
    /// the filter's domain name is the model's) and to the candidates. An unknown id raises <see cref="KeyNotFoundException"/>.
    /// </summary>
    public ServingFilter Resolve(RecommendFilter? filter, ReadOnlySpan<int> itemDomains, int domain)
    {
        filter ??= RecommendFilter.Default;
        if (!filter.NeedsMask)
        {
            return new ServingFilter(filter.ExcludeSeen, null);
        }

        var n = _items.Count;
        var mask = ArrayPool<bool>.Shared.Rent(n);
        try
        {
            var allowed = mask.AsSpan(0, n);
            filter.AllowedItems(_items, itemDomains, domain, allowed);
            if (_candidateMask is not null)
            {
                for (var j = 0; j < allowed.Length; j++)
                {
                    allowed[j] &= _candidateMask[j];
                }
            }
        }
        catch
        {
            ArrayPool<bool>.Shared.Return(mask);
            throw;
        }

        return new ServingFilter(filter.ExcludeSeen, mask);
    }

    /// <summary>Top-<paramref name="count"/> for a training user (index already checked).</summary>
    public List<ScoredItem> Recommend(int user, int count, in ServingFilter filter)
    {
        var n = _items.Count;
        var buffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var scores = buffer.AsSpan(0, n);
            _scorer.ScoreUser(user, scores);
            return Select(scores, filter.ExcludeSeen ? Seen(user) : [], -1, filter.Mask, count);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Top-<paramref name="count"/> of the scores <paramref name="score"/> writes from <paramref name="state"/>, leaving out
    /// <paramref name="exclude"/> and <paramref name="excludeItem"/> (-1: none) besides the filter's mask (its
    /// <see cref="ServingFilter.ExcludeSeen"/> is the caller's: it decides <paramref name="exclude"/>).
    /// </summary>
    public List<ScoredItem> Recommend<TState>(TState state, ScoreInto<TState> score, ReadOnlySpan<int> exclude, int excludeItem, int count, in ServingFilter filter)
    {
        var n = _items.Count;
        var buffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var scores = buffer.AsSpan(0, n);
            score(state, scores);
            return Select(scores, exclude, excludeItem, filter.Mask, count);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Top-<paramref name="count"/> for each training user of a batch (indices already checked), one list per user in
    /// input order, on <paramref name="threads"/> workers (0: every core).
    /// </summary>
    public IReadOnlyList<ScoredItem>[] RecommendMany(int[] users, int count, in ServingFilter filter, int threads, CancellationToken cancellationToken)
    {
        var results = new IReadOnlyList<ScoredItem>[users.Length];
        var workers = ThreadCount.Effective(threads);
        var mask = filter.Mask;
        var excludeSeen = filter.ExcludeSeen;
        var n = Math.Min(count, CandidateCount);
        if (users.Length >= MinBlockUsers && n > 0 && n <= MaxBlockList && _scorer.BlockScoring is { } scoring)
        {
            RecommendBlocked(scoring, users, results, mask ?? _candidateMask, excludeSeen, n, workers, cancellationToken);
            return results;
        }

        var items = _items.Count;
        Parallel.For(
            0,
            users.Length,
            new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken },
            () => ArrayPool<float>.Shared.Rent(items),
            (b, _, buffer) =>
            {
                var u = users[b];
                var scores = buffer.AsSpan(0, items);
                _scorer.ScoreUser(u, scores);
                results[b] = Select(scores, excludeSeen ? Seen(u) : [], -1, mask, count);
                return buffer;
            },
            buffer => ArrayPool<float>.Shared.Return(buffer));
        return results;
    }

    /// <summary>A training user's seen items.</summary>
    private ReadOnlySpan<int> Seen(int user) => _seenItems.AsSpan(_seenOffsets[user], _seenOffsets[user + 1] - _seenOffsets[user]);

    /// <summary>
    /// The best <paramref name="count"/> allowed candidates of <paramref name="scores"/>, best first (ties: smaller index
    /// first). NaN scores are never kept; <paramref name="exclude"/> and <paramref name="excludeItem"/> are set to NaN.
    /// </summary>
    private List<ScoredItem> Select(Span<float> scores, ReadOnlySpan<int> exclude, int excludeItem, bool[]? mask, int count)
    {
        foreach (var j in exclude)
        {
            scores[j] = float.NaN; // TopK skips NaN
        }

        if (excludeItem >= 0)
        {
            scores[excludeItem] = float.NaN;
        }

        var n = Math.Min(count, CandidateCount);
        int[]? rentedIndex = null;
        float[]? rentedScore = null;
        try
        {
            var idx = n <= MaxStackList ? stackalloc int[n] : (rentedIndex = ArrayPool<int>.Shared.Rent(n)).AsSpan(0, n);
            var sc = n <= MaxStackList ? stackalloc float[n] : (rentedScore = ArrayPool<float>.Shared.Rent(n)).AsSpan(0, n);
            var top = new TopK(idx, sc);
            if (_candidates is { } candidates)
            {
                foreach (var j in candidates)
                {
                    if (mask is null || mask[j])
                    {
                        top.Offer(j, scores[j]);
                    }
                }
            }
            else if (mask is null)
            {
                for (var j = 0; j < scores.Length; j++)
                {
                    top.Offer(j, scores[j]);
                }
            }
            else
            {
                for (var j = 0; j < scores.Length; j++)
                {
                    if (mask[j])
                    {
                        top.Offer(j, scores[j]);
                    }
                }
            }

            var kept = top.SortDescending();
            var result = new List<ScoredItem>(kept);
            for (var r = 0; r < kept; r++)
            {
                result.Add(new ScoredItem(_items[idx[r]], idx[r], sc[r]));
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

    /// <summary>
    /// Exact top-N for a batch on a factor model (see <see cref="ServingKernel"/>): blocks of
    /// <see cref="ServingKernel.BlockUsers"/> users, each scoring the catalogue in one pass with a running
    /// top-N per user. When there are fewer blocks than workers, the catalogue is also split into ranges
    /// (at least <see cref="MinSplitItems"/> items each) so every worker has work, and each user's per-range
    /// lists are merged. The scores are those of the per-user path, bit for bit, and so is the selection
    /// (ties: smaller index), because the candidates are kept and sorted by one total order (higher score, then
    /// smaller index: <see cref="ServingKernel.Key"/>, the order of <see cref="TopK"/>) whatever order they
    /// come in. Each worker allocates one set of buffers per call (Pᵀ and 2N candidate keys for each of the 64
    /// users: 160 KiB at k = 128, N = 128; one set per work unit when the catalogue is split).
    /// </summary>
    private void RecommendBlocked(FactorScoring scoring, int[] index, IReadOnlyList<ScoredItem>[] results, bool[]? mask, bool excludeSeen, int n, int workers, CancellationToken cancellationToken)
    {
        const int size = ServingKernel.BlockUsers;
        var blocks = (index.Length + size - 1) / size;
        var items = _items.Count;
        var splits = blocks >= workers ? 1 : Math.Max(1, Math.Min((workers + blocks - 1) / blocks, items / MinSplitItems));
        var (seenOffsets, seenItems) = excludeSeen ? SortedSeen() : (null, null);
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken };
        var k = scoring.Factors;
        if (splits == 1)
        {
            Parallel.For(
                0,
                blocks,
                options,
                () => new ServingKernel.Block(k, n),
                (b, _, block) =>
                {
                    var first = b * size;
                    var users = index.AsSpan(first, Math.Min(size, index.Length - first));
                    ServingKernel.SelectBlock(scoring, users, 0, items, mask, seenOffsets, seenItems, block, cancellationToken);
                    for (var u = 0; u < users.Length; u++)
                    {
                        results[first + u] = ToList(block.Candidates(u)[..block.Finish(u)]);
                    }

                    return block;
                },
                _ => { });
            return;
        }

        var parts = new ServingKernel.Block[blocks * splits];
        Parallel.For(
            0,
            parts.Length,
            options,
            unit =>
            {
                var (b, s) = Math.DivRem(unit, splits);
                var first = b * size;
                var users = index.AsSpan(first, Math.Min(size, index.Length - first));
                var block = new ServingKernel.Block(k, n);
                ServingKernel.SelectBlock(scoring, users, (int)((long)items * s / splits), (int)((long)items * (s + 1) / splits), mask, seenOffsets, seenItems, block, cancellationToken);
                parts[unit] = block;
            });
        var merged = new ulong[splits * n];
        for (var b = 0; b < blocks; b++)
        {
            var first = b * size;
            var count = Math.Min(size, index.Length - first);
            for (var u = 0; u < count; u++)
            {
                var length = 0;
                for (var s = 0; s < splits; s++)
                {
                    var part = parts[(b * splits) + s];
                    part.Finish(u);
                    part.Candidates(u).CopyTo(merged.AsSpan(length));
                    length += part.Counts[u];
                }

                var keys = merged.AsSpan(0, length);
                if (length > n)
                {
                    ServingKernel.SelectBest(keys, n);
                    keys = keys[..n];
                }

                keys.Sort();
                results[first + u] = ToList(keys);
            }
        }
    }

    /// <summary>The result list of sorted candidate keys (<see cref="ServingKernel.Key"/>).</summary>
    private List<ScoredItem> ToList(ReadOnlySpan<ulong> keys)
    {
        var list = new List<ScoredItem>(keys.Length);
        foreach (var key in keys)
        {
            var item = ServingKernel.ItemOf(key);
            list.Add(new ScoredItem(_items[item], item, ServingKernel.ScoreOf(key)));
        }

        return list;
    }

    /// <summary>The seen lists as CSR with every user's items ascending (the stored arrays when they already are; else a sorted copy, made once).</summary>
    private (int[] Offsets, int[] Items) SortedSeen()
    {
        var sorted = Volatile.Read(ref _sortedSeenItems);
        if (sorted is null)
        {
            sorted = _seenItems;
            var users = _seenOffsets.Length - 1;
            for (var u = 0; u < users && ReferenceEquals(sorted, _seenItems); u++)
            {
                for (var i = _seenOffsets[u] + 1; i < _seenOffsets[u + 1]; i++)
                {
                    if (_seenItems[i] < _seenItems[i - 1])
                    {
                        sorted = (int[])_seenItems.Clone();
                        for (var v = 0; v < users; v++)
                        {
                            Array.Sort(sorted, _seenOffsets[v], _seenOffsets[v + 1] - _seenOffsets[v]);
                        }

                        break;
                    }
                }
            }

            Interlocked.CompareExchange(ref _sortedSeenItems, sorted, null);
            sorted = _sortedSeenItems!;
        }

        return (_seenOffsets, sorted);
    }
}
