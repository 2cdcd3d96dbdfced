using System.Buffers;
using System.Globalization;
using CrossRec.Persistence;

namespace CrossRec;

/// <summary>
/// The shared half of every CrossRec recommender: id maps, the items each training user has (with
/// their summed values), item domains, filtering, top-N selection for one user or many, fold-in
/// validation and persistence. An algorithm supplies only how it scores items for a known or a folded
/// user, how it scores item similarity, how it folds a user in, and its own sections of the model file.
/// </summary>
/// <remarks>
/// Immutable after construction and safe to share across threads: every call owns its buffers (rented
/// or per-thread), so concurrent <c>Recommend</c> calls never contend.
/// </remarks>
public abstract class RecommenderModel : IRecommender
{
    private readonly int[] _seenOffsets;
    private readonly int[] _seenItems;
    private readonly float[] _seenValues;
    private readonly int[]? _itemDomains;
    private int[]? _sortedSeenItems;

    private protected RecommenderModel(
        IdMap userIds,
        IdMap itemIds,
        int[] seenOffsets,
        int[] seenItems,
        float[] seenValues,
        IdMap? domains,
        int[]? itemDomains,
        RecommenderTrainingInfo? training)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (seenOffsets.Length != userIds.Count + 1 || seenValues.Length != seenItems.Length
            || (domains is null) != (itemDomains is null) || (itemDomains is not null && itemDomains.Length != itemIds.Count))
        {
            throw new ArgumentException("Inconsistent recommender arrays.");
        }

