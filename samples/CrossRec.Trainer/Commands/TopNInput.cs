using CrossRec.Trainer.Cli;

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
    /// A feature file of <c>--item-features</c> or <c>--user-features</c> in the layout <paramref name="format"/> names
    /// (<c>long</c>, <c>wide</c>) or, for <c>auto</c> (null), the layout its content shows: a <c>.parquet</c> file is a
    /// wide table (the id first, one column per attribute); a text file whose first line (not blank, not a <c>#</c>
    /// comment) has a tab holds <c>id⇥feature[⇥weight]</c> lines, one with commas and no tab is a wide CSV whose header
    /// names the columns (the id first). A forced wide text file is read with tabs when its first line has one.
    /// Returns the features and the layout read ("long", "wide CSV", "wide Parquet", ...), for the report line.
    /// </summary>
    public static (FeatureSet Features, string Layout) LoadFeatures(string option, string path, string kind, string? format)
    {
        if (format is not (null or "auto" or "long" or "wide"))
        {
            throw new UsageException($"--{option}-format must be auto, long or wide, not '{format}'.");
        }

        var parquet = path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);
        var auto = format is null or "auto";
        var wide = format == "wide" || (auto && parquet);
        string? firstLine = null;
        if (!parquet)
        {
            firstLine = DelimitedFile.ReadLines(path).FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
            wide = format == "wide" || (auto && firstLine is not null && !firstLine.Contains('\t') && firstLine.Contains(','));
        }

        try
        {
            if (parquet)
            {
                return wide ? (CrossRec.IO.ParquetFeatures.LoadWide(path, kind), "wide Parquet") : (CrossRec.IO.ParquetFeatures.Load(path, kind: kind), "long Parquet");
            }

            if (!wide)
            {
                return (FeatureSet.Load(path, kind), "id<TAB>feature lines");
            }

            var tabs = firstLine?.Contains('\t') == true;
            return (FeatureSet.LoadWide(path, kind, new WideFeatureOptions { Delimiter = tabs ? "\t" : "," }), tabs ? "wide TSV" : "wide CSV");
        }
        catch (DataFormatException e) when (auto && wide && e.Problem.Contains("has a row already", StringComparison.Ordinal))
        {
            throw new DataFormatException(e.SourceName, e.Line, e.Column, $"{e.Problem} It was read as a wide table, one row per {kind}; for one (id, feature) pair a row give --{option}-format long.");
        }
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
