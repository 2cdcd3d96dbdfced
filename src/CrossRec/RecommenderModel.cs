using System.Buffers;
using System.Globalization;
using CrossRec.Serving.Approximate;

namespace CrossRec;

/// <summary>
/// The shared half of every CrossRec recommender: id maps, the items each training user has (with
/// their summed values), item domains, fold-in validation and explanations; top-N lists come from the one
/// serving path (<see cref="TopNServer"/>) and the file format from <c>RecommenderModel.Persistence.cs</c>.
/// An algorithm supplies only how it scores items for a known or a folded user, how it scores item
/// similarity, how it folds a user in, and its own sections of the model file.
/// </summary>
/// <remarks>
/// Immutable after construction and safe to share across threads: every call owns its buffers (rented
/// or per-thread), so concurrent <c>Recommend</c> calls never contend.
/// </remarks>
public abstract partial class RecommenderModel : IRecommender, IItemScorer
{
    private readonly int[] _seenOffsets;
    private readonly int[] _seenItems;
    private readonly float[] _seenValues;
    private readonly int[]? _itemDomains;
    private readonly TopNServer _serving;

    // Set only on the copy WithApproximateServing makes, before it is returned (or on a model being loaded).
    private ApproximateServer? _approximate;

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
        _serving = new TopNServer(this, itemIds, seenOffsets, seenItems);
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

    /// <summary>
    /// The options of the approximate index this model serves known and folded-in users' lists from (see
    /// <see cref="ApproximateServing.WithApproximateServing{TModel}"/>); null when every list is exact.
    /// </summary>
    public ApproximateServingOptions? ApproximateOptions => _approximate?.Index.Options;

    /// <summary>
    /// How the approximate index chose its efSearch when <see cref="ApproximateServingOptions.EfSearch"/> was left null:
    /// the value, the recall@10 it measured on the model's own users and whether that reached the target; null when the
    /// model serves exactly or the options set efSearch.
    /// </summary>
    public ApproximateServingCalibration? ApproximateCalibration => _approximate?.Index.Calibration;

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
    public IReadOnlyList<ScoredItem> Recommend(string user, int count = 10, RecommendFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var u = UserIds.GetIndex(user);
        using var resolved = ResolveFilter(filter);
        if (_approximate is { } approximate)
        {
            return approximate.Recommend(u, count, resolved, SeenItems(u), approximate.Allowed(resolved.Mask));
        }

        return _serving.Recommend(u, count, resolved);
    }

    /// <summary>Top-N for a known user within one domain (training items excluded).</summary>
    /// <exception cref="KeyNotFoundException">The user or the domain is unknown.</exception>
    public IReadOnlyList<ScoredItem> Recommend(string user, int count, string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Recommend(user, count, RecommendFilter.ForDomain(domain));
    }

