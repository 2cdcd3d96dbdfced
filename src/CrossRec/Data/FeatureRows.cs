using System.Globalization;

namespace CrossRec.Data;

/// <summary>Where a row of a typed table is: the source (a query, a Parquet file), the 1-based row, and optional detail such as the row group.</summary>
internal readonly record struct RowPlace(string Source, long Row, string? Detail = null)
{
    /// <summary>A <see cref="DataFormatException"/> at this row and a 1-based column (0: the whole row).</summary>
    public DataFormatException Error(int column, string problem) =>
        new(Source, Row, column, Detail is null ? problem : $"{problem.TrimEnd('.')} ({Detail}).");
}

/// <summary>Cell values of typed tables (database rows, Parquet columns) as the feature loaders read them.</summary>
internal static class FeatureCells
{
    /// <summary>True for a value of a number type (booleans count as 0 and 1).</summary>
    public static bool IsNumber(object value) =>
        value is double or float or int or long or short or byte or sbyte or ushort or uint or ulong or decimal or bool;

    /// <summary>The value as id or feature text: integers and GUIDs formatted invariantly, text as it is.</summary>
    public static string Text(object value) => value switch
    {
        string s => s,
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The value as a number: number types directly, text parsed culture-invariantly; false otherwise.</summary>
    public static bool TryNumber(object value, out double number)
    {
        if (value is string s)
        {
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
        }

        if (IsNumber(value))
        {
            number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            return true;
        }

        number = 0;
        return false;
    }

    /// <summary>What a value is, for messages.</summary>
    public static string Show(object value) => Excerpt.Of(Text(value));
}

/// <summary>
/// Collects long-format feature rows (id, feature, optional weight) from a typed table with the checks of
/// <see cref="FeatureSet.Load"/>: a null or empty id or feature, a null weight or one that is not a finite number
/// above 0, an id outside the known ids, or a repeated (id, feature) pair is a <see cref="DataFormatException"/>
/// naming the row and the column.
/// </summary>
internal sealed class LongFeatureRows
{
    private readonly string _kind;
    private readonly IdMap? _knownIds;
    private readonly FeatureSet.Builder _builder;

    public LongFeatureRows(string kind, IdMap? knownIds)
    {
        _kind = kind;
        _knownIds = knownIds;
        _builder = new FeatureSet.Builder(kind);
    }

    /// <summary>Adds one row; columns are 0-based ordinals (weight -1 when there is no weight column); null values are SQL or Parquet nulls.</summary>
    public void Add(RowPlace at, int idColumn, object? id, int featureColumn, object? feature, int weightColumn, object? weight)
    {
        if (id is null)
        {
            throw at.Error(idColumn + 1, $"the {_kind} id is null.");
        }

        var idText = FeatureCells.Text(id);
        if (string.IsNullOrWhiteSpace(idText))
        {
            throw at.Error(idColumn + 1, $"the {_kind} id is empty.");
        }

        if (feature is null)
        {
            throw at.Error(featureColumn + 1, "the feature is null.");
        }

        var featureText = FeatureCells.Text(feature);
        if (string.IsNullOrWhiteSpace(featureText))
        {
            throw at.Error(featureColumn + 1, "the feature is empty.");
        }

        var w = 1f;
        if (weightColumn >= 0)
        {
            if (weight is null)
            {
                throw at.Error(weightColumn + 1, "the weight is null; expected a finite number above 0.");
            }

            if (!FeatureCells.TryNumber(weight, out var d) || !float.IsFinite((float)d) || (float)d <= 0)
            {
                throw at.Error(weightColumn + 1, $"the weight '{FeatureCells.Show(weight)}' is not a finite number above 0.");
            }

            w = (float)d;
        }

        if (_knownIds is { } known && !known.Contains(idText))
        {
            throw at.Error(idColumn + 1, $"unknown {_kind} id '{Excerpt.Of(idText)}' (not among the {known.Count} {known.Kind} ids this table was loaded against).");
        }

        if (_builder.TryAdd(idText, featureText, w, at.Row) is { } first)
        {
            throw at.Error(featureColumn + 1, $"the feature '{Excerpt.Of(featureText)}' of {_kind} '{Excerpt.Of(idText)}' is given twice (first on row {first}).");
        }
    }

    /// <summary>The feature set of every row added.</summary>
    /// <exception cref="DataFormatException">No row was added.</exception>
    public FeatureSet Build(string source)
    {
        if (_builder.PairCount == 0)
        {
            throw new DataFormatException(source, 0, 0, "the table has no features.");
        }

        return _builder.Build(source);
    }
}

/// <summary>
/// Collects the rows of a wide, typed feature table and turns them into features by the rules of
/// <see cref="FeatureSet.LoadWide"/>, with the column types deciding what is numeric: a column listed in
/// <see cref="WideFeatureOptions.NumericColumns"/>, or, when that is null, a column whose non-null values are all of a
/// number type, gives the feature <c>column</c> weighted by the value over the column's largest (0 adds nothing);
/// any other column gives <c>column=value</c> (weight 1), one per listed value. A null cell adds nothing; a null or
/// empty id, a repeated id, an id outside the known ids, or a numeric cell that is not a finite number of 0 or more is
/// a <see cref="DataFormatException"/> naming the row and the column.
/// </summary>
internal sealed class WideFeatureRows
{
    private readonly string _kind;
    private readonly WideFeatureOptions _options;
    private readonly string[] _names;
    private readonly int _idColumn;
    private readonly bool[]? _listedNumeric;
    private readonly List<(RowPlace At, object?[] Cells)> _rows = [];
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);

