using System.Globalization;
using CrossRec.Data.Parsing;

namespace CrossRec.Data;

/// <summary>
/// The row checks every table loader shares (database readers, Parquet): empty ids, non-finite values,
/// values outside the declared scale, mixed timestamps and conflicting domains become a
/// <see cref="DataFormatException"/> naming the source, the 1-based row (as its line) and the 1-based
/// column; lenient mode skips and counts them. Ids are interned only once a row is valid. Ids follow the
/// loaders' one id policy (<see cref="IdPolicy"/>) and repeated (user, item) pairs
/// <see cref="LoadOptions.Duplicates"/>, exactly as in <see cref="DelimitedFile"/>.
/// </summary>
internal sealed class InteractionRowSink
{
    private readonly string _source;
    private readonly LoadOptions _options;
    private readonly InteractionSetBuilder _builder;
    private readonly List<DataFormatException> _problems = new();
    private readonly IdPolicy _ids;
    // The source row of each builder row, for messages about repeated pairs: while every row sits at
    // "builder row + a fixed offset" in one source only the offset is kept.
    private readonly List<(int FirstRow, string Source)> _sources = new();
    private long _rowOffset = long.MinValue;
    private List<long>? _rowNumbers;
    private long _skipped;

    public InteractionRowSink(string source, LoadOptions options)
    {
        _source = source;
        Source = source;
        _options = options;
        _builder = options.IdsFrom is null ? new InteractionSetBuilder() : new InteractionSetBuilder(options.IdsFrom);
        _builder.WithDuplicates(options.Duplicates);
        _ids = new IdPolicy(options);
        if (options.Scale is { } s)
        {
            _builder.WithScale(s);
        }
    }

    /// <summary>The source named by problems (a part file of a directory, say); the built set keeps the first name.</summary>
    public string Source { get; set; }

    public int Count => _builder.Count;

    /// <summary>Records a problem at a row and column (1-based); throws in strict mode.</summary>
    public void Problem(long row, int column, string problem)
    {
        var error = new DataFormatException(Source, row, column, problem);
        if (!_options.Lenient)
        {
            throw error;
        }

        _skipped++;
        if (_problems.Count < _options.MaxReportedProblems)
        {
            _problems.Add(error);
        }
    }

    /// <summary>Checks and adds one row; columns are 0-based ordinals (-1 when unmapped). Returns false when the row was refused (lenient).</summary>
    public bool Add(long row, ReadOnlySpan<char> user, int userColumn, ReadOnlySpan<char> item, int itemColumn, float value, int valueColumn,
        long? timestamp, int timestampColumn, ReadOnlySpan<char> domain, int domainColumn)
    {
        user = IdPolicy.Trim(user);
        if (user.IsEmpty)
        {
            Problem(row, userColumn + 1, "the user id is empty.");
            return false;
        }

        if (_ids.Apply(ref user, "user") is { } badUser)
        {
            Problem(row, userColumn + 1, badUser);
            return false;
        }

        item = IdPolicy.Trim(item);
        if (item.IsEmpty)
        {
            Problem(row, itemColumn + 1, "the item id is empty.");
            return false;
        }

        if (_ids.Apply(ref item, "item") is { } badItem)
        {
            Problem(row, itemColumn + 1, badItem);
            return false;
        }

        if (!float.IsFinite(value))
        {
            Problem(row, valueColumn + 1, $"the value is {value.ToString(CultureInfo.InvariantCulture)}; values must be finite numbers.");
            return false;
        }

        if (_builder.DeclaredScale is { } scale && !scale.Contains(value))
        {
            Problem(row, valueColumn + 1, $"the value {value.ToString(CultureInfo.InvariantCulture)} lies outside the declared scale {scale}.");
            return false;
        }

        var domainIndex = -1;
        if (domainColumn >= 0)
        {
            domain = IdPolicy.Trim(domain);
            if (domain.IsEmpty)
            {
                Problem(row, domainColumn + 1, "the domain is empty.");
                return false;
            }

            if (_ids.Apply(ref domain, "domain") is { } badDomain)
            {
                Problem(row, domainColumn + 1, badDomain);
                return false;
            }

            domainIndex = _builder.DomainIndex(domain);
        }

        var u = _builder.UserIndex(user);
        var i = _builder.ItemIndex(item);
        if (domainIndex >= 0 && !_builder.TryAssignDomain(i, domainIndex))
        {
            Problem(row, domainColumn + 1, $"item '{item}' already belongs to domain '{_builder.DomainName(_builder.ItemDomain(i))}'; an item has one domain.");
            return false;
        }

        try
        {
            _builder.AddDense(u, i, value, timestamp);
            NoteRow(_builder.Count - 1, row);
        }
        catch (ArgumentException e)
        {
            Problem(row, timestampColumn + 1, e.Message);
            return false;
        }

        return true;
    }

