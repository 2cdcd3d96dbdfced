using System.Globalization;

namespace CrossRec.Data.Parsing;

/// <summary>
/// Detects the layout of a plain interactions file from its first lines (<see cref="DelimitedFormat.Detect"/>):
/// the delimiter, whether line 1 is a header, and which columns hold the user, item, value and timestamp. A file
/// whose layout cannot be told without guessing is refused with a message that says why.
/// </summary>
internal static class FormatDetector
{
    /// <summary>Non-empty lines read to decide.</summary>
    public const int SampleLines = 20;

    // Header names, compared without '_', '-', spaces and quotes, ignoring case; exact words only, so that an id such as
    // "user_17" is never taken for a column name.
    private static readonly HashSet<string> UserNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "user", "users", "userid", "uid", "u", "customer", "customerid", "member", "memberid", "visitor", "visitorid",
        "session", "sessionid", "account", "accountid", "client", "clientid", "buyer", "buyerid",
    };

    private static readonly HashSet<string> ItemNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "item", "items", "itemid", "iid", "i", "movie", "movieid", "product", "productid", "sku", "artist", "artistid",
        "track", "trackid", "song", "songid", "book", "bookid", "isbn", "article", "articleid", "offer", "offerid", "video", "videoid",
    };

    private static readonly HashSet<string> ValueNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "rating", "ratings", "value", "score", "stars", "weight", "count", "plays", "playcount", "clicks", "quantity", "qty", "amount", "preference",
    };

    private static readonly HashSet<string> TimeNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "timestamp", "time", "ts", "date", "datetime", "unixtime", "created", "createdat",
    };

    // Delimiters that mark a file on their own (an id never holds a tab: the id policy refuses control characters).
    private static readonly string[] Marking = ["\t", "::"];

    // Delimiters that may also occur inside ids: chosen only when exactly one splits every sampled line alike.
    private static readonly string[] Candidates = [",", ";", "|"];

    public static DelimitedFormat Detect(string path, LoadOptions options)
    {
        var sample = Sample(path, options);
        var (firstNo, first) = sample[0];
        if (first.Contains('\r'))
        {
            throw new DataFormatException(path, firstNo, 0, $"the line holds a carriage return (CR) that is not part of a CRLF line end: the file's line ends are CR only (classic Mac) or mixed, so its rows run together ({Excerpt.Of(first)}). Convert it to LF or CRLF line ends (for example tr '\\r' '\\n').");
        }

        var delimiter = ChooseDelimiter(path, sample);
        var splitter = new FieldSplitter(delimiter, quotes: true);
        var rows = new List<string[]>(sample.Count);
        foreach (var (lineNo, line) in sample)
        {
            if (!splitter.Split(line, out var bad))
            {
                throw new DataFormatException(path, lineNo, bad, "unterminated or malformed quoted field (a quoted field must end with '\"' followed by the delimiter or the end of the line).");
            }

            var fields = new string[splitter.Count];
            for (var f = 0; f < fields.Length; f++)
            {
                fields[f] = splitter.Field(line, f).Trim().ToString();
            }

            rows.Add(fields);
        }

        var n = rows[0].Length;
        if (n < 2)
        {
            throw new DataFormatException(path, firstNo, 0, $"one field on the line ('{Excerpt.Of(first)}'); expected user<sep>item[<sep>value] lines separated by a tab, ',', ';', '|', '::' or a space.");
        }

        for (var r = 1; r < rows.Count; r++)
        {
            if (rows[r].Length != n)
            {
                var separator = delimiter == " " ? "spaces" : delimiter == "\t" ? "tabs" : $"'{delimiter}'";
                throw new DataFormatException(path, sample[r].Line, 0, $"{rows[r].Length} fields separated by {separator}, where line {firstNo} has {n}: the layout cannot be detected. An id that contains the delimiter needs a file separated by something else (a tab or a comma), or quotes; otherwise pass a DelimitedFormat.");
            }
        }

        var header = IsHeader(rows);
        var data = header ? rows.Skip(1).ToList() : rows;
        int user = 0, item = 1;
        int? value = n >= 3 ? 2 : null, time = null;
        if (header)
        {
            var names = rows[0].Select(Word).ToArray();
            var u = Array.FindIndex(names, UserNames.Contains);
            var i = Array.FindIndex(names, ItemNames.Contains);
            if (u >= 0 && i >= 0 && u != i)
            {
                (user, item) = (u, i);
                var v = Array.FindIndex(names, ValueNames.Contains);
                var t = Array.FindIndex(names, TimeNames.Contains);
                value = v >= 0 ? v : Enumerable.Range(0, n).Where(c => c != user && c != item && c != t).Select(c => (int?)c).FirstOrDefault();
                time = t >= 0 ? t : null;
            }
            else if (n >= 4 && TimeNames.Contains(names[3]))
            {
                time = 3;
            }
        }
        else if (n == 4 && data.All(f => long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s >= 100_000_000))
        {
            time = 3; // user item value unix-seconds, as MovieLens' u.data
        }

        if (value is { } c3)
        {
            var texts = data.Where(f => !IsNumber(f[c3])).Take(2).ToList();
            if (texts.Count > 0)
            {
                throw new DataFormatException(path, sample[rows.IndexOf(texts[0])].Line, c3 + 1, $"column {c3 + 1} holds '{Excerpt.Of(texts[0][c3])}', not a number, so it is not a value column and the layout cannot be detected (user, item, then a numeric value). Pass a DelimitedFormat that names the columns.");
            }
        }

        return new DelimitedFormat
        {
            Delimiter = delimiter,
            Header = header ? HeaderMode.Present : HeaderMode.Absent,
            User = user,
            Item = item,
            Rating = value is { } v2 ? v2 : null,
            Timestamp = time is { } t2 ? t2 : null,
        };
    }

    /// <summary>One sentence describing a detected format, for load reports and tools.</summary>
    public static string Describe(DelimitedFormat f)
    {
        var columns = new List<(int, string)> { (f.User.Index, "user"), (f.Item.Index, "item") };
        if (f.Rating is { } r)
        {
            columns.Add((r.Index, "value"));
        }

        if (f.Timestamp is { } t)
        {
            columns.Add((t.Index, "timestamp"));
        }

        var delimiter = f.Delimiter switch { "\t" => "tab", " " => "space", var d => $"'{d}'" };
        return $"delimiter {delimiter}, {(f.Header == HeaderMode.Present ? "a header line" : "no header")}, columns {string.Join(", ", columns.OrderBy(c => c.Item1).Select(c => $"{c.Item1 + 1} {c.Item2}"))}";
    }

    private static List<(long Line, string Text)> Sample(string path, LoadOptions options)
    {
        var sample = new List<(long, string)>(SampleLines);
        using var reader = new LineReader(path, options.Encoding, options.MaxLineBytes);
        while (sample.Count < SampleLines && reader.TryReadLine(out var line))
        {
            if (reader.InvalidByteOffset >= 0)
            {
                throw new DataFormatException(path, reader.LineNumber, 0, $"invalid UTF-8 (bytes {reader.InvalidBytes} at byte {reader.InvalidByteOffset + 1} of the line). If the file is in another encoding, set LoadOptions.Encoding.");
            }

            if (!line.IsWhiteSpace())
            {
                sample.Add((reader.LineNumber, line.ToString()));
            }
        }

        if (sample.Count == 0)
        {
            throw new DataFormatException(path, 0, 0, "the file is empty; expected user<sep>item[<sep>value] lines.");
        }

        return sample;
    }

    private static string ChooseDelimiter(string path, List<(long Line, string Text)> sample)
    {
        var first = sample[0].Text;
        foreach (var d in Marking)
        {
            if (first.Contains(d, StringComparison.Ordinal))
            {
                return d;
            }
        }

        var present = Candidates.Where(d => first.Contains(d, StringComparison.Ordinal)).ToList();
        var consistent = present.Where(d => SplitsAlike(d, sample)).ToList();
        if (consistent.Count > 1)
        {
            var counts = string.Join(" and ", consistent.Select(d => $"by '{d}' into {Count(d, first)} fields"));
            throw new DataFormatException(path, sample[0].Line, 0, $"the delimiter is ambiguous: every sampled line splits {counts} ('{Excerpt.Of(first)}'). Pass a DelimitedFormat with the Delimiter.");
        }

        return consistent.Count == 1 ? consistent[0] : present.Count > 0 ? present[0] : " ";
    }

    private static bool SplitsAlike(string delimiter, List<(long Line, string Text)> sample)
    {
        var n = Count(delimiter, sample[0].Text);
        return n >= 2 && sample.All(s => Count(delimiter, s.Text) == n);
    }

    private static int Count(string delimiter, string line)
    {
        var splitter = new FieldSplitter(delimiter, quotes: true);
        return splitter.Split(line, out _) ? splitter.Count : -1;
    }

    /// <summary>
    /// Line 1 is a header when, with three or more columns, its third field is a word above numbers; with two columns,
    /// when its first field is a user column name, or it is the only non-numeric line above numeric ids.
    /// </summary>
    private static bool IsHeader(List<string[]> rows)
    {
        var f1 = rows[0];
        var f2 = rows.Count > 1 ? rows[1] : null;
        if (f1.Length >= 3)
        {
            return !IsNumber(f1[2]) && (f2 is null || IsNumber(f2[2]));
        }

        var numericBelow = f2 is not null && IsNumber(f2[0]) && IsNumber(f2[1]) && !(IsNumber(f1[0]) && IsNumber(f1[1]));
        return UserNames.Contains(Word(f1[0])) || numericBelow;
    }

    private static string Word(string field) => field.Replace("_", "").Replace("-", "").Replace(" ", "").Replace("\"", "");

    private static bool IsNumber(string field) => double.TryParse(field.Trim().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
