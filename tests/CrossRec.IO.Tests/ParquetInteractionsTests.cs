namespace CrossRec.IO.Tests;

public sealed class ParquetInteractionsTests
{
    [Test]
    public void Text_to_parquet_to_interactions_round_trips_in_several_row_groups()
    {
        using var dir = new TempDir();
        var csv = dir.File("ratings.csv");
        File.WriteAllLines(csv, ["user,item,rating,time", "u1,i1,4,1000", "u1,i2,2.5,1001", "u2,i1,5,1002", "u3,i3,1,1003", "u2,i3,3,1004", "u3,i1,4.5,1005", "u4,i2,2,1006"]);
        var text = DelimitedFile.Load(csv, new DelimitedFormat { User = "user", Item = "item", Rating = "rating", Timestamp = "time" });
        var file = dir.File("ratings.parquet");
        ParquetInteractions.Save(text, file, rowGroupSize: 3);
        Assert.That(Duck.Query($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{file}')"), Is.EqualTo(new[] { "3" }));

        var back = ParquetInteractions.Load(file, InteractionColumns.Named("user", "item", "value", "timestamp"));
        Assert.That(back.UserIds, Is.EqualTo(text.UserIds));
        Assert.That(back.ItemIds, Is.EqualTo(text.ItemIds));
        Assert.That(back.Users.ToArray(), Is.EqualTo(text.Users.ToArray()));
        Assert.That(back.Items.ToArray(), Is.EqualTo(text.Items.ToArray()));
        Assert.That(back.Values.ToArray(), Is.EqualTo(text.Values.ToArray()));
        Assert.That(back.Timestamps.ToArray(), Is.EqualTo(text.Timestamps.ToArray()));
        Assert.That(back.LoadReport!.LinesRead, Is.EqualTo(7));
    }

    [Test]
    public void Integer_ids_are_written_as_int64_and_read_back_as_the_same_ids()
    {
        using var dir = new TempDir();
        var numeric = new InteractionSetBuilder().Add("196", "242", 3f).Add("-5", "302", 4f).Add("196", "302", 1f).Build();
        var padded = new InteractionSetBuilder().Add("007", "242", 3f).Add("8", "302", 4f).Build();
        ParquetInteractions.Save(numeric, dir.File("numeric.parquet"));
        ParquetInteractions.Save(padded, dir.File("padded.parquet"));
        Assert.That(Duck.Query($"SELECT typeof(\"user\"), typeof(item) FROM '{dir.File("numeric.parquet")}' LIMIT 1"), Is.EqualTo(new[] { "BIGINT|BIGINT" }));
        Assert.That(Duck.Query($"SELECT typeof(\"user\"), typeof(item) FROM '{dir.File("padded.parquet")}' LIMIT 1"), Is.EqualTo(new[] { "VARCHAR|BIGINT" }));
        Assert.That(ParquetInteractions.Load(dir.File("numeric.parquet")).UserIds, Is.EqualTo(new[] { "196", "-5" }));
        Assert.That(ParquetInteractions.Load(dir.File("padded.parquet")).UserIds, Is.EqualTo(new[] { "007", "8" }));
    }

    [Test]
    public void Independent_writer_file_loads_with_a_column_mapping_and_domains()
    {
        using var dir = new TempDir();
        var file = dir.File("events.parquet");
        Duck.Execute($"COPY (SELECT * FROM (VALUES (7::BIGINT, 'book-1', 2.0::DOUBLE, TIMESTAMP '2024-01-01 00:00:00', 'books'), " +
                     $"(8, 'film-1', 1.0, TIMESTAMP '2024-01-01 00:01:00', 'films'), (7, 'film-1', 3.0, TIMESTAMP '2024-01-01 00:02:00', 'films')) " +
                     $"t(customer, sku, qty, happened, shop)) TO '{file}' (FORMAT PARQUET)");
        var data = ParquetInteractions.Load(file, new InteractionColumns { User = "customer", Item = "sku", Value = "qty", Timestamp = "happened", Domain = "shop" });
        Assert.That(data.UserIds, Is.EqualTo(new[] { "7", "8" }));
        Assert.That(data.Values.ToArray(), Is.EqualTo(new[] { 2f, 1f, 3f }));
        Assert.That(data.Timestamps.ToArray(), Is.EqualTo(new[] { 1704067200L, 1704067260L, 1704067320L }));
        Assert.That(data.Domains, Is.EqualTo(new[] { "books", "films" }));
    }

    [Test]
    public void Nulls_and_bad_values_are_reported_by_file_row_and_column()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("parts"));
        Duck.Execute(
            $"COPY (SELECT * FROM (VALUES ('u1', 'i1', 1.0::FLOAT), ('u2', 'i2', 2.0)) t(u, i, v)) TO '{dir.File("parts/part-0.parquet")}' (FORMAT PARQUET)",
            $"COPY (SELECT * FROM (VALUES ('u3', 'i1', 1.0::FLOAT), ('u4', 'i2', NULL), (NULL, 'i3', 2.0), ('u5', 'i3', 'Infinity'::FLOAT)) t(u, i, v)) TO '{dir.File("parts/part-1.parquet")}' (FORMAT PARQUET)");
        var strict = Assert.Throws<DataFormatException>(() => ParquetInteractions.Load(dir.File("parts")))!;
        Assert.That(strict.SourceName, Does.EndWith("part-1.parquet"));
        Assert.That((strict.Line, strict.Column), Is.EqualTo((2L, 3)));

        var lenient = ParquetInteractions.Load(dir.File("parts"), options: new LoadOptions { Lenient = true });
        Assert.That(lenient.Count, Is.EqualTo(3));
        Assert.That(lenient.LoadReport!.Problems.Select(p => (p.Line, p.Column)), Is.EqualTo(new[] { (2L, 3), (3L, 1), (4L, 3) }));
        Assert.That(lenient.LoadReport.Problems[1].Problem, Does.Contain("user id is null"));
        Assert.That(lenient.LoadReport.Problems[2].Problem, Does.Contain("finite"));

        var missing = Assert.Throws<DataFormatException>(() => ParquetInteractions.Load(dir.File("parts"), InteractionColumns.Named("user", "i", "v")))!;
        Assert.That(missing.Message, Does.Contain("'user'").And.Contain("u, i, v"));
    }
}
