using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CrossRec.Data;

/// <summary>
/// Reads and writes matrices as NumPy <c>.npy</c> files (format 1.0–3.0; float32 or float64,
/// little-endian, C order; 2-D, or 1-D read as one column), so factors and features move to and from
/// Python, Spark and other tooling. Values are held as float32 in CrossRec.
/// </summary>
public static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a matrix.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file is not a supported .npy matrix (bad magic, Fortran order, another dtype, wrong rank, truncated data, NaN/∞).</exception>
    public static ReadOnlyMatrix Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Parsing.InputFile.RequireRegular(path, "NumPy file"); // a device or FIFO is refused by name, not read

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> prefix = stackalloc byte[12];
        if (stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false) < 10 || !prefix[..6].SequenceEqual(Magic))
        {
            throw Bad(path, "not a NumPy .npy file (the \\x93NUMPY magic is missing).");
        }

        var major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..10]);
        }
        else if (major is 2 or 3)
        {
            if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
            {
                throw Bad(path, "the header is truncated.");
            }

            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..12]));
        }
        else
        {
            throw Bad(path, $"format version {major}.{prefix[7]} is not supported (1.0–3.0 are).");
        }

        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerLength, throwOnEndOfStream: false) < headerLength)
        {
            throw Bad(path, "the header is truncated.");
        }

        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var descr = HeaderValue(header, "descr", path);
        var fortran = HeaderValue(header, "fortran_order", path);
        var shapeText = HeaderValue(header, "shape", path);
        if (fortran != "False")
        {
            throw Bad(path, "the array is in Fortran (column-major) order; save it with numpy.ascontiguousarray first.");
        }

        var elementSize = descr switch
        {
            "'<f4'" or "'f4'" => 4,
            "'<f8'" or "'f8'" => 8,
            _ => throw Bad(path, $"dtype {descr} is not supported; use little-endian float32 ('<f4') or float64 ('<f8')."),
        };
        var dims = shapeText.Trim('(', ')').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw Bad(path, $"unreadable shape {shapeText}."))
            .ToArray();
        var (rows, columns) = dims.Length switch
        {
            1 => (dims[0], 1L),
            2 => (dims[0], dims[1]),
            _ => throw Bad(path, $"a {dims.Length}-dimensional array is not a matrix; reshape it to 2-D."),
        };
        if (rows * columns > Array.MaxLength)
        {
            throw Bad(path, $"a {rows} x {columns} matrix is too large.");
        }

        var count = (int)(rows * columns);
        var data = new float[count];
        var buffer = new byte[1 << 16];
        var done = 0;
        while (done < count)
        {
            var want = Math.Min(buffer.Length / elementSize, count - done);
            var got = stream.ReadAtLeast(buffer.AsSpan(0, want * elementSize), want * elementSize, throwOnEndOfStream: false);
            if (got < want * elementSize)
            {
                throw Bad(path, $"the data is truncated: {rows} x {columns} values need {(long)count * elementSize} bytes after the header.");
            }

            for (var i = 0; i < want; i++)
            {
                var v = elementSize == 4
                    ? BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(i * 4))
                    : (float)BinaryPrimitives.ReadDoubleLittleEndian(buffer.AsSpan(i * 8));
                if (!float.IsFinite(v))
                {
                    throw Bad(path, $"value {done + i} (row {(done + i) / columns}, column {(done + i) % columns}) is {v}; values must be finite.");
                }

                data[done + i] = v;
            }

            done += want;
        }

        return ReadOnlyMatrix.Wrap(data, (int)rows, (int)columns);
    }

    /// <summary>Writes a matrix as a float32 (default) or float64 .npy file (format 1.0, C order), atomically.</summary>
    public static void Write(string path, ReadOnlyMatrix matrix, bool asFloat64 = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(matrix);
        var header = $"{{'descr': '{(asFloat64 ? "<f8" : "<f4")}', 'fortran_order': False, 'shape': ({matrix.Rows}, {matrix.Columns}), }}";
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        var full = Path.GetFullPath(path);
        var temp = full + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> prefix = stackalloc byte[10];
                Magic.CopyTo(prefix);
                prefix[6] = 1;
                prefix[7] = 0;
                BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
                stream.Write(prefix);
                stream.Write(Encoding.Latin1.GetBytes(header));
                var values = matrix.AsSpan();
                var buffer = new byte[1 << 16];
                var size = asFloat64 ? 8 : 4;
                for (var start = 0; start < values.Length; start += buffer.Length / size)
                {
                    var n = Math.Min(buffer.Length / size, values.Length - start);
                    for (var i = 0; i < n; i++)
                    {
                        if (asFloat64)
                        {
                            BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(i * 8), values[start + i]);
                        }
                        else
                        {
                            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), values[start + i]);
                        }
                    }

                    stream.Write(buffer, 0, n * size);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static string HeaderValue(string header, string key, string path)
    {
        var match = HeaderEntry().Matches(header).FirstOrDefault(m => m.Groups["key"].Value == key);
        return match?.Groups["value"].Value.Trim() ?? throw Bad(path, $"the header has no '{key}' entry.");
    }

    private static DataFormatException Bad(string path, string problem) => new(path, 0, 0, problem);

    [GeneratedRegex(@"'(?<key>\w+)'\s*:\s*(?<value>\([^)]*\)|'[^']*'|True|False)")]
    private static partial Regex HeaderEntry();
}
