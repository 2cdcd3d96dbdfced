using Microsoft.Data.Sqlite;

namespace CrossRec.IO.Tests;

/// <summary>DbFeatures against a real SQLite database (in memory): long and wide feature tables, and bad rows named by row and column.</summary>
public sealed class DbFeaturesTests
{
    [Test]
    public void Long_format_rows_load_with_integer_ids_text_features_and_real_weights()
    {
        using var connection = Open(
            "CREATE TABLE tags (sku INTEGER, tag TEXT, relevance REAL)",
            "INSERT INTO tags VALUES (101, 'red', 1.0), (101, 'sale', 0.5), (102, 'red', 2), (103, 'new', 0.25)");
        var set = Load(connection, "SELECT sku, tag, relevance FROM tags ORDER BY rowid", FeatureColumns.Named("SKU", "tag", "relevance"));

        Assert.That(set.Ids, Is.EqualTo(new[] { "101", "102", "103" }));
        Assert.That(set.FeaturesOf("101"), Is.EqualTo(new[] { new KeyValuePair<string, float>("red", 1f), new("sale", 0.5f) }));
        Assert.That(set.FeaturesOf("102").Single().Value, Is.EqualTo(2f));
        Assert.That(set.SourceName, Is.EqualTo("tags"));
    }

    [Test]
    public void Without_a_mapping_a_third_column_is_the_weight_and_two_columns_are_categorical()
    {
        using var connection = Open(
            "CREATE TABLE tags (sku TEXT, tag TEXT, relevance REAL)",
            "INSERT INTO tags VALUES ('a', 'red', 0.5), ('b', 'blue', 3)");
        var weighted = Load(connection, "SELECT sku, tag, relevance FROM tags", null);
        Assert.That(weighted.FeaturesOf("a").Single(), Is.EqualTo(new KeyValuePair<string, float>("red", 0.5f)));
        var categorical = Load(connection, "SELECT sku, tag FROM tags", null);
        Assert.That(categorical.FeaturesOf("b").Single(), Is.EqualTo(new KeyValuePair<string, float>("blue", 1f)));
        var wide = Assert.Throws<DataFormatException>(() => Load(connection, "SELECT sku, tag, relevance, 1 AS extra FROM tags", null))!;
        Assert.That(wide.Message, Does.Contain("has 4: sku, tag, relevance, extra").And.Contain(nameof(FeatureColumns)));
    }

    [TestCase("(1, 'red', NULL)", 3, "weight is null")]
    [TestCase("(1, 'red', 'NaN')", 3, "'NaN' is not a finite number above 0")]
    [TestCase("(1, 'red', 9e999)", 3, "'Infinity' is not a finite number above 0")]
    [TestCase("(1, 'red', 0)", 3, "'0' is not a finite number above 0")]
    [TestCase("(1, 'red', 'heavy')", 3, "'heavy' is not a finite number above 0")]
    [TestCase("(1, '', 1)", 2, "feature is empty")]
    [TestCase("(1, NULL, 1)", 2, "feature is null")]
    [TestCase("(NULL, 'red', 1)", 1, "item id is null")]
    [TestCase("(1, 'sale', 1)", 2, "the feature 'sale' of item '1' is given twice (first on row 1)")]
    public void A_bad_long_row_is_refused_naming_its_row_and_column(string badRow, int column, string problem)
    {
        using var connection = Open(
            "CREATE TABLE tags (sku INTEGER, tag TEXT, relevance)",
            $"INSERT INTO tags VALUES (1, 'sale', 1), {badRow}, (2, 'blue', 1)");
        var e = Assert.Throws<DataFormatException>(() => Load(connection, "SELECT sku, tag, relevance FROM tags ORDER BY rowid", FeatureColumns.Named("sku", "tag", "relevance")))!;
        Assert.That((e.Line, e.Column), Is.EqualTo((2L, column)), e.Message);
        Assert.That(e.Message, Does.StartWith("tags, line 2, column").And.Contain(problem));
    }

