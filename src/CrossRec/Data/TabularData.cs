using System.Globalization;
using CrossRec.Data.Parsing;

namespace CrossRec.Data;

/// <summary>A column of a <see cref="TabularData"/>: numeric (NaN marks a missing value) or categorical (null marks a missing value).</summary>
public sealed class TabularColumn
{
    private readonly double[]? _numbers;
    private readonly string?[]? _categories;

    private TabularColumn(string name, double[]? numbers, string?[]? categories)
    {
        Name = name;
        _numbers = numbers;
        _categories = categories;
    }

    /// <summary>Column name (from the header).</summary>
    public string Name { get; }

    /// <summary>True for a numeric column.</summary>
    public bool IsNumeric => _numbers is not null;

    /// <summary>Number of rows.</summary>
    public int Count => _numbers?.Length ?? _categories!.Length;

    /// <summary>Values of a numeric column (NaN = missing).</summary>
    /// <exception cref="InvalidOperationException">The column is categorical.</exception>
    public ReadOnlySpan<double> Numbers => _numbers ?? throw new InvalidOperationException($"Column '{Name}' is categorical, not numeric.");

    /// <summary>Values of a categorical column (null = missing).</summary>
    /// <exception cref="InvalidOperationException">The column is numeric.</exception>
    public IReadOnlyList<string?> Categories => _categories ?? throw new InvalidOperationException($"Column '{Name}' is numeric, not categorical.");

    /// <summary>A numeric column (values copied; NaN = missing; ±∞ is refused).</summary>
    public static TabularColumn Numeric(string name, ReadOnlySpan<double> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        foreach (var v in values)
        {
            if (double.IsInfinity(v))
            {
                throw new ArgumentException($"Column '{name}' holds an infinite value; use NaN for a missing value.", nameof(values));
            }
        }

        return new TabularColumn(name, values.ToArray(), null);
    }

    /// <summary>A categorical column (values copied; null = missing).</summary>
    public static TabularColumn Categorical(string name, IEnumerable<string?> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        return new TabularColumn(name, null, values.ToArray());
    }

    /// <summary>A text representation of row <paramref name="row"/> ("" when missing).</summary>
    public string Text(int row) => _numbers is not null
        ? (double.IsNaN(_numbers[row]) ? "" : _numbers[row].ToString("R", CultureInfo.InvariantCulture))
        : _categories![row] ?? "";

    internal TabularColumn Select(ReadOnlySpan<int> rows)
    {
        if (_numbers is not null)
        {
            var n = new double[rows.Length];
            for (var k = 0; k < rows.Length; k++)
            {
                n[k] = _numbers[rows[k]];
            }

            return new TabularColumn(Name, n, null);
        }

        var c = new string?[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            c[k] = _categories![rows[k]];
        }

        return new TabularColumn(Name, null, c);
    }

    internal double[]? NumberArray => _numbers;

    internal string?[]? CategoryArray => _categories;
}

/// <summary>Options of <see cref="TabularData.LoadCsv"/>.</summary>
public sealed record TabularCsvOptions
{
    /// <summary>Field delimiter; null detects ',' ';' or tab from the header line.</summary>
    public string? Delimiter { get; init; }

    /// <summary>Cell texts read as missing values (compared case-insensitively after trimming). "unknown" is a real category, not missing.</summary>
    public IReadOnlyList<string> MissingValues { get; init; } = ["", "NA", "N/A", "NaN", "null", "?"];
}

/// <summary>
/// An immutable, column-oriented table with a header: the input of conversion scoring. Columns whose
/// every present value is a number (culture-invariant) are numeric; others are categorical.
/// </summary>
public sealed class TabularData
{
    private readonly TabularColumn[] _columns;
    private readonly Dictionary<string, int> _byName;

