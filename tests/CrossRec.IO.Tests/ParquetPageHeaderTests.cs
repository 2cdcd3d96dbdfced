using Parquet;
using Parquet.Schema;

namespace CrossRec.IO.Tests;

/// <summary>
/// Crafted Parquet page headers (docs/bad-input.md, "Crafted Parquet page headers"): each is refused by name by every
/// loader before Parquet.Net decodes a page, and files from Parquet.Net and DuckDB in every layout still load.
/// The crafted files hold 100 interaction rows in 3 row groups (40, 40, 20 rows) of 2 pages per column chunk.
/// </summary>
public sealed class ParquetPageHeaderTests
{
    /// <summary>A crafted case: what is changed, and what the refusal must say.</summary>
    public sealed record Craft(string Name, bool Gzip, Action<CraftedPage>? Tamper, Func<int, int, long, long>? ChunkValues, string Column, string Says)
    {
        public override string ToString() => Name;
    }

    private static bool At(CraftedPage p, int group, int column, int index) => p.Group == group && p.Column == column && p.Index == index;

    public static IEnumerable<Craft> Crafts() =>
    [
        // Parquet.Net 6.1 before the check: OutOfMemoryException "Array dimensions exceeded supported range", no file name.
        new("an uncompressed size of 2,147,483,647 bytes on a gzip page", true, p => { if (At(p, 0, 2, 0)) { p.Uncompressed = int.MaxValue; } }, null,
            "value", "the page claims 2147483647 bytes uncompressed from"),
        new("an uncompressed size of 2,147,483,647 bytes on an uncompressed page", false, p => { if (At(p, 0, 2, 0)) { p.Uncompressed = int.MaxValue; } }, null,
            "value", "an uncompressed page is as long as it is stored"),
        new("a negative uncompressed size", true, p => { if (At(p, 0, 2, 0)) { p.Uncompressed = -5; } }, null,
            "value", "a negative size (-5 bytes uncompressed"),
        new("a negative compressed size", false, p => { if (At(p, 1, 1, 1)) { p.Compressed = -5; } }, null,
            "item", "a negative size"),
        new("a compressed size past the column chunk's end", false, p => { if (At(p, 0, 0, 1)) { p.Compressed += 40; } }, null,
            "user", "left in the column chunk"),
        // Parquet.Net 6.1 before the check: loaded as if whole.
        new("a compressed size past the file's end", false, p => { if (At(p, 1, 2, 1)) { p.Compressed = 1 << 30; } }, null,
            "value", "the page claims 1073741824 stored bytes with 80 left in the column chunk"),
        // Parquet.Net 6.1 before the check: 100 rows with wrong values (sum 240 instead of 300), no error.
        new("a page with ten times the row group's rows", false, p => { if (At(p, 0, 2, 0)) { p.NumValues *= 10; } }, null,
            "value", "the page claims 200 values in a row group of 40 rows"),
        new("a page with 2,147,483,647 values", false, p => { if (At(p, 0, 2, 0)) { p.NumValues = int.MaxValue; } }, null,
            "value", "the page claims 2147483647 values"),
        // Parquet.Net 6.1 before the check: wrong values (sum 288 instead of 300), no error.
        new("pages with fewer values than the chunk", false, p => { if (At(p, 0, 2, 0)) { p.NumValues -= 3; } }, null,
            "value", "holding 37 of its 40 values"),
        new("a negative number of values", false, p => { if (At(p, 2, 0, 0)) { p.NumValues = -1; } }, null,
            "user", "gives -1 number of values"),
        new("a chunk claiming 2,147,483,647 values", false, null, (g, c, n) => g == 0 && c == 2 ? int.MaxValue : n,
            "value", "holds 2147483647 values for the row group's 40 rows"),
        new("a chunk claiming fewer values than rows", false, null, (g, c, n) => g == 2 && c == 1 ? n - 10 : n,
            "item", "holds 10 values for the row group's 20 rows"),
        new("a page header that does not parse", false, p => { if (At(p, 0, 1, 1)) { p.Raw = [0xF9, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]; } }, null,
            "item", "the page header does not parse"),
        new("a page header without its sizes", false, p => { if (At(p, 0, 1, 0)) { p.Raw = [0x15, 0x00, 0x00]; } }, null,
            "item", "lacks its type or sizes"),
        new("a dictionary page after a data page", false, p => { if (At(p, 0, 1, 1)) { p.Type = 2; } }, null,
            "item", "must be the chunk's first"),
        new("an unknown page type", false, p => { if (At(p, 0, 1, 0)) { p.Type = 9; } }, null,
            "item", "page type 9"),
    ];