    [Test]
    public async Task The_async_readers_load_what_the_synchronous_ones_do_and_stop_when_cancelled()
    {
        using var connection = Open(
            "CREATE TABLE films (id INTEGER, genre TEXT, year INTEGER)",
            "INSERT INTO films VALUES (1, 'Drama', 1990), (2, 'Comedy|Drama', 2000)");
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, genre FROM films ORDER BY id";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            var set = await DbFeatures.LoadAsync(reader, sourceName: "films");
            Assert.That(set.FeaturesOf("2").Single().Key, Is.EqualTo("Comedy|Drama"), "the long format takes a feature as it is");
        }

        command.CommandText = "SELECT id, genre, year FROM films ORDER BY id";
        await using (var reader = await command.ExecuteReaderAsync())
        {
            var wide = await DbFeatures.LoadWideAsync(reader, sourceName: "films");
            Assert.That(wide.FeaturesOf("2"), Is.EquivalentTo(new Dictionary<string, float> { ["genre=Comedy"] = 1f, ["genre=Drama"] = 1f, ["year"] = 1f }));
        }

        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.That(() => DbFeatures.LoadWideAsync(reader, cancellationToken: new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
        }
    }

    [Test]
    public void Unknown_columns_and_unknown_ids_are_named()
    {
        using var connection = Open("CREATE TABLE tags (sku INTEGER, tag TEXT)", "INSERT INTO tags VALUES (1, 'red'), (9, 'blue')");
        var column = Assert.Throws<DataFormatException>(() => Load(connection, "SELECT sku, tag FROM tags", FeatureColumns.Named("sku", "label")))!;
        Assert.That(column.Message, Does.Contain("no feature column 'label'").And.Contain("the columns are: sku, tag"));
        var weight = Assert.Throws<DataFormatException>(() => Load(connection, "SELECT sku, tag FROM tags", FeatureColumns.Named("sku", "tag", "score")))!;
        Assert.That(weight.Message, Does.Contain("no weight column 'score'"));

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sku, tag FROM tags ORDER BY rowid";
        var unknown = Assert.Throws<DataFormatException>(() => DbFeatures.Load(command, knownIds: IdMap.Create("item", ["1", "2"]), sourceName: "tags"))!;
        Assert.That((unknown.Line, unknown.Column), Is.EqualTo((2L, 1)));
        Assert.That(unknown.Message, Does.Contain("unknown item id '9'"));
    }

