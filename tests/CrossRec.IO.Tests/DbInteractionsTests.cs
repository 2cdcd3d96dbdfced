using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CrossRec.IO.Tests;

/// <summary>DbInteractions against a real SQLite file and, when .ci/postgres started one, a real PostgreSQL server.</summary>
public sealed class DbInteractionsTests
{
    private static readonly InteractionColumns Columns = InteractionColumns.Named("user_id", "item", "rating", "ts");

    [Test]
    public void Sqlite_file_loads_with_names_and_types()
    {
        using var dir = new TempDir();
        using var connection = OpenSqlite(dir, good: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id, item, rating, ts FROM ratings ORDER BY rowid";
        using var reader = command.ExecuteReader();
        var data = DbInteractions.Load(reader, Columns, sourceName: "ratings.db");

        Assert.That(data.Count, Is.EqualTo(5));
        Assert.That(data.UserIds, Is.EqualTo(new[] { "10", "11", "12" }));
        Assert.That(data.ItemIds, Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(data.Values.ToArray(), Is.EqualTo(new[] { 5f, 3.5f, 4f, 1f, 2f }));
        Assert.That(data.Timestamps.ToArray(), Is.EqualTo(new long[] { 100, 200, 300, 400, 500 }));
        Assert.That(data.LoadReport!.RowsLoaded, Is.EqualTo(5));
    }

    [Test]
    public void Sqlite_bad_rows_are_reported_by_row_and_column()
    {
        using var dir = new TempDir();
        using var connection = OpenSqlite(dir, good: false);
        var strict = Assert.Throws<DataFormatException>(() => Load(connection, new LoadOptions()))!;
        Assert.That(strict.Line, Is.EqualTo(3));
        Assert.That(strict.Column, Is.EqualTo(3));
        Assert.That(strict.Message, Does.Contain("ratings.db").And.Contain("'abc'"));

        var lenient = Load(connection, new LoadOptions { Lenient = true });
        Assert.That(lenient.Count, Is.EqualTo(3));
        var report = lenient.LoadReport!;
        Assert.That(report.RowsSkipped, Is.EqualTo(2));
        Assert.That(report.Problems.Select(p => (p.Line, p.Column)), Is.EqualTo(new[] { (3L, 3), (5L, 1) }));
        Assert.That(report.Problems[1].Problem, Does.Contain("user id is null"));
    }

    [Test]
    public void A_third_provider_duckdb_streams_through_the_same_loader()
    {
        using var connection = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT i % 7 AS shopper, 'sku-' || (i % 5) AS product, (i % 3)::DOUBLE AS qty, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS at FROM range(1, 101) t(i)";
        using var reader = command.ExecuteReader();
        // An event stream repeats (user, item) pairs: kept as separate rows, as asked (the default refuses them, as for text files).
        var data = DbInteractions.Load(reader, new InteractionColumns { User = "shopper", Item = "product", Value = "qty", Timestamp = "at" },
            new LoadOptions { Duplicates = DuplicatePolicy.KeepAll }, sourceName: "duckdb");
        Assert.That(data.Count, Is.EqualTo(100));
        Assert.That(data.UserCount, Is.EqualTo(7));
        Assert.That(data.ItemCount, Is.EqualTo(5));
        Assert.That(data.Timestamps[0], Is.EqualTo(1704067201L));
        Assert.That(data.Values.ToArray().Sum(), Is.EqualTo(Enumerable.Range(1, 100).Sum(i => i % 3)));
    }

    [Test]
    public void Missing_column_lists_the_columns_there_are()
    {
        using var dir = new TempDir();
        using var connection = OpenSqlite(dir, good: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id, item, rating FROM ratings";
        using var reader = command.ExecuteReader();
        var e = Assert.Throws<DataFormatException>(() => DbInteractions.Load(reader, InteractionColumns.Named("user_id", "item", "stars")))!;
        Assert.That(e.Message, Does.Contain("'stars'").And.Contain("user_id, item, rating"));
    }

    [Test]
    public async Task Postgres_server_loads_and_reports_bad_rows()
    {
        var connectionString = Environment.GetEnvironmentVariable("CROSSREC_PG");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.Ignore("CROSSREC_PG is not set: no PostgreSQL server to test against (.ci/run starts one with .ci/postgres).");
        }

        await using var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
        }
        catch (NpgsqlException e)
        {
            Assert.Ignore($"PostgreSQL at CROSSREC_PG is not reachable: {e.Message}");
        }

        var table = "ratings_" + Guid.NewGuid().ToString("N")[..8];
        await Execute(connection,
            $"CREATE TABLE {table} (id serial PRIMARY KEY, user_id bigint, item text, rating double precision, ts timestamptz)",
            $"INSERT INTO {table} (user_id, item, rating, ts) VALUES (10, 'a', 5, '2024-01-01T00:00:00Z'), (10, 'b', 3.5, '2024-01-02T00:00:00Z'), " +
            $"(11, 'a', NULL, '2024-01-03T00:00:00Z'), (12, 'c', 2, '2024-01-04T00:00:00Z'), (12, '', 4, '2024-01-05T00:00:00Z')");
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT user_id, item, rating, ts FROM {table} ORDER BY id";
            await using (var reader = await command.ExecuteReaderAsync())
            {
                var e = (await Assert.ThrowsAsync<DataFormatException>(() => DbInteractions.LoadAsync(reader, Columns, sourceName: table)))!;
                Assert.That((e.Line, e.Column), Is.EqualTo((3L, 3)));
                Assert.That(e.Message, Does.Contain(table).And.Contain("value is null"));
            }

            await using (var reader = await command.ExecuteReaderAsync())
            {
                var data = await DbInteractions.LoadAsync(reader, Columns, new LoadOptions { Lenient = true }, table);
                Assert.That(data.Count, Is.EqualTo(3));
                Assert.That(data.UserIds, Is.EqualTo(new[] { "10", "12" }));
                Assert.That(data.Timestamps.ToArray(), Is.EqualTo(new[] { 1704067200L, 1704153600L, 1704326400L }));
                Assert.That(data.LoadReport!.Problems.Select(p => (p.Line, p.Column)), Is.EqualTo(new[] { (3L, 3), (5L, 2) }));
            }
        }
        finally
        {
            await Execute(connection, $"DROP TABLE {table}");
        }
    }

    private static InteractionSet Load(DbConnection connection, LoadOptions options)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id, item, rating, ts FROM ratings ORDER BY rowid";
        return DbInteractions.Load(command, Columns, options, "ratings.db");
    }

    private static SqliteConnection OpenSqlite(TempDir dir, bool good)
    {
        var connection = new SqliteConnection($"Data Source={dir.File("ratings.db")}");
        connection.Open();
        var rows = good
            ? "(10, 'a', 5, 100), (10, 'b', 3.5, 200), (11, 'a', 4, 300), (12, 'c', 1, 400), (11, 'c', 2, 500)"
            : "(10, 'a', 5, 100), (10, 'b', 3.5, 200), (11, 'a', 'abc', 300), (12, 'c', 1, 400), (NULL, 'c', 2, 500)";
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE TABLE ratings (user_id INTEGER, item TEXT, rating REAL, ts INTEGER); INSERT INTO ratings VALUES {rows};";
        command.ExecuteNonQuery();
        return connection;
    }

    private static async Task Execute(NpgsqlConnection connection, params string[] statements)
    {
        foreach (var sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }
}
