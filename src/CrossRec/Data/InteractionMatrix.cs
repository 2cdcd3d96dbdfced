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

        var (uo, ui, uv) = Compress(users, items, values, set.UserCount);
        var (io, iu, iv) = Compress(items, users, values, set.ItemCount);
        return new InteractionMatrix(set.UserCount, set.ItemCount, uo, ui, uv, io, iu, iv);
    }

    /// <summary>CSR of (row, column, value) triples: counting sort by row, then sort and merge each row.</summary>
    private static (int[] Offsets, int[] Columns, float[] Values) Compress(int[] rows, int[] columns, float[] values, int rowCount)
    {
        var offsets = new int[rowCount + 1];
        foreach (var r in rows)
        {
            offsets[r + 1]++;
        }

        for (var r = 0; r < rowCount; r++)
        {
            offsets[r + 1] += offsets[r];
        }

        var cursor = offsets.AsSpan(0, rowCount).ToArray();
        var cols = new int[rows.Length];
        var vals = new float[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            var p = cursor[rows[k]]++;
            cols[p] = columns[k];
            vals[p] = values[k];
        }

        // Sort each row by column and merge duplicates in place, compacting as we go.
        var write = 0;
        var start = 0;
        for (var r = 0; r < rowCount; r++)
        {
            var end = offsets[r + 1];
            var c = cols.AsSpan(start, end - start);
            var v = vals.AsSpan(start, end - start);
            c.Sort(v);
            var rowStart = write;
            for (var k = 0; k < c.Length; k++)
            {
                if (write > rowStart && cols[write - 1] == c[k])
                {
                    vals[write - 1] += v[k];
                }
                else
                {
                    cols[write] = c[k];
                    vals[write] = v[k];
                    write++;
                }
            }

            start = end;
            offsets[r + 1] = write;
        }

        if (write != cols.Length)
        {
            Array.Resize(ref cols, write);
            Array.Resize(ref vals, write);
        }

        return (offsets, cols, vals);
    }
}