    [Test]
    public void Wide_rows_give_categorical_list_and_scaled_numeric_features_and_nulls_add_nothing()
    {
        using var connection = Open(
            "CREATE TABLE films (film_id INTEGER, genres TEXT, year INTEGER, rating REAL, studio TEXT)",
            "INSERT INTO films VALUES (1, 'Action|Comedy', 1990, 4.0, 'A'), (2, 'Drama', 2000, NULL, NULL), (3, NULL, 0, 2.0, 'B')");
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM films ORDER BY film_id";
        var set = DbFeatures.LoadWide(command, sourceName: "films");

        Assert.That(set.Ids, Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(set.FeaturesOf("1"), Is.EquivalentTo(new Dictionary<string, float> { ["genres=Action"] = 1f, ["genres=Comedy"] = 1f, ["year"] = 1990f / 2000f, ["rating"] = 1f, ["studio=A"] = 1f }));
        Assert.That(set.FeaturesOf("2"), Is.EquivalentTo(new Dictionary<string, float> { ["genres=Drama"] = 1f, ["year"] = 1f }));
        Assert.That(set.FeaturesOf("3"), Is.EquivalentTo(new Dictionary<string, float> { ["rating"] = 0.5f, ["studio=B"] = 1f }), "a 0 and a null add nothing");
    }

    [Test]
    public void Wide_options_name_the_id_column_and_numeric_text_columns_case_insensitively()
    {
        using var connection = Open(
            "CREATE TABLE users (region TEXT, user_id TEXT, age TEXT)",
            "INSERT INTO users VALUES ('north', 'u1', '30'), ('south', 'u2', '60')");
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT region, user_id, age FROM users ORDER BY rowid";
        var categorical = DbFeatures.LoadWide(command, "user", new WideFeatureOptions { IdColumn = "USER_ID" });
        Assert.That(categorical.FeaturesOf("u1"), Is.EquivalentTo(new Dictionary<string, float> { ["region=north"] = 1f, ["age=30"] = 1f }), "numeric text in a text column stays categorical");
        var numeric = DbFeatures.LoadWide(command, "user", new WideFeatureOptions { IdColumn = "user_id", NumericColumns = ["Age"] });
        Assert.That(numeric.FeaturesOf("u1"), Is.EquivalentTo(new Dictionary<string, float> { ["region=north"] = 1f, ["age"] = 0.5f }));

        var id = Assert.Throws<DataFormatException>(() => DbFeatures.LoadWide(command, "user", new WideFeatureOptions { IdColumn = "customer" }))!;
        Assert.That(id.Message, Does.Contain("'customer' (IdColumn) is not among the columns: region, user_id, age"));
        var listed = Assert.Throws<DataFormatException>(() => DbFeatures.LoadWide(command, "user", new WideFeatureOptions { IdColumn = "user_id", NumericColumns = ["height"] }))!;
        Assert.That(listed.Message, Does.Contain("'height' (NumericColumns)"));
    }

    [TestCase("(2, 'x', 'NaN')", 3, "'NaN' in the numeric column 'score' is not a finite number of 0 or more")]
    [TestCase("(2, 'x', -9e999)", 3, "'-Infinity' in the numeric column 'score'")]
    [TestCase("(2, 'x', -1)", 3, "'-1' in the numeric column 'score'")]
    [TestCase("(NULL, 'x', 1)", 1, "item id is null")]
    [TestCase("('', 'x', 1)", 1, "item id is empty")]
    [TestCase("(1, 'x', 1)", 1, "the item '1' has a row already (row 1)")]
    public void A_bad_wide_row_is_refused_naming_its_row_and_column(string badRow, int column, string problem)
    {
        using var connection = Open(
            "CREATE TABLE items (id, label TEXT, score)",
            $"INSERT INTO items VALUES (1, 'a', 2), {badRow}, (3, 'c', 1)");
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, label, score FROM items ORDER BY rowid";
        var e = Assert.Throws<DataFormatException>(() => DbFeatures.LoadWide(command, options: new WideFeatureOptions { NumericColumns = ["score"] }, sourceName: "items"))!;
        Assert.That((e.Line, e.Column), Is.EqualTo((2L, column)), e.Message);
        Assert.That(e.Message, Does.StartWith("items, line 2, column").And.Contain(problem));
    }

    [Test]
    public void Loaded_features_let_a_mapped_model_rank_new_items_by_their_block()
    {
        // Four taste groups, each using the ten items of its own block; two new items with no history, one per block.
        var builder = new InteractionSetBuilder();
        for (var u = 0; u < 80; u++)
        {
            for (var k = 0; k < 6; k++)
            {
                builder.Add($"u{u}", $"i{(u % 4 * 10) + ((u + (k * 3)) % 10)}", 1f);
            }
        }

        var train = builder.Build();
        using var connection = Open("CREATE TABLE item_blocks (item TEXT, block TEXT)");
        using (var insert = connection.CreateCommand())
        {
            var rows = Enumerable.Range(0, 40).Select(i => $"('i{i}', 'b{i / 10}')").Concat(["('new-b1', 'b1')", "('new-b3', 'b3')"]);
            insert.CommandText = $"INSERT INTO item_blocks VALUES {string.Join(", ", rows)}";
            insert.ExecuteNonQuery();
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT item, block FROM item_blocks";
        var features = DbFeatures.Load(command);
        var model = Recommenders.Mapped(Recommenders.ImplicitAls().Factors(8).Seed(3)).ItemFeatures(features).Fit(train);
        var newItems = new RecommendFilter { AllowItems = ["new-b1", "new-b3"] };
        Assert.That(model.Recommend("u1", 2, newItems).Select(s => s.ItemId), Is.EqualTo(new[] { "new-b1", "new-b3" }), "a user of group 1 gets block 1's new item first");
        Assert.That(model.Recommend("u3", 2, newItems).Select(s => s.ItemId), Is.EqualTo(new[] { "new-b3", "new-b1" }), "a user of group 3 gets block 3's new item first");
    }

    private static FeatureSet Load(SqliteConnection connection, string sql, FeatureColumns? columns)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        return DbFeatures.Load(reader, columns, sourceName: sql.Split(' ').SkipWhile(w => w != "FROM").Skip(1).First());
    }

    private static SqliteConnection Open(params string[] statements)
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        foreach (var sql in statements)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        return connection;
    }
}