        UserIds = userIds;
        ItemIds = itemIds;
        _seenOffsets = seenOffsets;
        _seenItems = seenItems;
        _seenValues = seenValues;
        Domains = domains;
        _itemDomains = itemDomains;
        Training = training;
    }

    /// <inheritdoc />
    public abstract string Algorithm { get; }

    /// <inheritdoc />
    public IdMap UserIds { get; }

    /// <inheritdoc />
    public IdMap ItemIds { get; }

    /// <inheritdoc />
    public IdMap? Domains { get; }

    /// <summary>Domain index of each item (-1 for none); empty without domains.</summary>
    public ReadOnlySpan<int> ItemDomains => _itemDomains;

    /// <inheritdoc />
    public RecommenderTrainingInfo? Training { get; }

    /// <inheritdoc />
    public virtual bool CanExplain => false;

    /// <inheritdoc />
    public ReadOnlySpan<int> SeenItems(int user)
    {
        CheckUser(user);
        return _seenItems.AsSpan(_seenOffsets[user], _seenOffsets[user + 1] - _seenOffsets[user]);
    }

    /// <summary>The summed training values of a user's items, aligned with <see cref="SeenItems"/>.</summary>
    public ReadOnlySpan<float> SeenValues(int user)
    {
        CheckUser(user);
        return _seenValues.AsSpan(_seenOffsets[user], _seenOffsets[user + 1] - _seenOffsets[user]);
    }

    /// <inheritdoc />
    public void ScoreItems(int user, Span<float> scores)
    {
        CheckUser(user);
        CheckScores(scores);
        ScoreUser(user, scores);
    }

    /// <inheritdoc />
    public void ScoreItems(FoldedUser user, Span<float> scores)
    {
        CheckFolded(user);
        CheckScores(scores);
        ScoreFolded(user, scores);
    }

    /// <summary>The ranking score of one item for a known user, by external ids.</summary>
    /// <exception cref="KeyNotFoundException">The user or the item is unknown.</exception>
    public float ScoreOf(string user, string item)
    {
        var u = UserIds.GetIndex(user);
        var i = ItemIds.GetIndex(item);
        var buffer = ArrayPool<float>.Shared.Rent(ItemIds.Count);
        try
        {
            var scores = buffer.AsSpan(0, ItemIds.Count);
            ScoreUser(u, scores);
            return scores[i];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<ScoredItem> Recommend(string user, int count, RecommendFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var u = UserIds.GetIndex(user);
        var mask = ResolveMask(filter);
        var buffer = ArrayPool<float>.Shared.Rent(ItemIds.Count);
        try
        {
            var scores = buffer.AsSpan(0, ItemIds.Count);
            ScoreUser(u, scores);
            return Select(scores, (filter ?? RecommendFilter.Default).ExcludeSeen ? SeenItems(u) : [], mask, count, -1);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Top-N for a known user within one domain (training items excluded).</summary>
    /// <exception cref="KeyNotFoundException">The user or the domain is unknown.</exception>
    public IReadOnlyList<ScoredItem> Recommend(string user, int count, string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Recommend(user, count, RecommendFilter.ForDomain(domain));
    }

    /// <inheritdoc />
    public IReadOnlyList<ScoredItem> Recommend(FoldedUser user, int count, RecommendFilter? filter = null)
    {
        CheckFolded(user);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var mask = ResolveMask(filter);
        var buffer = ArrayPool<float>.Shared.Rent(ItemIds.Count);
        try
        {
            var scores = buffer.AsSpan(0, ItemIds.Count);
            ScoreFolded(user, scores);
            return Select(scores, (filter ?? RecommendFilter.Default).ExcludeSeen ? user.SeenItems : [], mask, count, -1);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Top-N for a folded-in user within one domain.</summary>
    public IReadOnlyList<ScoredItem> Recommend(FoldedUser user, int count, string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Recommend(user, count, RecommendFilter.ForDomain(domain));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Every id is resolved before any work starts (an unknown one raises <see cref="KeyNotFoundException"/>
    /// naming it). Each worker thread owns its buffers for the whole batch, so besides them the only
    /// allocations are the result lists. Latent-factor models (biased MF, implicit ALS, BPR) serve batches of
    /// 2 users or more a block of 64 users at a time, in one pass over the item factors per block, with the
    /// scores and lists of <see cref="Recommend(string, int, RecommendFilter?)"/> bit for bit.
    /// </remarks>
    public IReadOnlyList<ScoredItem>[] RecommendMany(IReadOnlyList<string> users, int count, RecommendFilter? filter = null, int threads = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        Check.Range(threads, 0, ThreadCount.Max, nameof(threads));
        var index = new int[users.Count];
        for (var n = 0; n < users.Count; n++)
        {
            index[n] = UserIds.GetIndex(users[n] ?? throw new ArgumentException($"User {n} of the batch is null.", nameof(users)));
        }

        var mask = ResolveMask(filter);
        var excludeSeen = (filter ?? RecommendFilter.Default).ExcludeSeen;
        var results = new IReadOnlyList<ScoredItem>[users.Count];
        var workers = Internal.ThreadCount.Effective(threads);
        if (users.Count >= MinBlockUsers && ItemIds.Count > 0 && Math.Min(count, ItemIds.Count) <= MaxBlockList && BlockScoring is { } scoring)
        {
            RecommendBlocked(scoring, index, results, mask, excludeSeen, Math.Min(count, ItemIds.Count), workers, cancellationToken);
            return results;
        }

        Parallel.For(
            0,
            users.Count,
            new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken },
            () => new float[ItemIds.Count],
            (n, _, scores) =>
            {
                var u = index[n];
                ScoreUser(u, scores);
                results[n] = Select(scores, excludeSeen ? SeenItems(u) : [], mask, count, -1);
                return scores;
            },
            _ => { });
        return results;
    }

    /// <summary>
    /// Smallest batch that takes the blocked path. Measured on the 10⁶-item × 128-factor catalogue, one thread
    /// (load 8): 7 users on the per-user path 527 ms, 8 users blocked 118 ms; a block of two costs about what
    /// a block of sixteen does (the 256-bit kernel computes 16 lanes), so two users already beat two passes.
    /// </summary>
    private const int MinBlockUsers = 2;

    /// <summary>Longest list the blocked path serves: each worker holds 2 × this many candidates per user of a block (8 MiB at 64 users).</summary>
    private const int MaxBlockList = 8192;

    /// <summary>Fewest items a worker's share of the catalogue may have when a small batch is split across workers.</summary>
    private const int MinSplitItems = 4096;

    /// <summary>
    /// Exact top-N for a batch on a factor model (see <see cref="ServingKernel"/>): blocks of
    /// <see cref="ServingKernel.BlockUsers"/> users, each scoring the catalogue in one pass with a running
    /// top-N per user. When there are fewer blocks than workers, the catalogue is also split into ranges
    /// (at least <see cref="MinSplitItems"/> items each) so every worker has work, and each user's per-range
    /// lists are merged. The scores are those of the per-user path, bit for bit, and so is the selection
    /// (ties: smaller index), because the candidates are kept and sorted by one total order (higher score, then
    /// smaller index: <see cref="ServingKernel.Key"/>, the order of <see cref="TopK"/>) whatever order they
    /// come in. Each worker allocates one set of buffers per call (Pᵀ and 2N candidate keys for each of the 64
    /// users: 160 KiB at k = 128, N = 128; one set per work unit when the catalogue is split); besides them the
    /// only allocations are the result lists. Lists longer than <see cref="MaxBlockList"/> take the per-user path.
    /// </summary>
    private void RecommendBlocked(FactorScoring scoring, int[] index, IReadOnlyList<ScoredItem>[] results, bool[]? mask, bool excludeSeen, int n, int workers, CancellationToken cancellationToken)
    {
        const int size = ServingKernel.BlockUsers;
        var blocks = (index.Length + size - 1) / size;
        var items = ItemIds.Count;
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
            list.Add(new ScoredItem(ItemIds[item], item, ServingKernel.ScoreOf(key)));
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
            for (var u = 0; u < UserIds.Count && ReferenceEquals(sorted, _seenItems); u++)
            {
                for (var i = _seenOffsets[u] + 1; i < _seenOffsets[u + 1]; i++)
                {
                    if (_seenItems[i] < _seenItems[i - 1])
                    {
                        sorted = (int[])_seenItems.Clone();
                        for (var v = 0; v < UserIds.Count; v++)
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

    /// <inheritdoc />
    public IReadOnlyList<ScoredItem> SimilarItems(string item, int count, RecommendFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var i = ItemIds.GetIndex(item);
        var mask = ResolveMask(filter);
        var buffer = ArrayPool<float>.Shared.Rent(ItemIds.Count);
        try
        {
            var scores = buffer.AsSpan(0, ItemIds.Count);
            ItemSimilarities(i, scores);
            return Select(scores, [], mask, count, i);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Items most similar to an item within one domain.</summary>
    public IReadOnlyList<ScoredItem> SimilarItems(string item, int count, string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return SimilarItems(item, count, RecommendFilter.ForDomain(domain));
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The model cannot explain its scores (<see cref="CanExplain"/> is false); the message names the algorithm.</exception>
    /// <exception cref="KeyNotFoundException">The user or the item is unknown.</exception>
    public Explanation Explain(string user, string item, int count = 10)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(item);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        if (!CanExplain)
        {
            throw new NotSupportedException($"The {Algorithm} model cannot explain its scores; implicit ALS, item-kNN and EASE models can.");
        }

        var u = UserIds.GetIndex(user);
        var i = ItemIds.GetIndex(item);
        var items = SeenItems(u);
        var contributions = new float[items.Length];
        var score = ExplainCore(u, i, contributions);
        var order = new int[items.Length];
        for (var k = 0; k < order.Length; k++)
        {
            order[k] = k;
        }

        var c = contributions;
        Array.Sort(order, (a, b) =>
        {
            var byValue = c[b].CompareTo(c[a]);
            return byValue != 0 ? byValue : a.CompareTo(b);
        });
        var list = new List<ItemContribution>(Math.Min(count, order.Length));
        for (var k = 0; k < order.Length && k < count; k++)
        {
            var j = items[order[k]];
            list.Add(new ItemContribution(ItemIds[j], j, c[order[k]]));
        }

        return new Explanation(user, item, score, list);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Repeated items are summed. Every item must be known to the model and every value finite (and valid
    /// for the algorithm: implicit models refuse negative values); the first bad pair is named.
    /// </remarks>
    /// <exception cref="ArgumentException">No interactions, or a value is not valid.</exception>
    /// <exception cref="KeyNotFoundException">An item is unknown to the model.</exception>
    /// <exception cref="InvalidOperationException">The algorithm's fold-in solve failed numerically (implicit ALS whose factors are too extreme for float arithmetic).</exception>
    public FoldedUser FoldIn(IEnumerable<KeyValuePair<string, float>> interactions)
    {
        var (items, values) = ResolveFoldIn(interactions);
        return FoldInCore(items, values);
    }

    /// <inheritdoc />
    public void Save(string path)
    {
        var file = new ModelFileWriter(FileKind);
        WriteCommon(file);
        WriteModel(file);
        file.WriteAtomically(path);
    }

    /// <inheritdoc />
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var file = new ModelFileWriter(FileKind);
        WriteCommon(file);
        WriteModel(file);
        file.WriteTo(stream);
    }

    /// <summary>
    /// Saves the model signed with an application key (HMAC-SHA256), atomically; load it with
    /// <see cref="Recommender.Load(string, ModelSigningKey)"/> to accept only files signed with that key.
    /// </summary>
    public void Save(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var file = new ModelFileWriter(FileKind);
        WriteCommon(file);
        WriteModel(file);
        file.WriteAtomically(path, key);
    }

    /// <summary>Writes the model signed with an application key to a stream (see <see cref="Save(string, ModelSigningKey)"/>).</summary>
    public void Save(Stream stream, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        var file = new ModelFileWriter(FileKind);
        WriteCommon(file);
        WriteModel(file);
        file.WriteTo(stream, key);
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}({UserIds.Count} users, {ItemIds.Count} items)";

    /// <summary>The file kind tag of this model type.</summary>
    internal abstract string FileKind { get; }

    /// <summary>Format version of this model type's own sections (checked on load).</summary>
    internal abstract int ModelFormatVersion { get; }

    internal int[] SeenOffsetsArray => _seenOffsets;

    internal int[] SeenItemsArray => _seenItems;

    internal float[] SeenValuesArray => _seenValues;

    internal int[]? ItemDomainsArray => _itemDomains;

    /// <summary>Scores every item for a known user (index already checked).</summary>
    internal abstract void ScoreUser(int user, Span<float> scores);

    /// <summary>
    /// The factor arrays a latent-factor model ranks with, for the blocked batch path of
    /// <see cref="RecommendMany"/> (<see cref="ServingKernel"/>), whose scores must be those of
    /// <see cref="ScoreUser"/> bit for bit; null when the algorithm is not a plain factor model.
    /// </summary>
    internal virtual FactorScoring? BlockScoring => null;

    /// <summary>Scores every item for a folded user (already checked to belong to this model).</summary>
    internal abstract void ScoreFolded(FoldedUser user, Span<float> scores);

    /// <summary>Similarity of every item to <paramref name="item"/> (the item itself is removed by the caller).</summary>
    internal abstract void ItemSimilarities(int item, Span<float> scores);

    /// <summary>Folds in a user from distinct, sorted, known items and their summed, validated values.</summary>
    internal abstract FoldedUser FoldInCore(int[] items, float[] values);

    /// <summary>Writes each training item's share of the score of <paramref name="item"/> into <paramref name="contributions"/> (aligned with <see cref="SeenItems"/>); returns the score.</summary>
    internal virtual float ExplainCore(int user, int item, Span<float> contributions) => throw new NotSupportedException();

    /// <summary>Refuses a fold-in value the algorithm cannot use; the default accepts any finite value.</summary>
    internal virtual string? CheckFoldInValue(float value) => null;

    /// <summary>Writes the algorithm's own sections.</summary>
    internal abstract void WriteModel(ModelFileWriter file);

    /// <summary>Ids, seen items, domains, training info and the model format version: the sections every recommender file has.</summary>
    internal void WriteCommon(ModelFileWriter file)
    {
        file.Add("KVER", new PayloadWriter().Int32(ModelFormatVersion));
        file.Add("UIDS", new PayloadWriter().Strings(UserIds.AsSpan().ToArray()));
        file.Add("IIDS", new PayloadWriter().Strings(ItemIds.AsSpan().ToArray()));
        file.Add("SEEN", new PayloadWriter().Int32s(_seenOffsets).Int32s(_seenItems));
        file.Add("SVAL", new PayloadWriter().Singles(_seenValues));
        if (Domains is not null)
        {
            file.Add("DOMS", new PayloadWriter().Strings(Domains.AsSpan().ToArray()).Int32s(_itemDomains));
        }

        if (Training is { } t)
        {
            file.Add("TINF", new PayloadWriter().String(t.Algorithm).String(t.Device).Int32(t.Iterations).Double(t.Seconds).String(t.Note).Parameters(t.Parameters));
        }
    }

    /// <summary>The common sections of a recommender file, validated.</summary>
    internal readonly record struct CommonSections(IdMap UserIds, IdMap ItemIds, int[] SeenOffsets, int[] SeenItems, float[] SeenValues, IdMap? Domains, int[]? ItemDomains, RecommenderTrainingInfo? Training);

    /// <summary>Reads and validates the sections <see cref="WriteCommon"/> wrote.</summary>
    internal static CommonSections ReadCommon(ModelFileReader file, int supportedVersion)
    {
        var kver = file.Section("KVER");
        var version = kver.Int32();
        kver.End();
        if (version < 1 || version > supportedVersion)
        {
            throw kver.Fail($"model format version {version}; this CrossRec version reads {file.Kind} models up to version {supportedVersion}");
        }

        var users = file.Section("UIDS");
        var userIds = CreateIds("user", users.Strings(), users);
        users.End();
        var itemsSection = file.Section("IIDS");
        var itemIds = CreateIds("item", itemsSection.Strings(), itemsSection);
        itemsSection.End();
        var (offsets, seenItems) = ReadSeen(file, userIds.Count, itemIds.Count);
        var sval = file.Section("SVAL");
        var seenValues = sval.Singles(seenItems.Length);
        sval.End();
        foreach (var v in seenValues)
        {
            if (!float.IsFinite(v))
            {
                throw sval.Fail("a training value is not finite");
            }
        }

        var (domains, itemDomains) = ReadDomains(file, itemIds.Count);
        RecommenderTrainingInfo? training = null;
        if (file.Has("TINF"))
        {
            var t = file.Section("TINF");
            var algorithm = t.RequiredString();
            var device = t.RequiredString();
            var iterations = t.Int32();
            var seconds = t.Double();
            var note = t.String();
            if (iterations < 0)
            {
                throw t.Fail($"{iterations} iterations");
            }

            var parameters = t.Parameters();
            t.End();
            training = new RecommenderTrainingInfo(algorithm, device, parameters, iterations, seconds, [], note);
        }

        return new CommonSections(userIds, itemIds, offsets, seenItems, seenValues, domains, itemDomains, training);
    }

    /// <summary>Reads and validates the SEEN section (CSR offsets that never decrease, item indices in range).</summary>
    internal static (int[] Offsets, int[] Items) ReadSeen(ModelFileReader file, int userCount, int itemCount)
    {
        var seen = file.Section("SEEN");
        var offsets = seen.Int32s(userCount + 1);
        var seenItems = seen.Int32s();
        seen.End();
        if (offsets[0] != 0 || offsets[^1] != seenItems.Length)
        {
            throw seen.Fail("offsets do not span the item list");
        }

        for (var u = 0; u < userCount; u++)
        {
            if (offsets[u + 1] < offsets[u])
            {
                throw seen.Fail($"offsets decrease at user {u}");
            }
        }

        foreach (var i in seenItems)
        {
            if ((uint)i >= (uint)itemCount)
            {
                throw seen.Fail($"item index {i} outside 0..{itemCount - 1}");
            }
        }

        return (offsets, seenItems);
    }

    /// <summary>Reads and validates the optional DOMS section.</summary>
    internal static (IdMap? Domains, int[]? ItemDomains) ReadDomains(ModelFileReader file, int itemCount)
    {
        if (!file.Has("DOMS"))
        {
            return (null, null);
        }

        var doms = file.Section("DOMS");
        var domains = CreateIds("domain", doms.Strings(), doms);
        var itemDomains = doms.Int32s(itemCount);
        doms.End();
        foreach (var d in itemDomains)
        {
            if (d < -1 || d >= domains.Count)
            {
                throw doms.Fail($"domain index {d} outside -1..{domains.Count - 1}");
            }
        }

        return (domains, itemDomains);
    }

    /// <summary>An id map from a file, refusing duplicate or empty ids by name.</summary>
    internal static IdMap CreateIds(string kind, string[] ids, PayloadReader section)
    {
        try
        {
            return IdMap.Create(kind, ids);
        }
        catch (ArgumentException e)
        {
            throw section.Fail(e.Message);
        }
    }

    /// <summary>Checks that every value of a parameter array is finite.</summary>
    internal static void CheckFinite(ReadOnlySpan<float> values, PayloadReader section, string what)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                throw section.Fail($"{what} contain a non-finite value");
            }
        }
    }

    /// <summary>The common sections of a model trained on <paramref name="train"/>.</summary>
    internal static CommonSections CommonFrom(InteractionSet train, RecommenderTrainingInfo? training)
    {
        var (offsets, items, values) = SeenFrom(train);
        return new CommonSections(train.UserIds, train.ItemIds, offsets, items, values, train.Domains, train.HasDomains ? train.ItemDomains.ToArray() : null, training);
    }

    /// <summary>Seen items (CSR, sorted, distinct) and their summed values, from training data.</summary>
    internal static (int[] Offsets, int[] Items, float[] Values) SeenFrom(InteractionSet train)
    {
        var m = train.ToMatrix();
        return (m.UserOffsetsArray, m.UserItemsArray, m.UserValuesArray);
    }

    /// <summary>Formats a hyperparameter for <see cref="RecommenderTrainingInfo.Parameters"/>.</summary>
    internal static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    /// <summary>Checks a dense user index.</summary>
    internal void CheckUser(int user)
    {
        if ((uint)user >= (uint)UserIds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"User index must be in 0..{UserIds.Count - 1}.");
        }
    }

    /// <summary>Checks a dense item index.</summary>
    internal void CheckItem(int item)
    {
        if ((uint)item >= (uint)ItemIds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, $"Item index must be in 0..{ItemIds.Count - 1}.");
        }
    }

    /// <summary>Resolves fold-in pairs: known items, finite and valid values, duplicates summed, sorted by item.</summary>
    internal (int[] Items, float[] Values) ResolveFoldIn(IEnumerable<KeyValuePair<string, float>> interactions)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        var sums = new SortedDictionary<int, float>();
        foreach (var (item, value) in interactions)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(interactions));
            if (!float.IsFinite(value))
            {
                throw new ArgumentException($"The value of item '{item}' is {value}; values must be finite.", nameof(interactions));
            }

            if (CheckFoldInValue(value) is { } problem)
            {
                throw new ArgumentException($"The value of item '{item}' is {value}: {problem}", nameof(interactions));
            }

            var i = ItemIds.GetIndex(item);
            sums[i] = sums.TryGetValue(i, out var s) ? s + value : value;
        }

        if (sums.Count == 0)
        {
            throw new ArgumentException("Fold-in needs at least one interaction.", nameof(interactions));
        }

        return (sums.Keys.ToArray(), sums.Values.ToArray());
    }

    private void CheckFolded(FoldedUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!ReferenceEquals(user.Owner, this) && (user.Algorithm != Algorithm || user.ItemCount != ItemIds.Count))
        {
            throw new ArgumentException($"This user was folded into a {user.Algorithm} model with {user.ItemCount} items; this is a {Algorithm} model with {ItemIds.Count} items.", nameof(user));
        }
    }

    private void CheckScores(Span<float> scores)
    {
        if (scores.Length != ItemIds.Count)
        {
            throw new ArgumentException($"The score buffer has {scores.Length} entries; the model has {ItemIds.Count} items.", nameof(scores));
        }
    }

    /// <summary>The allowed-item mask of a filter (null: every item allowed).</summary>
    private bool[]? ResolveMask(RecommendFilter? filter)
    {
        if (filter is null || !filter.NeedsMask)
        {
            return null;
        }

        var d = -1;
        if (filter.Domain is { } domain)
        {
            d = (Domains ?? throw new KeyNotFoundException($"Unknown domain '{domain}': this model was trained on data without domains.")).GetIndex(domain);
        }

        return filter.AllowedItems(ItemIds, _itemDomains, d);
    }

    /// <summary>The best <paramref name="count"/> allowed items, best first (ties: smaller index first).</summary>
    private List<ScoredItem> Select(Span<float> scores, ReadOnlySpan<int> exclude, bool[]? mask, int count, int excludeItem)
    {
        foreach (var j in exclude)
        {
            scores[j] = float.NaN; // TopK skips NaN
        }

        if (excludeItem >= 0)
        {
            scores[excludeItem] = float.NaN;
        }

        if (mask is not null)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (!mask[j])
                {
                    scores[j] = float.NaN;
                }
            }
        }

        var n = Math.Min(count, ItemIds.Count);
        Span<int> idx = n <= 256 ? stackalloc int[n] : new int[n];
        Span<float> sc = n <= 256 ? stackalloc float[n] : new float[n];
        var top = new TopK(idx, sc);
        for (var j = 0; j < scores.Length; j++)
        {
            top.Offer(j, scores[j]);
        }

        var kept = top.SortDescending();
        var result = new List<ScoredItem>(kept);
        for (var r = 0; r < kept; r++)
        {
            result.Add(new ScoredItem(ItemIds[idx[r]], idx[r], sc[r]));
        }

        return result;
    }
}
