using System.Runtime.CompilerServices;

namespace CrossRec.Data;

/// <summary>
/// The interactions of an <see cref="InteractionSet"/> as a sparse user × item matrix, stored twice in
/// compressed-row form: by user (CSR) and by item (CSC, the transpose), each with sorted indices and
/// the values of repeated (user, item) rows summed. Built once per set (<see cref="InteractionSet.ToMatrix"/>
/// caches it) and shared read-only by every trainer and thread.
/// </summary>
/// <remarks>
/// Row <c>u</c> of the by-user form is <c>UserItems[UserOffsets[u]..UserOffsets[u+1]]</c> with values
/// <c>UserValues[...]</c>; the by-item form is the same with the roles swapped. Implicit-feedback
/// algorithms (ALS, BPR, item-kNN, EASE) read only these arrays, never the row lists.
/// </remarks>
public sealed class InteractionMatrix
{
    private readonly int[] _userOffsets;
    private readonly int[] _userItems;
    private readonly float[] _userValues;
    private readonly int[] _itemOffsets;
    private readonly int[] _itemUsers;
    private readonly float[] _itemValues;

    private InteractionMatrix(int users, int items, int[] userOffsets, int[] userItems, float[] userValues, int[] itemOffsets, int[] itemUsers, float[] itemValues)
    {
        UserCount = users;
        ItemCount = items;
        _userOffsets = userOffsets;
        _userItems = userItems;
        _userValues = userValues;
        _itemOffsets = itemOffsets;
        _itemUsers = itemUsers;
        _itemValues = itemValues;
    }

    /// <summary>Number of rows (users of the id map, including any without interactions).</summary>
    public int UserCount { get; }

    /// <summary>Number of columns (items of the id map).</summary>
    public int ItemCount { get; }

    /// <summary>Number of distinct (user, item) pairs.</summary>
    public int NonZeros => _userItems.Length;

    /// <summary>CSR offsets by user (length <see cref="UserCount"/> + 1).</summary>
    public ReadOnlySpan<int> UserOffsets => _userOffsets;

    /// <summary>Item indices of every user's row, sorted within a row.</summary>
    public ReadOnlySpan<int> UserItems => _userItems;

    /// <summary>Summed values aligned with <see cref="UserItems"/>.</summary>
    public ReadOnlySpan<float> UserValues => _userValues;

    /// <summary>CSC offsets by item (length <see cref="ItemCount"/> + 1).</summary>
    public ReadOnlySpan<int> ItemOffsets => _itemOffsets;

    /// <summary>User indices of every item's column, sorted within a column.</summary>
    public ReadOnlySpan<int> ItemUsers => _itemUsers;

    /// <summary>Summed values aligned with <see cref="ItemUsers"/>.</summary>
    public ReadOnlySpan<float> ItemValues => _itemValues;

