using System.Text.Json;
using Spectre.Console;

namespace CrossRec.Tests.Samples;

/// <summary>Runs the end-to-end campaign sample on a small synthetic platform and checks its JSON summary.</summary>
[NonParallelizable]
public class CampaignSampleTests
{
    [Test]
    public void SampleRunsEndToEndAndItsStepsPayOff()
    {
        var output = new StringWriter();
        var previousOut = Console.Out;
        var previousConsole = AnsiConsole.Console;
        try
        {
            Console.SetOut(output);
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(output),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            var code = CrossRec.Samples.Campaign.Program.Main(["--users", "3000", "--courses", "120", "--films", "200", "--epochs", "20", "--budget", "400", "--seed", "3", "--json"]);
            Assert.That(code, Is.EqualTo(0), output.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            AnsiConsole.Console = previousConsole;
        }

        var text = output.ToString();
        var last = text.TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(last);
        var root = json.RootElement;
        double Get(params string[] path) => path.Aggregate(root, (e, p) => e.GetProperty(p)).GetDouble();
        TestContext.Out.WriteLine(last);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("User segments").And.Contain("Conversion scoring").And.Contain("A/B test"));
            Assert.That(Get("joint", "recall_at_10"), Is.GreaterThan(Get("popularity", "recall_at_10")));
            Assert.That(Get("joint", "ndcg_at_10"), Is.GreaterThan(Get("target_only", "ndcg_at_10")));
            Assert.That(Get("conversion", "auc"), Is.GreaterThan(Get("conversion", "auc_without_affinity")));
            Assert.That(Get("campaign", "contacts"), Is.EqualTo(400));
            Assert.That(Get("campaign", "treatment_rate"), Is.GreaterThan(Get("campaign", "control_rate")));
            Assert.That(root.GetProperty("segments").GetArrayLength(), Is.EqualTo(6));
        });
    }

    [Test]
    public void BadOptionIsNamed()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        try
        {
            Console.SetError(error);
            Assert.That(CrossRec.Samples.Campaign.Program.Main(["--budget", "0"]), Is.EqualTo(2));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.That(error.ToString(), Does.Contain("--budget"));
    }
}
