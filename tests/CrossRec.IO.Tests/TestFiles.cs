using System.Globalization;
using DuckDB.NET.Data;

namespace CrossRec.IO.Tests;

/// <summary>A temporary folder per test, removed afterwards, and DuckDB as an independent Parquet writer and reader.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "crossrec-io-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Duck
{
    /// <summary>Runs SQL statements in an in-memory DuckDB.</summary>
    public static void Execute(params string[] statements)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (var sql in statements)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The rows of a query as text, columns joined by '|'.</summary>
    public static List<string> Query(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var cells = new string[reader.FieldCount];
            for (var c = 0; c < cells.Length; c++)
            {
                cells[c] = Convert.ToString(reader.GetValue(c), CultureInfo.InvariantCulture) ?? "";
            }

            rows.Add(string.Join("|", cells));
        }

        return rows;
    }

    /// <summary>A SQL list literal of floats, written with round-trip precision.</summary>
    public static string FloatList(ReadOnlySpan<float> values)
    {
        var parts = new string[values.Length];
        for (var j = 0; j < values.Length; j++)
        {
            parts[j] = values[j].ToString("R", CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]::FLOAT[]";
    }
}
