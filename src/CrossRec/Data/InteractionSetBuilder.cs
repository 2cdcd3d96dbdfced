namespace CrossRec.Data;

/// <summary>
/// Collects interactions in memory and freezes them into an immutable <see cref="InteractionSet"/>.
/// Not thread-safe; build once, then share the set.
/// </summary>
/// <example>
/// <code>
/// var builder = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
/// builder.Add("alice", "matrix", 5f);
/// builder.Add("bob", "matrix", 3f);
/// InteractionSet data = builder.Build();
/// </code>
/// </example>
public sealed class InteractionSetBuilder
{
    private readonly IdMap.Builder _users;
    private readonly IdMap.Builder _items;
    private readonly IdMap.Builder _domains;
    private readonly List<int> _itemDomain = new();
    private int[] _u = new int[1024];
    private int[] _i = new int[1024];
    private float[] _v = new float[1024];
    private long[]? _t;
    private int _count;
    private bool? _withTimestamps;
    private bool _built;
    private RatingScale? _declaredScale;
    private DuplicatePolicy _duplicates = DuplicatePolicy.KeepAll;
    private bool _deduplicated;

    /// <summary>Creates an empty builder.</summary>
    public InteractionSetBuilder()
    {
        _users = new IdMap.Builder("user");
        _items = new IdMap.Builder("item");
        _domains = new IdMap.Builder("domain");
    }

    /// <summary>
    /// Creates a builder that continues existing id maps: known ids keep their indices and new ids are
    /// appended, so a set loaded this way (a test file, say) lines up with the set the maps came from.
    /// </summary>
    public InteractionSetBuilder(InteractionSet idsFrom)
    {
        ArgumentNullException.ThrowIfNull(idsFrom);
        _users = idsFrom.UserIds.ToBuilder();
        _items = idsFrom.ItemIds.ToBuilder();
        _domains = idsFrom.Domains?.ToBuilder() ?? new IdMap.Builder("domain");
        if (idsFrom.HasDomains)
        {
            _itemDomain.AddRange(idsFrom.ItemDomains);
        }

        _declaredScale = idsFrom.Scale;
    }

    /// <summary>Number of interactions added so far.</summary>
    public int Count => _count;

    /// <summary>Declares the rating scale; every value added must lie in it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The scale is empty or not finite.</exception>
    /// <exception cref="ArgumentException">A value already added lies outside the scale.</exception>
    public InteractionSetBuilder WithScale(RatingScale scale)
    {
        scale.Validate(nameof(scale));
        for (var r = 0; r < _count; r++)
        {
            if (!scale.Contains(_v[r]))
            {
                throw new ArgumentException($"Value {_v[r]} (row {r}) lies outside the declared scale {scale}.", nameof(scale));
            }
        }

        _declaredScale = scale;
        return this;
    }

