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

    /// <summary>Columns read as categorical whatever they hold (zip codes, numeric codes).</summary>
    public IReadOnlyCollection<string> Categorical { get; init; } = [];

    /// <summary>Columns that must be numeric: a value that is not a finite number (and not missing) is an error naming its line.</summary>
    public IReadOnlyCollection<string> Numeric { get; init; } = [];

    /// <summary>
    /// A column whose present values are numbers in at least this share of rows is taken to be numeric,
    /// and a value that is not a finite number in it is an error naming the line (a stray <c>abc</c> or
    /// <c>Infinity</c> must not turn the column categorical without a word). Below this share a mixed
    /// column is categorical, which <see cref="TabularData.LoadReport"/> says. 0.5..1; default 0.9.
    /// </summary>
    public double MostlyNumericShare { get; init; } = 0.9;

    /// <summary>Text encoding; null reads strict UTF-8 (see <see cref="LoadOptions.Encoding"/>).</summary>
    public System.Text.Encoding? Encoding { get; init; }

    /// <summary>The longest line read, in bytes (1 KiB..1 GiB; default 1 MiB); see <see cref="LoadOptions.MaxLineBytes"/>.</summary>
    public int MaxLineBytes { get; init; } = 1 << 20;
}

/// <summary>How <see cref="TabularData.LoadCsv"/> typed one column.</summary>
/// <param name="Name">Column name.</param>
/// <param name="IsNumeric">True when the column was read as numeric.</param>
/// <param name="Declared">True when <see cref="TabularCsvOptions.Categorical"/> or <see cref="TabularCsvOptions.Numeric"/> named the column; false when its type was inferred.</param>
/// <param name="Numbers">Present values that are finite numbers.</param>
/// <param name="Texts">Present values that are not.</param>
/// <param name="Missing">Missing values (<see cref="TabularCsvOptions.MissingValues"/>).</param>
public sealed record TabularColumnReport(string Name, bool IsNumeric, bool Declared, int Numbers, int Texts, int Missing)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {(IsNumeric ? "numeric" : "categorical")} ({(Declared ? "declared" : "inferred")}; {Numbers:N0} numbers, {Texts:N0} texts, {Missing:N0} missing)";
}

