namespace CrossRec.Trainer.Commands;

/// <summary>
/// Reads the plain files of the <c>topn</c> command: interactions <c>user&lt;sep&gt;item[&lt;sep&gt;value]</c>
/// (tab, comma or single space; a header line optional), a user list, and item domains. The layout is
/// detected by the library (<see cref="DelimitedFormat.Detect"/>) and reported; a malformed row is refused
/// with its file, line and column.
/// </summary>
public static class TopNInput
{
    /// <summary>What the detection decided, as the command reports it.</summary>
    public sealed record Layout(string Delimiter, bool HasValue, bool HasHeader);

    /// <summary>Loads the training interactions in the layout the library detects; values default to 1 when the file has two columns.</summary>
    public static (InteractionSet Data, Layout Layout) LoadTrain(string path)
    {
        var format = DelimitedFormat.Detect(path);
        var layout = new Layout(format.Delimiter, format.Rating is not null, format.Header == HeaderMode.Present);
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

    private static string Clip(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
