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

    private sealed class Loader
    {
        private readonly string _path;
        private readonly DelimitedFormat _format;
        private readonly LoadOptions _options;
        private readonly RatingScale? _scale;
        private readonly InteractionSetBuilder _builder;
        private readonly List<DataFormatException> _problems = new();
        private long _skipped;
        private int _user;
        private int _item;
        private int _rating = -1;
        private int _timestamp = -1;
        private int _domain = -1;
        private int _minFields;

        public Loader(string path, DelimitedFormat format, LoadOptions options)
        {
            _path = path;
            _format = format;
            _options = options;
            _scale = options.Scale ?? format.Scale;
            _builder = options.IdsFrom is null ? new InteractionSetBuilder() : new InteractionSetBuilder(options.IdsFrom);
            if (_scale is { } s)
            {
                _builder.WithScale(s);
            }
        }

        public InteractionSet Run()
        {
            using var reader = new LineReader(_path);
            var splitter = new FieldSplitter(_format.Delimiter, _format.Quoted);
            var first = true;
            while (reader.TryReadLine(out var line))
            {
                if (line.IsWhiteSpace())
                {
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
                    if (IsHeader(line, splitter, reader.LineNumber))
                    {
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

            var set = _builder.Build(_path);
            set.LoadReport = new LoadReport(_path, reader.LineNumber, set.Count, _skipped, _problems.ToArray());
            return set;
        }

        private bool IsHeader(ReadOnlySpan<char> line, FieldSplitter splitter, long lineNo)
        {
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

            // Auto with positional columns: a header's rating (or, for implicit data, user) field is not a number.
            var probe = _format.Rating?.Index ?? -1;
            if (probe < 0 || probe >= splitter.Count)
            {
                return false;
            }

            return !float.TryParse(splitter.Field(line, probe).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        }

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
                for (var f = 0; f < splitter.Count; f++)
                {
                    names.Add(splitter.Field(header, f).ToString());
                }

                throw new DataFormatException(_path, lineNo, 0, $"the header has no {role} column {c}; its columns are: {string.Join(", ", names)}.");
            }

            _user = Resolve(_format.User, "user");
            _item = Resolve(_format.Item, "item");
            _rating = _format.Rating is { } r ? Resolve(r, "rating") : -1;
            _timestamp = _format.Timestamp is { } t ? Resolve(t, "timestamp") : -1;
            _domain = _format.Domain is { } d ? Resolve(d, "domain") : -1;
            _minFields = 1 + Math.Max(Math.Max(_user, _item), Math.Max(_rating, Math.Max(_timestamp, _domain)));
            if (_format.FieldCount is { } n && n < _minFields)
            {
                throw new ArgumentException($"FieldCount {n} is smaller than the mapped columns need ({_minFields}).", nameof(DelimitedFormat.FieldCount));
            }

            if (splitter is not null && _format.FieldCount is null && splitter.Count < _minFields)
            {
                throw new DataFormatException(_path, lineNo, 0, $"the header has {splitter.Count} columns but the mapping needs {_minFields}.");
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

            var user = s.Field(line, _user).Trim();
            if (user.IsEmpty)
            {
                Problem(lineNo, _user + 1, "the user id is empty.");
                return;
            }

            var item = s.Field(line, _item).Trim();
            if (item.IsEmpty)
            {
                Problem(lineNo, _item + 1, "the item id is empty.");
                return;
            }

            var value = 1f;
            if (_rating >= 0)
            {
                var text = s.Field(line, _rating);
                if (!FastNumbers.TryParseFloat(text, out value))
                {
                    Problem(lineNo, _rating + 1, text.IsWhiteSpace() ? "the rating is empty; expected a number." : $"the rating '{text}' is not a number (culture-invariant, '.' as decimal point).");
                    return;
                }

                if (!float.IsFinite(value))
                {
                    Problem(lineNo, _rating + 1, $"the rating is {text.Trim()}; ratings must be finite numbers.");
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
                    Problem(lineNo, _timestamp + 1, $"the timestamp '{text}' is neither integer Unix seconds nor an ISO-8601 date/time.");
                    return;
                }
            }

            var domainIndex = -1;
            if (_domain >= 0)
            {
                var text = s.Field(line, _domain).Trim();
                if (text.IsEmpty)
                {
                    Problem(lineNo, _domain + 1, "the domain is empty.");
                    return;
                }

                domainIndex = _builder.DomainIndex(text);
            }

            // Ids are interned only once the row is known to be valid, so a skipped row adds no id.
            var u = _builder.UserIndex(user);
            var i = _builder.ItemIndex(item);
            if (domainIndex >= 0 && !_builder.TryAssignDomain(i, domainIndex))
            {
                Problem(lineNo, _domain + 1, $"item '{item}' already belongs to domain '{_builder.DomainName(_builder.ItemDomain(i))}'; an item has one domain.");
                return;
            }

            try
            {
                _builder.AddDense(u, i, value, timestamp);
            }
            catch (ArgumentException e)
            {
                Problem(lineNo, _timestamp + 1, e.Message);
            }
        }

        private void Problem(long line, int column, string problem)
        {
            var error = new DataFormatException(_path, line, column, problem);
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