    /// <summary>Creates a table from columns of equal length with distinct names.</summary>
    public TabularData(IEnumerable<TabularColumn> columns, string source = "table")
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.ToArray();
        SourceName = source;
        if (_columns.Length == 0)
        {
            throw new ArgumentException($"{source}: a table needs at least one column.", nameof(columns));
        }

        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < _columns.Length; c++)
        {
            if (_columns[c].Count != _columns[0].Count)
            {
                throw new ArgumentException($"{source}: column '{_columns[c].Name}' has {_columns[c].Count} rows, column '{_columns[0].Name}' has {_columns[0].Count}.", nameof(columns));
            }

            if (!_byName.TryAdd(_columns[c].Name, c))
            {
                throw new ArgumentException($"{source}: column name '{_columns[c].Name}' appears twice.", nameof(columns));
            }
        }
    }

    /// <summary>Where the table came from; used in messages.</summary>
    public string SourceName { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount => _columns[0].Count;

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<TabularColumn> Columns => _columns;

    /// <summary>A column by name.</summary>
    /// <exception cref="KeyNotFoundException">No such column; the message lists the columns.</exception>
    public TabularColumn this[string name] => _byName.TryGetValue(name, out var c)
        ? _columns[c]
        : throw new KeyNotFoundException($"{SourceName}: no column '{name}'; the columns are: {string.Join(", ", _columns.Select(x => x.Name))}.");

    /// <summary>True when the table has the column.</summary>
    public bool Has(string name) => _byName.ContainsKey(name);

    /// <summary>The rows at the given indices, in that order.</summary>
    public TabularData SelectRows(ReadOnlySpan<int> rows)
    {
        foreach (var r in rows)
        {
            if ((uint)r >= (uint)RowCount)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"Row index must be in 0..{RowCount - 1}.");
            }
        }

        var selected = new TabularColumn[_columns.Length];
        for (var c = 0; c < selected.Length; c++)
        {
            selected[c] = _columns[c].Select(rows);
        }

        return new TabularData(selected, SourceName);
    }

    /// <summary>The table without the named columns.</summary>
    /// <exception cref="KeyNotFoundException">A named column does not exist.</exception>
    public TabularData DropColumns(IEnumerable<string> names)
    {
        var drop = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var n in drop)
        {
            _ = this[n];
        }

        return new TabularData(_columns.Where(c => !drop.Contains(c.Name)), SourceName);
    }

    /// <summary>This table's columns followed by another table's (same row count, distinct names).</summary>
    public TabularData WithColumns(TabularData other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new TabularData(_columns.Concat(other._columns), SourceName);
    }

    /// <summary>
    /// Reads a CSV file with a header line: streaming, RFC-4180 quotes, culture-invariant numbers, CRLF or
    /// LF. A row with the wrong number of fields is a <see cref="DataFormatException"/> naming the file and line.
    /// </summary>
    public static TabularData LoadCsv(string path, TabularCsvOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new TabularCsvOptions();
        var missing = new HashSet<string>(options.MissingValues.Select(m => m.Trim()), StringComparer.OrdinalIgnoreCase);
        using var reader = new LineReader(path);
        if (!reader.TryReadLine(out var headerLine))
        {
            throw new DataFormatException(path, 0, 0, "the file is empty; expected a header line and data rows.");
        }

        var delimiter = options.Delimiter ?? Detect(headerLine);
        var splitter = new FieldSplitter(delimiter, quotes: true);
        if (!splitter.Split(headerLine, out var bad))
        {
            throw new DataFormatException(path, 1, bad, "unterminated quoted field in the header.");
        }

        var names = new string[splitter.Count];
        for (var c = 0; c < names.Length; c++)
        {
            names[c] = splitter.Field(headerLine, c).Trim().ToString();
            if (names[c].Length == 0)
            {
                throw new DataFormatException(path, 1, c + 1, "a header name is empty.");
            }
        }

        var cells = new List<string?>[names.Length];
        var numeric = new bool[names.Length];
        var numbers = new List<double>[names.Length];
        for (var c = 0; c < names.Length; c++)
        {
            cells[c] = new List<string?>();
            numbers[c] = new List<double>();
            numeric[c] = true;
        }

        var interned = new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        while (reader.TryReadLine(out var line))
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            if (!splitter.Split(line, out bad))
            {
                throw new DataFormatException(path, reader.LineNumber, bad, "unterminated or malformed quoted field.");
            }

            if (splitter.Count != names.Length)
            {
                throw new DataFormatException(path, reader.LineNumber, 0, $"expected {names.Length} fields separated by '{(delimiter == "\t" ? "\\t" : delimiter)}' (as in the header), found {splitter.Count}.");
            }

            for (var c = 0; c < names.Length; c++)
            {
                var text = splitter.Field(line, c).Trim();
                if (missing.Contains(text.ToString()))
                {
                    cells[c].Add(null);
                    numbers[c].Add(double.NaN);
                    continue;
                }

                if (numeric[c])
                {
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v))
                    {
                        numbers[c].Add(v);
                    }
                    else
                    {
                        numeric[c] = false;
                    }
                }

                if (!interned.TryGetValue(text, out var s))
                {
                    s = text.ToString();
                    interned[text] = s;
                }

                cells[c].Add(s);
            }
        }

        if (cells[0].Count == 0)
        {
            throw new DataFormatException(path, 0, 0, "no data rows after the header.");
        }

        var columns = new TabularColumn[names.Length];
        for (var c = 0; c < names.Length; c++)
        {
            var allMissing = cells[c].All(x => x is null);
            columns[c] = numeric[c] && !allMissing
                ? TabularColumn.Numeric(names[c], numbers[c].ToArray())
                : TabularColumn.Categorical(names[c], cells[c]);
        }

        return new TabularData(columns, path);
    }

    private static string Detect(ReadOnlySpan<char> header)
    {
        var semicolons = header.Count(';');
        var commas = header.Count(',');
        var tabs = header.Count('\t');
        return tabs > commas && tabs > semicolons ? "\t" : semicolons > commas ? ";" : ",";
    }
}
