using Parquet;
using Parquet.Schema;

namespace CrossRec.IO;

/// <summary>
/// Side features in Parquet, read one row group at a time from a file or a directory of part files, as
/// <see cref="ParquetInteractions"/> reads interactions: <see cref="LoadAsync"/> reads the long format, one
/// (id, feature[, weight]) row per pair (like <see cref="FeatureSet.Load"/>); <see cref="LoadWideAsync"/> reads one
/// row per id whose named columns become features (like <see cref="FeatureSet.LoadWide"/>).
/// </summary>
/// <remarks>
/// Every problem is a <see cref="DataFormatException"/> naming the file, the 1-based row within it (as the line), the
/// 1-based column and, in the message, the row group and the row within it: in the long format a null or empty id or
/// feature, a null weight or one that is not a finite number above 0 (NaN, ∞), an (id, feature) pair given twice, an
/// id outside the known ids; in the wide format a null, empty or repeated id, an id outside
/// <see cref="WideFeatureOptions.KnownIds"/>, or a numeric cell that is not a finite number of 0 or more. Ids and
/// features may be text or integers; weights and numeric cells any number type. A mapped column the file lacks is an
/// error listing the columns it has; a nested column (a list or a struct member) is refused.
/// </remarks>
public static class ParquetFeatures
{
    /// <summary>Reads (id, feature[, weight]) pairs from a Parquet file or a directory of <c>*.parquet</c> part files (read in name order).</summary>
    /// <param name="path">A Parquet file, or a directory whose <c>*.parquet</c> files (not starting with '_' or '.') are parts of one table.</param>
    /// <param name="columns">The column mapping; null takes columns 0 and 1 as id and feature and column 2, when the file has three columns, as the weight.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="knownIds">When set, every id must be one of these (for example a training set's items).</param>
    /// <param name="progress">Receives the number of rows read so far, after each row group.</param>
    /// <param name="cancellationToken">Stops the read between row groups.</param>
    /// <exception cref="FileNotFoundException">The path does not exist, or a directory holds no part file.</exception>
    /// <exception cref="DataFormatException">A mapped column is missing or nested, a row is malformed, the file is not readable Parquet, or there are no rows.</exception>
    public static async Task<FeatureSet> LoadAsync(string path, FeatureColumns? columns = null, string kind = "item", IdMap? knownIds = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var rows = new LongFeatureRows(kind, knownIds);
        long read = 0;
        foreach (var file in PartFiles.Of(path))
        {
            read = await ReadFile(file, cancellationToken, (fields, names) =>
            {
                var (i, f, w) = FeatureColumns.Resolve(columns, names, file);
                return w >= 0 ? [i, f, w] : [i, f];
            }, (at, mapped, cells) => rows.Add(at, mapped[0], cells[0], mapped[1], cells[1], mapped.Length > 2 ? mapped[2] : -1, mapped.Length > 2 ? cells[2] : null),
                read, progress).ConfigureAwait(false);
        }

        return rows.Build(path);
    }

