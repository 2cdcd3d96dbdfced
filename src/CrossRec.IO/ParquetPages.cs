using System.Globalization;

namespace CrossRec.IO;

/// <summary>
/// A check of every column chunk's page headers, after <see cref="ParquetFooter"/> has checked the footer and before
/// Parquet.Net decodes a page: each header must parse, its sizes must be non-negative and its page lie within the column
/// chunk, its uncompressed size must be one the codec and the values could produce, and its values must add up to the
/// chunk's (for a flat column, one value per row of the row group).
/// </summary>
/// <remarks>
/// Implementation note: written by hand because Parquet.Net 6.1 trusts page headers: it allocates what
/// <c>uncompressed_page_size</c> claims (2³¹−1 bytes gave an <see cref="OutOfMemoryException"/> without a file name),
/// and a page claiming more or fewer values than it holds loaded wrong values without an error (docs/bad-input.md,
/// "crafted Parquet page headers"). Only headers are read, no page data. Every column chunk is checked, not only those
/// a loader maps, so that a damaged file is refused before any of its rows is delivered.
/// </remarks>
internal static class ParquetPages
{
    // Thrift field ids (parquet.thrift); HeaderValues is num_values in each of the three page kinds' own headers.
    private const int FileSchema = 2, FileRowGroups = 4;
    private const int SchemaType = 1, SchemaTypeLength = 2, SchemaRepetition = 3, SchemaName = 4, SchemaChildren = 5;
    private const int GroupColumns = 1, GroupRows = 3;
    private const int ChunkMeta = 3;
    private const int MetaPath = 3, MetaCodec = 4, MetaValues = 5, MetaCompressed = 7, MetaDataPage = 9, MetaDictionaryPage = 11;
    private const int PageType = 1, PageUncompressed = 2, PageCompressed = 3, PageData = 5, PageDictionary = 7, PageDataV2 = 8;
    private const int HeaderValues = 1, V2Rows = 3, V2DefinitionBytes = 5, V2RepetitionBytes = 6, V2Compressed = 7;

    /// <summary>Bytes of a page's uncompressed size allowed beyond the per-value bound: encodings' own headers (bit widths, block headers).</summary>
    private const long PageSlack = 64 * 1024;

    /// <summary>
    /// Bytes per value allowed beyond a fixed-width type's own width: repetition and definition levels (at most 5 bytes
    /// each per value, as RLE runs of one with a one-byte header), a dictionary index (at most 5) or a delta encoding's
    /// bits and block headers (at most 9 more). 32 is well above the 19 the worst legitimate encoding needs.
    /// </summary>
    private const long PerValueSlack = 32;

    /// <summary>
    /// The longest page header read: 16 MiB, far beyond the few dozen bytes a header takes, or the few KiB with statistics
    /// of long strings; a longer "header" is damage, and reading it would cost memory in proportion.
    /// </summary>
    private const int MaxHeaderBytes = 16 << 20;

    /// <summary>What <see cref="Check"/> read: column chunks, data pages (both versions) and dictionary pages.</summary>
    internal readonly record struct PageCounts(int Chunks, long DataPages, long DictionaryPages);

    private sealed record Leaf(int Index, string Path, bool Flat, int PhysicalType, int TypeLength);