    /// <summary>The items of one user (sorted).</summary>
    public ReadOnlySpan<int> ItemsOf(int user) => _userItems.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]);

    /// <summary>The summed values of one user's items, aligned with <see cref="ItemsOf"/>.</summary>
    public ReadOnlySpan<float> ValuesOf(int user) => _userValues.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]);

    /// <summary>The users of one item (sorted).</summary>
    public ReadOnlySpan<int> UsersOf(int item) => _itemUsers.AsSpan(_itemOffsets[item], _itemOffsets[item + 1] - _itemOffsets[item]);

    /// <summary>The summed values of one item's users, aligned with <see cref="UsersOf"/>.</summary>
    public ReadOnlySpan<float> ItemValuesOf(int item) => _itemValues.AsSpan(_itemOffsets[item], _itemOffsets[item + 1] - _itemOffsets[item]);

    /// <summary>Number of distinct items of each user.</summary>
    public int UserDegree(int user) => _userOffsets[user + 1] - _userOffsets[user];

    /// <summary>Number of distinct users of each item.</summary>
    public int ItemDegree(int item) => _itemOffsets[item + 1] - _itemOffsets[item];

    internal int[] UserOffsetsArray => _userOffsets;

    internal int[] UserItemsArray => _userItems;

    internal float[] UserValuesArray => _userValues;

    internal int[] ItemOffsetsArray => _itemOffsets;

    internal int[] ItemUsersArray => _itemUsers;

    internal float[] ItemValuesArray => _itemValues;

    /// <summary>Builds both compressed forms of a set; repeated (user, item) rows are summed.</summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite (the message names the row).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one pass over every row: optimised from the start rather than tier-0 code and on-stack replacement
    public static InteractionMatrix Build(InteractionSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var users = set.UsersArray;
        var items = set.ItemsArray;
        var values = set.ValuesArray;
        for (var r = 0; r < values.Length; r++)
        {
            if (!float.IsFinite(values[r]))
            {
                throw new ArgumentException($"{set.SourceName}: row {r} has value {values[r]}; interaction values must be finite.", nameof(set));
            }
        }

        // Rows stably bucketed by item, then stably by user: each user's entries come out in item order with no
        // comparison sort, repeats adjacent and in row order.
        var byItem = CountingOrder(items, set.ItemCount, null);
        var byUser = CountingOrder(users, set.UserCount, byItem);
        var (uo, ui, uv) = Merge(byUser, users, items, values, set.UserCount);

        // The merged user-major form is already ordered by (user, item); bucketing it stably by item orders each item's
        // users, and holds no repeats.
        var io = new int[set.ItemCount + 1];
        foreach (var i in ui)
        {
            io[i + 1]++;
        }

        for (var i = 0; i < set.ItemCount; i++)
        {
            io[i + 1] += io[i];
        }

        var cursor = io.AsSpan(0, set.ItemCount).ToArray();
        var iu = new int[ui.Length];
        var iv = new float[ui.Length];
        for (var u = 0; u < set.UserCount; u++)
        {
            for (var p = uo[u]; p < uo[u + 1]; p++)
            {
                var q = cursor[ui[p]]++;
                iu[q] = u;
                iv[q] = uv[p];
            }
        }

        return new InteractionMatrix(set.UserCount, set.ItemCount, uo, ui, uv, io, iu, iv);
    }

    /// <summary>
    /// The rows (all of them, or <paramref name="order"/>'s sequence of them) stably ordered by <paramref name="keys"/>:
    /// a counting sort, O(rows + keyCount).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] CountingOrder(int[] keys, int keyCount, int[]? order)
    {
        var start = new int[keyCount + 1];
        foreach (var key in keys)
        {
            start[key + 1]++;
        }

        for (var key = 0; key < keyCount; key++)
        {
            start[key + 1] += start[key];
        }

        var result = new int[keys.Length];
        if (order is null)
        {
            for (var r = 0; r < keys.Length; r++)
            {
                result[start[keys[r]]++] = r;
            }
        }
        else
        {
            foreach (var r in order)
            {
                result[start[keys[r]]++] = r;
            }
        }

        return result;
    }

    /// <summary>CSR by row of the triples taken in <paramref name="order"/> (by row, then column): repeated (row, column) pairs summed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Offsets, int[] Columns, float[] Values) Merge(int[] order, int[] rows, int[] columns, float[] values, int rowCount)
    {
        var offsets = new int[rowCount + 1];
        var cols = new int[order.Length];
        var vals = new float[order.Length];
        var write = 0;
        var row = 0;
        foreach (var r in order)
        {
            var rr = rows[r];
            while (row < rr)
            {
                offsets[++row] = write;
            }

            var c = columns[r];
            if (write > offsets[row] && cols[write - 1] == c)
            {
                vals[write - 1] += values[r];
            }
            else
            {
                cols[write] = c;
                vals[write] = values[r];
                write++;
            }
        }

        while (row < rowCount)
        {
            offsets[++row] = write;
        }

        if (write != cols.Length)
        {
            Array.Resize(ref cols, write);
            Array.Resize(ref vals, write);
        }

        return (offsets, cols, vals);
    }
}