    private static readonly (string Name, Action<string> Load)[] Loaders =
    [
        ("interactions", path => ParquetInteractions.Load(path)),
        ("long features", path => ParquetFeatures.Load(path)),
        ("wide features", path => ParquetFeatures.LoadWide(path, options: new WideFeatureOptions { IdColumn = "item" })),
    ];

    [TestCaseSource(nameof(Crafts))]
    public void A_crafted_page_header_is_refused_by_every_loader_naming_the_file_row_group_column_and_byte(Craft craft)
    {
        using var dir = new TempDir();
        var path = dir.File("crafted.parquet");
        CraftedParquet.Write(path, CraftedParquet.Interactions(100), groupRows: 40, pages: 2, craft.Gzip, craft.Tamper, craft.ChunkValues);
        foreach (var (name, load) in Loaders)
        {
            var run = Task.Run(() => load(path));
            Assert.That(Task.WaitAny([run], TimeSpan.FromSeconds(30)), Is.EqualTo(0), $"{name}: no answer within 30 s");
            var e = Assert.Throws<DataFormatException>(() => run.GetAwaiter().GetResult(), name)!;
            Assert.Multiple(() =>
            {
                Assert.That(e.SourceName, Is.EqualTo(path), name);
                Assert.That(e.Problem, Does.Match(@"row group \d of 3, column '" + craft.Column + @"', page at byte \d+: "), name);
                Assert.That(e.Problem, Does.Contain(craft.Says), name);
            });
        }
    }

    [Test]
    public void A_row_group_claiming_more_rows_than_an_array_holds_is_refused_by_every_loader_before_parquet_net_allocates()
    {
        // Rows, chunk values and the page's values all agree on 2,147,483,647, so only the size itself is wrong. Parquet.Net
        // 6.1 would allocate arrays of that length ("Array dimensions exceeded supported range", no file name).
        using var dir = new TempDir();
        var path = dir.File("huge.parquet");
        CraftedParquet.Write(path, CraftedParquet.Interactions(100), groupRows: 40, pages: 1, tamper: p => { if (p.Group == 0) { p.NumValues = int.MaxValue; } },
            chunkValues: (g, _, n) => g == 0 ? int.MaxValue : n, claimedRows: (g, n) => g == 0 ? int.MaxValue : n);
        foreach (var (name, load) in Loaders)
        {
            var e = Assert.Throws<DataFormatException>(() => load(path), name)!;
            Assert.That(e.Problem, Does.Match(@"row group 1 of 3, column 'user', page at byte \d+: the column chunk claims 2147483647 values, more than a \.NET array holds"), name);
        }
    }

