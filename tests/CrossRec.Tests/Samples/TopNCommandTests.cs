using System.Text.Json;
using CrossRec.Trainer.Commands;

namespace CrossRec.Tests.Samples;

/// <summary>The trainer's <c>topn</c> command: layout sniffing, output format, cold users, JSON summary.</summary>
[NonParallelizable]
public sealed class TopNCommandTests
{
    [TestCase("u1\ti1\t5\nu1\ti2\t3\n", "\t", true, false)]
    [TestCase("user\titem\tvalue\nu1\ti1\t5\n", "\t", true, true)]
    [TestCase("u1 i1\nu2 i1\n", " ", false, false)]
    [TestCase("user,item\n1,2\n", ",", false, true)]
    [TestCase("userId\tmovieId\n1\t2\n", "\t", false, true)]
    [TestCase("1\t2\n3\t4\n", "\t", false, false)]
    [TestCase("alice,book\nbob,film\n", ",", false, false)]
    [TestCase("user_1\titem_1\nuser_2\titem_1\n", "\t", false, false)]
    [TestCase("user_id,item_id\nuser_1,item_1\n", ",", false, true)]
    public void TheLayoutOfATrainingFileIsSniffedFromItsFirstLines(string content, string delimiter, bool hasValue, bool hasHeader)
    {
        using var files = new TempFiles();
        var layout = TopNInput.Sniff(files.Write("train.txt", content));
        Assert.That(layout, Is.EqualTo(new TopNInput.Layout(delimiter, hasValue, hasHeader)));
    }

    [Test]
    public void TopNWritesOneLineOfUnseenItemsPerListedUserAndASummary()
    {
        using var files = new TempFiles();
        var data = ImplicitTestDataFile(files);
        var users = files.Write("users.txt", "u1\nu2\nnobody\n");
        var output = new StringWriter();
        var previous = Console.Out;
        int code;
        try
        {
            Console.SetOut(output);
            code = CrossRec.Trainer.Program.Main(["topn", "--train", data, "--users", users, "--out", files.PathOf("out.tsv"), "--algorithm", "auto", "--count", "5", "--json"]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var lines = File.ReadAllLines(files.PathOf("out.tsv"));
        Assert.That(lines, Has.Length.EqualTo(3));
        var train = File.ReadAllLines(data).Skip(1).Select(l => l.Split('\t')).ToList();
        for (var n = 0; n < 2; n++)
        {
            var parts = lines[n].Split('\t');
            var user = $"u{n + 1}";
            Assert.That(parts[0], Is.EqualTo(user));
            var items = parts[1].Split(',');
            Assert.That(items, Has.Length.EqualTo(5).And.Unique);
            Assert.That(items, Has.None.AnyOf(train.Where(t => t[0] == user).Select(t => (object)t[1]).ToArray()));
        }

        Assert.That(lines[2], Does.StartWith("nobody\t"));
        var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
        Assert.That(summary.GetProperty("users").GetInt32(), Is.EqualTo(3));
        Assert.That(summary.GetProperty("cold_users").GetInt32(), Is.EqualTo(1));
        Assert.That(summary.GetProperty("requested_algorithm").GetString(), Is.EqualTo("auto"));
        Assert.That(summary.GetProperty("candidates").GetArrayLength(), Is.GreaterThanOrEqualTo(1));
        Assert.That(summary.GetProperty("fit_seconds").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public void AnUnknownAlgorithmIsAUsageErrorNamingTheOption()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        try
        {
            Console.SetError(error);
            var code = CrossRec.Trainer.Program.Main(["topn", "--train", "x", "--users", "y", "--out", "z", "--algorithm", "magic"]);
            Assert.That(code, Is.EqualTo(2));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.That(error.ToString(), Does.Contain("--algorithm"));
    }

    private static string ImplicitTestDataFile(TempFiles files)
    {
        var set = CrossRec.Tests.TopN.ImplicitTestData.Groups(users: 120, items: 60, perUser: 10, counts: true);
        var lines = new List<string> { "user\titem\tplays" };
        for (var r = 0; r < set.Count; r++)
        {
            lines.Add($"{set.UserIds[set.Users[r]]}\t{set.ItemIds[set.Items[r]]}\t{set.Values[r].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        return files.Write("train.tsv", string.Join('\n', lines) + "\n");
    }
}
