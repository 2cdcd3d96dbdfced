using System.Text.Json;

namespace CrossRec.Tests.Samples;

/// <summary>The README's first command, <c>crossrec-trainer --json</c>: the default recommender against popularity on the embedded data.</summary>
[NonParallelizable]
public sealed class MainJobTests
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

    [Test]
    public void TheDefaultBeatsPopularityClearlyAndThePrintoutSaysByHowMuch()
    {
        var (code, output, error) = Run("--json");
        Assert.That(code, Is.EqualTo(0), error);
        var summary = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement;
        var auto = summary.GetProperty("ndcg_at_10").GetDouble();
        var popularity = summary.GetProperty("popularity_ndcg_at_10").GetDouble();
        TestContext.Out.WriteLine(output);
        Assert.Multiple(() =>
        {
            Assert.That(auto, Is.GreaterThan(popularity * 1.5), "the default wins clearly on the embedded data");
            Assert.That(summary.GetProperty("ndcg_gain").GetDouble(), Is.EqualTo((auto / popularity) - 1).Within(1e-3), "the JSON rounds each figure to 5 decimals");
            Assert.That(output, Does.Contain("The default wins: NDCG@10 +"));
            Assert.That(output, Does.Contain("2. Ratings").And.Contain("3. Segments").And.Contain("4. Conversion scoring"));
            Assert.That(summary.GetProperty("rmse").GetDouble(), Is.LessThan(summary.GetProperty("item_mean_rmse").GetDouble()));
            Assert.That(summary.GetProperty("conversion_auc").GetDouble(), Is.GreaterThan(summary.GetProperty("conversion_auc_without_recommender").GetDouble()));
            Assert.That(output + error, Does.Not.Contain("\u001b"), "no escape codes when redirected");
            Assert.That(error, Does.Contain("main: auto").And.Contain("% ").And.Contain("selection").And.Contain("refit"), "plain progress lines when redirected");
        });
    }

    [Test]
    public void AnOptionOfTheTrainCommandIsAUsageErrorThatNamesIt()
    {
        var (code, _, error) = Run("--data", "ratings.csv");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("crossrec-trainer train --data"));
    }
}