    [Test]
    public void A_column_chunk_whose_values_cannot_fit_in_the_memory_the_process_may_use_is_refused_naming_both_sizes()
    {
        // 40 rows a group; the user column is int64 (8 bytes a value in memory), so 320 bytes is the least a chunk needs.
        using var dir = new TempDir();
        var path = dir.File("sound.parquet");
        CraftedParquet.Write(path, CraftedParquet.Interactions(100), groupRows: 40, pages: 2);
        Assert.That(ParquetFooter.Inspect(path, memory: 320).Chunks, Is.EqualTo(9), "exactly enough is enough");
        var e = Assert.Throws<DataFormatException>(() => ParquetFooter.Inspect(path, memory: 319))!;
        Assert.That(e.Problem, Does.Contain("column 'user', page at byte 4: the column chunk claims 40 values, which take at least 320 bytes in memory, more than the 319 this process may use"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void The_crafted_file_undamaged_loads_with_every_value_in_every_loader(bool gzip)
    {
        // The control for the test above: the writer's own files are sound, so each refusal there is the crafted header's.
        using var dir = new TempDir();
        var path = dir.File("sound.parquet");
        CraftedParquet.Write(path, CraftedParquet.Interactions(100), groupRows: 40, pages: 2, gzip);
        Assert.That(ParquetFooter.Inspect(path), Is.EqualTo(new ParquetPages.PageCounts(9, 18, 0)));
        var data = ParquetInteractions.Load(path);
        Assert.That((data.Count, data.UserIds.Count, data.Values.ToArray().Sum()), Is.EqualTo((100, 17, 300f)));
        Assert.That(ParquetFeatures.Load(path).Count, Is.EqualTo(17));
        Assert.That(ParquetFeatures.LoadWide(path, options: new WideFeatureOptions { IdColumn = "item" }).Count, Is.EqualTo(100));
        Assert.That(Duck.Query($"SELECT count(*), sum(value) FROM '{path}'"), Is.EqualTo(new[] { "100|300" }), "DuckDB reads it too");
    }

    [TestCase(CompressionMethod.None)]
    [TestCase(CompressionMethod.Snappy)]
    [TestCase(CompressionMethod.Gzip)]
    [TestCase(CompressionMethod.Zstd)]
    [TestCase(CompressionMethod.Brotli)]
    [TestCase(CompressionMethod.LZ4)]
    public async Task A_parquet_net_file_with_row_groups_nulls_and_each_compression_still_loads(CompressionMethod compression)
    {
        using var dir = new TempDir();
        var path = dir.File("parquet-net.parquet");
        var user = new DataField<string>("user", true);
        var item = new DataField<long>("item", false);
        var value = new DataField<double>("value", true);
        var options = new ParquetOptions { CompressionMethod = compression };
        const int Groups = 4, Rows = 5000;
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(user, item, value), stream, options))
        {
            for (var g = 0; g < Groups; g++)
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(user, [.. Enumerable.Range(0, Rows).Select(r => r % 97 == 0 ? null : "user-" + (r % 50))], null);
                await group.WriteAsync<long>(item, Enumerable.Range(0, Rows).Select(r => (long)((g * Rows) + r)).ToArray().AsMemory(), null, null);
                await group.WriteAsync<double>(value, Enumerable.Range(0, Rows).Select(r => r % 89 == 0 ? (double?)null : 1 + (r % 5)).ToArray().AsMemory(), null, null);
            }
        }

        var counts = ParquetFooter.Inspect(path);
        Assert.That((counts.Chunks, counts.DataPages), Is.EqualTo((Groups * 3, (long)Groups * 3)), "Parquet.Net 6.1 writes one page per column chunk");
        var data = ParquetInteractions.Load(path, options: new LoadOptions { Lenient = true });
        var nulls = Enumerable.Range(0, Rows).Count(r => r % 97 == 0 || r % 89 == 0) * Groups;
        Assert.That(data.Count, Is.EqualTo((Groups * Rows) - nulls));
        Assert.That(data.LoadReport!.RowsSkipped, Is.EqualTo(nulls));
    }