    /// <summary>Reads each column chunk's page headers from <paramref name="stream"/>; throws a <see cref="DataFormatException"/> at the first damaged one.</summary>
    /// <param name="stream">The file.</param>
    /// <param name="file">Its path, for messages.</param>
    /// <param name="footer">The footer's bytes, already checked by <see cref="ParquetFooter"/>'s walk.</param>
    /// <param name="dataEnd">Where the footer begins: no page may reach it.</param>
    /// <param name="memory">The bytes the loader may use: a column chunk whose values cannot fit in them is refused before Parquet.Net allocates for them.</param>
    /// <returns>How many column chunks, data pages and dictionary pages were checked.</returns>
    public static PageCounts Check(FileStream stream, string file, byte[] footer, long dataEnd, long memory)
    {
        var counts = new PageCounts(0, 0, 0);
        var leaves = Schema(footer, file);
        var byPath = new Dictionary<string, Leaf>(StringComparer.Ordinal);
        foreach (var leaf in leaves)
        {
            byPath.TryAdd(leaf.Path, leaf);
        }

        var top = new Record(12);
        var walker = new ParquetFooter.Walker(footer, "footer");
        Footer(top.Read(ref walker, 0), file);
        var rowGroups = top.Position(FileRowGroups, 9);
        Footer(top.Problem, file);
        if (rowGroups is null)
        {
            return counts; // no row groups: nothing to read
        }

        walker.Position = rowGroups.Value;
        Footer(ListOf(ref walker, 12, out var groupCount), file);
        var group = new Record(4);
        var chunk = new Record(4);
        var meta = new Record(12);
        for (var g = 0; g < groupCount; g++)
        {
            Footer(group.Read(ref walker, 1), file);
            var rows = group.Int(GroupRows) ?? -1;
            var columnList = group.Position(GroupColumns, 9);
            Footer(group.Problem, file);
            if (columnList is null)
            {
                continue;
            }

            var columns = new ParquetFooter.Walker(footer, "footer") { Position = columnList.Value };
            Footer(ListOf(ref columns, 12, out var columnCount), file);
            for (var c = 0; c < columnCount; c++)
            {
                Footer(chunk.Read(ref columns, 2), file);
                var metaAt = chunk.Position(ChunkMeta, 12);
                Footer(chunk.Problem, file);
                if (metaAt is null)
                {
                    continue; // no column metadata: nothing Parquet.Net can read either
                }

                var metaWalker = new ParquetFooter.Walker(footer, "footer") { Position = metaAt.Value };
                Footer(meta.Read(ref metaWalker, 3), file);
                var pathAt = meta.Position(MetaPath, 9);
                var walk = new Chunk(file, g, groupCount, rows, memory)
                {
                    Codec = meta.Int(MetaCodec) ?? 0,
                    Values = meta.Int(MetaValues) ?? -1,
                    Compressed = meta.Int(MetaCompressed) ?? -1,
                    DataPage = meta.Int(MetaDataPage) ?? 0,
                    DictionaryPage = meta.Int(MetaDictionaryPage) ?? 0,
                };
                Footer(meta.Problem, file);
                var path = pathAt is null ? null : PathOf(footer, pathAt.Value, file);
                walk.Leaf = path is not null && byPath.TryGetValue(path, out var leaf) ? leaf : null;
                walk.Name = (walk.Leaf?.Path ?? path)?.Replace('\u001F', '.') ?? $"#{c + 1}";
                var (dataPages, dictionaryPages) = walk.Walk(stream, dataEnd);
                counts = new PageCounts(counts.Chunks + 1, counts.DataPages + dataPages, counts.DictionaryPages + dictionaryPages);
            }
        }

        return counts;
    }

    /// <summary>The fields of one Thrift structure, read by <see cref="ParquetFooter.Walker.Fields"/>, with their types checked on use.</summary>
    private sealed class Record(int size)
    {
        private readonly long[] _values = new long[size];
        private readonly byte[] _types = new byte[size];

        /// <summary>What was wrong with a field asked for since the last <see cref="Read"/>: a type other than parquet.thrift's.</summary>
        public string? Problem { get; private set; }

        public string? Read(ref ParquetFooter.Walker walker, int depth)
        {
            Problem = null;
            return walker.Fields(depth, _values, _types);
        }

        /// <summary>The integer (or boolean) field <paramref name="id"/>, or null when absent.</summary>
        public long? Int(int id)
        {
            var type = _types[id];
            if (type == 0)
            {
                return null;
            }

            if (type is >= 1 and <= 6)
            {
                return _values[id];
            }

            Problem ??= $"field {id} has compact type {type} where an integer belongs";
            return null;
        }

        /// <summary>Where the value of field <paramref name="id"/> begins when it has compact type <paramref name="type"/> (9 takes a set too), or null when absent.</summary>
        public int? Position(int id, int type)
        {
            var found = _types[id];
            if (found == 0)
            {
                return null;
            }

            if (found == type || (type == 9 && found == 10))
            {
                return (int)_values[id];
            }

            Problem ??= $"field {id} has compact type {found} where type {type} belongs";
            return null;
        }
    }