    /// <summary>Parses a text timestamp: integer Unix seconds or an ISO-8601 date/time (UTC when no offset is given).</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out long seconds)
    {
        text = text.Trim();
        if (Parsing.FastNumbers.TryParseInt64(text, out seconds))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            seconds = date.ToUnixTimeSeconds();
            return true;
        }

        return false;
    }

    /// <summary>Freezes the set with its load report; a source with no valid row is an error.</summary>
    public InteractionSet Build(long rowsRead, string expected)
    {
        if (_builder.Count == 0)
        {
            var detail = _problems.Count > 0 ? $" {_skipped:N0} malformed rows were skipped; the first: row {_problems[0].Line}, column {_problems[0].Column}: {_problems[0].Problem}" : "";
            throw new DataFormatException(_source, 0, 0, $"no data rows ({rowsRead:N0} read); expected rows of {expected}.{detail}");
        }

        var repeats = new List<InteractionSetBuilder.DuplicateRow>();
        int duplicates;
        try
        {
            duplicates = _builder.Deduplicate(repeats, _options.Lenient ? _options.MaxReportedProblems : 1);
        }
        catch (ArgumentException e)
        {
            throw new DataFormatException(_source, 0, 0, e.Message);
        }

        foreach (var d in repeats)
        {
            var (firstSource, firstRow) = RowOf(d.First);
            var (source, repeatRow) = RowOf(d.Repeat);
            var where = firstSource == source ? $"row {firstRow}" : $"row {firstRow} of {firstSource}";
            var error = new DataFormatException(source, repeatRow, 0, $"user '{Excerpt.Of(d.User)}' and item '{Excerpt.Of(d.Item)}' already appeared at {where}; repeated (user, item) pairs are refused by default. Set LoadOptions.Duplicates to Sum, Last, Max or KeepAll to merge or keep them.");
            if (!_options.Lenient)
            {
                throw error;
            }

            if (_problems.Count < _options.MaxReportedProblems)
            {
                _problems.Add(error);
            }
        }

        if (_options.Duplicates == DuplicatePolicy.Refuse)
        {
            _skipped += duplicates;
        }

        var warnings = new List<string>();
        if (duplicates > 0 && _options.Duplicates != DuplicatePolicy.Refuse)
        {
            warnings.Add($"{duplicates:N0} rows repeated an earlier (user, item) pair and were merged by DuplicatePolicy.{_options.Duplicates}.");
        }

        warnings.AddRange(_ids.Warnings());
        var set = _builder.Build(_source);
        set.LoadReport = new LoadReport(_source, rowsRead, set.Count, _skipped, _problems.ToArray())
        {
            Duplicates = _options.Duplicates,
            DuplicateRows = duplicates,
            NormalizedIds = _ids.NormalizedIds,
                UnicodeSpaceIds = _ids.UnicodeSpaceIds,
                ControlCharacterIds = _ids.ControlCharacterIds,
            ScaleSource = _builder.DeclaredScale is not null ? ScaleSource.Declared : set.Scale is null ? ScaleSource.None : ScaleSource.Inferred,
            Warnings = warnings,
        };
        return set;
    }

    private void NoteRow(int builderRow, long sourceRow)
    {
        if (_sources.Count == 0 || !ReferenceEquals(_sources[^1].Source, Source))
        {
            _sources.Add((builderRow, Source));
        }

        if (_rowNumbers is null)
        {
            if (_rowOffset == long.MinValue)
            {
                _rowOffset = sourceRow - builderRow;
            }

            if (sourceRow - builderRow == _rowOffset && _sources.Count == 1)
            {
                return;
            }

            _rowNumbers = new List<long>(builderRow + 1024);
            for (var r = 0; r < builderRow; r++)
            {
                _rowNumbers.Add(r + _rowOffset);
            }
        }

        _rowNumbers.Add(sourceRow);
    }

    private (string Source, long Row) RowOf(int builderRow)
    {
        var source = _source;
        foreach (var (first, name) in _sources)
        {
            if (first <= builderRow)
            {
                source = name;
            }
        }

        return (source, _rowNumbers is null ? builderRow + _rowOffset : _rowNumbers[builderRow]);
    }
}
