namespace CrossRec.Data;

/// <summary>Whether a delimited file starts with a header line.</summary>
public enum HeaderMode
{
    /// <summary>
    /// Detect. Columns named by header name mean a header. With positional columns the first line is
    /// guessed to be a header when its user and item fields are not numbers and, with a rating column, its
    /// rating field is not a number either (without one: its user and item fields read like column names,
    /// or its timestamp field is not a number). A guess is reported in <see cref="LoadReport.HeaderGuessed"/>
    /// and <see cref="LoadReport.Warnings"/>; a first line such as <c>1,10,abc</c> is data (and an error),
    /// never a silently dropped header. <see cref="LoadOptions.HasHeader"/> overrides the guess.
    /// </summary>
    Auto = 0,

    /// <summary>The first line is a header.</summary>
    Present = 1,

    /// <summary>Every line is data.</summary>
    Absent = 2,
}

/// <summary>A column of a delimited file, by 0-based index or by header name (case-insensitive).</summary>
public readonly record struct ColumnRef
{
    private ColumnRef(int index, string? name)
    {
        Index = index;
        Name = name;
    }

    /// <summary>0-based index, or -1 when the column is named.</summary>
    public int Index { get; }

    /// <summary>Header name, or null when the column is given by index.</summary>
    public string? Name { get; }

    /// <summary>A column by 0-based index.</summary>
    public static ColumnRef At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new ColumnRef(index, null);
    }

    /// <summary>A column by header name.</summary>
    public static ColumnRef Named(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new ColumnRef(-1, name);
    }

    /// <summary>A column by 0-based index.</summary>
    public static implicit operator ColumnRef(int index) => At(index);

    /// <summary>A column by header name.</summary>
    public static implicit operator ColumnRef(string name) => Named(name);

    /// <inheritdoc />
    public override string ToString() => Name is null ? $"#{Index}" : $"'{Name}'";
}

/// <summary>
/// Layout of a delimited interactions file: delimiter, header, which column holds the user, item,
/// rating and (optionally) timestamp and domain. Immutable.
/// </summary>
/// <example>
/// <code>
/// var format = new DelimitedFormat { Delimiter = ";", User = "customer", Item = "sku", Rating = "stars", Header = HeaderMode.Present };
/// var data = DelimitedFile.Load("orders.csv", format);
/// </code>
/// </example>
public sealed record DelimitedFormat
{
    /// <summary>Field delimiter: one character ("," ";" "\t") or a sequence such as "::".</summary>
    public string Delimiter { get; init; } = ",";

    /// <summary>Honour RFC 4180 double quotes around fields (a quoted field may contain the delimiter).</summary>
    public bool Quoted { get; init; } = true;

    /// <summary>Header line handling.</summary>
    public HeaderMode Header { get; init; } = HeaderMode.Auto;

    /// <summary>User id column.</summary>
    public ColumnRef User { get; init; } = 0;

    /// <summary>Item id column.</summary>
    public ColumnRef Item { get; init; } = 1;

    /// <summary>Rating (value) column, or null for implicit feedback (every row counts 1).</summary>
    public ColumnRef? Rating { get; init; } = 2;

    /// <summary>Optional timestamp column: integer Unix seconds or an ISO-8601 date/time.</summary>
    public ColumnRef? Timestamp { get; init; }

    /// <summary>Optional domain column (an item keeps one domain).</summary>
    public ColumnRef? Domain { get; init; }

    /// <summary>Exact number of fields every line must have; null requires only enough fields for the mapped columns.</summary>
    public int? FieldCount { get; init; }

    /// <summary>The format's own rating scale (used unless <see cref="LoadOptions.Scale"/> overrides it).</summary>
    public RatingScale? Scale { get; init; }

    /// <summary>Checks the format.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Delimiter) || Delimiter.Contains('\n') || Delimiter.Contains('\r') || (Quoted && Delimiter.Contains('"')))
        {
            throw new ArgumentOutOfRangeException(nameof(Delimiter), Delimiter, "Delimiter must be non-empty, without line breaks, and without '\"' when Quoted.");
        }

        if (!Enum.IsDefined(Header))
        {
            throw new ArgumentOutOfRangeException(nameof(Header), Header, "Header must be Auto, Present or Absent.");
        }

        if (FieldCount is { } n)
        {
            Check.Range(n, 1, 10_000, nameof(FieldCount));
        }

        Scale?.Validate(nameof(Scale));
        var named = User.Name is not null || Item.Name is not null || Rating?.Name is not null || Timestamp?.Name is not null || Domain?.Name is not null;
        if (named && Header == HeaderMode.Absent)
        {
            throw new ArgumentException("Columns are named but Header is Absent; name columns only when the file has a header.", nameof(Header));
        }
    }

    /// <summary>
    /// Detects the format of a plain interactions file from its first lines (up to 20 non-empty ones): the delimiter
    /// (a tab or <c>::</c> wherever they occur; otherwise the one of ',', ';' and '|' that splits every sampled line
    /// into the same number of fields; otherwise a space), whether line 1 is a header (with three or more columns:
    /// its third field is not a number while the next line's is; with two: its first field names a user column, or
    /// it is the only non-numeric line above numeric ids), and the columns: user, item, then a numeric value when
    /// there is a third column, and a Unix-seconds timestamp as a fourth (as MovieLens' <c>u.data</c>); a header's
    /// names (user, userId, item, movieId, rating, timestamp, ...) place them. The result states the header
    /// explicitly (<see cref="HeaderMode.Present"/> or <see cref="HeaderMode.Absent"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">
    /// The layout cannot be told without guessing, naming the file and line: lines with different field counts, more
    /// than one delimiter that splits every line alike, a single field per line, a third column that is not numeric,
    /// an empty file; or the file is not readable text.
    /// </exception>
    public static DelimitedFormat Detect(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new LoadOptions();
        options.Validate();
        return Parsing.FormatDetector.Detect(path, options);
    }

    internal bool HasNamedColumns => User.Name is not null || Item.Name is not null || Rating?.Name is not null || Timestamp?.Name is not null || Domain?.Name is not null;
}
