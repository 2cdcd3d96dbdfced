using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace CrossRec.IO;

/// <summary>
/// One flat column of one row group, read whole and held as nullable values of its own type, with the
/// conversions the interaction loader needs (id as text, value as float, timestamp as Unix seconds).
/// </summary>
internal sealed class ParquetColumn
{
    private readonly object _values;
    private readonly string?[]? _text;
    private readonly long?[]? _int64;
    private readonly int?[]? _int32;
    private readonly float?[]? _single;

    private ParquetColumn(DataField field, object values)
    {
        Field = field;
        _values = values;
        _text = values as string?[];
        _int64 = values as long?[];
        _int32 = values as int?[];
        _single = values as float?[];
    }

    public DataField Field { get; }

    /// <summary>Reads a flat column of a row group.</summary>
    /// <exception cref="NotSupportedException">The column's type is none this loader converts.</exception>
    public static async Task<ParquetColumn> ReadAsync(ParquetRowGroupReader group, DataField field, CancellationToken cancellationToken)
    {
        var rows = checked((int)group.RowCount);
        var t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        object values;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var s = new string?[rows];
            await group.ReadAsync(field, s.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            values = s;
        }
        else if (t == typeof(int))
        {
            values = await Struct<int>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(long))
        {
            values = await Struct<long>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(float))
        {
            values = await Struct<float>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(double))
        {
            values = await Struct<double>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(short))
        {
            values = await Struct<short>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(decimal))
        {
            values = await Struct<decimal>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(bool))
        {
            values = await Struct<bool>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(DateTime))
        {
            values = await Struct<DateTime>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else if (t == typeof(DateTimeOffset))
        {
            values = await Struct<DateTimeOffset>(group, field, rows, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new NotSupportedException($"column '{field.Name}' has type {t.Name}; expected text, an integer, a number or a date/time");
        }

        return new ParquetColumn(field, values);
    }

    private static async Task<T?[]> Struct<T>(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
        where T : struct
    {
        var result = new T?[rows];
        if (field.IsNullable)
        {
            await group.ReadAsync<T>(field, result.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return result;
        }

        var dense = new T[rows];
        await group.ReadAsync<T>(field, dense.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        for (var r = 0; r < rows; r++)
        {
            result[r] = dense[r];
        }

        return result;
    }

    public bool IsNull(int row) =>
        _int64 is not null ? !_int64[row].HasValue
        : _text is not null ? _text[row] is null
        : _single is not null ? !_single[row].HasValue
        : _int32 is not null ? !_int32[row].HasValue
        : IsNullSlow(row);

    private bool IsNullSlow(int row) => _values switch
    {
        string?[] s => s[row] is null,
        int?[] v => !v[row].HasValue,
        long?[] v => !v[row].HasValue,
        float?[] v => !v[row].HasValue,
        double?[] v => !v[row].HasValue,
        short?[] v => !v[row].HasValue,
        decimal?[] v => !v[row].HasValue,
        bool?[] v => !v[row].HasValue,
        DateTime?[] v => !v[row].HasValue,
        DateTimeOffset?[] v => !v[row].HasValue,
        _ => true,
    };

    /// <summary>The value as id text: strings as they are, integers formatted invariantly into <paramref name="buffer"/>.</summary>
    public ReadOnlySpan<char> Text(int row, Span<char> buffer)
    {
        int n;
        if (_int64 is not null)
        {
            _int64[row]!.Value.TryFormat(buffer, out n, default, CultureInfo.InvariantCulture);
            return buffer[..n];
        }

        if (_text is not null)
        {
            return _text[row];
        }

        switch (_values)
        {
            case string?[] s:
                return s[row];
            case int?[] v:
                v[row]!.Value.TryFormat(buffer, out n, default, CultureInfo.InvariantCulture);
                return buffer[..n];
            case long?[] v:
                v[row]!.Value.TryFormat(buffer, out n, default, CultureInfo.InvariantCulture);
                return buffer[..n];
            case short?[] v:
                v[row]!.Value.TryFormat(buffer, out n, default, CultureInfo.InvariantCulture);
                return buffer[..n];
            default:
                return Convert.ToString(Boxed(row), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The value as a float; false for text that is not a number.</summary>
    public bool TryFloat(int row, out float value)
    {
        if (_single is not null)
        {
            value = _single[row]!.Value;
            return true;
        }

        switch (_values)
        {
            case float?[] v:
                value = v[row]!.Value;
                return true;
            case double?[] v:
                value = (float)v[row]!.Value;
                return true;
            case int?[] v:
                value = v[row]!.Value;
                return true;
            case long?[] v:
                value = v[row]!.Value;
                return true;
            case short?[] v:
                value = v[row]!.Value;
                return true;
            case decimal?[] v:
                value = (float)v[row]!.Value;
                return true;
            case bool?[] v:
                value = v[row]!.Value ? 1f : 0f;
                return true;
            case string?[] s:
                return CrossRec.Data.Parsing.FastNumbers.TryParseFloat(s[row], out value);
            default:
                value = 0f;
                return false;
        }
    }

    /// <summary>The value as Unix seconds; false for text that is neither integer seconds nor a date/time.</summary>
    public bool TryTimestamp(int row, out long seconds)
    {
        if (_int64 is not null)
        {
            seconds = _int64[row]!.Value;
            return true;
        }

        switch (_values)
        {
            case long?[] v:
                seconds = v[row]!.Value;
                return true;
            case int?[] v:
                seconds = v[row]!.Value;
                return true;
            case DateTime?[] v:
                var t = v[row]!.Value;
                seconds = new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()).ToUnixTimeSeconds();
                return true;
            case DateTimeOffset?[] v:
                seconds = v[row]!.Value.ToUnixTimeSeconds();
                return true;
            case string?[] s:
                return InteractionRowSink.TryParseTimestamp(s[row], out seconds);
            default:
                seconds = 0;
                return false;
        }
    }

    /// <summary>The value boxed as its own type (integers as integers, text as a string), or null for a null.</summary>
    public object? Cell(int row) => Boxed(row);

    /// <summary>The value as shown in messages.</summary>
    public string Show(int row) => Convert.ToString(Boxed(row), CultureInfo.InvariantCulture) ?? "null";

    private object? Boxed(int row) => ((System.Collections.IList)_values)[row];
}
