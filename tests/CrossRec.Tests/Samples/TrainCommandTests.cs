using System.Text.Json;

namespace CrossRec.Tests.Samples;

/// <summary>The trainer's default <c>train</c> command: duplicates, JSON (history, non-finite, escaping), --load, no ANSI when redirected.</summary>
[NonParallelizable]
public sealed class TrainCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousErr) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            return (CrossRec.Trainer.Program.Main(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
        }
    }

    private static JsonElement LastJson(string output) => JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement;

    /// <summary>80 rows, 7 users, 11 items, with repeated (user, item) pairs: the small CSV.</summary>
    private static string DuplicateCsv(TempFiles files, string folder = "")
    {
        var rng = new Random(4);
        var lines = Enumerable.Range(0, 80).Select(_ => $"u{rng.Next(7)},i{rng.Next(11)},{1 + rng.Next(5)}");
        if (folder.Length > 0)
        {
            Directory.CreateDirectory(files.PathOf(folder));
        }

        return files.Write(Path.Combine(folder, "small.csv"), string.Join("\n", lines));
    }

    [Test]
    public void DuplicateRowsAreRefusedByDefaultAndMergedOnRequestWithAValidJsonSummary()
    {
        using var files = new TempFiles();
        var csv = DuplicateCsv(files, "café+1");
        var refused = Run("train", "--data", csv, "--format", "csv", "--epochs", "2", "--json");
        Assert.That(refused.Code, Is.EqualTo(2), "a data error is a user error: exit code 2 (issue 21)");
        Assert.That(refused.Err, Does.Contain("already appeared at line").And.Contain("--duplicates").And.Not.Contain("LoadOptions.Duplicates"));

        var merged = Run("train", "--data", csv, "--format", "csv", "--epochs", "2", "--duplicates", "sum", "--json");
        Assert.That(merged.Code, Is.EqualTo(0), merged.Err);
        var json = merged.Out.TrimEnd().Split('\n')[^1];
        var summary = JsonDocument.Parse(json).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(summary.GetProperty("history").GetArrayLength(), Is.EqualTo(2));
            Assert.That(summary.GetProperty("non_finite").ValueKind, Is.EqualTo(JsonValueKind.Array));
            Assert.That(json, Does.Contain("café+1"), "standard JSON escaping keeps é and + as they are");
            Assert.That(summary.GetProperty("load_warnings").EnumerateArray().Select(w => w.GetString()), Has.Some.Contains("merged"));
        });
    }

    [Test]
    public void TheJsonHasTheEpochHistoryTheOutputHasNoAnsiCodesAndASavedModelLoadsBack()
    {
        using var files = new TempFiles();
        var model = files.PathOf("m.crossrec");
        var trained = Run("train", "--synthetic-ratings", "5000", "--epochs", "3", "--no-ranking", "--save", model, "--json");
        Assert.That(trained.Code, Is.EqualTo(0), trained.Err);
        Assert.That(trained.Out, Does.Not.Contain("\u001b"), "no ANSI escape codes when output is redirected");
        var history = LastJson(trained.Out).GetProperty("history");
        Assert.That(history.GetArrayLength(), Is.EqualTo(3));
        Assert.That(history[2].GetProperty("epoch").GetInt32(), Is.EqualTo(3));
        Assert.That(history[0].GetProperty("train_rmse").GetDouble(), Is.GreaterThan(0));

        var loaded = Run("train", "--synthetic-ratings", "5000", "--load", model, "--no-ranking", "--json");
        Assert.That(loaded.Code, Is.EqualTo(0), loaded.Err);
        var summary = LastJson(loaded.Out);
        Assert.That(summary.GetProperty("model").GetString(), Does.StartWith("loaded from"));
        Assert.That(summary.GetProperty("rmse").GetDouble(), Is.EqualTo(LastJson(trained.Out).GetProperty("rmse").GetDouble()).Within(1e-9));
    }

    [Test]
    public void FinitePassesThroughAndNonFiniteBecomesNull()
    {
        Assert.That(CrossRec.Trainer.Cli.ConsoleSetup.Finite(1.5), Is.EqualTo(1.5));
        Assert.That(CrossRec.Trainer.Cli.ConsoleSetup.Finite(double.PositiveInfinity), Is.Null);
        Assert.That(CrossRec.Trainer.Cli.ConsoleSetup.Finite(double.NaN), Is.Null);
        Assert.That(JsonSerializer.Serialize(new { x = CrossRec.Trainer.Cli.ConsoleSetup.Finite(double.NegativeInfinity) }, CrossRec.Trainer.Cli.ConsoleSetup.Json), Is.EqualTo("{\"x\":null}"));
    }
}