    /// <summary>One column chunk's metadata and the walk over its pages.</summary>
    private sealed class Chunk(string file, int group, int groups, long rows, long memory)
    {
        public long Codec { get; init; }

        public long Values { get; init; }

        public long Compressed { get; init; }

        public long DataPage { get; init; }

        public long DictionaryPage { get; init; }

        public Leaf? Leaf { get; set; }

        public string Name { get; set; } = "";

        /// <summary>Walks the chunk's pages; returns how many data and dictionary pages it has.</summary>
        public (long DataPages, long DictionaryPages) Walk(FileStream stream, long dataEnd)
        {
            // Parquet.Net starts at the lower of the two offsets that are set and reads pages in sequence from there.
            var start = DictionaryPage > 0 && (DictionaryPage < DataPage || DataPage <= 0) ? DictionaryPage : DataPage;
            if (start < 4 || start >= dataEnd)
            {
                throw Refuse(start, $"its pages begin at byte {start}, outside the file's column data (bytes 4 to {dataEnd})");
            }

            if (Compressed < 0 || Compressed > dataEnd - start)
            {
                throw Refuse(start, $"its metadata gives {Compressed} bytes from byte {start}, with {dataEnd - start} bytes before the footer");
            }

            if (Values < 0)
            {
                throw Refuse(start, $"its metadata gives {Values} values");
            }

            if (Leaf is { Flat: true } && rows >= 0 && Values != rows)
            {
                throw Refuse(start, $"the column chunk holds {Values} values for the row group's {rows} rows; a flat column has one per row");
            }

            // Parquet.Net reads a chunk into arrays of its values: refused here rather than by an OutOfMemoryException
            // without a file name (or the process's end) once a crafted or oversized row group gets that far.
            if (Values > Array.MaxLength)
            {
                throw Refuse(start, $"the column chunk claims {Values} values, more than a .NET array holds ({Array.MaxLength}); write the file in smaller row groups");
            }

            var least = Leaf is null ? 0 : Values * InMemory(Leaf);
            if (least > memory)
            {
                throw Refuse(start, $"the column chunk claims {Values} values, which take at least {least} bytes in memory, more than the {memory} this process may use; write the file in smaller row groups");
            }

            var end = start + Compressed;
            var position = start;
            long values = 0;
            var pages = 0;
            var dictionaries = 0;
            var header = new Record(9);
            var inner = new Record(8);
            while (values < Values)
            {
                if (position >= end)
                {
                    throw Refuse(position, $"the column chunk's {Compressed} bytes end after {pages} pages holding {values} of its {Values} values");
                }

                var bytes = ReadHeader(stream, position, end, header, out var headerLength);
                var type = header.Int(PageType);
                var uncompressed = header.Int(PageUncompressed);
                var compressed = header.Int(PageCompressed);
                if (header.Problem is not null || type is null || uncompressed is null || compressed is null)
                {
                    throw Refuse(position, $"the page header lacks its type or sizes{(header.Problem is { } p ? $" ({p})" : "")}");
                }

                if (uncompressed < 0 || compressed < 0)
                {
                    throw Refuse(position, $"the page header gives a negative size ({uncompressed} bytes uncompressed, {compressed} stored)");
                }

                var dataStart = position + headerLength;
                if (compressed > end - dataStart)
                {
                    throw Refuse(position, $"the page claims {compressed} stored bytes with {end - dataStart} left in the column chunk ({Compressed} bytes from byte {start})");
                }

                long pageValues;
                var pageCodec = Codec;
                switch (type)
                {
                    case 0: // DATA_PAGE
                        Inner(bytes, header, inner, PageData, position, "data page");
                        pageValues = Count(inner, HeaderValues, position);
                        break;
                    case 3: // DATA_PAGE_V2
                        Inner(bytes, header, inner, PageDataV2, position, "data page (version 2)");
                        pageValues = Count(inner, HeaderValues, position);
                        var definitionBytes = inner.Int(V2DefinitionBytes) ?? 0;
                        var repetitionBytes = inner.Int(V2RepetitionBytes) ?? 0;
                        var pageRows = inner.Int(V2Rows);
                        var isCompressed = inner.Int(V2Compressed) ?? 1;
                        if (inner.Problem is { } v2Problem)
                        {
                            throw Refuse(position, $"the page header does not parse: {v2Problem}");
                        }

                        if (definitionBytes < 0 || repetitionBytes < 0 || definitionBytes + repetitionBytes > Math.Min(compressed.Value, uncompressed.Value))
                        {
                            throw Refuse(position, $"the page's levels claim {definitionBytes} + {repetitionBytes} bytes of a page of {compressed} stored bytes ({uncompressed} uncompressed)");
                        }

                        if (pageRows is { } r && rows >= 0 && (r < 0 || r > rows))
                        {
                            throw Refuse(position, $"the page claims {r} rows in a row group of {rows}");
                        }

                        pageCodec = isCompressed == 0 ? 0 : Codec;
                        break;
                    case 2: // DICTIONARY_PAGE
                        if (pages > 0)
                        {
                            throw Refuse(position, $"a dictionary page follows {pages} other pages; it must be the chunk's first");
                        }

                        Inner(bytes, header, inner, PageDictionary, position, "dictionary page");
                        pageValues = Count(inner, HeaderValues, position);
                        var bits = Leaf is null ? 0L : Leaf.PhysicalType switch { 0 => 1L, 6 => 32L, _ => Width(Leaf) * 8L }; // per plain-encoded entry, at least
                        if (bits > 0 && pageValues > uncompressed.Value * 8 / bits)
                        {
                            throw Refuse(position, $"the dictionary page claims {pageValues} entries in {uncompressed} bytes");
                        }

                        break;
                    default:
                        throw Refuse(position, $"the page header gives page type {type}; expected a data page (0 or 3) or a dictionary page (2)");
                }

                if (type != 2 && Leaf is { Flat: true } && rows >= 0 && pageValues > rows)
                {
                    throw Refuse(position, $"the page claims {pageValues} values in a row group of {rows} rows; a flat column has one per row");
                }

                var byCodec = CodecLimit(pageCodec, compressed.Value);
                var byValues = ValueLimit(Leaf, pageValues);
                if (uncompressed > Math.Min(byCodec, byValues))
                {
                    var why = byCodec <= byValues ? Why(pageCodec) : $"{pageValues} values of {Width(Leaf!)} bytes take at most {PerValueSlack} bytes more each in any encoding";
                    throw Refuse(position, $"the page claims {uncompressed} bytes uncompressed from {compressed} stored bytes; at most {Math.Min(byCodec, byValues)} can be genuine ({why})");
                }

                if (type != 2)
                {
                    values += pageValues;
                }
                else
                {
                    dictionaries++;
                }

                pages++;
                position = dataStart + compressed.Value;
            }

            if (values != Values)
            {
                throw Refuse(start, $"its pages hold {values} values; its metadata gives {Values}");
            }

            return (pages - dictionaries, dictionaries);
        }