    /// <summary>Resolves the id and numeric columns against the table's column names (case-insensitive).</summary>
    /// <exception cref="DataFormatException">An empty or repeated column name, or an id or numeric column the table lacks.</exception>
    public WideFeatureRows(string kind, WideFeatureOptions options, IReadOnlyList<string> names, string source)
    {
        _kind = kind;
        _options = options;
        _names = [.. names];
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var c = 0; c < _names.Length; c++)
        {
            if (string.IsNullOrWhiteSpace(_names[c]))
            {
                throw new DataFormatException(source, 0, c + 1, "an empty column name.");
            }

            if (!index.TryAdd(_names[c], c))
            {
                throw new DataFormatException(source, 0, c + 1, $"the column '{Excerpt.Of(_names[c])}' is named twice (column {index[_names[c]] + 1} too).");
            }
        }

        if (_names.Length < 2)
        {
            throw new DataFormatException(source, 0, 0, $"a wide feature table needs an id column and at least one feature column; it has {_names.Length}.");
        }

        if (options.IdColumn is { } idName && !index.TryGetValue(idName, out _idColumn))
        {
            throw new DataFormatException(source, 0, 0, $"the id column '{Excerpt.Of(idName)}' ({nameof(WideFeatureOptions.IdColumn)}) is not among the columns: {string.Join(", ", _names)}.");
        }

        if (options.NumericColumns is { } listed)
        {
            _listedNumeric = new bool[_names.Length];
            foreach (var name in listed)
            {
                if (!index.TryGetValue(name, out var c) || c == _idColumn)
                {
                    throw new DataFormatException(source, 0, 0, $"the numeric column '{Excerpt.Of(name)}' ({nameof(WideFeatureOptions.NumericColumns)}) is not a feature column; the columns are: {string.Join(", ", _names)}.");
                }

                _listedNumeric[c] = true;
            }
        }
    }

    /// <summary>The column names.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Adds a row (one value per column, null for a null cell); the id is checked now, the features when <see cref="Build"/> runs.</summary>
    public void Add(RowPlace at, object?[] cells)
    {
        var id = cells[_idColumn];
        if (id is null)
        {
            throw at.Error(_idColumn + 1, $"the {_kind} id is null.");
        }

        var text = FeatureCells.Text(id);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw at.Error(_idColumn + 1, $"the {_kind} id is empty.");
        }

        if (!_seen.TryAdd(text, at.Row))
        {
            throw at.Error(_idColumn + 1, $"the {_kind} '{Excerpt.Of(text)}' has a row already (row {_seen[text]}).");
        }

        if (_options.KnownIds is { } known && !known.Contains(text))
        {
            throw at.Error(_idColumn + 1, $"unknown {_kind} id '{Excerpt.Of(text)}' (not among the {known.Count} {known.Kind} ids this table was loaded against).");
        }

        cells[_idColumn] = text;
        _rows.Add((at, cells));
    }

    /// <summary>The feature set of every row added.</summary>
    /// <exception cref="DataFormatException">A numeric cell is not a finite number of 0 or more, or there are no features at all.</exception>
    public FeatureSet Build(string source)
    {
        var columns = _names.Length;
        var numeric = new bool[columns];
        for (var c = 0; c < columns; c++)
        {
            numeric[c] = c != _idColumn && (_listedNumeric is { } listed ? listed[c]
                : _rows.Any(r => r.Cells[c] is not null) && _rows.All(r => r.Cells[c] is null || FeatureCells.IsNumber(r.Cells[c]!)));
        }

        var largest = new double[columns];
        var values = new double[_rows.Count, columns];
        for (var r = 0; r < _rows.Count; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                if (!numeric[c] || _rows[r].Cells[c] is not { } cell || cell is string { Length: 0 })
                {
                    continue;
                }

                if (!FeatureCells.TryNumber(cell, out var v) || !double.IsFinite(v) || v < 0)
                {
                    throw _rows[r].At.Error(c + 1, $"'{FeatureCells.Show(cell)}' in the numeric column '{Excerpt.Of(_names[c])}' is not a finite number of 0 or more.");
                }

                values[r, c] = v;
                largest[c] = Math.Max(largest[c], v);
            }
        }

        var builder = new FeatureSet.Builder(_kind);
        for (var r = 0; r < _rows.Count; r++)
        {
            var (at, cells) = _rows[r];
            var id = (string)cells[_idColumn]!;
            for (var c = 0; c < columns; c++)
            {
                if (c == _idColumn || cells[c] is not { } cell)
                {
                    continue;
                }

                if (numeric[c])
                {
                    if (values[r, c] > 0)
                    {
                        builder.TryAdd(id, _names[c], (float)(values[r, c] / largest[c]), at.Row);
                    }

                    continue;
                }

                var text = FeatureCells.Text(cell).Trim();
                var parts = _options.ListSeparator is { } separator ? text.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : text.Length == 0 ? [] : [text];
                foreach (var part in parts)
                {
                    builder.TryAdd(id, _names[c] + "=" + part, 1f, at.Row); // a value listed twice in one cell counts once
                }
            }
        }

        if (builder.PairCount == 0)
        {
            throw new DataFormatException(source, 0, 0, "the table has no features.");
        }

        return builder.Build(source);
    }
}
