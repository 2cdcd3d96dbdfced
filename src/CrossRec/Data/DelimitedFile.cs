using System.Globalization;
using CrossRec.Data.Parsing;

namespace CrossRec.Data;

/// <summary>
/// Loads interactions from delimited text files (CSV, TSV, <c>::</c>-separated, ...) with a column
/// mapping. Streaming (one reusable buffer, no string per row for ids already seen), culture-invariant,
/// UTF-8 with or without BOM, CRLF or LF. Blank lines are ignored. Every malformed row raises a
/// <see cref="DataFormatException"/> naming the file, line, column and what was expected, unless
/// <see cref="LoadOptions.Lenient"/> is set.
/// </summary>
public static class DelimitedFile
{
    /// <summary>Loads a delimited file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A row is malformed (strict mode), or the file holds no valid row.</exception>
    public static InteractionSet Load(string path, DelimitedFormat format, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(format);
        format.Validate();
        options ??= new LoadOptions();
        options.Validate();
        return new Loader(path, format, options).Run();
    }

    /// <summary>
    /// Loads a plain interactions file (TSV, CSV, ...) whose format is detected from its first lines by
    /// <see cref="DelimitedFormat.Detect"/>; the detected format is named in <see cref="LoadReport.Warnings"/>.
    /// A file whose layout cannot be detected without guessing is refused; pass a <see cref="DelimitedFormat"/> then.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The layout cannot be detected, a row is malformed (strict mode), or the file holds no valid row.</exception>
    public static InteractionSet Load(string path, LoadOptions? options = null)
    {
        var format = DelimitedFormat.Detect(path, options);
        return new Loader(path, format, options ?? new LoadOptions(), FormatDetector.Describe(format)).Run();
    }

    /// <summary>
    /// The lines of a text file, read as every loader reads them: strict UTF-8 (or
    /// <see cref="LoadOptions.Encoding"/>), at most <see cref="LoadOptions.MaxLineBytes"/> per line, CRLF or LF,
    /// directories and special files (devices, FIFOs) refused by name. Lazily enumerated.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is not valid UTF-8 or too long, or the path is not a regular file (file and line named).</exception>
    public static IEnumerable<string> ReadLines(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new LoadOptions();
        options.Validate();
        InputFile.RequireRegular(path);
        return Lines(path, options);

        static IEnumerable<string> Lines(string path, LoadOptions options)
        {
            using var reader = new LineReader(path, options.Encoding, options.MaxLineBytes);
            while (reader.TryReadLine(out var line))
            {
                if (reader.InvalidByteOffset >= 0)
                {
                    throw new DataFormatException(path, reader.LineNumber, 0, $"invalid UTF-8 (bytes {reader.InvalidBytes} at byte {reader.InvalidByteOffset + 1} of the line). If the file is in another encoding, set LoadOptions.Encoding.");
                }

                yield return line.ToString();
            }
        }
    }

    /// <summary>
    /// Reads a list of ids, one a line (a user list, say), under the loaders' id policy: ASCII whitespace
    /// trimmed, blank lines skipped, control and format characters refused, NFC normalisation (so the ids match
    /// those of an interaction file loaded with the same options). Order kept, repeats kept.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed or the file holds no id (file and line named).</exception>
    public static IReadOnlyList<string> LoadIds(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new LoadOptions();
        options.Validate();
        var policy = new IdPolicy(options);
        var ids = new List<string>();
        using var reader = new LineReader(path, options.Encoding, options.MaxLineBytes);
        while (reader.TryReadLine(out var line))
        {
            if (reader.InvalidByteOffset >= 0)
            {
                throw new DataFormatException(path, reader.LineNumber, 1, $"invalid UTF-8 (bytes {reader.InvalidBytes} at byte {reader.InvalidByteOffset + 1} of the line). If the file is in another encoding, set LoadOptions.Encoding.");
            }

            var id = IdPolicy.Trim(line);
            if (id.IsEmpty)
            {
                continue;
            }

            if (policy.Apply(ref id, "") is { } problem)
            {
                throw new DataFormatException(path, reader.LineNumber, 1, problem.Replace("the  id", "the id", StringComparison.Ordinal));
            }

            ids.Add(id.ToString());
        }

        if (ids.Count == 0)
        {
            throw new DataFormatException(path, 0, 0, "the file holds no id (one id a line expected).");
        }

        return ids;
    }