    /// <summary>
    /// Sets what <see cref="Build"/> does with repeated (user, item) pairs. Without this call every row is
    /// kept (<see cref="DuplicatePolicy.KeepAll"/>); the file loaders refuse repeats unless
    /// <see cref="LoadOptions.Duplicates"/> says otherwise.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The policy is not defined.</exception>
    public InteractionSetBuilder WithDuplicates(DuplicatePolicy policy)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "DuplicatePolicy must be Refuse, Sum, Last, Max or KeepAll.");
        }

        ThrowIfBuilt();
        _duplicates = policy;
        return this;
    }

    /// <summary>Rows merged into an earlier row (or, under <see cref="DuplicatePolicy.Refuse"/> in a lenient loader, dropped) by the duplicates policy.</summary>
    internal int DuplicateRows { get; private set; }

    /// <summary>The duplicates policy in force.</summary>
    internal DuplicatePolicy Duplicates => _duplicates;

    /// <summary>
    /// Applies the duplicates policy once, before <see cref="Build"/>. Under <see cref="DuplicatePolicy.Refuse"/>
    /// the repeats are removed (the first occurrence stays) and up to <paramref name="maxFound"/> (first row,
    /// repeated row) pairs, in order of the repeated row, are added to <paramref name="found"/>; the caller
    /// decides whether that is an error. Returns the number of rows removed.
    /// </summary>
    internal int Deduplicate(List<DuplicateRow>? found, int maxFound)
    {
        if (_deduplicated)
        {
            return DuplicateRows;
        }

        _deduplicated = true;
        if (_duplicates == DuplicatePolicy.KeepAll || _count < 2)
        {
            return 0;
        }

        // Rows grouped by user in file order (a stable counting sort), then each user's items checked
        // against a stamp array: linear time, no sort of the whole set.
        var userCount = _users.Count;
        var itemCount = _items.Count;
        var start = new int[userCount + 1];
        for (var r = 0; r < _count; r++)
        {
            start[_u[r] + 1]++;
        }

        for (var u = 0; u < userCount; u++)
        {
            start[u + 1] += start[u];
        }

        var order = new int[_count];
        var fill = start.AsSpan(0, userCount).ToArray();
        for (var r = 0; r < _count; r++)
        {
            order[fill[_u[r]]++] = r;
        }

        var stamp = new int[itemCount];
        Array.Fill(stamp, -1);
        var firstRow = new int[itemCount];
        var removed = new bool[_count];
        var removedCount = 0;
        var pairs = new List<DuplicateRow>();
        for (var u = 0; u < userCount; u++)
        {
            for (var k = start[u]; k < start[u + 1]; k++)
            {
                var r = order[k];
                var i = _i[r];
                if (stamp[i] != u)
                {
                    stamp[i] = u;
                    firstRow[i] = r;
                    continue;
                }

                var keep = firstRow[i];
                switch (_duplicates)
                {
                    case DuplicatePolicy.Sum:
                        _v[keep] += _v[r];
                        if (_t is not null)
                        {
                            _t[keep] = Math.Max(_t[keep], _t[r]);
                        }

                        if (!float.IsFinite(_v[keep]))
                        {
                            throw new ArgumentException($"Summing the repeated rows of user '{_users[u]}', item '{_items[i]}' gives {_v[keep]}, which is not finite.");
                        }

                        break;
                    case DuplicatePolicy.Last:
                        _v[keep] = _v[r];
                        if (_t is not null)
                        {
                            _t[keep] = _t[r];
                        }

                        break;
                    case DuplicatePolicy.Max:
                        if (_v[r] >= _v[keep])
                        {
                            _v[keep] = _v[r];
                            if (_t is not null)
                            {
                                _t[keep] = _t[r];
                            }
                        }

                        break;
                    default:
                        pairs.Add(new DuplicateRow(keep, r, _users[u], _items[i]));
                        break;
                }

                removed[r] = true;
                removedCount++;
            }
        }

        if (found is not null)
        {
            pairs.Sort((x, y) => x.Repeat.CompareTo(y.Repeat));
            found.AddRange(pairs.Take(maxFound));
        }

        if (removedCount == 0)
        {
            return 0;
        }

        var w = 0;
        for (var r = 0; r < _count; r++)
        {
            if (removed[r])
            {
                continue;
            }

            _u[w] = _u[r];
            _i[w] = _i[r];
            _v[w] = _v[r];
            if (_t is not null)
            {
                _t[w] = _t[r];
            }

            w++;
        }

        _count = w;
        DuplicateRows = removedCount;
        return removedCount;
    }

    /// <summary>A repeated (user, item) pair: the row of its first occurrence, the repeated row and the ids.</summary>
    internal readonly record struct DuplicateRow(int First, int Repeat, string User, string Item);

    /// <summary>Sets the domain of an item (adding the item and the domain if new).</summary>
    /// <exception cref="ArgumentException">The item already belongs to another domain.</exception>
    public InteractionSetBuilder SetItemDomain(string item, string domain)
    {
        ArgumentException.ThrowIfNullOrEmpty(item);
        ArgumentException.ThrowIfNullOrEmpty(domain);
        ThrowIfBuilt();
        AssignDomain(_items.GetOrAdd(item), domain, item);
        return this;
    }

    /// <summary>Adds one interaction.</summary>
    /// <param name="user">External user id (non-empty).</param>
    /// <param name="item">External item id (non-empty).</param>
    /// <param name="value">Rating or weight; must be finite and, when a scale is declared, inside it.</param>
    /// <param name="timestamp">Optional timestamp; either every row has one or none does.</param>
    /// <param name="domain">Optional domain of the item; an item keeps one domain.</param>
    /// <exception cref="ArgumentException">An id is empty, the value is NaN/∞ or outside the scale, timestamps are mixed, or the item's domain conflicts.</exception>
    public InteractionSetBuilder Add(string user, string item, float value, long? timestamp = null, string? domain = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(item);
        ThrowIfBuilt();
        CheckValue(value);
        var u = _users.GetOrAdd(user);
        var i = _items.GetOrAdd(item);
        if (domain is not null)
        {
            AssignDomain(i, domain, item);
        }

        AddDense(u, i, value, timestamp);
        return this;
    }

    /// <summary>Maps an external user id to its dense index, adding it if new (no allocation for known ids).</summary>
    internal int UserIndex(ReadOnlySpan<char> id) => _users.GetOrAdd(id);

    /// <summary>Maps an external item id to its dense index, adding it if new (no allocation for known ids).</summary>
    internal int ItemIndex(ReadOnlySpan<char> id) => _items.GetOrAdd(id);

    /// <summary>Looks up a domain index, adding it if new.</summary>
    internal int DomainIndex(ReadOnlySpan<char> name) => _domains.GetOrAdd(name);

    /// <summary>The declared scale, if any.</summary>
    internal RatingScale? DeclaredScale => _declaredScale;

    /// <summary>
    /// Assigns a domain index to an item. Returns false (and changes nothing) when the item already has
    /// another domain; loaders turn that into a positioned error.
    /// </summary>
    internal bool TryAssignDomain(int item, int domain)
    {
        while (_itemDomain.Count <= item)
        {
            _itemDomain.Add(-1);
        }

        var current = _itemDomain[item];
        if (current >= 0 && current != domain)
        {
            return false;
        }

        _itemDomain[item] = domain;
        return true;
    }

    /// <summary>Appends a row by dense indices; the caller has validated the value.</summary>
    internal void AddDense(int user, int item, float value, long? timestamp)
    {
        var hasTimestamp = timestamp.HasValue;
        if (_withTimestamps is null)
        {
            _withTimestamps = hasTimestamp;
            if (hasTimestamp)
            {
                _t = new long[_u.Length];
            }
        }
        else if (_withTimestamps != hasTimestamp)
        {
            throw new ArgumentException(
                $"Row {_count} {(hasTimestamp ? "has" : "lacks")} a timestamp but earlier rows {(hasTimestamp ? "lack" : "have")} one; either every row has a timestamp or none does.",
                nameof(timestamp));
        }

        if (_count == _u.Length)
        {
            var size = checked(_u.Length * 2);
            Array.Resize(ref _u, size);
            Array.Resize(ref _i, size);
            Array.Resize(ref _v, size);
            if (_t is not null)
            {
                Array.Resize(ref _t, size);
            }
        }

        _u[_count] = user;
        _i[_count] = item;
        _v[_count] = value;
        if (_t is not null)
        {
            _t[_count] = timestamp!.Value;
        }

        _count++;
    }

    /// <summary>Freezes the rows into an immutable set. The builder cannot be used afterwards.</summary>
    /// <param name="sourceName">Describes where the data came from, for messages; defaults to "builder".</param>
    /// <exception cref="InvalidOperationException">No interaction was added, or a (user, item) pair repeats under <see cref="DuplicatePolicy.Refuse"/>.</exception>
    public InteractionSet Build(string? sourceName = null)
    {
        ThrowIfBuilt();
        var source = sourceName ?? "builder";
        if (!_deduplicated)
        {
            var found = new List<DuplicateRow>();
            Deduplicate(found, 1);
            if (found.Count > 0)
            {
                var (first, repeat, user, item) = found[0];
                throw new InvalidOperationException($"{source}: user '{user}' and item '{item}' appear in rows {first} and {repeat} (0-based, in the order added); call WithDuplicates(DuplicatePolicy.Sum, Last, Max or KeepAll) to merge or keep repeats.");
            }
        }

        if (_count == 0)
        {
            throw new InvalidOperationException($"{source}: the interaction set is empty; at least one interaction is needed.");
        }

        _built = true;
        var users = _users.Build();
        var items = _items.Build();
        IdMap? domains = null;
        int[]? itemDomains = null;
        if (_domains.Count > 0)
        {
            domains = _domains.Build();
            itemDomains = new int[items.Count];
            Array.Fill(itemDomains, -1);
            for (var i = 0; i < _itemDomain.Count && i < itemDomains.Length; i++)
            {
                itemDomains[i] = _itemDomain[i];
            }
        }

        var scale = _declaredScale ?? ObservedScale();
        return new InteractionSet(
            users,
            items,
            _u.AsSpan(0, _count).ToArray(),
            _i.AsSpan(0, _count).ToArray(),
            _v.AsSpan(0, _count).ToArray(),
            _t?.AsSpan(0, _count).ToArray(),
            domains,
            itemDomains,
            scale,
            source);
    }

    private RatingScale? ObservedScale()
    {
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        for (var r = 0; r < _count; r++)
        {
            min = Math.Min(min, _v[r]);
            max = Math.Max(max, _v[r]);
        }

        return min < max ? new RatingScale(min, max) : null;
    }

    private void CheckValue(float value)
    {
        if (!float.IsFinite(value))
        {
            throw new ArgumentException($"Interaction value must be a finite number, got {value}.", nameof(value));
        }

        if (_declaredScale is { } scale && !scale.Contains(value))
        {
            throw new ArgumentException($"Interaction value {value} lies outside the declared rating scale {scale}.", nameof(value));
        }
    }

    private void AssignDomain(int item, string domain, string itemId)
    {
        var d = _domains.GetOrAdd(domain);
        if (!TryAssignDomain(item, d))
        {
            throw new ArgumentException($"Item '{itemId}' already belongs to domain '{DomainName(_itemDomain[item])}', not '{domain}'; an item has one domain.", nameof(domain));
        }
    }

    /// <summary>Name of a domain index of this builder.</summary>
    internal string DomainName(int index) => index >= 0 ? _domains[index] : "(none)";

    /// <summary>Domain index of an item so far (-1 when none).</summary>
    internal int ItemDomain(int item) => item < _itemDomain.Count ? _itemDomain[item] : -1;

    private void ThrowIfBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("This InteractionSetBuilder has already built its set.");
        }
    }
}
