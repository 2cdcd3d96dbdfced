using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CrossRec.IO;
using Npgsql;
using NpgsqlTypes;

namespace CrossRec.Benchmarks;

/// <summary>
/// Loading 10 million interactions (numeric ids, rating, timestamp) from where they live: a MovieLens-layout text
/// file (the baseline), a Parquet file (ParquetInteractions, 1M-row row groups, Snappy) and a PostgreSQL table read
/// through Npgsql (DbInteractions over <c>SELECT user_id, item_id, rating, ts</c>). The PostgreSQL case runs when
/// <c>CROSSREC_PG</c> holds a connection string (<c>bash .ci/postgres start</c> prints one) and is skipped otherwise.
/// Run: <c>CROSSREC_PG="$(bash .ci/postgres start)" dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*InteractionSource*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class InteractionSourceBenchmarks
{
    private const string Table = "crossrec_bench_ratings";
    private string _dir = null!;
    private string _tsv = null!;
    private string _parquet = null!;
    private string? _pg;

    /// <summary>Interactions in each source.</summary>
    [Params(10_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 100_000, Items = 20_000, Ratings = Rows });
        _dir = Path.Combine(Path.GetTempPath(), $"crossrec-sources-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _tsv = Path.Combine(_dir, "ratings.data");
        _parquet = Path.Combine(_dir, "ratings.parquet");
        var users = data.UserIds.Select(u => u[1..]).ToArray(); // the generator's ids are "u123" / "i45"
        var items = data.ItemIds.Select(i => i[1..]).ToArray();
        using (var tsv = new StreamWriter(_tsv))
        {
            for (var r = 0; r < data.Count; r++)
            {
                tsv.Write(string.Create(CultureInfo.InvariantCulture, $"{users[data.Users[r]]}\t{items[data.Items[r]]}\t{data.Values[r]}\t{data.Timestamps[r]}\n"));
            }
        }

        var numeric = MovieLens.Load100K(_tsv);
        ParquetInteractions.Save(numeric, _parquet);

        _pg = Environment.GetEnvironmentVariable("CROSSREC_PG");
        if (string.IsNullOrWhiteSpace(_pg))
        {
            _pg = null;
            return;
        }

        using var connection = new NpgsqlConnection(_pg);
        connection.Open();
        Execute(connection, $"DROP TABLE IF EXISTS {Table}; CREATE UNLOGGED TABLE {Table} (user_id integer, item_id integer, rating real, ts bigint)");
        using (var copy = connection.BeginBinaryImport($"COPY {Table} (user_id, item_id, rating, ts) FROM STDIN (FORMAT BINARY)"))
        {
            var userInts = users.Select(u => int.Parse(u, CultureInfo.InvariantCulture)).ToArray();
            var itemInts = items.Select(i => int.Parse(i, CultureInfo.InvariantCulture)).ToArray();
            for (var r = 0; r < data.Count; r++)
            {
                copy.StartRow();
                copy.Write(userInts[data.Users[r]], NpgsqlDbType.Integer);
                copy.Write(itemInts[data.Items[r]], NpgsqlDbType.Integer);
                copy.Write(data.Values[r], NpgsqlDbType.Real);
                copy.Write(data.Timestamps[r], NpgsqlDbType.Bigint);
            }

            copy.Complete();
        }

        Execute(connection, $"VACUUM ANALYZE {Table}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Directory.Delete(_dir, recursive: true);
        if (_pg is not null)
        {
            using var connection = new NpgsqlConnection(_pg);
            connection.Open();
            Execute(connection, $"DROP TABLE IF EXISTS {Table}");
        }
    }

    [Benchmark(Baseline = true, Description = "text: MovieLens.Load100K (tab-separated)")]
    public int Text() => MovieLens.Load100K(_tsv).Count;

    [Benchmark(Description = "Parquet: ParquetInteractions.Load")]
    public int Parquet() => ParquetInteractions.Load(_parquet, InteractionColumns.Named("user", "item", "value", "timestamp")).Count;

    [Benchmark(Description = "PostgreSQL: DbInteractions.Load (Npgsql)")]
    public int Postgres()
    {
        if (_pg is null)
        {
            throw new InvalidOperationException("CROSSREC_PG is not set: no PostgreSQL server to load from (bash .ci/postgres start prints a connection string).");
        }

        using var connection = new NpgsqlConnection(_pg);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT user_id, item_id, rating, ts FROM {Table}";
        return DbInteractions.Load(command, new InteractionColumns { User = 0, Item = 1, Value = 2, Timestamp = 3 }).Count;
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 600;
        command.ExecuteNonQuery();
    }
}