        /// <summary>Reads the page header at <paramref name="position"/> into <paramref name="header"/>; returns the bytes read.</summary>
        private byte[] ReadHeader(FileStream stream, long position, long end, Record header, out int length)
        {
            // A page header is a few dozen bytes, more with statistics; read a little and more only when it runs on.
            var size = (int)Math.Min(end - position, 256);
            while (true)
            {
                var bytes = new byte[size];
                stream.Position = position;
                stream.ReadExactly(bytes);
                var walker = new ParquetFooter.Walker(bytes, "column chunk");
                var problem = header.Read(ref walker, 0);
                if (problem is null)
                {
                    length = walker.Position;
                    return bytes;
                }

                if (size >= end - position || size >= MaxHeaderBytes)
                {
                    throw Refuse(position, $"the page header does not parse within {size} bytes, at its byte {walker.Position}: {problem}");
                }

                size = (int)Math.Min(Math.Min(end - position, (long)size * 8), MaxHeaderBytes);
            }
        }

        /// <summary>Reads the header's structure <paramref name="field"/> (the data or dictionary page's own fields) into <paramref name="inner"/>.</summary>
        private void Inner(byte[] bytes, Record header, Record inner, int field, long position, string what)
        {
            var at = header.Position(field, 12);
            if (at is null)
            {
                throw Refuse(position, $"the {what}'s header lacks its {what} fields{(header.Problem is { } p ? $" ({p})" : "")}");
            }

            var walker = new ParquetFooter.Walker(bytes, "page header") { Position = at.Value };
            if (inner.Read(ref walker, 1) is { } problem)
            {
                throw Refuse(position, $"the page header does not parse: {problem}"); // it parsed as a whole already
            }
        }

