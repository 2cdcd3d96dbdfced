using System.Globalization;

namespace CrossRec.Data;

public sealed partial class FeatureSet
{
    /// <summary>
    /// Reads a wide table of features: a header row naming the columns, then one row per id. The id column is
    /// <see cref="WideFeatureOptions.IdColumn"/> (the first column by default). Every other column becomes features:
    /// a <b>categorical</b> column gives the feature <c>column=value</c> (weight 1) for each row, or one per value when
    /// the cell lists several separated by <see cref="WideFeatureOptions.ListSeparator"/> (<c>Action|Comedy</c>); a
    /// <b>numeric</b> column gives the feature <c>column</c> with the value, divided by the column's largest value, as its
    /// weight (a 0 adds nothing). A column is numeric when it is listed in <see cref="WideFeatureOptions.NumericColumns"/>,
    /// or, when that is null, when every non-empty cell is a number; an empty cell adds nothing. RFC 4180 quotes are
    /// honoured; blank lines are skipped; UTF-8.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="options">Delimiter, id column, numeric columns, list separator, known ids; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">
    /// No header, a duplicate or empty column name, an id or numeric column the header lacks, a row with another
    /// number of fields than the header, an empty or repeated id, an id outside <see cref="WideFeatureOptions.KnownIds"/>,
    /// a numeric cell that is not a finite number or is negative, or no features at all. The message names the file,
    /// line and column.
    /// </exception>
    public static FeatureSet LoadWide(string path, string kind = "item", WideFeatureOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        options ??= new WideFeatureOptions();
        options.Validate();
        var splitter = new FieldSplitter(options.Delimiter, quotes: true);
        string[]? header = null;
        var rows = new List<(long Line, string[] Cells)>();
        using (var reader = new LineReader(path))
        {
            while (reader.TryReadLine(out var line))
            {
                if (reader.InvalidByteOffset >= 0)
                {
                    throw new DataFormatException(path, reader.LineNumber, 0, $"invalid UTF-8 at byte {reader.InvalidByteOffset} of the line ({reader.InvalidBytes}).");
                }

                if (line.IsWhiteSpace())
                {
                    continue;
                }

                if (!splitter.Split(line, out var badColumn))
                {
                    throw new DataFormatException(path, reader.LineNumber, badColumn, "an unterminated or malformed quoted field.");
                }

                var cells = new string[splitter.Count];
                for (var c = 0; c < cells.Length; c++)
                {
                    cells[c] = splitter.Field(line, c).Trim().ToString();
                }

                if (header is null)
                {
                    header = cells;
                    continue;
                }

                if (cells.Length != header.Length)
                {
                    throw new DataFormatException(path, reader.LineNumber, 0, $"{cells.Length} fields where the header has {header.Length}.");
                }

                rows.Add((reader.LineNumber, cells));
            }
        }

        if (header is null)
        {
            throw new DataFormatException(path, 0, 0, "the file is empty: a header row naming the columns is needed.");
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < header.Length; c++)
        {
            if (header[c].Length == 0)
            {
                throw new DataFormatException(path, 1, c + 1, "an empty column name in the header.");
            }

            if (!names.TryAdd(header[c], c))
            {
                throw new DataFormatException(path, 1, c + 1, $"the column '{Excerpt.Of(header[c])}' is named twice.");
            }
        }

        var idColumn = 0;
        if (options.IdColumn is { } idName && !names.TryGetValue(idName, out idColumn))
        {
            throw new DataFormatException(path, 1, 0, $"the id column '{Excerpt.Of(idName)}' ({nameof(WideFeatureOptions.IdColumn)}) is not in the header.");
        }

        var numeric = new bool[header.Length];
        if (options.NumericColumns is { } listed)
        {
            foreach (var name in listed)
            {
                if (!names.TryGetValue(name, out var c) || c == idColumn)
                {
                    throw new DataFormatException(path, 1, 0, $"the numeric column '{Excerpt.Of(name)}' ({nameof(WideFeatureOptions.NumericColumns)}) is not a feature column of the header.");
                }

                numeric[c] = true;
            }
        }
        else
        {
            for (var c = 0; c < header.Length; c++)
            {
                numeric[c] = c != idColumn && rows.Any(r => r.Cells[c].Length > 0)
                    && rows.All(r => r.Cells[c].Length == 0 || double.TryParse(r.Cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _));
            }
        }

        var values = new double[rows.Count, header.Length];
        var largest = new double[header.Length];
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < header.Length; c++)
            {
                var text = rows[r].Cells[c];
                if (!numeric[c] || text.Length == 0)
                {
                    continue;
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v < 0)
                {
                    throw new DataFormatException(path, rows[r].Line, c + 1, $"'{Excerpt.Of(text)}' in the numeric column '{Excerpt.Of(header[c])}' is not a finite number of 0 or more.");
                }

                values[r, c] = v;
                largest[c] = Math.Max(largest[c], v);
            }
        }

        var builder = new Builder(kind);
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var r = 0; r < rows.Count; r++)
        {
            var (line, cells) = rows[r];
            var id = cells[idColumn];
            if (id.Length == 0)
            {
                throw new DataFormatException(path, line, idColumn + 1, $"the {kind} id is empty.");
            }

            if (!seen.TryAdd(id, line))
            {
                throw new DataFormatException(path, line, idColumn + 1, $"the {kind} '{Excerpt.Of(id)}' has a row already (line {seen[id]}).");
            }

            if (options.KnownIds is { } known && !known.Contains(id))
            {
                throw new DataFormatException(path, line, idColumn + 1, $"unknown {kind} id '{Excerpt.Of(id)}' (not among the {known.Count} {known.Kind} ids this file was loaded against).");
            }

            for (var c = 0; c < header.Length; c++)
            {
                if (c == idColumn || cells[c].Length == 0)
                {
                    continue;
                }

                if (numeric[c])
                {
                    if (values[r, c] > 0)
                    {
                        builder.TryAdd(id, header[c], (float)(values[r, c] / largest[c]), line);
                    }

                    continue;
                }

                var parts = options.ListSeparator is { } separator ? cells[c].Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [cells[c]];
                foreach (var part in parts)
                {
                    builder.TryAdd(id, header[c] + "=" + part, 1f, line); // a value listed twice in one cell counts once
                }
            }
        }

        if (builder.PairCount == 0)
        {
            throw new DataFormatException(path, 0, 0, "the file has no features.");
        }

        return builder.Build(path);
    }
}

/// <summary>How <see cref="FeatureSet.LoadWide"/> reads a wide feature table.</summary>
public sealed record WideFeatureOptions
{
    /// <summary>The field delimiter (a comma by default).</summary>
    public string Delimiter { get; init; } = ",";

    /// <summary>The name of the id column; null (the default) for the first column.</summary>
    public string? IdColumn { get; init; }

    /// <summary>The columns read as numbers (weights); null (the default) detects them: a column whose non-empty cells are all numbers.</summary>
    public IReadOnlyCollection<string>? NumericColumns { get; init; }

    /// <summary>Separator of several values in one categorical cell ("|" by default); null reads every cell as one value.</summary>
    public string? ListSeparator { get; init; } = "|";

    /// <summary>When set, every id must be one of these; an unknown id is an error naming its line.</summary>
    public IdMap? KnownIds { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">The delimiter or the list separator is empty, or they are the same.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Delimiter, nameof(Delimiter));
        if (ListSeparator is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(ListSeparator, nameof(ListSeparator));
            if (ListSeparator == Delimiter)
            {
                throw new ArgumentException($"The list separator '{ListSeparator}' is the field delimiter.", nameof(ListSeparator));
            }
        }
    }
}