    [TestCase("uncompressed", "V1")]
    [TestCase("snappy", "V1")]
    [TestCase("gzip", "V1")]
    [TestCase("zstd", "V1")]
    [TestCase("snappy", "V2")]
    [TestCase("zstd", "V2")]
    public void A_duckdb_file_with_dictionaries_nulls_and_version_2_pages_still_loads(string codec, string version)
    {
        using var dir = new TempDir();
        var path = dir.File("duck.parquet");
        const int Rows = 300_000;
        Duck.Execute($"COPY (SELECT CASE WHEN x % 101 = 0 THEN NULL ELSE 'u' || (x % 700) END AS u, 'i' || x AS i, (1 + x % 5)::FLOAT AS v, x AS t FROM range({Rows}) t(x)) " +
                     $"TO '{path}' (FORMAT PARQUET, COMPRESSION {codec}, ROW_GROUP_SIZE 100000, PARQUET_VERSION {version})");
        var counts = ParquetFooter.Inspect(path);
        Assert.That(counts.Chunks, Is.EqualTo(12));
        Assert.That(counts.DataPages, Is.GreaterThanOrEqualTo(counts.Chunks));
        Assert.That(counts.DictionaryPages, Is.GreaterThan(0), "the user column is dictionary-encoded");
        var data = ParquetInteractions.Load(path, InteractionColumns.Named("u", "i", "v"), new LoadOptions { Lenient = true });
        var nulls = (Rows + 100) / 101;
        Assert.That(data.Count, Is.EqualTo(Rows - nulls));
        Assert.That(ParquetFeatures.Load(path, FeatureColumns.Named("i", "t")).Count, Is.EqualTo(Rows));
    }

    [Test]
    public void A_spark_factor_table_with_a_crafted_page_size_is_refused_by_name()
    {
        // Parquet.Net's own factor table (array<float> features, a nested column), damaged in place: the first data page's
        // stored size, a varint rewritten in its own length, made negative and then larger than the column chunk.
        using var dir = new TempDir();
        var data = new InteractionSetBuilder();
        for (var u = 0; u < 12; u++)
        {
            for (var i = 0; i < 8; i++)
            {
                if ((u + i) % 3 != 0)
                {
                    data.Add((100 + u).ToString(System.Globalization.CultureInfo.InvariantCulture), i.ToString(System.Globalization.CultureInfo.InvariantCulture), 1f);
                }
            }
        }

        var model = Recommenders.ImplicitAls().Factors(4).Iterations(2).Seed(3).Fit(data.Build());
        SparkAls.Save(model, dir.Path);
        var part = Directory.GetFiles(Path.Combine(dir.Path, "userFactors"), "*.parquet").Single();
        Assert.That(SparkAls.Load(dir.Path), Is.Not.Null, "the undamaged model loads");
        var original = File.ReadAllBytes(part);
        var offset = long.Parse(Duck.Query($"SELECT data_page_offset FROM parquet_metadata('{part}') WHERE path_in_schema LIKE 'features%'").Single(), System.Globalization.CultureInfo.InvariantCulture);

        foreach (var (size, says) in new[] { (-1, "a negative size"), (int.MaxValue, "left in the column chunk") })
        {
            var bytes = (byte[])original.Clone();
            PatchStoredSize(bytes, (int)offset, size);
            File.WriteAllBytes(part, bytes);
            var e = Assert.Throws<DataFormatException>(() => SparkAls.Load(dir.Path))!;
            Assert.That(e.SourceName, Is.EqualTo(part));
            Assert.That(e.Problem, Does.Contain("column 'features.list.element'").And.Contain(says));
        }
    }

    /// <summary>
    /// Rewrites field 3 (compressed_page_size) of the page header at <paramref name="at"/> to <paramref name="value"/>, or
    /// to the largest value its varint's length holds, padding the varint so that no byte after it moves.
    /// </summary>
    private static void PatchStoredSize(byte[] bytes, int at, int value)
    {
        var p = at;
        for (var field = 1; field <= 3; field++)
        {
            Assert.That(bytes[p], Is.EqualTo(0x15), "Parquet.Net writes fields 1-3 of a page header as consecutive i32s");
            p++;
            if (field == 3)
            {
                break;
            }

            while ((bytes[p++] & 0x80) != 0)
            {
            }
        }

        var length = 1;
        while ((bytes[p + length - 1] & 0x80) != 0)
        {
            length++;
        }

        var zigzag = (ulong)(uint)((value << 1) ^ (value >> 31));
        zigzag = Math.Min(zigzag, (1UL << (7 * length)) - 2); // an even zigzag: the largest positive value that fits
        for (var k = 0; k < length; k++)
        {
            bytes[p + k] = (byte)((zigzag & 0x7F) | (k < length - 1 ? 0x80UL : 0));
            zigzag >>= 7;
        }
    }
}