    private sealed class Loader
    {
        private readonly string _path;
        private readonly DelimitedFormat _format;
        private readonly LoadOptions _options;
        private readonly RatingScale? _scale;
        private readonly InteractionSetBuilder _builder;
        private readonly List<DataFormatException> _problems = new();
        private readonly IdPolicy _ids;
        // The line of each row added, for messages about repeated rows. While every row sits at "row + a fixed
        // offset" (no blank line, comment or skipped row in between) only the offset is kept.
        private long _lineOffset = -1;
        private List<long>? _rowLines;
        private long _skipped;
        private string? _header;
        private bool _headerGuessed;
        private string? _firstLineHint;
        private int _user;
        private int _item;
        private int _rating = -1;
        private int _timestamp = -1;
        private int _domain = -1;
        private int _minFields;
        private int _referenceFields = -1; // without FieldCount: every row has as many fields as the header, or as the first row
        private string _reference = "";

        private readonly string? _detected;

        public Loader(string path, DelimitedFormat format, LoadOptions options, string? detected = null)
        {
            _detected = detected;
            _path = path;
            _format = format;
            _options = options;
            _scale = options.Scale ?? format.Scale;
            _builder = options.IdsFrom is null ? new InteractionSetBuilder() : new InteractionSetBuilder(options.IdsFrom);
            _builder.WithDuplicates(options.Duplicates);
            _ids = new IdPolicy(options);
            if (_scale is { } s)
            {
                _builder.WithScale(s);
            }
        }

        public InteractionSet Run()
        {
            using var reader = new LineReader(_path, _options.Encoding, _options.MaxLineBytes);
            var splitter = new FieldSplitter(_format.Delimiter, _format.Quoted);
            var first = true;
            while (reader.TryReadLine(out var line))
            {
                if (line.IsWhiteSpace())
                {
                    continue;
                }

                if (reader.InvalidByteOffset >= 0)
                {
                    var column = splitter.Split(line, out _) ? splitter.FieldAt(reader.InvalidCharOffset) + 1 : 0;
                    Problem(reader.LineNumber, column, $"invalid UTF-8 (bytes {reader.InvalidBytes} at byte {reader.InvalidByteOffset + 1} of the line); the file is read as strict UTF-8 so that distinct ids are never merged by replacement characters. If the file is in another encoding, set LoadOptions.Encoding (for example Encoding.Latin1).");
                    first = false;
                    continue;
                }

                if (!splitter.Split(line, out var badColumn))
                {
                    Problem(reader.LineNumber, badColumn, "unterminated or malformed quoted field (a quoted field must end with '\"' followed by the delimiter or the end of the line; fields cannot span lines).");
                    first = false;
                    continue;
                }

                if (first)
                {
                    first = false;
                    if (line.Contains('\r'))
                    {
                        throw new DataFormatException(_path, reader.LineNumber, 0, $"the line holds a carriage return (CR) that is not part of a CRLF line end: the file's line ends are CR only (classic Mac) or mixed, so its rows run together ({Excerpt.Of(line)}). Convert it to LF or CRLF line ends (for example tr '\\r' '\\n').");
                    }

                    if (IsHeader(line, splitter, reader.LineNumber))
                    {
                        _header = Excerpt.Of(line);
                        ResolveColumns(line, splitter, reader.LineNumber);
                        continue;
                    }

                    ResolveColumns(default, null, reader.LineNumber);
                }

                ParseRow(line, splitter, reader.LineNumber);
            }

            if (first)
            {
                throw new DataFormatException(_path, 0, 0, $"the file is empty; expected lines of {Describe()}.");
            }

            if (_builder.Count == 0)
            {
                var detail = _problems.Count > 0 ? $" {_skipped:N0} malformed rows were skipped; the first: line {_problems[0].Line}, column {_problems[0].Column}: {_problems[0].Problem}" : "";
                throw new DataFormatException(_path, 0, 0, $"no data rows; expected lines of {Describe()}.{detail}");
            }

            var repeats = new List<InteractionSetBuilder.DuplicateRow>();
            int duplicates;
            try
            {
                duplicates = _builder.Deduplicate(repeats, _options.Lenient ? _options.MaxReportedProblems : 1);
            }
            catch (ArgumentException e)
            {
                throw new DataFormatException(_path, 0, 0, e.Message);
            }

            foreach (var d in repeats)
            {
                Problem(LineOf(d.Repeat), 0, $"user '{Excerpt.Of(d.User)}' and item '{Excerpt.Of(d.Item)}' already appeared at line {LineOf(d.First)}; repeated (user, item) pairs are refused by default. Set LoadOptions.Duplicates to Sum, Last, Max or KeepAll to merge or keep them.", countSkipped: false);
            }

            if (_options.Duplicates == DuplicatePolicy.Refuse)
            {
                _skipped += duplicates;
            }

            var set = _builder.Build(_path);
            var warnings = new List<string>();
            if (_detected is not null)
            {
                warnings.Add($"The format was detected from the first lines (DelimitedFormat.Detect): {_detected}. Pass a DelimitedFormat to state it.");
            }

            if (_headerGuessed)
            {
                warnings.Add($"Line 1 was taken as a header (guessed: its fields are not numbers): {_header}. Set LoadOptions.HasHeader to say so explicitly.");
            }

            var scaleSource = _scale is not null ? ScaleSource.Declared : set.Scale is null ? ScaleSource.None : ScaleSource.Inferred;
            if (scaleSource == ScaleSource.Inferred && _rating >= 0)
            {
                warnings.Add($"No rating scale was declared; {set.Scale} was inferred from the values read, so no value was refused. Set LoadOptions.Scale (or the format's Scale) to refuse values outside the intended range.");
            }

            if (duplicates > 0 && _options.Duplicates != DuplicatePolicy.Refuse)
            {
                warnings.Add($"{duplicates:N0} rows repeated an earlier (user, item) pair and were merged by DuplicatePolicy.{_options.Duplicates}.");
            }

            warnings.AddRange(_ids.Warnings());
            if (reader.LastLineUnterminated)
            {
                warnings.Add(LoadReport.UnterminatedLastLine(_path, reader.LineNumber));
            }

            set.LoadReport = new LoadReport(_path, reader.LineNumber, set.Count, _skipped, _problems.ToArray())
            {
                Header = _header,
                HeaderGuessed = _headerGuessed,
                Duplicates = _options.Duplicates,
                DuplicateRows = duplicates,
                NormalizedIds = _ids.NormalizedIds,
                UnicodeSpaceIds = _ids.UnicodeSpaceIds,
                ControlCharacterIds = _ids.ControlCharacterIds,
                LastLineUnterminated = reader.LastLineUnterminated,
                ScaleSource = scaleSource,
                Warnings = warnings,
            };
            return set;
        }

