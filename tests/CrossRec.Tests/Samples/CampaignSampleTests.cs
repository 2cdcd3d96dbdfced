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
            Assert.That(text, Does.Contain("Chosen cross-domain method"));
            Assert.That(root.GetProperty("chosen_method").GetString(), Is.Not.Empty);
            Assert.That(Get("default", "recall_at_10"), Is.GreaterThan(Get("popularity", "recall_at_10")));
            Assert.That(Get("default", "ndcg_at_10"), Is.GreaterThan(Get("target_only", "ndcg_at_10")));
            Assert.That(Get("joint", "recall_at_10"), Is.GreaterThan(Get("popularity", "recall_at_10")));
            Assert.That(Get("conversion", "auc"), Is.GreaterThan(Get("conversion", "auc_without_affinity")));
            Assert.That(Get("campaign", "contacts"), Is.EqualTo(400));
            Assert.That(Get("campaign", "treatment_rate"), Is.GreaterThan(Get("campaign", "control_rate")));
            Assert.That(root.GetProperty("segments").GetArrayLength(), Is.EqualTo(6));
        });
    }

    [Test]
    public void DataOptionRunsOnARealStyleTwoDomainFile()
    {
        using var files = new TempFiles();
        var synthetic = SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { Users = 800, Courses = 60, Films = 80, Seed = 2 }).Ratings;
        var lines = new System.Text.StringBuilder("user\titem\tvalue\tdomain\n");
        for (var r = 0; r < synthetic.Count; r++)
        {
            var item = synthetic.Items[r];
            lines.Append(synthetic.UserIds[synthetic.Users[r]]).Append('\t').Append(synthetic.ItemIds[item]).Append("\t1\t").Append(synthetic.Domains![synthetic.ItemDomains[item]]).Append('\n');
        }

        var path = files.Write("two-domains.tsv", lines.ToString());
        var output = new StringWriter();
        var previousOut = Console.Out;
        var previousConsole = AnsiConsole.Console;
        try
        {
            Console.SetOut(output);
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
            var code = CrossRec.Samples.Campaign.Program.Main(["--data", path, "--source", "course", "--target", "film", "--epochs", "10", "--segments", "3", "--json"]);
            Assert.That(code, Is.EqualTo(0), output.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            AnsiConsole.Console = previousConsole;
        }

        var text = output.ToString();
        using var json = JsonDocument.Parse(text.TrimEnd().Split('\n')[^1]);
        Assert.That(json.RootElement.GetProperty("chosen_method").GetString(), Is.Not.Empty);
        Assert.That(json.RootElement.TryGetProperty("campaign", out _), Is.False, "no offer history: no campaign step");
        Assert.That(text, Does.Contain("Chosen cross-domain method"));
    }

    /// <summary>
    /// The same seed gives the same campaign: the joint model's parallel SGD used to apply its updates in an order that
    /// depended on thread timing, so the audience and its conversion rate changed between runs (32.3 %, 31.2 %, 30.8 %).
    /// The picture shows the method the text reports beside the baselines; nothing on standard output is an escape code.
    /// </summary>
    [Test]
    public void TheSameSeedGivesTheSameCampaignAndTheChartShowsTheReportedMethod()
    {
        using var files = new TempFiles();
        string RunOnce(string plots)
        {
            var output = new StringWriter();
            var previousOut = Console.Out;
            var previousConsole = AnsiConsole.Console;
            try
            {
                Console.SetOut(output);
                var code = CrossRec.Samples.Campaign.Program.Main(["--users", "1500", "--courses", "80", "--films", "120", "--epochs", "10", "--budget", "200", "--seed", "5", "--json", "--plot", plots]);
                Assert.That(code, Is.EqualTo(0), output.ToString());
            }
            finally
            {
                Console.SetOut(previousOut);
                AnsiConsole.Console = previousConsole;
            }

            return output.ToString();
        }

        var first = RunOnce(files.PathOf("a"));
        var second = RunOnce(files.PathOf("b"));
        using var a = JsonDocument.Parse(first.TrimEnd().Split('\n')[^1]);
        using var b = JsonDocument.Parse(second.TrimEnd().Split('\n')[^1]);
        double Get(JsonDocument d, params string[] path) => path.Aggregate(d.RootElement, (e, p) => e.GetProperty(p)).GetDouble();
        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Not.Contain("\u001b"), "no escape codes when redirected");
            foreach (var path in new[] { new[] { "campaign", "treatment_rate" }, ["campaign", "control_rate"], ["campaign", "expected_conversions"], ["conversion", "auc"], ["joint", "recall_at_10"], ["default", "recall_at_10"] })
            {
                Assert.That(Get(b, path), Is.EqualTo(Get(a, path)).Within(1e-9), string.Join(".", path));
            }

            Assert.That(b.RootElement.GetProperty("chosen_method").GetString(), Is.EqualTo(a.RootElement.GetProperty("chosen_method").GetString()));
            Assert.That(new FileInfo(Path.Combine(files.PathOf("a"), "cross-domain.png")).Length, Is.GreaterThan(10_000));
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
