using System.IO.Compression;

namespace CrossRec.IO.Tests;

/// <summary>
/// A minimal Parquet writer for tests that craft page headers: flat required INT64 or FLOAT columns, PLAIN values in
/// version-1 data pages, uncompressed or Gzip, several row groups and several pages per chunk. Every page header is
/// built from a <see cref="CraftedPage"/> that a test may change before it is written; the footer always describes the
/// bytes actually written (offsets and sizes), so a change to a header is the only damage in the file.
/// </summary>
internal static class CraftedParquet
{
    public sealed record Column(string Name, bool Float, double[] Values);

    /// <summary>Writes the columns in row groups of <paramref name="groupRows"/> rows, each chunk in <paramref name="pages"/> pages.</summary>
    /// <param name="tamper">Sees (and may change) each page's header fields before they are written.</param>
    /// <param name="chunkValues">Sees each chunk (row group, column) and the values it holds and returns the num_values its metadata claims.</param>
    /// <param name="claimedRows">Sees each row group and its rows and returns the num_rows its metadata claims.</param>
    public static void Write(string path, IReadOnlyList<Column> columns, int groupRows, int pages, bool gzip = false,
        Action<CraftedPage>? tamper = null, Func<int, int, long, long>? chunkValues = null, Func<int, long, long>? claimedRows = null)
    {
        var rows = columns[0].Values.Length;
        using var file = new MemoryStream();
        file.Write("PAR1"u8);
        var footer = new Compact();
        var groups = new List<Action>();
        var groupCount = (rows + groupRows - 1) / groupRows;
        var chunkMeta = new (long Offset, long Compressed, long Uncompressed, long Values)[groupCount, columns.Count];
        for (var g = 0; g < groupCount; g++)
        {
            var start = g * groupRows;
            var n = Math.Min(groupRows, rows - start);
            for (var c = 0; c < columns.Count; c++)
            {
                var chunkStart = file.Position;
                long uncompressedTotal = 0;
                var perPage = (n + pages - 1) / pages;
                for (var p = 0; p * perPage < n; p++)
                {
                    var count = Math.Min(perPage, n - p * perPage);
                    var plain = new byte[count * (columns[c].Float ? 4 : 8)];
                    for (var r = 0; r < count; r++)
                    {
                        var x = columns[c].Values[start + p * perPage + r];
                        if (columns[c].Float)
                        {
                            BitConverter.TryWriteBytes(plain.AsSpan(r * 4), (float)x);
                        }
                        else
                        {
                            BitConverter.TryWriteBytes(plain.AsSpan(r * 8), (long)x);
                        }
                    }

                    var stored = gzip ? Gzip(plain) : plain;
                    var page = new CraftedPage(g, c, p) { Uncompressed = plain.Length, Compressed = stored.Length, NumValues = count };
                    tamper?.Invoke(page);
                    var header = page.Raw ?? page.Encode();
                    file.Write(header);
                    file.Write(stored);
                    uncompressedTotal += header.Length + plain.Length;
                }

                chunkMeta[g, c] = (chunkStart, file.Position - chunkStart, uncompressedTotal, chunkValues?.Invoke(g, c, n) ?? n);
            }
        }

        footer.I32(1, 1);
        footer.ListOfStructs(2, columns.Count + 1);
        footer.Begin();
        footer.Binary(4, "schema"u8.ToArray());
        footer.I32(5, columns.Count);
        footer.End();
        foreach (var column in columns)
        {
            footer.Begin();
            footer.I32(1, column.Float ? 4 : 2);
            footer.I32(3, 0);
            footer.Binary(4, System.Text.Encoding.UTF8.GetBytes(column.Name));
            footer.End();
        }

        footer.I64(3, rows);
        footer.ListOfStructs(4, groupCount);
        for (var g = 0; g < groupCount; g++)
        {
            footer.Begin();
            footer.ListOfStructs(1, columns.Count);
            long bytes = 0;
            for (var c = 0; c < columns.Count; c++)
            {
                var m = chunkMeta[g, c];
                bytes += m.Uncompressed;
                footer.Begin();
                footer.I64(2, m.Offset);
                footer.Struct(3);
                footer.I32(1, columns[c].Float ? 4 : 2);
                footer.ListOfI32(2, [0]);
                footer.ListOfBinary(3, [System.Text.Encoding.UTF8.GetBytes(columns[c].Name)]);
                footer.I32(4, gzip ? 2 : 0);
                footer.I64(5, m.Values);
                footer.I64(6, m.Uncompressed);
                footer.I64(7, m.Compressed);
                footer.I64(9, m.Offset);
                footer.End();
                footer.End();
            }

            footer.I64(2, bytes);
            long groupRowCount = Math.Min(groupRows, rows - (g * groupRows));
            footer.I64(3, claimedRows?.Invoke(g, groupRowCount) ?? groupRowCount);
            footer.End();
        }

        footer.Stop();
        var meta = footer.ToArray();
        file.Write(meta);
        file.Write(BitConverter.GetBytes(meta.Length));
        file.Write("PAR1"u8);
        File.WriteAllBytes(path, file.ToArray());
    }