        private bool IsHeader(ReadOnlySpan<char> line, FieldSplitter splitter, long lineNo)
        {
            if (_options.HasHeader is { } explicitHeader)
            {
                return explicitHeader;
            }

            switch (_format.Header)
            {
                case HeaderMode.Present:
                    return true;
                case HeaderMode.Absent:
                    return false;
            }

            if (_format.HasNamedColumns)
            {
                return true;
            }

            // Auto with positional columns: a guess, reported in the load report. A header has no number in
            // its user or item field; with a rating column its rating field is not a number either, and
            // without one (implicit data) its user and item fields read like column names.
            var user = _format.User.Index;
            var item = _format.Item.Index;
            var idsAreNumbers = IsNumber(line, splitter, user) || IsNumber(line, splitter, item);
            var guessed = false;
            if (_format.Rating is { } rating)
            {
                if (rating.Index >= splitter.Count || IsNumber(line, splitter, rating.Index))
                {
                    return false;
                }

                guessed = !idsAreNumbers;
                if (!guessed)
                {
                    _firstLineHint = " Line 1 was read as data, not as a header, because its user or item field is a number; set LoadOptions.HasHeader = true if it is a header.";
                }
            }
            else
            {
                var timestampIsText = _format.Timestamp is { } t && t.Index < splitter.Count && !IsNumber(line, splitter, t.Index);
                guessed = !idsAreNumbers && (timestampIsText || (Named(line, splitter, user, UserWords) && Named(line, splitter, item, ItemWords)));
            }

            _headerGuessed = guessed;
            return guessed;
        }

