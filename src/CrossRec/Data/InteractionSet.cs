namespace CrossRec.Data;

/// <summary>
/// An immutable, columnar set of user–item interactions (ratings, purchases, views): parallel arrays of
/// dense user indices, item indices and values, with optional timestamps and item domains, plus the
/// <see cref="IdMap"/>s that translate dense indices to external ids.
/// </summary>
/// <remarks>
/// Built once (by a loader, an <see cref="InteractionSetBuilder"/>, a split or a generator) and shared by
/// every engine and every thread without copying. Row <c>r</c> is
/// <c>(Users[r], Items[r], Values[r])</c>. Several rows may name the same (user, item) pair.
/// </remarks>
public sealed class InteractionSet
{
    private readonly int[] _users;
    private readonly int[] _items;
    private readonly float[] _values;
    private readonly long[]? _timestamps;
    private readonly int[]? _itemDomains;
    private UserIndex? _byUser;
    private InteractionMatrix? _matrix;

    internal InteractionSet(
        IdMap userIds,
        IdMap itemIds,
        int[] users,
        int[] items,
        float[] values,
        long[]? timestamps,
        IdMap? domains,
        int[]? itemDomains,
        RatingScale? scale,
        string source)
    {
        if (users.Length != items.Length || users.Length != values.Length || (timestamps is not null && timestamps.Length != users.Length))
        {
            throw new ArgumentException("Interaction columns must all have the same length.");
        }

        if ((domains is null) != (itemDomains is null) || (itemDomains is not null && itemDomains.Length != itemIds.Count))
        {
            throw new ArgumentException("Item domains need a domain map and one entry per item.");
        }

        UserIds = userIds;
        ItemIds = itemIds;
        _users = users;
        _items = items;
        _values = values;
        _timestamps = timestamps;
        Domains = domains;
        _itemDomains = itemDomains;
        Scale = scale;
        SourceName = source;
    }

    /// <summary>External user ids; <c>UserIds[Users[r]]</c> is the user of row <c>r</c>.</summary>
    public IdMap UserIds { get; }

    /// <summary>External item ids; <c>ItemIds[Items[r]]</c> is the item of row <c>r</c>.</summary>
    public IdMap ItemIds { get; }

    /// <summary>Domain names (for example "course", "film"), or null when the data has no domains.</summary>
    public IdMap? Domains { get; }

    /// <summary>The declared rating scale, or the observed range of values when none was declared; null for constant values (implicit feedback).</summary>
    public RatingScale? Scale { get; }

    /// <summary>Where the data came from (a file path, "builder", "synthetic(...)"); used in messages.</summary>
    public string SourceName { get; }

    /// <summary>
    /// What the loader read and skipped (lenient mode), for sets loaded from a file; null for sets built
    /// in memory, generated or split.
    /// </summary>
    public LoadReport? LoadReport { get; internal set; }

    /// <summary>Number of interactions (rows).</summary>
    public int Count => _users.Length;

    /// <summary>Number of distinct users the id map knows (some may have no rows in this set).</summary>
    public int UserCount => UserIds.Count;

    /// <summary>Number of distinct items the id map knows (some may have no rows in this set).</summary>
    public int ItemCount => ItemIds.Count;

    /// <summary>Dense user index of each row.</summary>
    public ReadOnlySpan<int> Users => _users;

    /// <summary>Dense item index of each row.</summary>
    public ReadOnlySpan<int> Items => _items;

    /// <summary>Value (rating, count, 1 for a purchase) of each row.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>True when every row has a timestamp.</summary>
    public bool HasTimestamps => _timestamps is not null;

    /// <summary>Timestamp of each row (Unix seconds for MovieLens); empty when <see cref="HasTimestamps"/> is false.</summary>
    public ReadOnlySpan<long> Timestamps => _timestamps;

    /// <summary>True when items carry a domain.</summary>
    public bool HasDomains => Domains is not null;

    /// <summary>Domain index of each item (-1 for an item without a domain); empty when <see cref="HasDomains"/> is false.</summary>
    public ReadOnlySpan<int> ItemDomains => _itemDomains;

    /// <summary>Mean of all values; NaN for an empty set.</summary>
    public double MeanValue()
    {
        if (_values.Length == 0)
        {
            return double.NaN;
        }

        double sum = 0;
        foreach (var v in _values)
        {
            sum += v;
        }

        return sum / _values.Length;
    }

