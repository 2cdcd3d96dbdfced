using Parquet;
using Parquet.Schema;

namespace CrossRec.IO.Tests;

/// <summary>ParquetFeatures on small files written with Parquet.Net: long and wide tables, several row groups, part directories, bad cells named.</summary>
public sealed class ParquetFeaturesTests
{
    private static readonly DataField<string> Item = new("item", false);
    private static readonly DataField<string> Feature = new("feature", false);
    private static readonly DataField<float?> Weight = new("weight", true);

    [Test]
    public void Long_features_load_across_row_groups_with_weights()
    {
        using var dir = new TempDir();
        var file = dir.File("tags.parquet");
        Write(file, [Item, Feature, Weight],
            [S("a", "a", "b"), S("red", "sale", "red"), new float?[] { 1f, 0.5f, 2f }],
            [S("c"), S("new"), new float?[] { 0.25f }]);

        var set = ParquetFeatures.Load(file);
        Assert.That(set.Ids, Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(set.FeaturesOf("a"), Is.EquivalentTo(new Dictionary<string, float> { ["red"] = 1f, ["sale"] = 0.5f }));
        Assert.That(set.FeaturesOf("c").Single(), Is.EqualTo(new KeyValuePair<string, float>("new", 0.25f)));
        Assert.That(set.SourceName, Is.EqualTo(file));
    }

    [Test]
    public void Integer_ids_and_a_named_mapping_read_a_part_directory()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("parts"));
        var sku = new DataField<long>("SKU", false);
        var tag = new DataField<string>("tag", false);
        var other = new DataField<int>("other", false);
        Write(dir.File("parts/part-0.parquet"), [other, sku, tag], [new[] { 9, 9 }, new[] { 101L, 102L }, S("red", "blue")]);
        Write(dir.File("parts/part-1.parquet"), [other, sku, tag], [new[] { 9 }, new[] { 103L }, S("red")]);

        var set = ParquetFeatures.Load(dir.File("parts"), FeatureColumns.Named("sku", "TAG"), "item");
        Assert.That(set.Ids, Is.EqualTo(new[] { "101", "102", "103" }));
        Assert.That(set.FeaturesOf("103").Single(), Is.EqualTo(new KeyValuePair<string, float>("red", 1f)));

