using System.Globalization;
using CrossRec.Data.Parsing;

namespace CrossRec.Transfer;

/// <summary>
/// Loads real multi-domain interaction data for cross-domain recommendation: one file of
/// <c>user item value domain</c> rows, or one file per domain (<c>user item [value]</c>) whose items are
/// named <c>domain:item</c> so that equal item ids of two domains stay different items.
/// </summary>
/// <remarks>
/// Fields are separated by a tab, a comma or runs of spaces (whichever the first data line uses). A first
/// line whose value field is not a number is a header and skipped. Repeated (user, item) rows are kept
/// (the models sum them). A malformed line raises <see cref="DataFormatException"/> naming the file, line
/// and column.
/// </remarks>
public static class CrossDomainData
{
    /// <summary>Loads a <c>user item value domain</c> file (one domain per item: an item id met under two domains is an error).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed (file, line and column named).</exception>
    public static InteractionSet Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var builder = new InteractionSetBuilder();
        var ids = new IdPolicy(new LoadOptions());
        var owner = new Dictionary<string, (string Domain, long Line)>(StringComparer.Ordinal);
        var warnings = new List<string>();
        var lines = Read(path, 4, (fields, line) =>
        {
            var value = Value(path, line, fields[2], 3);
            var domain = fields[3];
            if (owner.TryGetValue(fields[1], out var first) && first.Domain != domain)
            {
                throw new DataFormatException(path, line, 4, $"item '{Excerpt.Of(fields[1])}' is in domain '{Excerpt.Of(first.Domain)}' (line {first.Line}) and here in '{Excerpt.Of(domain)}'; give each domain's items distinct ids, or load one file per domain (its items are then named domain:item).");
            }

            owner.TryAdd(fields[1], (domain, line));
            builder.Add(fields[0], fields[1], value, null, domain);
        }, ids, warnings);
        return Build(builder, path, ids, lines, warnings);
    }

    /// <summary>Loads one <c>user item [value]</c> file per domain; items are named <c>domain:item</c>, users are shared by id.</summary>
    /// <param name="files">(path, domain) pairs; at least two distinct domains (a domain may have several files, for example train and test).</param>
    /// <exception cref="ArgumentException">Fewer than two distinct domains, or an empty name.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed (file, line and column named).</exception>
    public static InteractionSet Load(IReadOnlyList<(string Path, string Domain)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var domains = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, domain) in files)
        {
            ArgumentException.ThrowIfNullOrEmpty(path, nameof(files));
            ArgumentException.ThrowIfNullOrEmpty(domain, nameof(files));
            if (domain.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Domain name '{domain}' contains ':', which separates it from the item id.", nameof(files));
            }
        }

        var builder = new InteractionSetBuilder();
        var ids = new IdPolicy(new LoadOptions());
        long lines = 0;
        var warnings = new List<string>();
        foreach (var (path, domain) in files)
        {
            lines += Read(path, 2, (fields, line) =>
            {
                var value = fields.Length > 2 ? Value(path, line, fields[2], 3) : 1f;
                builder.Add(fields[0], $"{domain}:{fields[1]}", value, null, domain);
            }, ids, warnings);
            domains.Add(domain);
        }

        if (domains.Count < 2)
        {
            throw new ArgumentException($"Cross-domain data needs files of at least two domains; got {string.Join(", ", domains)}.", nameof(files));
        }

        return Build(builder, string.Join(" + ", files.Select(f => $"{f.Path} ({f.Domain})")), ids, lines, warnings);
    }

    /// <summary>
    /// Loads what a command-line <c>--data</c> value names: an existing file is a <c>user item value domain</c>
    /// file (<see cref="Load(string)"/>); otherwise the value is a comma-separated list of <c>PATH:DOMAIN</c>
    /// (<see cref="Load(IReadOnlyList{ValueTuple{string, string}})"/>), for example
    /// <c>sport/train.txt:sport,phone/train.txt:phone</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The value is neither an existing file nor a list of PATH:DOMAIN.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed.</exception>
    public static InteractionSet Open(string spec)
    {
        ArgumentException.ThrowIfNullOrEmpty(spec);
        if (File.Exists(spec))
        {
            return Load(spec);
        }

        if (Directory.Exists(spec))
        {
            throw new DataFormatException(spec, 0, 0, "is a directory, not a file (give a user-item-value-domain file, or PATH:DOMAIN,PATH:DOMAIN for one file per domain).");
        }

        if (!spec.Contains(':', StringComparison.Ordinal))
        {
            throw new FileNotFoundException($"Interaction file '{spec}' does not exist (give a user-item-value-domain file, or PATH:DOMAIN,PATH:DOMAIN for one file per domain).", spec);
        }

        return Load(spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseFileAndDomain).ToList());
    }

    /// <summary>Parses a <c>PATH:DOMAIN</c> argument (the last ':' separates them, so Windows drive letters work).</summary>
    /// <exception cref="ArgumentException">No ':' or an empty part.</exception>
    public static (string Path, string Domain) ParseFileAndDomain(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        var at = argument.LastIndexOf(':');
        if (at <= 0 || at == argument.Length - 1)
        {
            throw new ArgumentException($"'{argument}' is not PATH:DOMAIN.", nameof(argument));
        }

        return (argument[..at], argument[(at + 1)..]);
    }

    private static InteractionSet Build(InteractionSetBuilder builder, string name, IdPolicy ids, long lines, List<string> warnings)
    {
        if (builder.Count == 0)
        {
            throw new DataFormatException(name, 0, 0, "no interactions");
        }

        var set = builder.Build(name);
        set.LoadReport = new LoadReport(name, lines, set.Count, 0, [])
        {
            Duplicates = DuplicatePolicy.KeepAll,
            NormalizedIds = ids.NormalizedIds,
            UnicodeSpaceIds = ids.UnicodeSpaceIds,
            ControlCharacterIds = ids.ControlCharacterIds,
            LastLineUnterminated = warnings.Count > 0,
            ScaleSource = set.Scale is null ? ScaleSource.None : ScaleSource.Inferred,
            Warnings = [.. ids.Warnings(), .. warnings],
        };
        return set;
    }

    private static float Value(string path, long line, string field, int column)
    {
        if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v))
        {
            throw new DataFormatException(path, line, column, $"value '{Excerpt.Of(field)}' is not a finite number");
        }

        return v;
    }

    private static long Read(string path, int minFields, Action<string[], long> row, IdPolicy ids, List<string> warnings)
    {
        if (InputFile.Of(path) == InputFile.Kind.Missing)
        {
            throw new FileNotFoundException($"Interaction file '{path}' does not exist.", path);
        }

        // The shared line reader: strict UTF-8 (an invalid byte is an error, never a U+FFFD that merges ids),
        // bounded lines, directories and devices refused by name.
        using var reader = new LineReader(path);
        char[]? separator = null;
        var dataLines = 0;
        while (reader.TryReadLine(out var span))
        {
            var lineNo = reader.LineNumber;
            if (reader.InvalidByteOffset >= 0)
            {
                throw new DataFormatException(path, lineNo, 0, $"invalid UTF-8 (bytes {reader.InvalidBytes} at byte {reader.InvalidByteOffset + 1} of the line); cross-domain files are read as strict UTF-8 so that distinct ids are never merged by replacement characters. Convert the file to UTF-8.");
            }

            if (span.IsEmpty || span[0] == '#' || span.IsWhiteSpace())
            {
                continue;
            }

            var line = span.ToString();
            separator ??= line.Contains('\t') ? ['\t'] : line.Contains(',') ? [','] : [' '];
            var fields = separator[0] == ' ' ? line.Split(' ', StringSplitOptions.RemoveEmptyEntries) : line.Split(separator[0]);
            if (fields.Length < minFields)
            {
                throw new DataFormatException(path, lineNo, fields.Length + 1, $"expected at least {minFields} fields ({(minFields == 4 ? "user item value domain" : "user item [value]")}), found {fields.Length}");
            }

            for (var f = 0; f < Math.Min(fields.Length, 4); f++)
            {
                var field = IdPolicy.Trim(fields[f]);
                if (field.Length == 0)
                {
                    throw new DataFormatException(path, lineNo, f + 1, "empty field");
                }

                if (f != 2 && ids.Apply(ref field, f == 0 ? "user" : f == 1 ? "item" : "domain") is { } problem)
                {
                    throw new DataFormatException(path, lineNo, f + 1, problem);
                }

                fields[f] = field.ToString();
            }

            if (dataLines == 0 && fields.Length > 2 && !float.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                dataLines = -1; // header
                continue;
            }

            dataLines = Math.Max(dataLines, 0) + 1;
            row(fields, lineNo);
        }

        if (reader.LastLineUnterminated)
        {
            warnings.Add(LoadReport.UnterminatedLastLine(path, reader.LineNumber));
        }

        return reader.LineNumber;
    }
}