/// <summary>What <see cref="TabularData.LoadCsv"/> read and how it typed each column.</summary>
public sealed class TabularLoadReport
{
    internal TabularLoadReport(string source, int rows, IReadOnlyList<TabularColumnReport> columns)
    {
        Source = source;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The file read.</summary>
    public string Source { get; }

    /// <summary>Data rows read.</summary>
    public int Rows { get; }

    /// <summary>One entry per column, in order.</summary>
    public IReadOnlyList<TabularColumnReport> Columns { get; }

    /// <summary>Things the caller may not expect, each a sentence (a last line without a line end: possibly a row cut short by a writer). Empty when none.</summary>
    public IReadOnlyList<string> Warnings { get; internal init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        $"{Source}: {Rows:N0} rows; {Columns.Count(c => c.IsNumeric)} numeric and {Columns.Count(c => !c.IsNumeric)} categorical columns ({string.Join(", ", Columns.Select(c => $"{c.Name} {(c.IsNumeric ? "numeric" : "categorical")}{(c.Declared ? "" : "?")}"))}; '?' marks an inferred type)";
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

    /// <summary>How <see cref="LoadCsv"/> typed each column (inferred or declared); null for a table built in memory or derived from another.</summary>
    public TabularLoadReport? LoadReport { get; private set; }

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
    /// <remarks>
    /// Column types: a column named in <see cref="TabularCsvOptions.Categorical"/> or
    /// <see cref="TabularCsvOptions.Numeric"/> has that type. Otherwise a column whose every present value
    /// is a finite number is numeric; a column that is numeric in at least
    /// <see cref="TabularCsvOptions.MostlyNumericShare"/> of its present values but holds a stray text (or
    /// <c>Infinity</c>) is an error naming that line; any other column is categorical. The inferred types
    /// are in <see cref="LoadReport"/>.
    /// </remarks>
    /// <exception cref="DataFormatException">A row is malformed, the file is not valid UTF-8, a header name is empty or repeated, or a mostly numeric column holds a stray value.</exception>
    public static TabularData LoadCsv(string path, TabularCsvOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new TabularCsvOptions();
        if (!(options.MostlyNumericShare >= 0.5 && options.MostlyNumericShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MostlyNumericShare, "TabularCsvOptions.MostlyNumericShare must be in 0.5..1.");
        }

        Check.Range(options.MaxLineBytes, 1 << 10, 1 << 30, nameof(options.MaxLineBytes));
        var missing = new HashSet<string>(options.MissingValues.Select(m => m.Trim()), StringComparer.OrdinalIgnoreCase);
        using var reader = new LineReader(path, options.Encoding, options.MaxLineBytes);
        if (!reader.TryReadLine(out var headerLine))
        {
            throw new DataFormatException(path, 0, 0, "the file is empty; expected a header line and data rows.");
        }

        CheckUtf8(reader, path);

        var delimiter = options.Delimiter ?? Detect(headerLine);
        var splitter = new FieldSplitter(delimiter, quotes: true);
        if (!splitter.Split(headerLine, out var bad))
        {
            throw new DataFormatException(path, 1, bad, "unterminated quoted field in the header.");
        }

        var names = new string[splitter.Count];
        var nameSet = new HashSet<string>(StringComparer.Ordinal);
        for (var c = 0; c < names.Length; c++)
        {
            names[c] = splitter.Field(headerLine, c).Trim().ToString();
            if (names[c].Length == 0)
            {
                throw new DataFormatException(path, 1, c + 1, c == 0 && names.Length > 1
                    ? "the first header name is empty: an index column, as pandas writes with to_csv(index=True)? Write the file with index=False or name the column."
                    : "a header name is empty.");
            }

            if (!nameSet.Add(names[c]))
            {
                throw new DataFormatException(path, 1, c + 1, $"the header name '{Excerpt.Of(names[c])}' appears twice.");
            }
        }

        foreach (var declared in options.Categorical.Concat(options.Numeric))
        {
            if (!nameSet.Contains(declared))
            {
                throw new DataFormatException(path, 1, 0, $"TabularCsvOptions names the column '{Excerpt.Of(declared)}', which the header does not have.");
            }
        }

        var forcedCategorical = new HashSet<string>(options.Categorical, StringComparer.Ordinal);
        var forcedNumeric = new HashSet<string>(options.Numeric, StringComparer.Ordinal);
        var numberCount = new int[names.Length];
        var textCount = new int[names.Length];
        var missingCount = new int[names.Length];
        var firstText = new (long Line, string Text)?[names.Length];

        var cells = new List<string?>[names.Length];
        var numbers = new List<double>[names.Length];
        for (var c = 0; c < names.Length; c++)
        {
            cells[c] = new List<string?>();
            numbers[c] = new List<double>();
        }

        var interned = new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        while (reader.TryReadLine(out var line))
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            CheckUtf8(reader, path);
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
                    missingCount[c]++;
                    continue;
                }

                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v))
                {
                    numbers[c].Add(v);
                    numberCount[c]++;
                }
                else
                {
                    numbers[c].Add(double.NaN);
                    textCount[c]++;
                    firstText[c] ??= (reader.LineNumber, Excerpt.Of(text));
                    if (forcedNumeric.Contains(names[c]))
                    {
                        throw new DataFormatException(path, reader.LineNumber, c + 1, $"column '{Excerpt.Of(names[c])}' is declared numeric (TabularCsvOptions.Numeric) but holds '{Excerpt.Of(text)}', which is not a finite number.");
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
        var reports = new TabularColumnReport[names.Length];
        for (var c = 0; c < names.Length; c++)
        {
            var declared = forcedCategorical.Contains(names[c]) || forcedNumeric.Contains(names[c]);
            bool isNumeric;
            if (forcedCategorical.Contains(names[c]))
            {
                isNumeric = false;
            }
            else if (forcedNumeric.Contains(names[c]))
            {
                isNumeric = true;
            }
            else
            {
                var present = numberCount[c] + textCount[c];
                isNumeric = numberCount[c] > 0 && textCount[c] == 0;
                if (textCount[c] > 0 && numberCount[c] >= options.MostlyNumericShare * present && firstText[c] is { } stray)
                {
                    throw new DataFormatException(path, stray.Line, c + 1,
                        $"column '{Excerpt.Of(names[c])}' holds numbers in {numberCount[c]:N0} of its {present:N0} present values, but this one is '{stray.Text}' ({textCount[c]:N0} such values), which is not a finite number. Fix the value, list it in TabularCsvOptions.MissingValues, or declare the column in TabularCsvOptions.Categorical.");
                }
            }

            columns[c] = isNumeric
                ? TabularColumn.Numeric(names[c], numbers[c].ToArray())
                : TabularColumn.Categorical(names[c], cells[c]);
            reports[c] = new TabularColumnReport(names[c], isNumeric, declared, numberCount[c], textCount[c], missingCount[c]);
        }

        return new TabularData(columns, path) { LoadReport = new TabularLoadReport(path, cells[0].Count, reports) { Warnings = reader.LastLineUnterminated ? [Data.LoadReport.UnterminatedLastLine(path, reader.LineNumber)] : [] } };
    }

    private static void CheckUtf8(LineReader reader, string path)
    {
        if (reader.InvalidByteOffset >= 0)
        {
            throw new DataFormatException(path, reader.LineNumber, 0, $"invalid UTF-8 (bytes {reader.InvalidBytes} at byte {reader.InvalidByteOffset + 1} of the line); set TabularCsvOptions.Encoding (for example Encoding.Latin1) if the file is in another encoding.");
        }
    }

    private static string Detect(ReadOnlySpan<char> header)
    {
        var semicolons = header.Count(';');
        var commas = header.Count(',');
        var tabs = header.Count('\t');
        return tabs > commas && tabs > semicolons ? "\t" : semicolons > commas ? ";" : ",";
    }
}
