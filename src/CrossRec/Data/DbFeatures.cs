using System.Data.Common;

namespace CrossRec.Data;

/// <summary>
/// Loads a <see cref="FeatureSet"/> from any ADO.NET result set (<see cref="DbDataReader"/>: PostgreSQL through Npgsql,
/// SQL Server, SQLite, DuckDB, ...), as <see cref="DbInteractions"/> loads interactions. <see cref="Load(DbDataReader, FeatureColumns?, string, IdMap?, string?, IProgress{long}?, CancellationToken)"/>
/// reads the long format, one (id, feature[, weight]) row per pair, like <see cref="FeatureSet.Load"/>;
/// <see cref="LoadWide(DbDataReader, string, WideFeatureOptions?, string?, IProgress{long}?, CancellationToken)"/>
/// reads one row per id with named columns, like <see cref="FeatureSet.LoadWide"/>.
/// </summary>
/// <remarks>
/// Every problem is a <see cref="DataFormatException"/> whose <see cref="DataFormatException.Line"/> is the 1-based row
/// of the result set and whose <see cref="DataFormatException.Column"/> is the 1-based column: in the long format a
/// null or empty id or feature, a null weight or one that is not a finite number above 0 (NaN, ∞), an (id, feature)
/// pair given twice (features refuse repeats, as the file loaders do), an id outside the known ids; in the wide
/// format a null, empty or repeated id, an id outside <see cref="WideFeatureOptions.KnownIds"/>, or a numeric cell
/// that is not a finite number of 0 or more. A mapped column the result set lacks is an error listing the columns
/// it has. Ids and features may be text, integers or GUIDs; weights any number type or numeric text.
/// </remarks>
/// <example>
/// <code>
/// using var command = connection.CreateCommand();
/// command.CommandText = "SELECT sku, tag, relevance FROM product_tags";
/// FeatureSet tags = DbFeatures.Load(command, FeatureColumns.Named("sku", "tag", "relevance"));
/// command.CommandText = "SELECT sku, brand, category, price FROM products";
/// FeatureSet products = DbFeatures.LoadWide(command, options: new WideFeatureOptions { IdColumn = "sku" });
/// </code>
/// </example>
public static class DbFeatures
{
    private const int ProgressEvery = 1 << 16;

    /// <summary>Reads every remaining row of <paramref name="reader"/> as (id, feature[, weight]) pairs (the reader is not disposed).</summary>
    /// <param name="reader">An open reader positioned before its first row.</param>
    /// <param name="columns">The column mapping; null takes columns 0 and 1 as id and feature and column 2, when the result set has three columns, as the weight.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="knownIds">When set, every id must be one of these (for example a training set's items).</param>
    /// <param name="sourceName">Names the data in messages (a table or query); defaults to "database".</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows and at the end.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed, or there are no rows.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static FeatureSet Load(DbDataReader reader, FeatureColumns? columns = null, string kind = "item", IdMap? knownIds = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var source = string.IsNullOrWhiteSpace(sourceName) ? "database" : sourceName;
        var (id, feature, weight) = FeatureColumns.Resolve(columns, Names(reader), source);
        var rows = new LongFeatureRows(kind, knownIds);
        long row = 0;
        while (reader.Read())
        {
            row++;
            rows.Add(new RowPlace(source, row), id, Cell(reader, id), feature, Cell(reader, feature), weight, weight >= 0 ? Cell(reader, weight) : null);
            Report(row, progress, cancellationToken);
        }