        private long Count(Record inner, int field, long position)
        {
            var count = inner.Int(field);
            if (count is null || count < 0 || count > int.MaxValue)
            {
                throw Refuse(position, $"the page header gives {(count is { } n ? n.ToString(CultureInfo.InvariantCulture) : "no")} number of values{(inner.Problem is { } p ? $" ({p})" : "")}");
            }

            return count.Value;
        }

        private DataFormatException Refuse(long position, string why) =>
            new(file, 0, Leaf is null ? 0 : Leaf.Index + 1, string.Create(CultureInfo.InvariantCulture,
                $"not a readable Parquet file: row group {group + 1} of {groups}, column '{Name}', page at byte {position}: {why}."));
    }

    /// <summary>The bytes this process may use: the garbage collector's limit (physical memory, or a container's or <c>GCHeapHardLimit</c>'s).</summary>
    internal static long AvailableMemory() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// The most bytes a page of <paramref name="stored"/> bytes can expand to under <paramref name="codec"/>, from each
    /// format's own limit, so that no legitimate page is ever refused: uncompressed 1:1; Snappy at most 64 bytes per
    /// 3-byte copy tag (22:1); deflate (Gzip) at most 1032:1; LZ4 at most 255 bytes per added length byte (256:1); Zstd at
    /// most one 128 KiB block per 3-byte block header (43,691:1). Brotli and LZO give no useful bound.
    /// </summary>
    private static long CodecLimit(long codec, long stored) => codec switch
    {
        0 => stored,
        1 => (stored * 22) + PageSlack,
        2 => (stored * 1033) + PageSlack,
        5 or 7 => (stored * 256) + PageSlack,
        6 => (stored * 43_691) + PageSlack,
        _ => long.MaxValue,
    };

    private static string Why(long codec) => codec switch
    {
        0 => "an uncompressed page is as long as it is stored",
        1 => "Snappy expands at most 22-fold",
        2 => "deflate expands at most 1032-fold",
        5 or 7 => "LZ4 expands at most 256-fold",
        6 => "a Zstd block of 3 header bytes holds at most 128 KiB",
        _ => "the values' width bounds the page",
    };

    /// <summary>
    /// The most bytes <paramref name="values"/> values of a fixed-width column can take in one page, in any encoding:
    /// the width plus <see cref="PerValueSlack"/> per value, plus <see cref="PageSlack"/>; unbounded for byte arrays
    /// (each value may be as long as it likes) and unknown columns.
    /// </summary>
    private static long ValueLimit(Leaf? leaf, long values) =>
        leaf is null || leaf.PhysicalType == 6 || Width(leaf) <= 0 ? long.MaxValue : (values * (Width(leaf) + PerValueSlack)) + PageSlack;

    /// <summary>Bytes per value of the physical type: boolean 1 (a bit when plain), int32 and float 4, int64 and double 8, int96 12, fixed-length its length.</summary>
    private static int Width(Leaf leaf) => leaf.PhysicalType switch
    {
        0 => 1,
        1 or 4 => 4,
        2 or 5 => 8,
        3 => 12,
        7 => leaf.TypeLength,
        _ => 0,
    };

