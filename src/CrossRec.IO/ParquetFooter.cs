using System.Buffers.Binary;
using System.Globalization;

namespace CrossRec.IO;

/// <summary>
/// A structural check of a Parquet file's footer (its Thrift compact-encoded <c>FileMetaData</c>) before Parquet.Net
/// reads it: every field, string, list, set and map must lie within the footer's bytes and end where the encoding says.
/// </summary>
/// <remarks>
/// Implementation note: written by hand because Parquet.Net 6.1's metadata reader does not bound a damaged footer: a
/// list header whose element count was corrupted (up to 2³¹) or a varint running past the end of the footer made it
/// spin without end (found by the seeded fuzz test in <c>TableBadInputTests</c>; stacks in
/// <c>ThriftCompactProtocolReader.ReadListHeader</c>/<c>SkipField</c> and <c>ReadVarInt64</c>). A damaged file must be
/// refused with a <see cref="DataFormatException"/> naming it instead. The walk reads each byte of the footer at most once.
/// </remarks>
internal static class ParquetFooter
{
    private const int MaxDepth = 64;

    /// <summary>
    /// Opens <paramref name="file"/> for reading, checks its magic numbers, footer length and footer encoding and every
    /// column chunk's page headers (<see cref="ParquetPages"/>), and returns the stream at position 0 for Parquet.Net
    /// (one open per file); throws a <see cref="DataFormatException"/> naming the file and the byte where it is damaged
    /// (with the row group and column for a page header).
    /// </summary>
    public static FileStream Open(string file)
    {
        var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            Check(stream, file, ParquetPages.AvailableMemory());
            stream.Position = 0;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Checks <paramref name="file"/> as <see cref="Open"/> does and says how many chunks and pages it read (for tests).</summary>
    /// <param name="file">The file.</param>
    /// <param name="memory">The bytes the loader may use (null: <see cref="ParquetPages.AvailableMemory"/>).</param>
    internal static ParquetPages.PageCounts Inspect(string file, long? memory = null)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Check(stream, file, memory ?? ParquetPages.AvailableMemory());
    }

    private static ParquetPages.PageCounts Check(FileStream stream, string file, long memory)
    {
        var length = stream.Length;
        if (length < 12)
        {
            throw Damaged(file, $"it is {length} bytes long, shorter than a Parquet file's two magic numbers and footer length (12 bytes)");
        }

        Span<byte> tail = stackalloc byte[8];
        stream.Position = length - 8;
        stream.ReadExactly(tail);
        if (!tail[4..].SequenceEqual("PAR1"u8))
        {
            throw Damaged(file, "it does not end with the Parquet magic number 'PAR1' (truncated, or not a Parquet file)");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - 12)
        {
            throw Damaged(file, $"its footer length is {footerLength} bytes in a file of {length} bytes");
        }

        var footer = new byte[footerLength];
        stream.Position = length - 8 - footerLength;
        stream.ReadExactly(footer);
        var reader = new Walker(footer, "footer");
        if (reader.Struct(0) is { } problem)
        {
            throw Damaged(file, $"its footer (file metadata, {footerLength} bytes) is damaged at byte {reader.Position}: {problem}");
        }

        return ParquetPages.Check(stream, file, footer, length - 8 - footerLength, memory);
    }

    internal static DataFormatException Damaged(string file, string why) =>
        new(file, 0, 0, string.Create(CultureInfo.InvariantCulture, $"not a readable Parquet file: {why}."));

    /// <summary>
    /// A bounded walk over Thrift compact protocol values in <paramref name="bytes"/> (<paramref name="what"/> names
    /// them in messages); each method returns null or what is wrong.
    /// </summary>
    internal ref struct Walker(ReadOnlySpan<byte> bytes, string what)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly string _what = what;

        public int Position { get; set; }

        private readonly int Left => _bytes.Length - Position;

        public string? Struct(int depth)
        {
            if (depth > MaxDepth)
            {
                return $"structures nested deeper than {MaxDepth}";
            }

            while (true)
            {
                if (Left < 1)
                {
                    return $"a structure runs past the end of the {_what}";
                }

                var header = _bytes[Position++];
                if (header == 0)
                {
                    return null; // stop
                }

                var type = header & 0x0F;
                if (header >> 4 == 0 && Varint(out _) is { } idProblem)
                {
                    return idProblem; // the field id follows as a varint when the delta does not fit
                }

                if (type is 1 or 2)
                {
                    continue; // a boolean field's value is its type
                }

                if (Value(type, depth) is { } problem)
                {
                    return problem;
                }
            }
        }

