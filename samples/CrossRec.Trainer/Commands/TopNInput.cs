using System.Globalization;

namespace CrossRec.Trainer.Commands;

/// <summary>
/// Reads the plain files of the <c>topn</c> command: interactions <c>user&lt;sep&gt;item[&lt;sep&gt;value]</c>
/// (tab, comma or single space; a header line optional), a user list, and item domains. The layout is
/// sniffed from the first two lines and reported; everything else goes through the library's loader, so a
/// malformed row is refused with its file, line and column.
/// </summary>
public static class TopNInput
{
    // Column names a header's first field has (compared without '_', '-', spaces and quotes, ignoring case);
    // exact words only, so an id such as "user_17" is never taken for a header.
    private static readonly HashSet<string> UserWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "user", "users", "userid", "uid", "u", "customer", "customerid", "member", "memberid", "visitor", "visitorid",
        "session", "sessionid", "account", "accountid", "client", "clientid", "buyer", "buyerid",
    };

    /// <summary>What the sniffing decided.</summary>
    public sealed record Layout(string Delimiter, bool HasValue, bool HasHeader);

    /// <summary>Loads the training interactions; values default to 1 when the file has two columns.</summary>
    public static (InteractionSet Data, Layout Layout) LoadTrain(string path)
    {
        var layout = Sniff(path);
        var format = new DelimitedFormat
        {
            Delimiter = layout.Delimiter,
            Header = layout.HasHeader ? HeaderMode.Present : HeaderMode.Absent,
            User = 0,
            Item = 1,
            Rating = layout.HasValue ? 2 : null,
        };
        return (DelimitedFile.Load(path, format), layout);
    }

    /// <summary>
    /// One user id a line, read by the library's id-list loader: strict UTF-8, bounded lines, ASCII whitespace
    /// trimmed, empty lines skipped, control characters refused and NFC normalisation, exactly as the training
    /// file's ids, so a listed user matches the same user in the training file.
    /// </summary>
    public static List<string> LoadUsers(string path) => [.. DelimitedFile.LoadIds(path)];

    /// <summary>
    /// Refuses, before any training, ids that the output format <c>user&lt;TAB&gt;item1,item2,…</c> cannot carry:
    /// an item id with a comma would read back as two items. (Tabs and line breaks never reach here: the
    /// loaders refuse control characters in ids.)
    /// </summary>
    public static void CheckOutputIds(InteractionSet train, string trainPath)
    {
        foreach (var item in train.ItemIds)
        {
            if (item.Contains(',', StringComparison.Ordinal))
            {
                throw new DataFormatException(trainPath, 0, 2, $"item id '{Clip(item)}' contains a comma, which separates the items of an --out line (user<TAB>item1,item2,...); it would read back as two items. Rename such items before running topn.");
            }
        }
    }

    /// <summary><c>item&lt;TAB&gt;domain</c> lines (a comma or a space also separates); a header line <c>item…domain</c> is skipped.</summary>
    public static Dictionary<string, string> LoadItemDomains(string path)
    {
        var domains = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var raw in DelimitedFile.ReadLines(path))
        {
            lineNo++;
            var line = raw;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var sep = line.Contains('\t') ? '\t' : line.Contains(',') ? ',' : ' ';
            var parts = line.Split(sep);
            if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new DataFormatException(path, lineNo, 1, $"expected 'item<TAB>domain', got '{Clip(line)}'.");
            }

            if (lineNo == 1 && parts[0].Contains("item", StringComparison.OrdinalIgnoreCase) && parts[1].Contains("domain", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (domains.TryGetValue(parts[0], out var existing) && existing != parts[1])
            {
                throw new DataFormatException(path, lineNo, 2, $"item '{parts[0]}' is given domain '{parts[1]}' here and '{existing}' before; an item has one domain.");
            }

            domains[parts[0]] = parts[1];
        }

        return domains;
    }

    /// <summary>Delimiter, value column and header from the first two non-empty lines.</summary>
    public static Layout Sniff(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Training file not found: {path}", path);
        }

        var lines = new List<string>(2);
        var numbers = new List<int>(2); // 1-based line numbers of the two non-empty lines
        var lineNo = 0;
        foreach (var raw in DelimitedFile.ReadLines(path))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length > 0)
            {
                lines.Add(line);
                numbers.Add(lineNo);
                if (lines.Count == 2)
                {
                    break;
                }
            }
        }

        if (lines.Count == 0)
        {
            throw new DataFormatException(path, 1, 1, "the training file is empty (expected 'user<TAB>item[<TAB>value]' lines).");
        }

        var first = lines[0];
        var delimiter = first.Contains('\t') ? "\t" : first.Contains(',') ? "," : " ";
        var f1 = first.Split(delimiter[0]);
        if (f1.Length < 2)
        {
            throw new DataFormatException(path, 1, 1, $"expected 'user<TAB or space>item[<sep>value]', got '{Clip(first)}'.");
        }

        var hasValue = f1.Length >= 3;
        var f2 = lines.Count > 1 ? lines[1].Split(delimiter[0]) : null;
        if (f2 is not null && f2.Length != f1.Length && !lines[0].Contains('"') && !lines[1].Contains('"'))
        {
            // Before any value is read: ids with the delimiter in them shift the fields, and a value error would mislead.
            var separator = delimiter == " " ? "spaces" : delimiter == "\t" ? "tabs" : $"'{delimiter}'";
            throw new DataFormatException(path, numbers[1], 0, $"{f2.Length} fields separated by {separator}, where line {numbers[0]} has {f1.Length}: an id that contains the delimiter needs a file separated by something else (a tab or a comma).");
        }

        bool header;
        if (hasValue)
        {
            // A header's value field is a word; a data row's is a number.
            header = !IsNumber(f1[2]) && (f2 is null || (f2.Length >= 3 && IsNumber(f2[2])));
        }
        else
        {
            // No value column: a header names the columns ("user,item", "userId\titemId"), or is the only
            // non-numeric first line above numeric ids.
            var named = UserWords.Contains(f1[0].Replace("_", "").Replace("-", "").Replace(" ", "").Replace("\"", ""));
            var numericBelow = f2 is not null && f2.Length >= 2 && IsNumber(f2[0]) && IsNumber(f2[1]) && !(IsNumber(f1[0]) && IsNumber(f1[1]));
            header = named || numericBelow;
        }

        return new Layout(delimiter, hasValue, header);
    }

    private static bool IsNumber(string field) => double.TryParse(field.Trim().Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string Clip(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