        private static bool IsNumber(ReadOnlySpan<char> line, FieldSplitter splitter, int index) =>
            index < splitter.Count && float.TryParse(splitter.Field(line, index).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

        private static bool Named(ReadOnlySpan<char> line, FieldSplitter splitter, int index, string[] words)
        {
            if (index >= splitter.Count)
            {
                return false;
            }

            var text = splitter.Field(line, index).Trim();
            foreach (var w in words)
            {
                if (text.Contains(w, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private static readonly string[] UserWords = ["user", "customer", "client", "member", "visitor", "account", "session", "buyer", "id"];
        private static readonly string[] ItemWords = ["item", "product", "sku", "movie", "artist", "track", "song", "article", "offer", "book", "id"];

        private void ResolveColumns(ReadOnlySpan<char> headerLine, FieldSplitter? splitter, long lineNo)
        {
            var header = headerLine.ToString(); // read once per file; a string can be captured below
            int Resolve(ColumnRef c, string role)
            {
                if (c.Name is null)
                {
                    return c.Index;
                }

                if (splitter is null)
                {
                    throw new DataFormatException(_path, lineNo, 0, $"the {role} column is named {c} but the file has no header line.");
                }

                for (var f = 0; f < splitter.Count; f++)
                {
                    if (splitter.Field(header, f).Trim().Equals(c.Name, StringComparison.OrdinalIgnoreCase))
                    {
                        return f;
                    }
                }

                var names = new List<string>();
                for (var f = 0; f < splitter.Count && f < 20; f++)
                {
                    names.Add(Excerpt.Of(splitter.Field(header, f)));
                }

                var more = splitter.Count > 20 ? $" and {splitter.Count - 20:N0} more" : "";
                throw new DataFormatException(_path, lineNo, 0, $"the header has no {role} column {c}; its columns are: {string.Join(", ", names)}{more}.");
            }

            _user = Resolve(_format.User, "user");
            _item = Resolve(_format.Item, "item");
            _rating = _format.Rating is { } r ? Resolve(r, "rating") : -1;
            _timestamp = _format.Timestamp is { } t ? Resolve(t, "timestamp") : -1;
            _domain = _format.Domain is { } d ? Resolve(d, "domain") : -1;
            _minFields = 1 + Math.Max(Math.Max(_user, _item), Math.Max(_rating, Math.Max(_timestamp, _domain)));
            if (_format.FieldCount is { } n && splitter is not null && splitter.Count != n)
            {
                var index = splitter.Count == n + 1 && splitter.Field(header, 0).Trim().IsEmpty
                    ? " Its first column has no name: an index column, as pandas writes with to_csv(index=True)? Write the file with index=False or drop that column."
                    : "";
                throw new DataFormatException(_path, lineNo, 0, $"the header has {splitter.Count} columns but this format expects exactly {n}.{index}");
            }

            if (_format.FieldCount is { } m && m < _minFields)
            {
                throw new ArgumentException($"FieldCount {m} is smaller than the mapped columns need ({_minFields}).", nameof(DelimitedFormat.FieldCount));
            }

            if (splitter is not null && _format.FieldCount is null && splitter.Count < _minFields)
            {
                throw new DataFormatException(_path, lineNo, 0, $"the header has {splitter.Count} columns but the mapping needs {_minFields}.");
            }

            if (splitter is not null)
            {
                (_referenceFields, _reference) = (splitter.Count, $"the header (line {lineNo})");
            }
        }

        private void ParseRow(ReadOnlySpan<char> line, FieldSplitter s, long lineNo)
        {
            var count = s.Count;
            if (_format.FieldCount is { } exact ? count != exact : count < _minFields)
            {
                Problem(lineNo, 0, $"expected {(_format.FieldCount is null ? "at least " : "")}{_format.FieldCount ?? _minFields} fields ({Describe()}) separated by '{Printable(_format.Delimiter)}', found {count}.");
                return;
            }

            // The field count before any value: an id with the delimiter in it shifts every later field.
            if (_format.FieldCount is null && _referenceFields < 0)
            {
                (_referenceFields, _reference) = (count, $"line {lineNo}");
            }
            else if (_format.FieldCount is null && count != _referenceFields)
            {
                Problem(lineNo, 0, $"found {count} fields separated by '{Printable(_format.Delimiter)}' where {_reference} has {_referenceFields}; a field that contains the delimiter must be quoted, or the file needs another delimiter.");
                return;
            }

            var user = IdPolicy.Trim(s.Field(line, _user));
            if (user.IsEmpty)
            {
                Problem(lineNo, _user + 1, "the user id is empty.");
                return;
            }

            if (_ids.Apply(ref user, "user") is { } badUser)
            {
                Problem(lineNo, _user + 1, badUser);
                return;
            }

            var item = IdPolicy.Trim(s.Field(line, _item));
            if (item.IsEmpty)
            {
                Problem(lineNo, _item + 1, "the item id is empty.");
                return;
            }

            if (_ids.Apply(ref item, "item") is { } badItem)
            {
                Problem(lineNo, _item + 1, badItem);
                return;
            }

            var value = 1f;
            if (_rating >= 0)
            {
                var text = s.Field(line, _rating);
                if (!FastNumbers.TryParseFloat(text, out value))
                {
                    Problem(lineNo, _rating + 1, (text.IsWhiteSpace() ? "the rating is empty; expected a number." : $"the rating '{Excerpt.Of(text)}' is not a number (culture-invariant, '.' as decimal point).") + (lineNo == 1 ? _firstLineHint : null));
                    return;
                }

                if (!float.IsFinite(value))
                {
                    Problem(lineNo, _rating + 1, $"the rating is {Excerpt.Of(text.Trim())}; ratings must be finite numbers.");
                    return;
                }

                if (_scale is { } scale && !scale.Contains(value))
                {
                    Problem(lineNo, _rating + 1, $"the rating {value.ToString(CultureInfo.InvariantCulture)} lies outside the declared scale {scale}.");
                    return;
                }
            }

            long? timestamp = null;
            if (_timestamp >= 0)
            {
                var text = s.Field(line, _timestamp).Trim();
                if (FastNumbers.TryParseInt64(text, out var ts))
                {
                    timestamp = ts;
                }
                else if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                {
                    timestamp = date.ToUnixTimeSeconds();
                }
                else
                {
                    Problem(lineNo, _timestamp + 1, $"the timestamp '{Excerpt.Of(text)}' is neither integer Unix seconds nor an ISO-8601 date/time.");
                    return;
                }
            }

            var domainIndex = -1;
            if (_domain >= 0)
            {
                var text = IdPolicy.Trim(s.Field(line, _domain));
                if (text.IsEmpty)
                {
                    Problem(lineNo, _domain + 1, "the domain is empty.");
                    return;
                }

                if (_ids.Apply(ref text, "domain") is { } badDomain)
                {
                    Problem(lineNo, _domain + 1, badDomain);
                    return;
                }

                domainIndex = _builder.DomainIndex(text);
            }

            // Ids are interned only once the row is known to be valid, so a skipped row adds no id.
            var u = _builder.UserIndex(user);
            var i = _builder.ItemIndex(item);
            if (domainIndex >= 0 && !_builder.TryAssignDomain(i, domainIndex))
            {
                Problem(lineNo, _domain + 1, $"item '{Excerpt.Of(item)}' already belongs to domain '{Excerpt.Of(_builder.DomainName(_builder.ItemDomain(i)))}'; an item has one domain.");
                return;
            }

            try
            {
                _builder.AddDense(u, i, value, timestamp);
                NoteRowLine(_builder.Count - 1, lineNo);
            }
            catch (ArgumentException e)
            {
                Problem(lineNo, _timestamp + 1, e.Message);
            }
        }

        private void NoteRowLine(int row, long line)
        {
            if (_rowLines is null)
            {
                if (_lineOffset < 0)
                {
                    _lineOffset = line - row;
                }

                if (line - row == _lineOffset)
                {
                    return;
                }

                _rowLines = new List<long>(row + 1024);
                for (var r = 0; r < row; r++)
                {
                    _rowLines.Add(r + _lineOffset);
                }
            }

            _rowLines.Add(line);
        }

        private long LineOf(int row) => _rowLines is null ? row + _lineOffset : _rowLines[row];

        private void Problem(long line, int column, string problem, bool countSkipped = true)
        {
            var error = new DataFormatException(_path, line, column, problem);
            if (!_options.Lenient)
            {
                throw error;
            }

            if (countSkipped)
            {
                _skipped++;
            }

            if (_problems.Count < _options.MaxReportedProblems)
            {
                _problems.Add(error);
            }
        }

        private string Describe()
        {
            var roles = new List<(int Key, string Role)>();
            void Add(ColumnRef? c, string role)
            {
                if (c is { } col)
                {
                    roles.Add((col.Index >= 0 ? col.Index : 1000 + roles.Count, col.Name is null ? role : $"{role} ({col})"));
                }
            }

            Add(_format.User, "user");
            Add(_format.Item, "item");
            Add(_format.Rating, "rating");
            Add(_format.Timestamp, "timestamp");
            Add(_format.Domain, "domain");
            return string.Join(" ", roles.OrderBy(r => r.Key).Select(r => r.Role));
        }

        private static string Printable(string delimiter) => delimiter == "\t" ? "\\t" : delimiter;
    }
}
