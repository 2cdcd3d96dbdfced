using System.Data.Common;
using System.Globalization;

namespace CrossRec.Data;

/// <summary>
/// Loads an <see cref="InteractionSet"/> from any ADO.NET result set (<see cref="DbDataReader"/>: PostgreSQL through
/// Npgsql, SQL Server, SQLite, DuckDB, ...), streaming one row at a time. Columns are mapped by name or ordinal
/// (<see cref="InteractionColumns"/>). Ids may be text, integers or GUIDs; values any number type (or numeric text);
/// timestamps integer Unix seconds, date/times (UTC when unspecified) or ISO-8601 text.
/// </summary>
/// <remarks>
/// The checks are those of <see cref="DelimitedFile"/>: a null or empty id, a null, non-numeric or non-finite value,
/// a value outside the declared scale, a bad timestamp or a conflicting domain raises a
/// <see cref="DataFormatException"/> whose <see cref="DataFormatException.Line"/> is the 1-based row of the result set
/// and whose <see cref="DataFormatException.Column"/> is the 1-based column, unless <see cref="LoadOptions.Lenient"/>
/// is set, in which case the row is skipped and reported in <see cref="InteractionSet.LoadReport"/>.
/// </remarks>
/// <example>
/// <code>
/// using var command = connection.CreateCommand();
/// command.CommandText = "SELECT user_id, item_id, rating FROM ratings";
/// using var reader = command.ExecuteReader();
/// InteractionSet data = DbInteractions.Load(reader, InteractionColumns.Named("user_id", "item_id", "rating"), sourceName: "ratings");
/// </code>
/// </example>
public static class DbInteractions
{
    private const int ProgressEvery = 1 << 16;

    /// <summary>Reads every remaining row of <paramref name="reader"/> (the reader is not disposed).</summary>
    /// <param name="reader">An open reader positioned before its first row.</param>
    /// <param name="columns">The column mapping; null takes columns 0, 1 and 2 as user, item and value.</param>
    /// <param name="options">Scale, leniency and id maps to continue; null for the defaults.</param>
    /// <param name="sourceName">Names the data in messages (a table or query); defaults to "database".</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed (strict mode) or no row is valid.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static InteractionSet Load(DbDataReader reader, InteractionColumns? columns = null, LoadOptions? options = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var loader = Start(reader, columns, options, sourceName);
        while (reader.Read())
        {
            loader.Row(reader);
            if ((loader.Rows & (ProgressEvery - 1)) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(loader.Rows);
            }
        }