        var missing = Assert.Throws<DataFormatException>(() => ParquetFeatures.Load(dir.File("parts"), FeatureColumns.Named("sku", "label")))!;
        Assert.That(missing.Message, Does.Contain("no feature column 'label'").And.Contain("other, SKU, tag"));
        var unmapped = Assert.Throws<DataFormatException>(() => ParquetFeatures.Load(dir.File("parts")))!;
        Assert.That((unmapped.Line, unmapped.Column), Is.EqualTo((1L, 3)));
        Assert.That(unmapped.Message, Does.Contain("the weight 'red' is not a finite number above 0"), "without a mapping a third column is the weight: text there is refused, not ignored");
    }

    [TestCase(null, 3, "weight is null")]
    [TestCase(float.NaN, 3, "'NaN' is not a finite number above 0")]
    [TestCase(float.PositiveInfinity, 3, "'Infinity' is not a finite number above 0")]
    [TestCase(-1f, 3, "'-1' is not a finite number above 0")]
    public void A_bad_weight_is_refused_naming_the_row_group_row_and_column(float? weight, int column, string problem)
    {
        using var dir = new TempDir();
        var file = dir.File("tags.parquet");
        Write(file, [Item, Feature, Weight],
            [S("a", "b"), S("red", "red"), new float?[] { 1f, 1f }],
            [S("c", "d"), S("red", "red"), new float?[] { 1f, weight }]);
        var e = Assert.Throws<DataFormatException>(() => ParquetFeatures.Load(file))!;
        Assert.That((e.SourceName, e.Line, e.Column), Is.EqualTo((file, 4L, column)));
        Assert.That(e.Message, Does.Contain(problem).And.Contain("(row group 2, row 2 of the group)"));
    }

    [Test]
    public void Null_ids_and_features_empty_features_and_repeated_pairs_are_refused()
    {
        using var dir = new TempDir();
        var nullable = new DataField<string>("item", true);
        var nullableFeature = new DataField<string>("feature", true);
        (string?[] Ids, string?[] Features, long Row, int Column, string Problem)[] cases =
        [
            (["a", null], ["x", "y"], 2, 1, "item id is null"),
            (["a", "b"], ["x", null], 2, 2, "feature is null"),
            (["a", "b"], ["x", " "], 2, 2, "feature is empty"),
            (["a", "a"], ["x", "x"], 2, 2, "the feature 'x' of item 'a' is given twice (first on row 1)"),
        ];
        foreach (var (ids, features, row, column, problem) in cases)
        {
            var file = dir.File($"case-{row}-{column}-{problem.Length}.parquet");
            Write(file, [nullable, nullableFeature], new object?[] { ids, features });
            var e = Assert.Throws<DataFormatException>(() => ParquetFeatures.Load(file))!;
            Assert.That((e.Line, e.Column), Is.EqualTo((row, column)), e.Message);
            Assert.That(e.Message, Does.Contain(problem).And.Contain("row group 1"));
        }
    }

    [Test]
    public void Wide_columns_of_text_int_and_float_become_categorical_and_scaled_features()
    {
        using var dir = new TempDir();
        var file = dir.File("films.parquet");
        var id = new DataField<long>("film", false);
        var genres = new DataField<string>("genres", true);
        var year = new DataField<int?>("year", true);
        var score = new DataField<float?>("score", true);
        Write(file, [id, genres, year, score],
            [new[] { 1L, 2L }, S("Action|Comedy", null), new int?[] { 1990, 2000 }, new float?[] { 4f, null }],
            [new[] { 3L }, S("Drama"), new int?[] { null }, new float?[] { 2f }]);

        var set = ParquetFeatures.LoadWide(file);
        Assert.That(set.Ids, Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(set.FeaturesOf("1"), Is.EquivalentTo(new Dictionary<string, float> { ["genres=Action"] = 1f, ["genres=Comedy"] = 1f, ["year"] = 1990f / 2000f, ["score"] = 1f }));
        Assert.That(set.FeaturesOf("2"), Is.EquivalentTo(new Dictionary<string, float> { ["year"] = 1f }), "null cells add nothing");
        Assert.That(set.FeaturesOf("3"), Is.EquivalentTo(new Dictionary<string, float> { ["genres=Drama"] = 1f, ["score"] = 0.5f }));

        var categoricalYear = ParquetFeatures.LoadWide(file, options: new WideFeatureOptions { NumericColumns = ["score"] });
        Assert.That(categoricalYear.FeaturesOf("2"), Is.EquivalentTo(new Dictionary<string, float> { ["year=2000"] = 1f }), "an integer column not listed as numeric is categorical");
    }

    [Test]
    public void Wide_bad_cells_and_columns_are_named()
    {
        using var dir = new TempDir();
        var file = dir.File("items.parquet");
        var id = new DataField<string>("item", true);
        var score = new DataField<double?>("score", true);
        Write(file, [id, score], [S("a", "b"), new double?[] { 1, 2 }], [S("c", null), new double?[] { 3, 4 }]);
        var nullId = Assert.Throws<DataFormatException>(() => ParquetFeatures.LoadWide(file))!;
        Assert.That((nullId.Line, nullId.Column), Is.EqualTo((4L, 1)));
        Assert.That(nullId.Message, Does.Contain("item id is null (row group 2, row 2 of the group)"));

        var nan = dir.File("nan.parquet");
        Write(nan, [id, score], [S("a", "b"), new double?[] { 1, double.NaN }]);
        var e = Assert.Throws<DataFormatException>(() => ParquetFeatures.LoadWide(nan))!;
        Assert.That((e.Line, e.Column), Is.EqualTo((2L, 2)));
        Assert.That(e.Message, Does.Contain("'NaN' in the numeric column 'score' is not a finite number of 0 or more"));

        var idColumn = Assert.Throws<DataFormatException>(() => ParquetFeatures.LoadWide(nan, options: new WideFeatureOptions { IdColumn = "sku" }))!;
        Assert.That(idColumn.Message, Does.Contain("'sku' (IdColumn) is not among the columns: item, score"));

        Directory.CreateDirectory(dir.File("parts"));
        Write(dir.File("parts/a.parquet"), [id, score], [S("a"), new double?[] { 1 }]);
        Write(dir.File("parts/b.parquet"), [id, new DataField<double?>("rank", true)], [S("b"), new double?[] { 1 }]);
        var parts = Assert.Throws<DataFormatException>(() => ParquetFeatures.LoadWide(dir.File("parts")))!;
        Assert.That(parts.SourceName, Does.EndWith("b.parquet"));
        Assert.That(parts.Message, Does.Contain("differ from the first part's"));
    }

    [Test]
    public void A_file_that_is_not_parquet_is_named()
    {
        using var dir = new TempDir();
        var file = dir.File("fake.parquet");
        File.WriteAllText(file, "item,feature\na,b\n");
        var e = Assert.Throws<DataFormatException>(() => ParquetFeatures.LoadWide(file))!;
        Assert.That(e.Message, Does.Contain("not a readable Parquet file"));
    }

    private static string?[] S(params string?[] values) => values;

    /// <summary>Writes a Parquet file, one row group per array of columns (string[], long[], int[], or nullable arrays).</summary>
    internal static void Write(string path, DataField[] fields, params object?[][] groups) =>
        Task.Run(async () =>
        {
            await using var stream = File.Create(path);
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
            foreach (var columns in groups)
            {
                using var group = writer.CreateRowGroup();
                for (var c = 0; c < fields.Length; c++)
                {
                    var task = columns[c] switch
                    {
                        string?[] s => group.WriteAsync(fields[c], s, null),
                        long[] v => group.WriteAsync<long>(fields[c], v.AsMemory()),
                        int[] v => group.WriteAsync<int>(fields[c], v.AsMemory()),
                        long?[] v => group.WriteAsync<long>(fields[c], (ReadOnlyMemory<long?>)v.AsMemory()),
                        int?[] v => group.WriteAsync<int>(fields[c], (ReadOnlyMemory<int?>)v.AsMemory()),
                        float?[] v => group.WriteAsync<float>(fields[c], (ReadOnlyMemory<float?>)v.AsMemory()),
                        double?[] v => group.WriteAsync<double>(fields[c], (ReadOnlyMemory<double?>)v.AsMemory()),
                        _ => throw new ArgumentException($"unsupported column type {columns[c]?.GetType()}"),
                    };
                    await task;
                }
            }
        }).GetAwaiter().GetResult();
}