    /// <summary>Interactions (user, item, value) of <paramref name="rows"/> rows: 17 users, distinct items, values 1..5.</summary>
    public static Column[] Interactions(int rows) =>
    [
        new("user", false, [.. Enumerable.Range(0, rows).Select(r => (double)(r % 17))]),
        new("item", false, [.. Enumerable.Range(0, rows).Select(r => (double)(1000 + r))]),
        new("value", true, [.. Enumerable.Range(0, rows).Select(r => (double)(1 + (r % 5)))]),
    ];

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(data);
        }

        return output.ToArray();
    }
}

/// <summary>One page's header fields as <see cref="CraftedParquet"/> writes them; a test changes them to damage the header.</summary>
public sealed class CraftedPage(int group, int column, int index)
{
    public int Group { get; } = group;

    public int Column { get; } = column;

    public int Index { get; } = index;

    public int Type { get; set; }

    public int Uncompressed { get; set; }

    public int Compressed { get; set; }

    public int NumValues { get; set; }

    /// <summary>When set, written in place of the encoded header.</summary>
    public byte[]? Raw { get; set; }

    public byte[] Encode()
    {
        var c = new Compact();
        c.I32(1, Type);
        c.I32(2, Uncompressed);
        c.I32(3, Compressed);
        c.Struct(5);
        c.I32(1, NumValues);
        c.I32(2, 0); // PLAIN
        c.I32(3, 3); // RLE levels
        c.I32(4, 3);
        c.End();
        c.Stop();
        return c.ToArray();
    }
}

/// <summary>A Thrift compact protocol writer, just enough for a footer and page headers.</summary>
internal sealed class Compact
{
    private readonly List<byte> _bytes = [];
    private readonly Stack<int> _ids = new();
    private int _last;

    public void I32(int id, int value)
    {
        Field(id, 5);
        Varint((ulong)(uint)((value << 1) ^ (value >> 31)));
    }

    public void I64(int id, long value)
    {
        Field(id, 6);
        Varint((ulong)((value << 1) ^ (value >> 63)));
    }

    public void Binary(int id, byte[] value)
    {
        Field(id, 8);
        Varint((ulong)value.Length);
        _bytes.AddRange(value);
    }

    public void Struct(int id)
    {
        Field(id, 12);
        Begin();
    }

    public void ListOfStructs(int id, int count) => ListHeader(id, 12, count);

    public void ListOfI32(int id, int[] values)
    {
        ListHeader(id, 5, values.Length);
        foreach (var v in values)
        {
            Varint((ulong)(uint)((v << 1) ^ (v >> 31)));
        }
    }

    public void ListOfBinary(int id, byte[][] values)
    {
        ListHeader(id, 8, values.Length);
        foreach (var v in values)
        {
            Varint((ulong)v.Length);
            _bytes.AddRange(v);
        }
    }

    /// <summary>Starts a structure (a list element or after <see cref="Struct"/>): field ids count from 0 again.</summary>
    public void Begin()
    {
        _ids.Push(_last);
        _last = 0;
    }

    public void End()
    {
        _bytes.Add(0);
        _last = _ids.Pop();
    }

    public void Stop() => _bytes.Add(0);

    public byte[] ToArray() => [.. _bytes];

    private void ListHeader(int id, int element, int count)
    {
        Field(id, 9);
        if (count < 15)
        {
            _bytes.Add((byte)((count << 4) | element));
        }
        else
        {
            _bytes.Add((byte)(0xF0 | element));
            Varint((ulong)count);
        }
    }

    private void Field(int id, int type)
    {
        var delta = id - _last;
        if (delta is > 0 and <= 15)
        {
            _bytes.Add((byte)((delta << 4) | type));
        }
        else
        {
            _bytes.Add((byte)type);
            Varint((ulong)(uint)((id << 1) ^ (id >> 31)));
        }

        _last = id;
    }

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.Add((byte)value);
    }
}