        progress?.Report(loader.Rows);
        return loader.Finish();
    }

    /// <summary>Reads every remaining row of <paramref name="reader"/> asynchronously (the reader is not disposed).</summary>
    /// <param name="reader">An open reader positioned before its first row.</param>
    /// <param name="columns">The column mapping; null takes columns 0, 1 and 2 as user, item and value.</param>
    /// <param name="options">Scale, leniency and id maps to continue; null for the defaults.</param>
    /// <param name="sourceName">Names the data in messages (a table or query); defaults to "database".</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed (strict mode) or no row is valid.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<InteractionSet> LoadAsync(DbDataReader reader, InteractionColumns? columns = null, LoadOptions? options = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var loader = Start(reader, columns, options, sourceName);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            loader.Row(reader);
            if ((loader.Rows & (ProgressEvery - 1)) == 0)
            {
                progress?.Report(loader.Rows);
            }
        }

        progress?.Report(loader.Rows);
        return loader.Finish();
    }

    /// <summary>Executes <paramref name="command"/> and reads its rows (see <see cref="Load(DbDataReader, InteractionColumns?, LoadOptions?, string?, IProgress{long}?, CancellationToken)"/>).</summary>
    /// <param name="command">A command whose connection is open.</param>
    /// <param name="columns">The column mapping; null takes columns 0, 1 and 2 as user, item and value.</param>
    /// <param name="options">Scale, leniency and id maps to continue; null for the defaults.</param>
    /// <param name="sourceName">Names the data in messages; defaults to the command text.</param>
    /// <param name="progress">Receives the number of rows read so far, every 65,536 rows.</param>
    /// <param name="cancellationToken">Stops the read between rows.</param>
    /// <exception cref="DataFormatException">A mapped column is missing, a row is malformed (strict mode) or no row is valid.</exception>
    public static InteractionSet Load(DbCommand command, InteractionColumns? columns = null, LoadOptions? options = null, string? sourceName = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var reader = command.ExecuteReader();
        return Load(reader, columns, options, sourceName ?? command.CommandText, progress, cancellationToken);
    }

    private static Loader Start(DbDataReader reader, InteractionColumns? columns, LoadOptions? options, string? sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new LoadOptions();
        options.Validate();
        columns ??= new InteractionColumns();
        var source = string.IsNullOrWhiteSpace(sourceName) ? "database" : sourceName;
        var names = new string[reader.FieldCount];
        for (var c = 0; c < names.Length; c++)
        {
            names[c] = reader.GetName(c);
        }

        return new Loader(new InteractionRowSink(source, options), columns.Resolve(names, source), columns);
    }

    private sealed class Loader
    {
        private readonly InteractionRowSink _sink;
        private readonly int _user;
        private readonly int _item;
        private readonly int _value;
        private readonly int _timestamp;
        private readonly int _domain;
        private readonly char[] _userBuffer = new char[64];
        private readonly char[] _itemBuffer = new char[64];
        private readonly InteractionColumns _columns;

        public Loader(InteractionRowSink sink, (int User, int Item, int Value, int Timestamp, int Domain) ordinals, InteractionColumns columns)
        {
            _sink = sink;
            (_user, _item, _value, _timestamp, _domain) = ordinals;
            _columns = columns;
        }

        public long Rows { get; private set; }

        public void Row(DbDataReader reader)
        {
            var row = ++Rows;
            if (!Id(reader, _user, "user id", row, _userBuffer, out var user) || !Id(reader, _item, "item id", row, _itemBuffer, out var item))
            {
                return;
            }

            var value = 1f;
            if (_value >= 0 && !Value(reader, row, out value))
            {
                return;
            }

            long? timestamp = null;
            if (_timestamp >= 0)
            {
                if (!Timestamp(reader, row, out var ts))
                {
                    return;
                }

                timestamp = ts;
            }

            var domain = ReadOnlySpan<char>.Empty;
            if (_domain >= 0)
            {
                if (reader.IsDBNull(_domain))
                {
                    _sink.Problem(row, _domain + 1, "the domain is null.");
                    return;
                }

                domain = Convert.ToString(reader.GetValue(_domain), CultureInfo.InvariantCulture);
            }

            _sink.Add(row, user, _user, item, _item, value, _value, timestamp, _timestamp, domain, _domain);
        }

        public InteractionSet Finish()
        {
            var expected = $"user {_columns.User}, item {_columns.Item}" + (_columns.Value is { } v ? $", value {v}" : "")
                + (_columns.Timestamp is { } t ? $", timestamp {t}" : "") + (_columns.Domain is { } d ? $", domain {d}" : "");
            return _sink.Build(Rows, expected);
        }

        /// <summary>Reads an id as text without a string for integer ids.</summary>
        private bool Id(DbDataReader reader, int ordinal, string role, long row, char[] buffer, out ReadOnlySpan<char> id)
        {
            id = default;
            if (reader.IsDBNull(ordinal))
            {
                _sink.Problem(row, ordinal + 1, $"the {role} is null.");
                return false;
            }

            var type = reader.GetFieldType(ordinal);
            var written = 0;
            var ok = type == typeof(string) ? Assign(reader.GetString(ordinal), out id)
                : type == typeof(int) ? reader.GetInt32(ordinal).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture)
                : type == typeof(long) ? reader.GetInt64(ordinal).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture)
                : type == typeof(short) ? reader.GetInt16(ordinal).TryFormat(buffer, out written, default, CultureInfo.InvariantCulture)
                : type == typeof(Guid) ? reader.GetGuid(ordinal).TryFormat(buffer, out written)
                : Assign(Convert.ToString(reader.GetValue(ordinal), CultureInfo.InvariantCulture) ?? "", out id);
            if (written > 0)
            {
                id = buffer.AsSpan(0, written);
            }

            return ok;
        }

        private static bool Assign(string text, out ReadOnlySpan<char> span)
        {
            span = text;
            return true;
        }

        private bool Value(DbDataReader reader, long row, out float value)
        {
            value = 0f;
            var o = _value;
            if (reader.IsDBNull(o))
            {
                _sink.Problem(row, o + 1, "the value is null; expected a number.");
                return false;
            }

            var type = reader.GetFieldType(o);
            if (type == typeof(float))
            {
                value = reader.GetFloat(o);
            }
            else if (type == typeof(double))
            {
                value = (float)reader.GetDouble(o);
            }
            else if (type == typeof(int))
            {
                value = reader.GetInt32(o);
            }
            else if (type == typeof(long))
            {
                value = reader.GetInt64(o);
            }
            else if (type == typeof(short))
            {
                value = reader.GetInt16(o);
            }
            else if (type == typeof(decimal))
            {
                value = (float)reader.GetDecimal(o);
            }
            else if (type == typeof(bool))
            {
                value = reader.GetBoolean(o) ? 1f : 0f;
            }
            else if (type == typeof(string))
            {
                var text = reader.GetString(o);
                if (!Parsing.FastNumbers.TryParseFloat(text, out value))
                {
                    _sink.Problem(row, o + 1, string.IsNullOrWhiteSpace(text) ? "the value is empty; expected a number." : $"the value '{text}' is not a number (culture-invariant, '.' as decimal point).");
                    return false;
                }
            }
            else
            {
                try
                {
                    value = Convert.ToSingle(reader.GetValue(o), CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
                {
                    _sink.Problem(row, o + 1, $"the value of type {type.Name} is not a number.");
                    return false;
                }
            }

            return true;
        }

        private bool Timestamp(DbDataReader reader, long row, out long seconds)
        {
            seconds = 0;
            var o = _timestamp;
            if (reader.IsDBNull(o))
            {
                _sink.Problem(row, o + 1, "the timestamp is null.");
                return false;
            }

            var type = reader.GetFieldType(o);
            if (type == typeof(long) || type == typeof(int) || type == typeof(short))
            {
                seconds = Convert.ToInt64(reader.GetValue(o), CultureInfo.InvariantCulture);
                return true;
            }

            if (type == typeof(DateTime))
            {
                var t = reader.GetDateTime(o);
                seconds = new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()).ToUnixTimeSeconds();
                return true;
            }

            var v = reader.GetValue(o);
            if (v is DateTimeOffset dto)
            {
                seconds = dto.ToUnixTimeSeconds();
                return true;
            }

            if (v is double d && double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
            {
                seconds = (long)d;
                return true;
            }

            var text = Convert.ToString(v, CultureInfo.InvariantCulture) ?? "";
            if (InteractionRowSink.TryParseTimestamp(text, out seconds))
            {
                return true;
            }

            _sink.Problem(row, o + 1, $"the timestamp '{text}' is neither integer Unix seconds nor a date/time.");
            return false;
        }
    }
}