        progress?.Report(row);
        return rows.Build(source);
    }

    /// <summary>Reads every remaining row of <paramref name="reader"/> as (id, feature[, weight]) pairs asynchronously (the reader is not disposed).</summary>
    /// <param name="reader">An open reader positioned before its first row.</param>
    /// <param name="columns">The column mapping; null takes columns 0 and 1 as id and feature and column 2, when the result set has three columns, as the weight.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="knownIds">When set, every id must be one of these (for example a training set's items).</param>
    /// <param name="sourceName">Names the data in messages (a table or query); defaults to "database".</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows and at the end.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed, or there are no rows.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<FeatureSet> LoadAsync(DbDataReader reader, FeatureColumns? columns = null, string kind = "item", IdMap? knownIds = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        var source = string.IsNullOrWhiteSpace(sourceName) ? "database" : sourceName;
        var (id, feature, weight) = FeatureColumns.Resolve(columns, Names(reader), source);
        var rows = new LongFeatureRows(kind, knownIds);
        long row = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            row++;
            rows.Add(new RowPlace(source, row), id, Cell(reader, id), feature, Cell(reader, feature), weight, weight >= 0 ? Cell(reader, weight) : null);
            Report(row, progress, cancellationToken);
        }

        progress?.Report(row);
        return rows.Build(source);
    }

    /// <summary>Executes <paramref name="command"/> and reads its rows as (id, feature[, weight]) pairs (see <see cref="Load(DbDataReader, FeatureColumns?, string, IdMap?, string?, IProgress{long}?, CancellationToken)"/>).</summary>
    /// <param name="command">A command whose connection is open.</param>
    /// <param name="columns">The column mapping; null takes columns 0 and 1 as id and feature and column 2, when the result set has three columns, as the weight.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="knownIds">When set, every id must be one of these.</param>
    /// <param name="sourceName">Names the data in messages; defaults to the command text.</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows and at the end.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed, or there are no rows.</exception>
    public static FeatureSet Load(DbCommand command, FeatureColumns? columns = null, string kind = "item", IdMap? knownIds = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var reader = command.ExecuteReader();
        return Load(reader, columns, kind, knownIds, sourceName ?? command.CommandText, progress, cancellationToken);
    }

    /// <summary>
    /// Reads every remaining row of <paramref name="reader"/> as one id's features, by the rules of
    /// <see cref="FeatureSet.LoadWide"/> with the column types deciding what is numeric: the id column is
    /// <see cref="WideFeatureOptions.IdColumn"/> (matched case-insensitively; the first column by default); a column
    /// listed in <see cref="WideFeatureOptions.NumericColumns"/>, or, when that is null, a column whose non-null values
    /// are all of a number type, gives the feature <c>column</c> weighted by the value over the column's largest (a 0
    /// adds nothing); any other column gives <c>column=value</c> (weight 1), one per value when the cell lists several
    /// separated by <see cref="WideFeatureOptions.ListSeparator"/>. Numeric text in a text column stays categorical
    /// unless the column is listed. A null cell adds nothing. <see cref="WideFeatureOptions.Delimiter"/> does not apply.
    /// The rows are held until the last is read (a numeric column's largest value scales its weights).
    /// </summary>
    /// <param name="reader">An open reader positioned before its first row.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="options">Id column, numeric columns, list separator and known ids; null for the defaults.</param>
    /// <param name="sourceName">Names the data in messages (a table or query); defaults to "database".</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows and at the end.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">
    /// An empty or repeated column name, an id or numeric column the result set lacks, a null, empty or repeated id,
    /// an id outside <see cref="WideFeatureOptions.KnownIds"/>, a numeric cell that is not a finite number of 0 or
    /// more, or no features at all.
    /// </exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static FeatureSet LoadWide(DbDataReader reader, string kind = "item", WideFeatureOptions? options = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        options ??= new WideFeatureOptions();
        options.Validate();
        var source = string.IsNullOrWhiteSpace(sourceName) ? "database" : sourceName;
        var rows = new WideFeatureRows(kind, options, Names(reader), source);
        long row = 0;
        while (reader.Read())
        {
            row++;
            rows.Add(new RowPlace(source, row), Cells(reader));
            Report(row, progress, cancellationToken);
        }

        progress?.Report(row);
        return rows.Build(source);
    }

    /// <summary>Reads every remaining row of <paramref name="reader"/> as a wide feature table asynchronously (see <see cref="LoadWide(DbDataReader, string, WideFeatureOptions?, string?, IProgress{long}?, CancellationToken)"/>; the reader is not disposed).</summary>
    /// <param name="reader">An open reader positioned before its first row.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="options">Id column, numeric columns, list separator and known ids; null for the defaults.</param>
    /// <param name="sourceName">Names the data in messages (a table or query); defaults to "database".</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows and at the end.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A column is missing or misnamed, a row is malformed, or there are no features.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<FeatureSet> LoadWideAsync(DbDataReader reader, string kind = "item", WideFeatureOptions? options = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        options ??= new WideFeatureOptions();
        options.Validate();
        var source = string.IsNullOrWhiteSpace(sourceName) ? "database" : sourceName;
        var rows = new WideFeatureRows(kind, options, Names(reader), source);
        long row = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            row++;
            rows.Add(new RowPlace(source, row), Cells(reader));
            Report(row, progress, cancellationToken);
        }

        progress?.Report(row);
        return rows.Build(source);
    }

    /// <summary>Executes <paramref name="command"/> and reads its rows as a wide feature table (see <see cref="LoadWide(DbDataReader, string, WideFeatureOptions?, string?, IProgress{long}?, CancellationToken)"/>).</summary>
    /// <param name="command">A command whose connection is open.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="options">Id column, numeric columns, list separator and known ids; null for the defaults.</param>
    /// <param name="sourceName">Names the data in messages; defaults to the command text.</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows and at the end.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A column is missing or misnamed, a row is malformed, or there are no features.</exception>
    public static FeatureSet LoadWide(DbCommand command, string kind = "item", WideFeatureOptions? options = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var reader = command.ExecuteReader();
        return LoadWide(reader, kind, options, sourceName ?? command.CommandText, progress, cancellationToken);
    }

    private static string[] Names(DbDataReader reader)
    {
        var names = new string[reader.FieldCount];
        for (var c = 0; c < names.Length; c++)
        {
            names[c] = reader.GetName(c);
        }

        return names;
    }

    private static object?[] Cells(DbDataReader reader)
    {
        var cells = new object?[reader.FieldCount];
        for (var c = 0; c < cells.Length; c++)
        {
            cells[c] = Cell(reader, c);
        }

        return cells;
    }

    private static object? Cell(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal);

    private static void Report(long row, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if ((row & (ProgressEvery - 1)) == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(row);
        }
    }
}
