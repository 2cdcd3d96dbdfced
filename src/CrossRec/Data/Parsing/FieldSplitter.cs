namespace CrossRec.Data.Parsing;

/// <summary>
/// Splits one line into fields by a delimiter of one or more characters, optionally honouring RFC 4180
/// quotes (a quoted field may contain the delimiter; <c>""</c> inside quotes is one quote; a quoted field
/// cannot span lines). Field positions are kept in a reusable array: nothing is allocated per line.
/// </summary>
internal sealed class FieldSplitter
{
    private readonly string _delimiter;
    private readonly bool _quotes;
    private (int Start, int Length, bool Escaped)[] _fields = new (int, int, bool)[16];
    private char[] _scratch = new char[256];

    public FieldSplitter(string delimiter, bool quotes)
    {
        ArgumentException.ThrowIfNullOrEmpty(delimiter);
        _delimiter = delimiter;
        _quotes = quotes;
    }

    public int Count { get; private set; }

    /// <summary>Splits a line; returns false with the 1-based column of an unterminated or malformed quote.</summary>
    public bool Split(ReadOnlySpan<char> line, out int badColumn)
    {
        Count = 0;
        badColumn = 0;
        var pos = 0;
        var delimiter = _delimiter.AsSpan();
        while (true)
        {
            if (_quotes && pos < line.Length && line[pos] == '"')
            {
                var start = pos + 1;
                var escaped = false;
                var i = start;
                while (true)
                {
                    var q = line[i..].IndexOf('"');
                    if (q < 0)
                    {
                        badColumn = Count + 1;
                        return false;
                    }

                    i += q;
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        escaped = true;
                        i += 2;
                        continue;
                    }

                    break;
                }

                Add(start, i - start, escaped);
                pos = i + 1;
                if (pos == line.Length)
                {
                    return true;
                }

                if (!line[pos..].StartsWith(delimiter))
                {
                    badColumn = Count; // text after the closing quote
                    return false;
                }

                pos += delimiter.Length;
                continue;
            }

            // A one-character delimiter (tab, comma, ';', ' ') takes the vectorised IndexOf(char); the span
            // overload is a substring search, measurably slower per field.
            var next = delimiter.Length == 1 ? line[pos..].IndexOf(delimiter[0]) : line[pos..].IndexOf(delimiter);
            if (next < 0)
            {
                Add(pos, line.Length - pos, false);
                return true;
            }

            Add(pos, next, false);
            pos += next + delimiter.Length;
        }
    }

    /// <summary>The text of field <paramref name="index"/> (0-based) of the line last split, quotes removed.</summary>
    public ReadOnlySpan<char> Field(ReadOnlySpan<char> line, int index)
    {
        var (start, length, escaped) = _fields[index];
        var raw = line.Slice(start, length);
        if (!escaped)
        {
            return raw;
        }

        if (_scratch.Length < raw.Length)
        {
            _scratch = new char[raw.Length * 2];
        }

        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            _scratch[n++] = raw[i];
            if (raw[i] == '"')
            {
                i++; // skip the second quote of ""
            }
        }

        return _scratch.AsSpan(0, n);
    }

    /// <summary>The 0-based field of the line last split that holds character <paramref name="index"/> (the last field when past the end).</summary>
    public int FieldAt(int index)
    {
        for (var f = 0; f < Count; f++)
        {
            var (start, length, _) = _fields[f];
            if (index < start + length + 1)
            {
                return f;
            }
        }

        return Math.Max(0, Count - 1);
    }

    private void Add(int start, int length, bool escaped)
    {
        if (Count == _fields.Length)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[Count++] = (start, length, escaped);
    }
}