    /// <summary>
    /// A new set holding the given rows, in the given order, sharing this set's id maps, domains and scale.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A row index is outside <c>0..Count-1</c>.</exception>
    public InteractionSet Subset(ReadOnlySpan<int> rows, string? sourceName = null)
    {
        var users = new int[rows.Length];
        var items = new int[rows.Length];
        var values = new float[rows.Length];
        var timestamps = _timestamps is null ? null : new long[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            var r = rows[k];
            if ((uint)r >= (uint)_users.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"Row index must be in 0..{_users.Length - 1}.");
            }

            users[k] = _users[r];
            items[k] = _items[r];
            values[k] = _values[r];
            if (timestamps is not null)
            {
                timestamps[k] = _timestamps![r];
            }
        }

        return new InteractionSet(UserIds, ItemIds, users, items, values, timestamps, Domains, _itemDomains, Scale, sourceName ?? SourceName);
    }

    /// <summary>The rows of one user (indices into this set), in row order.</summary>
    public ReadOnlySpan<int> RowsOfUser(int user)
    {
        if ((uint)user >= (uint)UserIds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"User index must be in 0..{UserIds.Count - 1}.");
        }

        return GetUserIndex().Rows(user);
    }

    /// <summary>Number of rows of each user (length <see cref="UserCount"/>).</summary>
    public int[] CountsPerUser()
    {
        var counts = new int[UserIds.Count];
        foreach (var u in _users)
        {
            counts[u]++;
        }

        return counts;
    }

    /// <summary>Number of rows of each item (length <see cref="ItemCount"/>).</summary>
    public int[] CountsPerItem()
    {
        var counts = new int[ItemIds.Count];
        foreach (var i in _items)
        {
            counts[i]++;
        }

        return counts;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"InteractionSet({Count} rows, {UserIds.Count} users, {ItemIds.Count} items{(Domains is null ? "" : $", {Domains.Count} domains")}, source {SourceName})";

    internal int[] UsersArray => _users;

    internal int[] ItemsArray => _items;

    internal float[] ValuesArray => _values;

    internal long[]? TimestampsArray => _timestamps;

    internal int[]? ItemDomainsArray => _itemDomains;

    /// <summary>
    /// The set as a sparse user × item matrix (by user and by item, repeated pairs summed), built on first
    /// use and cached; thread-safe.
    /// </summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public InteractionMatrix ToMatrix()
    {
        var matrix = Volatile.Read(ref _matrix);
        if (matrix is null)
        {
            matrix = InteractionMatrix.Build(this);
            Interlocked.CompareExchange(ref _matrix, matrix, null);
            matrix = _matrix!;
        }

        return matrix;
    }

    /// <summary>Rows grouped by user (CSR), built once on first use; thread-safe.</summary>
    internal UserIndex GetUserIndex()
    {
        var index = Volatile.Read(ref _byUser);
        if (index is null)
        {
            index = UserIndex.Build(_users, UserIds.Count);
            Interlocked.CompareExchange(ref _byUser, index, null);
            index = _byUser!;
        }

        return index;
    }

    /// <summary>Compressed rows grouped by user: rows of user u are <c>RowIds[Offsets[u]..Offsets[u+1]]</c>.</summary>
    internal sealed class UserIndex
    {
        private UserIndex(int[] offsets, int[] rowIds)
        {
            Offsets = offsets;
            RowIds = rowIds;
        }

        public int[] Offsets { get; }

        public int[] RowIds { get; }

        public ReadOnlySpan<int> Rows(int user) => RowIds.AsSpan(Offsets[user], Offsets[user + 1] - Offsets[user]);

        public static UserIndex Build(int[] users, int userCount)
        {
            var offsets = new int[userCount + 1];
            foreach (var u in users)
            {
                offsets[u + 1]++;
            }

            for (var u = 0; u < userCount; u++)
            {
                offsets[u + 1] += offsets[u];
            }

            var cursor = offsets.AsSpan(0, userCount).ToArray();
            var rows = new int[users.Length];
            for (var r = 0; r < users.Length; r++)
            {
                rows[cursor[users[r]]++] = r;
            }

            return new UserIndex(offsets, rows);
        }
    }
}