        private string? Value(int type, int depth)
        {
            switch (type)
            {
                case 1 or 2 or 3: // a boolean element or a byte: one byte
                    return Skip(1);
                case 4 or 5 or 6:
                    return Varint(out _);
                case 7:
                    return Skip(8);
                case 8:
                    if (Varint(out var size) is { } sizeProblem)
                    {
                        return sizeProblem;
                    }

                    return size > (ulong)Left ? $"a string of {size} bytes with {Left} left" : Skip((int)size);
                case 9 or 10:
                    return List(depth);
                case 11:
                    return Map(depth);
                case 12:
                    return Struct(depth + 1);
                default:
                    return $"unknown value type {type}";
            }
        }

        /// <summary>Reads a list or set header: the elements' type and how many follow (no more than the bytes left allow).</summary>
        public string? ListHeader(out int element, out ulong count)
        {
            element = 0;
            count = 0;
            if (Left < 1)
            {
                return $"a list header runs past the end of the {_what}";
            }

            var header = _bytes[Position++];
            element = header & 0x0F;
            count = (ulong)(header >> 4);
            if (count == 15 && Varint(out count) is { } countProblem)
            {
                return countProblem;
            }

            var least = element == 7 ? 8UL : 1UL;
            return count > (ulong)Left / least ? $"a list of {count} elements with {Left} bytes left" : null;
        }

        /// <summary>
        /// Reads one structure as <see cref="Struct"/> does and keeps its own fields numbered 1 to
        /// <c>fields.Length - 1</c>: integers (zigzag-decoded, bytes as signed) and booleans (1 or 0) as their values, strings, lists,
        /// maps and structures as the position where their value begins; <paramref name="types"/> gets each kept field's
        /// compact type (0 for a field not found).
        /// </summary>
        public string? Fields(int depth, Span<long> fields, Span<byte> types)
        {
            types.Clear();
            var id = 0L;
            while (true)
            {
                if (Left < 1)
                {
                    return $"a structure runs past the end of the {_what}";
                }

                var header = _bytes[Position++];
                if (header == 0)
                {
                    return null;
                }

                var type = header & 0x0F;
                if (header >> 4 == 0)
                {
                    if (Varint(out var raw) is { } idProblem)
                    {
                        return idProblem;
                    }

                    id = (long)(raw >> 1) ^ -(long)(raw & 1);
                }
                else
                {
                    id += header >> 4;
                }

                var keep = id > 0 && id < fields.Length;
                long value = Position;
                if (type is 1 or 2)
                {
                    value = type == 1 ? 1 : 0;
                }
                else if (type == 3)
                {
                    if (Left < 1)
                    {
                        return $"a byte runs past the end of the {_what}";
                    }

                    value = (sbyte)_bytes[Position++];
                }
                else if (type is 4 or 5 or 6)
                {
                    if (Varint(out var raw) is { } numberProblem)
                    {
                        return numberProblem;
                    }

                    value = (long)(raw >> 1) ^ -(long)(raw & 1);
                }
                else if (Value(type, depth) is { } problem)
                {
                    return problem;
                }

                if (keep)
                {
                    fields[(int)id] = value;
                    types[(int)id] = (byte)type;
                }
            }
        }

        /// <summary>Reads a string or binary value.</summary>
        public string? Binary(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (Varint(out var size) is { } sizeProblem)
            {
                return sizeProblem;
            }

            if (size > (ulong)Left)
            {
                return $"a string of {size} bytes with {Left} left";
            }

            value = _bytes.Slice(Position, (int)size);
            Position += (int)size;
            return null;
        }

        private string? List(int depth)
        {
            if (ListHeader(out var element, out var count) is { } headerProblem)
            {
                return headerProblem;
            }

            for (var n = 0UL; n < count; n++)
            {
                if (Value(element, depth + 1) is { } problem)
                {
                    return problem;
                }
            }

            return null;
        }

        private string? Map(int depth)
        {
            if (Varint(out var count) is { } countProblem)
            {
                return countProblem;
            }

            if (count == 0)
            {
                return null;
            }

            if (Left < 1)
            {
                return $"a map header runs past the end of the {_what}";
            }

            var types = _bytes[Position++];
            if (count > (ulong)Left / 2)
            {
                return $"a map of {count} entries with {Left} bytes left";
            }

            for (var n = 0UL; n < count; n++)
            {
                if (Value(types >> 4, depth + 1) is { } keyProblem)
                {
                    return keyProblem;
                }

                if (Value(types & 0x0F, depth + 1) is { } valueProblem)
                {
                    return valueProblem;
                }
            }

            return null;
        }

        private string? Varint(out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                if (Left < 1)
                {
                    return $"a number runs past the end of the {_what}";
                }

                var b = _bytes[Position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return null;
                }
            }

            return "a number longer than ten bytes";
        }

        private string? Skip(int count)
        {
            if (count > Left)
            {
                return $"a value of {count} bytes with {Left} left";
            }

            Position += count;
            return null;
        }
    }
}
