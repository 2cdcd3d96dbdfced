namespace CrossRec.Transfer;

/// <summary>
/// A trained cross-domain recommender: recommends items of one target domain to any user the training
/// data knows — including users with no target history at all, who are represented by their other
/// domains' interactions — and to new users from a list of interactions. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Built by an <see cref="ICrossDomainBuilder"/>: <see cref="CrossDomain.Auto()"/> (the default, which
/// chooses the method by validation), <see cref="CrossDomain.Transfer(IRecommenderBuilder)"/> (any
/// recommender trained jointly on every domain), <see cref="CrossDomain.ItemKnn()"/> or
/// <see cref="CrossDomain.Emcdr(IRecommenderBuilder?)"/>. Only target-domain items are ever recommended;
/// the user's training items are left out by default.
/// </remarks>
public sealed partial class CrossDomainModel
{
    private readonly TransferScorer _scorer;
    private readonly int[] _seenOffsets;
    private readonly int[] _seenItems;
    private readonly int[] _itemDomains;
    private readonly int[] _targetItems;
    private readonly int _target;
    private readonly TopNServer _serving;

    internal CrossDomainModel(string method, IReadOnlyDictionary<string, string> parameters, TransferScorer scorer, InteractionSet train, int target, double seconds, CrossDomainSelection? selection)
    {
        Method = method;
        Parameters = parameters;
        _scorer = scorer;
        var m = train.ToMatrix();
        _seenOffsets = m.UserOffsetsArray;
        _seenItems = m.UserItemsArray;
        _itemDomains = train.ItemDomainsArray!;
        _target = target;
        _targetItems = TargetItemsOf(_itemDomains, target);
        UserIds = train.UserIds;
        ItemIds = train.ItemIds;
        Domains = train.Domains!;
        TrainSeconds = seconds;
        Selection = selection;
        _serving = new TopNServer(scorer, ItemIds, _seenOffsets, _seenItems, _targetItems);
    }

    /// <summary>A model read from a file: every array already validated against the ids.</summary>
    private CrossDomainModel(string method, IReadOnlyDictionary<string, string> parameters, TransferScorer scorer, IdMap users, IdMap items, IdMap domains, int[] itemDomains, int[] seenOffsets, int[] seenItems, int target, double seconds)
    {
        Method = method;
        Parameters = parameters;
        _scorer = scorer;
        _seenOffsets = seenOffsets;
        _seenItems = seenItems;
        _itemDomains = itemDomains;
        _target = target;
        _targetItems = TargetItemsOf(itemDomains, target);
        UserIds = users;
        ItemIds = items;
        Domains = domains;
        TrainSeconds = seconds;
        _serving = new TopNServer(scorer, items, seenOffsets, seenItems, _targetItems);
    }

    /// <summary>The method, for example "joint-ials", "xd-itemknn", "emcdr-ials", with "+popularity(w)" when blended.</summary>
    public string Method { get; }

    /// <summary>The method's hyperparameters, by name (invariant-culture strings).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>The domain whose items are recommended.</summary>
    public string Target => Domains[_target];

    /// <summary>Users of the training data.</summary>
    public IdMap UserIds { get; }

    /// <summary>Items of the training data (every domain; only the target's are recommended).</summary>
    public IdMap ItemIds { get; }

    /// <summary>Domains of the training data.</summary>
    public IdMap Domains { get; }

    /// <summary>Items of the target domain, as dense indices, ascending.</summary>
    public ReadOnlySpan<int> TargetItems => _targetItems;

    /// <summary>Seconds the fit took (for <see cref="CrossDomain.Auto()"/>: validation and refit).</summary>
    public double TrainSeconds { get; }

    /// <summary>What <see cref="CrossDomain.Auto()"/> tried and chose; null for a method fitted directly, and after loading.</summary>
    public CrossDomainSelection? Selection { get; }

    /// <summary>The jointly trained recommender behind a <see cref="CrossDomain.Transfer(IRecommenderBuilder)"/> model; null for other methods.</summary>
    public RecommenderModel? JointModel => Unwrap(_scorer) is JointScorer j ? j.Model : null;

    /// <summary>Dense indices of a training user's items (all domains; sorted, distinct).</summary>
    public ReadOnlySpan<int> SeenItems(int user)
    {
        CheckUser(user);
        return _seenItems.AsSpan(_seenOffsets[user], _seenOffsets[user + 1] - _seenOffsets[user]);
    }

    /// <summary>
    /// Writes the score of every item for a training user into <paramref name="scores"/> (length
    /// <see cref="IdMap.Count"/> of <see cref="ItemIds"/>); items outside the target domain get NaN.
    /// Seen items are not masked.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The user index is out of range.</exception>
    /// <exception cref="ArgumentException">The buffer has the wrong length.</exception>
    public void ScoreItems(int user, Span<float> scores)
    {
        CheckUser(user);
        CheckScores(scores);
        ScoreCore(user, scores);
    }