    /// <inheritdoc />
    public IReadOnlyList<ScoredItem> Recommend(FoldedUser user, int count = 10, RecommendFilter? filter = null)
    {
        CheckFolded(user);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        using var resolved = ResolveFilter(filter);
        if (_approximate is { } approximate && BlockScoring is { } scoring)
        {
            if (user.Factors.Length != scoring.Factors)
            {
                throw new ArgumentException($"The folded user has {user.Factors.Length} factors; this model has {scoring.Factors}.", nameof(user));
            }

            return approximate.Recommend(user.Factors, scoring.UserBias is null ? null : scoring.GlobalMean + user.Bias, resolved.ExcludeSeen ? user.SeenItems : [], count, resolved.Mask, approximate.Allowed(resolved.Mask));
        }

        return _serving.Recommend((Model: this, User: user), static (s, scores) => s.Model.ScoreFolded(s.User, scores), resolved.ExcludeSeen ? user.SeenItems : [], -1, count, resolved);
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
    public IReadOnlyList<IReadOnlyList<ScoredItem>> RecommendMany(IReadOnlyList<string> users, int count = 10, RecommendFilter? filter = null, int threads = 0, CancellationToken cancellationToken = default)
    {
        var index = TopNServer.BatchUsers(UserIds, users, count, threads);
        using var resolved = ResolveFilter(filter);
        if (_approximate is { } approximate)
        {
            var results = new IReadOnlyList<ScoredItem>[index.Length];
            var mask = resolved.Mask;
            var excludeSeen = resolved.ExcludeSeen;
            var allowed = approximate.Allowed(mask);
            Parallel.For(
                0,
                index.Length,
                new ParallelOptions { MaxDegreeOfParallelism = ThreadCount.Effective(threads), CancellationToken = cancellationToken },
                b => results[b] = approximate.Recommend(index[b], count, new ServingFilter(excludeSeen, mask), SeenItems(index[b]), allowed));
            return results;
        }

        return _serving.RecommendMany(index, count, resolved, threads, cancellationToken);
    }

    /// <inheritdoc />
    public IReadOnlyList<ScoredItem> SimilarItems(string item, int count, RecommendFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var i = ItemIds.GetIndex(item);
        using var resolved = ResolveFilter(filter);
        return _serving.Recommend((Model: this, Item: i), static (s, scores) => s.Model.ItemSimilarities(s.Item, scores), [], i, count, resolved);
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
    /// Repeated items are summed (a rating model, whose values are ratings, refuses them instead). Every item must be known to the model and every value finite (and valid
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
    public override string ToString() => $"{GetType().Name}({UserIds.Count} users, {ItemIds.Count} items)";

    internal int[] SeenOffsetsArray => _seenOffsets;

    /// <summary>The approximate server, or null (exact serving).</summary>
    internal ApproximateServer? Approximate => _approximate;

    /// <summary>
    /// A copy of this model that serves from <paramref name="index"/> (null: exactly): the same arrays and caches
    /// (a shallow copy), so it scores as this model does.
    /// </summary>
    internal RecommenderModel WithIndex(MipsIndex? index)
    {
        var copy = (RecommenderModel)MemberwiseClone();
        copy._approximate = index is null ? null : new ApproximateServer(index, BlockScoring ?? throw new NotSupportedException($"The {Algorithm} model has no item vectors to index."), ItemIds);
        return copy;
    }

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

    /// <summary>
    /// True when repeated fold-in items are summed (interaction counts); false for rating models, where a sum of
    /// two ratings is no rating: a repeated item is then refused, naming it.
    /// </summary>
    internal virtual bool FoldInSumsRepeats => true;

    /// <summary>The message for an item given twice to a rating model's fold-in.</summary>
    internal static string RepeatedFoldInRating(string item, float first, float second) =>
        $"Item '{item}' is rated twice ({first.ToString(CultureInfo.InvariantCulture)} and {second.ToString(CultureInfo.InvariantCulture)}); a rating model takes one rating per item. Pass each item once (the latest rating, or their mean).";

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
            if (sums.TryGetValue(i, out var s) && !FoldInSumsRepeats)
            {
                throw new ArgumentException(RepeatedFoldInRating(item, s, value), nameof(interactions));
            }

            sums[i] = sums.TryGetValue(i, out s) ? s + value : value;
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

    /// <summary>A filter resolved for one request (its domain name checked against <see cref="Domains"/>).</summary>
    private ServingFilter ResolveFilter(RecommendFilter? filter)
    {
        var d = -1;
        if (filter?.Domain is { } domain)
        {
            d = (Domains ?? throw new KeyNotFoundException($"Unknown domain '{domain}': this model was trained on data without domains.")).GetIndex(domain);
        }

        return _serving.Resolve(filter, _itemDomains, d);
    }

    void IItemScorer.ScoreUser(int user, Span<float> scores) => ScoreUser(user, scores);

    FactorScoring? IItemScorer.BlockScoring => BlockScoring;
}