    /// <summary>Synchronous <see cref="LoadAsync"/>.</summary>
    /// <param name="path">A Parquet file, or a directory of part files.</param>
    /// <param name="columns">The column mapping; null takes columns 0 and 1 as id and feature and column 2, when the file has three columns, as the weight.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="knownIds">When set, every id must be one of these.</param>
    /// <param name="progress">Receives the number of rows read so far, after each row group.</param>
    /// <param name="cancellationToken">Stops the read between row groups.</param>
    /// <exception cref="FileNotFoundException">The path does not exist, or a directory holds no part file.</exception>
    /// <exception cref="DataFormatException">A mapped column is missing or nested, a row is malformed, the file is not readable Parquet, or there are no rows.</exception>
    public static FeatureSet Load(string path, FeatureColumns? columns = null, string kind = "item", IdMap? knownIds = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => LoadAsync(path, columns, kind, knownIds, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Reads a wide feature table (one row per id) from a Parquet file or a directory of part files with the same
    /// columns, by the rules of <see cref="FeatureSet.LoadWide"/> with the column types deciding what is numeric: the id
    /// column is <see cref="WideFeatureOptions.IdColumn"/> (matched case-insensitively; the first column by default); a
    /// column listed in <see cref="WideFeatureOptions.NumericColumns"/>, or, when that is null, a column of a number type
    /// gives the feature <c>column</c> weighted by the value over the column's largest (a 0 adds nothing); a text
    /// column gives <c>column=value</c> (weight 1), one per value when the cell lists several separated by
    /// <see cref="WideFeatureOptions.ListSeparator"/>. A null feature cell adds nothing; a null id is refused.
    /// <see cref="WideFeatureOptions.Delimiter"/> does not apply. The rows are held until the last is read.
    /// </summary>
    /// <param name="path">A Parquet file, or a directory whose <c>*.parquet</c> files (not starting with '_' or '.') are parts of one table.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="options">Id column, numeric columns, list separator and known ids; null for the defaults.</param>
    /// <param name="progress">Receives the number of rows read so far, after each row group.</param>
    /// <param name="cancellationToken">Stops the read between row groups.</param>
    /// <exception cref="FileNotFoundException">The path does not exist, or a directory holds no part file.</exception>
    /// <exception cref="DataFormatException">
    /// An id or numeric column the file lacks, a nested column, part files with different columns, a null, empty or
    /// repeated id, an id outside <see cref="WideFeatureOptions.KnownIds"/>, a numeric cell that is not a finite
    /// number of 0 or more, a file that is not readable Parquet, or no features at all.
    /// </exception>
    public static async Task<FeatureSet> LoadWideAsync(string path, string kind = "item", WideFeatureOptions? options = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        options ??= new WideFeatureOptions();
        options.Validate();
        WideFeatureRows? rows = null;
        long read = 0;
        foreach (var file in PartFiles.Of(path))
        {
            read = await ReadFile(file, cancellationToken, (fields, names) =>
            {
                if (fields.FirstOrDefault(f => f.IsNested()) is { } nested)
                {
                    throw new DataFormatException(file, 0, Array.IndexOf(fields, nested) + 1, $"column '{nested.Path}' is nested (a list or a struct member); feature columns must be flat.");
                }

                if (rows is null)
                {
                    rows = new WideFeatureRows(kind, options, names, file);
                }
                else if (!rows.Names.SequenceEqual(names, StringComparer.OrdinalIgnoreCase))
                {
                    throw new DataFormatException(file, 0, 0, $"the columns ({string.Join(", ", names)}) differ from the first part's ({string.Join(", ", rows.Names)}).");
                }

                return [.. Enumerable.Range(0, names.Length)];
            }, (at, _, cells) => rows!.Add(at, cells), read, progress).ConfigureAwait(false);
        }

        return rows!.Build(path);
    }

    /// <summary>Synchronous <see cref="LoadWideAsync"/>.</summary>
    /// <param name="path">A Parquet file, or a directory of part files with the same columns.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="options">Id column, numeric columns, list separator and known ids; null for the defaults.</param>
    /// <param name="progress">Receives the number of rows read so far, after each row group.</param>
    /// <param name="cancellationToken">Stops the read between row groups.</param>
    /// <exception cref="FileNotFoundException">The path does not exist, or a directory holds no part file.</exception>
    /// <exception cref="DataFormatException">A column is missing, nested or misnamed, a row is malformed, the file is not readable Parquet, or there are no features.</exception>
    public static FeatureSet LoadWide(string path, string kind = "item", WideFeatureOptions? options = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => LoadWideAsync(path, kind, options, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Reads one file's row groups: <paramref name="map"/> picks the columns (0-based ordinals of the data fields) from
    /// the schema, <paramref name="row"/> receives each row's values of those columns (null for a null).
    /// </summary>
    private static async Task<long> ReadFile(string file, CancellationToken cancellationToken, Func<DataField[], string[], int[]> map,
        Action<RowPlace, int[], object?[]> row, long read, IProgress<long>? progress)
    {
        try
        {
            await using var input = ParquetFooter.Open(file);
            await using var reader = await ParquetReader.CreateAsync(input, null, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
            var fields = reader.Schema.DataFields;
            var mapped = map(fields, [.. fields.Select(f => f.Name)]);
            long fileRow = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var group = reader.OpenRowGroupReader(g);
                var columns = new ParquetColumn[mapped.Length];
                for (var c = 0; c < mapped.Length; c++)
                {
                    columns[c] = await Column(group, fields[mapped[c]], mapped[c], file).ConfigureAwait(false);
                }

                var rows = (int)group.RowCount;
                for (var r = 0; r < rows; r++)
                {
                    var cells = new object?[mapped.Length];
                    for (var c = 0; c < cells.Length; c++)
                    {
                        cells[c] = columns[c].Cell(r);
                    }

                    row(new RowPlace(file, fileRow + r + 1, $"row group {g + 1}, row {r + 1} of the group"), mapped, cells);
                }

                fileRow += rows;
                read += rows;
                progress?.Report(read);
            }

            return read;
        }
        catch (Exception e) when (ParquetInteractions.Corrupt(e))
        {
            throw new DataFormatException(file, 0, 0, $"is not a readable Parquet file: {e.Message.TrimEnd('.')} ({e.GetType().Name}). It may be truncated, corrupt or not Parquet at all.");
        }
    }

    private static async Task<ParquetColumn> Column(ParquetRowGroupReader group, DataField field, int ordinal, string file)
    {
        if (field.IsNested())
        {
            throw new DataFormatException(file, 0, ordinal + 1, $"column '{field.Path}' is nested (a list or a struct member); feature columns must be flat.");
        }

        try
        {
            return await ParquetColumn.ReadAsync(group, field, default).ConfigureAwait(false);
        }
        catch (NotSupportedException e)
        {
            throw new DataFormatException(file, 0, ordinal + 1, e.Message + ".");
        }
    }
}
