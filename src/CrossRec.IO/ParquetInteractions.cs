using Parquet;
using Parquet.Schema;

namespace CrossRec.IO;

/// <summary>
/// Interactions in Parquet: <see cref="LoadAsync"/> reads a file, or a directory of part files, one row group at a
/// time with a column mapping (<see cref="InteractionColumns"/>); <see cref="SaveAsync"/> writes an
/// <see cref="InteractionSet"/> as columns <c>user</c>, <c>item</c>, <c>value</c> and, when the set has them,
/// <c>timestamp</c> (Unix seconds) and <c>domain</c>.
/// </summary>
/// <remarks>
/// The checks are those of the text loaders: a null or empty id, a null, non-numeric or non-finite value, a value
/// outside the declared scale, a bad timestamp or a conflicting domain raises a <see cref="DataFormatException"/>
/// naming the file, the 1-based row within it (as the line) and the 1-based column, unless
/// <see cref="LoadOptions.Lenient"/> is set. Ids may be text or integers; values any number type; timestamps
/// integers (Unix seconds), Parquet timestamps or ISO-8601 text.
/// </remarks>
public static class ParquetInteractions
{
    /// <summary>Reads interactions from a Parquet file or a directory of <c>*.parquet</c> part files (read in name order).</summary>
    /// <param name="path">A Parquet file, or a directory whose <c>*.parquet</c> files (not starting with '_' or '.') are parts of one table.</param>
    /// <param name="columns">The column mapping; null takes columns 0, 1 and 2 as user, item and value.</param>
    /// <param name="options">Scale, leniency and id maps to continue; null for the defaults.</param>
    /// <param name="progress">Receives the number of rows read so far, after each row group.</param>
    /// <param name="cancellationToken">Stops the read between row groups.</param>
    /// <exception cref="FileNotFoundException">The path does not exist, or a directory holds no part file.</exception>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed (strict mode) or no row is valid.</exception>
    public static async Task<InteractionSet> LoadAsync(string path, InteractionColumns? columns = null, LoadOptions? options = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new LoadOptions();
        options.Validate();
        columns ??= new InteractionColumns();
        var files = PartFiles.Of(path);
        var sink = new InteractionRowSink(path, options);
        long rowsRead = 0;
        var userBuffer = new char[32];
        var itemBuffer = new char[32];
        var domainBuffer = new char[32];
        foreach (var file in files)
        {
            sink.Source = file;
            try
            {
                await using var input = ParquetFooter.Open(file);
                await using var reader = await ParquetReader.CreateAsync(input, null, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
                var fields = reader.Schema.DataFields;
                var names = fields.Select(f => f.Name).ToArray();
                var (u, i, v, t, d) = columns.Resolve(names, file);
                long fileRow = 0;
                for (var g = 0; g < reader.RowGroupCount; g++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var group = reader.OpenRowGroupReader(g);
                    var user = await Column(group, fields[u], file).ConfigureAwait(false);
                    var item = await Column(group, fields[i], file).ConfigureAwait(false);
                    var value = v >= 0 ? await Column(group, fields[v], file).ConfigureAwait(false) : null;
                    var time = t >= 0 ? await Column(group, fields[t], file).ConfigureAwait(false) : null;
                    var domain = d >= 0 ? await Column(group, fields[d], file).ConfigureAwait(false) : null;
                    var rows = (int)group.RowCount;
                    for (var r = 0; r < rows; r++)
                    {
                        var row = fileRow + r + 1;
                        if (user.IsNull(r))
                        {
                            sink.Problem(row, u + 1, "the user id is null.");
                            continue;
                        }

                        if (item.IsNull(r))
                        {
                            sink.Problem(row, i + 1, "the item id is null.");
                            continue;
                        }

                        var x = 1f;
                        if (value is not null)
                        {
                            if (value.IsNull(r))
                            {
                                sink.Problem(row, v + 1, "the value is null; expected a number.");
                                continue;
                            }

                            if (!value.TryFloat(r, out x))
                            {
                                sink.Problem(row, v + 1, $"the value '{value.Show(r)}' is not a number (culture-invariant, '.' as decimal point).");
                                continue;
                            }
                        }

                        long? seconds = null;
                        if (time is not null)
                        {
                            if (time.IsNull(r))
                            {
                                sink.Problem(row, t + 1, "the timestamp is null.");
                                continue;
                            }

                            if (!time.TryTimestamp(r, out var s))
                            {
                                sink.Problem(row, t + 1, $"the timestamp '{time.Show(r)}' is neither integer Unix seconds nor a date/time.");
                                continue;
                            }

                            seconds = s;
                        }

                        var domainText = ReadOnlySpan<char>.Empty;
                        if (domain is not null)
                        {
                            if (domain.IsNull(r))
                            {
                                sink.Problem(row, d + 1, "the domain is null.");
                                continue;
                            }

                            domainText = domain.Text(r, domainBuffer);
                        }

                        sink.Add(row, user.Text(r, userBuffer), u, item.Text(r, itemBuffer), i, x, v, seconds, t, domainText, d);
                    }

                    fileRow += rows;
                    rowsRead += rows;
                    progress?.Report(rowsRead);
                }
            }
            catch (Exception e) when (Corrupt(e))
            {
                throw new DataFormatException(file, 0, 0, $"is not a readable Parquet file: {e.Message.TrimEnd('.')} ({e.GetType().Name}). It may be truncated, corrupt or not Parquet at all.");
            }
        }

        sink.Source = path;
        var expected = $"user {columns.User}, item {columns.Item}" + (columns.Value is { } cv ? $", value {cv}" : "")
            + (columns.Timestamp is { } ct ? $", timestamp {ct}" : "") + (columns.Domain is { } cd ? $", domain {cd}" : "");
        return sink.Build(rowsRead, expected);
    }

    /// <summary>Synchronous <see cref="LoadAsync"/>.</summary>
    /// <param name="path">A Parquet file, or a directory of part files.</param>
    /// <param name="columns">The column mapping; null takes columns 0, 1 and 2 as user, item and value.</param>
    /// <param name="options">Scale, leniency and id maps to continue; null for the defaults.</param>
    /// <param name="progress">Receives the number of rows read so far, after each row group.</param>
    /// <param name="cancellationToken">Stops the read between row groups.</param>
    /// <exception cref="FileNotFoundException">The path does not exist, or a directory holds no part file.</exception>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed (strict mode) or no row is valid.</exception>
    public static InteractionSet Load(string path, InteractionColumns? columns = null, LoadOptions? options = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => LoadAsync(path, columns, options, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Writes <paramref name="data"/> to one Parquet file: <c>user</c> and <c>item</c> (int64 when every id of the
    /// kind is an integer written canonically, text otherwise; read back as the same ids), <c>value</c> (float),
    /// and <c>timestamp</c> (int64 Unix seconds) and <c>domain</c> (text, the item's domain) when the set has them.
    /// </summary>
    /// <param name="data">The interactions.</param>
    /// <param name="path">The file to create (overwritten).</param>
    /// <param name="rowGroupSize">Rows per row group (1..100,000,000).</param>
    /// <param name="cancellationToken">Stops between row groups (the file is then incomplete).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowGroupSize"/> is out of range.</exception>
    public static async Task SaveAsync(InteractionSet data, string path, int rowGroupSize = 1_000_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rowGroupSize, 100_000_000);
        // Ids that are all integers ("196", not "007" or "u196") are written as int64, the usual layout in a lake and
        // several times faster to read back than text; the loader gives back the same text ids either way.
        var userNumbers = Int64Ids(data.UserIds);
        var itemNumbers = Int64Ids(data.ItemIds);
        Field userField = userNumbers is null ? new DataField<string>("user", false) : new DataField<long>("user", false);
        Field itemField = itemNumbers is null ? new DataField<string>("item", false) : new DataField<long>("item", false);
        var valueField = new DataField<float>("value", false);
        var timeField = new DataField<long>("timestamp", false);
        var domainField = new DataField<string>("domain", false);
        var fields = new List<Field> { userField, itemField, valueField };
        if (data.HasTimestamps)
        {
            fields.Add(timeField);
        }

        if (data.HasDomains)
        {
            fields.Add(domainField);
        }

        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, null, false, cancellationToken).ConfigureAwait(false);
        for (var start = 0; start < data.Count; start += rowGroupSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Math.Min(rowGroupSize, data.Count - start);
            var values = data.Values.Slice(start, n).ToArray();
            using var group = writer.CreateRowGroup();
            await WriteIds(group, (DataField)userField, data.UserIds, userNumbers, data.Users.Slice(start, n).ToArray(), cancellationToken).ConfigureAwait(false);
            await WriteIds(group, (DataField)itemField, data.ItemIds, itemNumbers, data.Items.Slice(start, n).ToArray(), cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<float>(valueField, values.AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            if (data.HasTimestamps)
            {
                await group.WriteAsync<long>(timeField, data.Timestamps.Slice(start, n).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            }

            if (data.HasDomains)
            {
                var domains = new string[n];
                for (var r = 0; r < n; r++)
                {
                    var dom = data.ItemDomains[data.Items[start + r]];
                    domains[r] = dom >= 0 ? data.Domains![dom] : "";
                }

                await group.WriteAsync(domainField, domains, null).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Synchronous <see cref="SaveAsync"/>.</summary>
    /// <param name="data">The interactions.</param>
    /// <param name="path">The file to create (overwritten).</param>
    /// <param name="rowGroupSize">Rows per row group (1..100,000,000).</param>
    public static void Save(InteractionSet data, string path, int rowGroupSize = 1_000_000) =>
        Task.Run(() => SaveAsync(data, path, rowGroupSize)).GetAwaiter().GetResult();

    private static async Task WriteIds(ParquetRowGroupWriter group, DataField field, IdMap ids, long[]? numbers, int[] rows, CancellationToken cancellationToken)
    {
        if (numbers is not null)
        {
            var column = new long[rows.Length];
            for (var r = 0; r < rows.Length; r++)
            {
                column[r] = numbers[rows[r]];
            }

            await group.WriteAsync<long>(field, column.AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        var text = new string[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            text[r] = ids[rows[r]];
        }

        await group.WriteAsync(field, text, null).ConfigureAwait(false);
    }

    /// <summary>The ids as integers when every one is an integer written canonically (so it reads back as the same text); null otherwise.</summary>
    private static long[]? Int64Ids(IdMap ids)
    {
        var numbers = new long[ids.Count];
        Span<char> buffer = stackalloc char[24];
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            if (!long.TryParse(id, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out numbers[i])
                || !numbers[i].TryFormat(buffer, out var written, default, System.Globalization.CultureInfo.InvariantCulture)
                || !buffer[..written].SequenceEqual(id))
            {
                return null;
            }
        }

        return numbers;
    }

    /// <summary>What a damaged file raises from the Parquet reader or a decompressor (never a row problem, a cancellation or memory exhaustion).</summary>
    internal static bool Corrupt(Exception e) =>
        e is not (DataFormatException or OperationCanceledException or OutOfMemoryException or FileNotFoundException or UnauthorizedAccessException);

    private static async Task<ParquetColumn> Column(ParquetRowGroupReader group, DataField field, string file)
    {
        if (field.IsNested())
        {
            throw new DataFormatException(file, 0, 0, $"column '{field.Path}' is nested (a list or a struct member); interaction columns must be flat.");
        }

        try
        {
            return await ParquetColumn.ReadAsync(group, field, default).ConfigureAwait(false);
        }
        catch (NotSupportedException e)
        {
            throw new DataFormatException(file, 0, 0, e.Message + ".");
        }
    }
}

/// <summary>The part files of a Parquet table: a file itself, or a directory's <c>*.parquet</c> files in name order.</summary>
internal static class PartFiles
{
    public static string[] Of(string path)
    {
        if (File.Exists(path))
        {
            InputFile.RequireRegular(path, "Parquet file"); // a device or FIFO is refused by name, not read
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"No Parquet file or directory at '{path}'.", path);
        }

        var files = Directory.GetFiles(path, "*.parquet")
            .Where(f => Path.GetFileName(f) is var n && !n.StartsWith('_') && !n.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new FileNotFoundException($"The directory '{path}' holds no *.parquet part file.", path);
        }

        return files;
    }

    /// <summary>True for a column inside a list or a struct.</summary>
    public static bool IsNested(this DataField field) => field.Path.ToString()!.Contains('/');
}