    /// <summary>Top-N target items for a training user, best first; by default the user's training items are left out.</summary>
    /// <param name="user">External user id.</param>
    /// <param name="count">Items wanted (≥ 1).</param>
    /// <param name="filter">Allow/deny lists and a predicate; its <see cref="RecommendFilter.Domain"/> must be null or the target.</param>
    /// <exception cref="KeyNotFoundException">The user (or an item of the filter) is unknown.</exception>
    /// <exception cref="ArgumentException">The filter names another domain.</exception>
    public IReadOnlyList<ScoredItem> Recommend(string user, int count, RecommendFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var u = UserIds.GetIndex(user);
        using var resolved = ResolveFilter(filter);
        return _serving.Recommend(u, count, resolved);
    }

    /// <summary>
    /// Top-N target items for a user the model was not trained on, from their interactions (item id, value)
    /// in any domain — typically only source-domain ones. The given items are left out by default.
    /// </summary>
    /// <exception cref="ArgumentException">No interactions, or a value is not finite or not valid for the method.</exception>
    /// <exception cref="KeyNotFoundException">An item is unknown.</exception>
    public IReadOnlyList<ScoredItem> Recommend(IEnumerable<KeyValuePair<string, float>> interactions, int count, RecommendFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var sums = new SortedDictionary<int, float>();
        foreach (var (item, value) in interactions)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(interactions));
            if (!float.IsFinite(value) || value < 0)
            {
                throw new ArgumentException($"The value of item '{item}' is {value}; values must be finite and not negative.", nameof(interactions));
            }

            var i = ItemIds.GetIndex(item);
            sums[i] = sums.TryGetValue(i, out var s) ? s + value : value;
        }

        if (sums.Count == 0)
        {
            throw new ArgumentException("A new user needs at least one interaction.", nameof(interactions));
        }

        var items = sums.Keys.ToArray();
        using var resolved = ResolveFilter(filter);
        return _serving.Recommend(
            (Scorer: _scorer, Items: items, Values: sums.Values.ToArray()),
            static (s, scores) => s.Scorer.ScoreNew(s.Items, s.Values, scores),
            resolved.ExcludeSeen ? items : [],
            -1,
            count,
            resolved);
    }

    /// <summary>Top-N target items for many training users, multi-threaded; one list per user, in input order.</summary>
    /// <exception cref="KeyNotFoundException">A user is unknown (named).</exception>
    public IReadOnlyList<IReadOnlyList<ScoredItem>> RecommendMany(IReadOnlyList<string> users, int count = 10, RecommendFilter? filter = null, int threads = 0, CancellationToken cancellationToken = default)
    {
        var index = TopNServer.BatchUsers(UserIds, users, count, threads);
        using var resolved = ResolveFilter(filter);
        return _serving.RecommendMany(index, count, resolved, threads, cancellationToken);
    }

    /// <inheritdoc />
    public override string ToString() => $"CrossDomainModel({Method} → {Target}: {UserIds.Count} users, {_targetItems.Length} target items)";

    internal TransferScorer Scorer => _scorer;

    internal int TargetIndex => _target;

    internal void ScoreCore(int user, Span<float> scores)
    {
        _scorer.Score(user, scores);
        MaskOtherDomains(scores);
    }

    internal static int[] TargetItemsOf(int[] itemDomains, int target)
    {
        var list = new List<int>();
        for (var j = 0; j < itemDomains.Length; j++)
        {
            if (itemDomains[j] == target)
            {
                list.Add(j);
            }
        }

        return [.. list];
    }

    private static TransferScorer Unwrap(TransferScorer s) => s is PopularityBlendScorer b ? b.Inner : s;

    private void MaskOtherDomains(Span<float> scores)
    {
        for (var j = 0; j < scores.Length; j++)
        {
            if (_itemDomains[j] != _target)
            {
                scores[j] = float.NaN;
            }
        }
    }

    private void CheckUser(int user)
    {
        if ((uint)user >= (uint)UserIds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"User index must be in 0..{UserIds.Count - 1}.");
        }
    }

    private void CheckScores(Span<float> scores)
    {
        if (scores.Length != ItemIds.Count)
        {
            throw new ArgumentException($"The score buffer has {scores.Length} entries; the model has {ItemIds.Count} items.", nameof(scores));
        }
    }

    /// <summary>A filter resolved for one request: its domain, if any, must be the target.</summary>
    private ServingFilter ResolveFilter(RecommendFilter? filter)
    {
        if (filter?.Domain is { } d && d != Target)
        {
            throw new ArgumentException($"This cross-domain model recommends '{Target}' items; the filter asks for domain '{d}'.", nameof(filter));
        }

        return _serving.Resolve(filter, _itemDomains, _target);
    }
}
