namespace CrossRec.Data;

/// <summary>
/// An immutable, dense, row-major matrix of <see cref="float"/> values: user or item factors, feature
/// tables, points to cluster. Optionally carries row ids (which user each row is) and column names
/// (what each feature is).
/// </summary>
/// <remarks>
/// Rows are contiguous, so <see cref="Row(int)"/> is a span suitable for SIMD kernels. Instances never
/// change after construction and can be shared across threads.
/// </remarks>
public sealed class ReadOnlyMatrix
{
    private readonly float[] _data;

    private ReadOnlyMatrix(float[] data, int rows, int columns, IdMap? rowIds, IReadOnlyList<string>? columnNames)
    {
        _data = data;
        Rows = rows;
        Columns = columns;
        RowIds = rowIds;
        ColumnNames = columnNames;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>External id of each row (for example the user of a factor row), or null.</summary>
    public IdMap? RowIds { get; }

    /// <summary>Name of each column (for example a feature name), or null.</summary>
    public IReadOnlyList<string>? ColumnNames { get; }

    /// <summary>One element.</summary>
    public float this[int row, int column]
    {
        get
        {
            if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns)
            {
                throw new ArgumentOutOfRangeException(row >= Rows || row < 0 ? nameof(row) : nameof(column), $"Index ({row}, {column}) is outside a {Rows} x {Columns} matrix.");
            }

            return _data[(row * Columns) + column];
        }
    }

    /// <summary>One row as a contiguous span.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in 0..{Rows - 1}.");
        }

        return _data.AsSpan(row * Columns, Columns);
    }

    /// <summary>All elements, row after row.</summary>
    public ReadOnlySpan<float> AsSpan() => _data;

    /// <summary>A copy of all elements, row after row.</summary>
    public float[] ToArray() => (float[])_data.Clone();

    /// <summary>Creates a matrix from row-major values (copied).</summary>
    /// <exception cref="ArgumentException">The length is not rows × columns, or a value is NaN/∞.</exception>
    public static ReadOnlyMatrix Create(ReadOnlySpan<float> values, int rows, int columns, IdMap? rowIds = null, IReadOnlyList<string>? columnNames = null)
    {
        CheckShape(values.Length, rows, columns, rowIds, columnNames);
        var data = values.ToArray();
        CheckFinite(data, columns);
        return new ReadOnlyMatrix(data, rows, columns, rowIds, columnNames?.ToArray());
    }

    /// <summary>Creates a matrix from a jagged array of equal-length rows (copied).</summary>
    public static ReadOnlyMatrix Create(IReadOnlyList<float[]> rows, IdMap? rowIds = null, IReadOnlyList<string>? columnNames = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("A matrix needs at least one row.", nameof(rows));
        }

        var columns = rows[0].Length;
        var data = new float[checked(rows.Count * columns)];
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != columns)
            {
                throw new ArgumentException($"Row {r} has {rows[r].Length} values; row 0 has {columns}.", nameof(rows));
            }

            rows[r].CopyTo(data, r * columns);
        }

        CheckShape(data.Length, rows.Count, columns, rowIds, columnNames);
        CheckFinite(data, columns);
        return new ReadOnlyMatrix(data, rows.Count, columns, rowIds, columnNames?.ToArray());
    }

    /// <summary>Wraps an array the caller gives up (no copy, no check). Internal: engines hand over fresh buffers.</summary>
    internal static ReadOnlyMatrix Wrap(float[] data, int rows, int columns, IdMap? rowIds = null, IReadOnlyList<string>? columnNames = null)
    {
        CheckShape(data.Length, rows, columns, rowIds, columnNames);
        return new ReadOnlyMatrix(data, rows, columns, rowIds, columnNames);
    }

    /// <summary>The same values with other row ids and/or column names.</summary>
    public ReadOnlyMatrix WithLabels(IdMap? rowIds, IReadOnlyList<string>? columnNames)
    {
        CheckShape(_data.Length, Rows, Columns, rowIds, columnNames);
        return new ReadOnlyMatrix(_data, Rows, Columns, rowIds, columnNames?.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => $"ReadOnlyMatrix({Rows} x {Columns})";

    internal float[] Data => _data;

    private static void CheckShape(int length, int rows, int columns, IdMap? rowIds, IReadOnlyList<string>? columnNames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != length)
        {
            throw new ArgumentException($"{length} values cannot form a {rows} x {columns} matrix.");
        }

        if (rowIds is not null && rowIds.Count != rows)
        {
            throw new ArgumentException($"The matrix has {rows} rows but {rowIds.Count} row ids.", nameof(rowIds));
        }

        if (columnNames is not null && columnNames.Count != columns)
        {
            throw new ArgumentException($"The matrix has {columns} columns but {columnNames.Count} column names.", nameof(columnNames));
        }
    }

    private static void CheckFinite(float[] data, int columns)
    {
        for (var k = 0; k < data.Length; k++)
        {
            if (!float.IsFinite(data[k]))
            {
                throw new ArgumentException($"Matrix value at row {k / Math.Max(columns, 1)}, column {k % Math.Max(columns, 1)} is {data[k]}; values must be finite.");
            }
        }
    }
}