    /// <summary>
    /// The fewest bytes one value of the leaf takes once Parquet.Net has read it: boolean 1, int32 and float 4, int64,
    /// double and int96 (a date and time) 8, a byte array or fixed-length value at least a reference (8).
    /// </summary>
    private static long InMemory(Leaf leaf) => leaf.PhysicalType switch
    {
        0 => 1,
        1 or 4 => 4,
        _ => 8,
    };

    /// <summary>The schema's leaves in order: path (names joined by U+001F), whether no level above or at it repeats, type.</summary>
    private static List<Leaf> Schema(byte[] footer, string file)
    {
        var top = new Record(12);
        var walker = new ParquetFooter.Walker(footer, "footer");
        Footer(top.Read(ref walker, 0), file);
        var schema = top.Position(FileSchema, 9);
        Footer(top.Problem, file);
        var leaves = new List<Leaf>();
        if (schema is null)
        {
            return leaves;
        }

        walker.Position = schema.Value;
        Footer(ListOf(ref walker, 12, out var count), file);
        var element = new Record(6);
        // (children left to read, path, repeated) of each open group; the root's name is not part of a column's path.
        var open = new Stack<(long Left, string Path, bool Repeated)>();
        for (var e = 0; e < count; e++)
        {
            Footer(element.Read(ref walker, 1), file);
            var nameAt = element.Position(SchemaName, 8);
            var children = element.Int(SchemaChildren) ?? 0;
            var repeated = element.Int(SchemaRepetition) == 2;
            var physical = (int)(element.Int(SchemaType) ?? -1);
            var typeLength = (int)(element.Int(SchemaTypeLength) ?? 0);
            Footer(element.Problem, file);
            var name = "";
            if (nameAt is not null)
            {
                var text = new ParquetFooter.Walker(footer, "footer") { Position = nameAt.Value };
                Footer(text.Binary(out var bytes), file);
                name = System.Text.Encoding.UTF8.GetString(bytes);
            }

            if (e == 0)
            {
                open.Push((children, "", false));
                continue;
            }

            while (open.Count > 0 && open.Peek().Left <= 0)
            {
                open.Pop();
            }

            if (open.Count == 0)
            {
                break; // more elements than the root's children: Parquet.Net's schema reader decides
            }

            var parent = open.Pop();
            open.Push((parent.Left - 1, parent.Path, parent.Repeated));
            var path = parent.Path.Length == 0 ? name : parent.Path + "\u001F" + name;
            if (children > 0)
            {
                open.Push((children, path, parent.Repeated || repeated));
            }
            else
            {
                leaves.Add(new Leaf(leaves.Count, path, !(parent.Repeated || repeated), physical, typeLength));
            }
        }

        return leaves;
    }

    /// <summary>A column chunk's <c>path_in_schema</c>, names joined by U+001F.</summary>
    private static string PathOf(byte[] footer, int position, string file)
    {
        var walker = new ParquetFooter.Walker(footer, "footer") { Position = position };
        Footer(ListOf(ref walker, 8, out var count), file);
        var names = new string[count];
        for (var n = 0; n < names.Length; n++)
        {
            Footer(walker.Binary(out var bytes), file);
            names[n] = System.Text.Encoding.UTF8.GetString(bytes);
        }

        return string.Join('\u001F', names);
    }

    /// <summary>Reads a list header whose elements must have compact type <paramref name="element"/>.</summary>
    private static string? ListOf(ref ParquetFooter.Walker walker, int element, out int count)
    {
        count = 0;
        if (walker.ListHeader(out var found, out var n) is { } problem)
        {
            return problem;
        }

        if (n > 0 && found != element)
        {
            return $"a list of elements of compact type {found} where type {element} belongs";
        }

        count = (int)n; // no more than the footer's length: ListHeader bounds it
        return null;
    }

    /// <summary>
    /// The footer was walked once already, so a problem here means a field of a type other than parquet.thrift gives
    /// (which the structural walk cannot see).
    /// </summary>
    private static void Footer(string? problem, string file)
    {
        if (problem is not null)
        {
            throw ParquetFooter.Damaged(file, $"its footer's fields are not of the types Parquet gives them: {problem}");
        }
    }
}
