using System.Text.Json;
using CrossRec.Trainer.Commands;

namespace CrossRec.Tests.Samples;

/// <summary>The trainer's <c>topn</c> command: layout detection, output format, cold users, JSON summary.</summary>
[NonParallelizable]
public sealed class TopNCommandTests
{
    [Test]
    public void TheTrainingFileLayoutComesFromTheLibrarysDetection()
    {
        using var files = new TempFiles();
        var (data, layout) = TopNInput.LoadTrain(files.Write("train.txt", "user,item\n1,2\n3,2\n"));
        Assert.That(layout, Is.EqualTo(new TopNInput.Layout(",", false, true)));
        Assert.That(data.Count, Is.EqualTo(2));
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
            code = CrossRec.Trainer.Program.Main(["topn", "--train", data, "--users", users, "--out", files.PathOf("out.tsv"), "--algorithm", "auto", "--count", "5", "--json", "--save", files.PathOf("model.crossrec")]);
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
        var saved = Recommender.Load(files.PathOf("model.crossrec"));
        Assert.That(saved.Recommend("u1", 5).Select(r => r.ItemId), Is.EqualTo(lines[0].Split('\t')[1].Split(',')), "the saved model gives the written list");
    }

    [Test]
    public void TopNServesApproximatelyWhenAskedAndSavesTheCalibratedIndex()
    {
        using var files = new TempFiles();
        var data = ImplicitTestDataFile(files);
        var (code, stdout, stderr) = Run(["topn", "--train", data, "--all-users", "--out", files.PathOf("out.tsv"), "--algorithm", "ials", "--approximate", "--target-recall", "0.9", "--json", "--save", files.PathOf("model.crossrec")]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Contain("approximate index built and calibrated"));
        var approximate = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement.GetProperty("approximate");
        Assert.That(approximate.GetProperty("target_recall").GetDouble(), Is.EqualTo(0.9).Within(1e-6));
        Assert.That(approximate.GetProperty("reached").GetBoolean(), Is.True);
        Assert.That(approximate.GetProperty("calibration_recall_lower_bound").GetDouble(), Is.GreaterThanOrEqualTo(0.9 - 1e-6));
        var saved = Recommender.Load(files.PathOf("model.crossrec"));
        Assert.That(saved.ApproximateCalibration!.EfSearch, Is.EqualTo(approximate.GetProperty("ef_search").GetInt32()));
        var lines = File.ReadAllLines(files.PathOf("out.tsv"));
        var first = lines[0].Split('\t');
        Assert.That(saved.Recommend(first[0], 10).Select(r => r.ItemId), Is.EqualTo(first[1].Split(',')), "the saved model serves the written list");

        // A model without item vectors, and --target-recall without --approximate, are refused by name.
        var (easeCode, _, easeError) = Run(["topn", "--train", data, "--out", files.PathOf("out2.tsv"), "--algorithm", "ease", "--approximate"]);
        Assert.That((easeCode, easeError), Is.EqualTo((2, easeError)));
        Assert.That(easeError, Does.Contain("--approximate").And.Contain("ease"));
        var (lonelyCode, _, lonelyError) = Run(["topn", "--train", data, "--out", files.PathOf("out3.tsv"), "--target-recall", "0.9"]);
        Assert.That(lonelyCode, Is.EqualTo(2));
        Assert.That(lonelyError, Does.Contain("--target-recall"));
    }

    [Test]
    public void TopNWithADomainUsesTheCrossDomainRecommenderForTargetColdUsers()
    {
        using var files = new TempFiles();
        var synthetic = SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { Users = 600, Courses = 40, Films = 60, Seed = 4 }).Ratings;
        var train = new System.Text.StringBuilder();
        var domains = new System.Text.StringBuilder();
        var film = synthetic.Domains!.GetIndex("film");
        for (var r = 0; r < synthetic.Count; r++)
        {
            var item = synthetic.Items[r];
            var user = synthetic.UserIds[synthetic.Users[r]];
            if (user == "u000001" && synthetic.ItemDomains[item] == film)
            {
                continue; // u000001 is known from courses only
            }

            train.Append(user).Append('\t').Append(synthetic.ItemIds[item]).Append("\t1\n");
        }

        for (var i = 0; i < synthetic.ItemCount; i++)
        {
            domains.Append(synthetic.ItemIds[i]).Append('\t').Append(synthetic.Domains[synthetic.ItemDomains[i]]).Append('\n');
        }

        var data = files.Write("train.tsv", train.ToString());
        var itemDomains = files.Write("domains.tsv", domains.ToString());
        var users = files.Write("users.txt", "u000001\nu000002\nnobody\n");
        var output = new StringWriter();
        var previous = Console.Out;
        int code;
        try
        {
            Console.SetOut(output);
            code = CrossRec.Trainer.Program.Main(["topn", "--train", data, "--users", users, "--out", files.PathOf("out.tsv"), "--item-domains", itemDomains, "--domain", "film", "--count", "5", "--json", "--save", files.PathOf("xd.crossrec")]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var filmIds = Enumerable.Range(0, synthetic.ItemCount).Where(i => synthetic.ItemDomains[i] == film).Select(i => synthetic.ItemIds[i]).ToHashSet();
        var lines = File.ReadAllLines(files.PathOf("out.tsv"));
        Assert.That(lines, Has.Length.EqualTo(3));
        foreach (var line in lines)
        {
            Assert.That(line.Split('\t')[1].Split(','), Has.Length.EqualTo(5).And.All.Matches<string>(id => filmIds.Contains(id!)), line);
        }

        var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
        Assert.That(summary.GetProperty("target_cold_users").GetInt32(), Is.EqualTo(1));
        Assert.That(summary.GetProperty("cold_users").GetInt32(), Is.EqualTo(1));
        Assert.That(summary.GetProperty("chosen_method").GetString(), Is.Not.Empty);
        Assert.That(summary.GetProperty("candidates").GetArrayLength(), Is.GreaterThan(1));
        var saved = CrossDomainModel.Load(files.PathOf("xd.crossrec"));
        Assert.That(saved.Recommend("u000001", 5).Select(r => r.ItemId), Is.EqualTo(lines[0].Split('\t')[1].Split(',')), "the saved model gives the written list");
    }

    [Test]
    public void CrossDomainCommandPrintsTheTableAndAJsonLastLine()
    {
        using var files = new TempFiles();
        var synthetic = SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { Users = 600, Courses = 40, Films = 60, Seed = 4 }).Ratings;
        var courses = new System.Text.StringBuilder();
        var films = new System.Text.StringBuilder();
        var film = synthetic.Domains!.GetIndex("film");
        for (var r = 0; r < synthetic.Count; r++)
        {
            var item = synthetic.Items[r];
            (synthetic.ItemDomains[item] == film ? films : courses).Append(synthetic.UserIds[synthetic.Users[r]]).Append(' ').Append(synthetic.ItemIds[item]).Append(" 1\n");
        }

        var spec = $"{files.Write("courses.txt", courses.ToString())}:course,{files.Write("films.txt", films.ToString())}:film";
        var output = new StringWriter();
        var previous = Console.Out;
        int code;
        try
        {
            Console.SetOut(output);
            code = CrossRec.Trainer.Program.Main(["crossdomain", "--data", spec, "--source", "course", "--target", "film", "--seed", "3"]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var text = output.ToString();
        Assert.That(text, Does.Contain("popularity (film)").And.Contain("cross-domain item-kNN").And.Contain("film only"));
        var json = JsonDocument.Parse(text.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.That(json.GetProperty("chosen_method").GetString(), Is.Not.Empty);
        var rows = json.GetProperty("rows");
        Assert.That(rows.GetArrayLength(), Is.EqualTo(4));
        foreach (var row in rows.EnumerateArray())
        {
            foreach (var key in new[] { "recall_at_10", "ndcg_at_10", "hit_rate_at_10", "chosen_method" })
            {
                Assert.That(row.TryGetProperty(key, out _), key);
            }
        }

        Assert.That(rows[1].GetProperty("p_value_t_test").GetDouble(), Is.InRange(0.0, 1.0));
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
    public void WithoutUsersEveryTrainingUserGetsALineInOrderOfFirstAppearance()
    {
        using var files = new TempFiles();
        var data = ImplicitTestDataFile(files);
        var expected = File.ReadAllLines(data).Skip(1).Select(l => l.Split('\t')[0]).Distinct().ToList();
        foreach (var args in new[] { new[] { "--all-users" }, [] })
        {
            var result = Run(["topn", "--train", data, "--out", files.PathOf("all.tsv"), "--algorithm", "itemknn", "--count", "3", "--json", .. args]);
            Assert.That(result.Code, Is.EqualTo(0), result.Err);
            var lines = File.ReadAllLines(files.PathOf("all.tsv"));
            Assert.That(lines.Select(l => l.Split('\t')[0]), Is.EqualTo(expected));
            Assert.That(lines.Select(l => l.Split('\t')[1].Split(',').Length), Is.All.EqualTo(3));
            var summary = JsonDocument.Parse(result.Out.TrimEnd().Split('\n')[^1]).RootElement;
            Assert.That(summary.GetProperty("users").GetInt32(), Is.EqualTo(expected.Count));
            Assert.That(summary.GetProperty("cold_users").GetInt32(), Is.Zero);
        }

        var both = Run("topn", "--train", data, "--users", data, "--all-users", "--out", files.PathOf("x.tsv"));
        Assert.That(both.Code, Is.EqualTo(2));
        Assert.That(both.Err, Does.Contain("either --users FILE or --all-users"));
    }

    [Test]
    public void EasesItemCapAndItsRuleAreInTheJsonSummary()
    {
        using var files = new TempFiles();
        var result = Run("topn", "--train", ImplicitTestDataFile(files), "--all-users", "--algorithm", "ease", "--out", files.PathOf("o.tsv"), "--json");
        Assert.That(result.Code, Is.EqualTo(0), result.Err);
        var hyperparameters = JsonDocument.Parse(result.Out.TrimEnd().Split('\n')[^1]).RootElement.GetProperty("hyperparameters");
        Assert.That(hyperparameters.GetProperty("itemCap").GetString(), Is.EqualTo("8192"));
        Assert.That(hyperparameters.GetProperty("itemCapRule").GetString(), Is.EqualTo("MaxItems 8,192 (the memory budget, MaxGramBytes auto, allows more)"));
        Assert.That(hyperparameters.GetProperty("keptItems").GetString(), Is.Not.Empty);
    }

    [Test]
    public void AutoShowsItsStagesAsPlainLinesWhenRedirected()
    {
        using var files = new TempFiles();
        var result = Run("topn", "--train", ImplicitTestDataFile(files), "--all-users", "--out", files.PathOf("o.tsv"));
        Assert.That(result.Code, Is.EqualTo(0), result.Err);
        Assert.That(result.Err, Does.Contain("topn: auto   0%  selection popularity").And.Contain("topn: auto 100%  refit"));
        Assert.That(result.Err + result.Out, Does.Not.Contain("\u001b"));
    }

    [Test]
    public void IdsWithTheDelimiterInThemAreAFieldCountErrorNotAValueError()
    {
        using var files = new TempFiles();
        var path = files.Write("plays.txt", "user item plays\nann the beatles 3\nbob abba 2\n");
        var result = Run("topn", "--train", path, "--all-users", "--out", files.PathOf("o.tsv"));
        Assert.That(result.Code, Is.Not.Zero);
        Assert.That(result.Err, Does.Contain("line 2").And.Contain("4 fields separated by spaces, where line 1 has 3"));
        Assert.That(result.Err, Does.Not.Contain("not a number"));
        Assert.That(result.Err, Does.Not.Contain("--algorithm A"), "not a usage error: no usage text");
    }

    [TestCase("hybrid", null, "hybrid")]
    [TestCase("auto", "new-items", null)]
    [TestCase("ials", null, "mapped")]
    public void TopNWithFeaturesRecommendsNewItemsAndServesUsersByAttributes(string algorithm, string? request, string? expectedModel)
    {
        using var files = new TempFiles();
        var data = ImplicitTestDataFile(files);
        var itemLines = Enumerable.Range(0, 60).Select(i => $"i{i}\tblock:{i / 15}").Concat(Enumerable.Range(0, 4).Select(g => $"new{g}\tblock:{g}"));
        var items = files.Write("items.tsv", string.Join('\n', itemLines) + "\n");
        var userLines = Enumerable.Range(0, 120).Select(u => $"u{u}\tgroup:{u % 4}").Append("visitor\tgroup:2");
        var userFeatures = files.Write("users.tsv", string.Join('\n', userLines) + "\n");
        var candidates = files.Write("candidates.txt", "new0\nnew1\nnew2\nnew3\n");
        var users = files.Write("list.txt", "u1\nvisitor\nnobody\n");
        var output = new StringWriter();
        var previous = Console.Out;
        int code;
        try
        {
            Console.SetOut(output);
            string[] extra = request is null ? [] : ["--request", request];
            code = CrossRec.Trainer.Program.Main(["topn", "--train", data, "--users", users, "--out", files.PathOf("out.tsv"), "--item-features", items, "--user-features", userFeatures, "--candidates", candidates, "--count", "2", "--json", "--algorithm", algorithm, .. extra]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var lines = File.ReadAllLines(files.PathOf("out.tsv")).Select(l => l.Split('\t')).ToArray();
        Assert.That(lines.Select(l => l[0]), Is.EqualTo(new[] { "u1", "visitor", "nobody" }));
        Assert.That(lines[0][1].Split(','), Has.Length.EqualTo(2).And.All.StartsWith("new"));
        Assert.That(lines[0][1].Split(',')[0], Is.EqualTo("new1"), "a user of group 1 gets block 1's new item first");
        Assert.That(lines[1][1].Split(',')[0], Is.EqualTo("new2"), "a visitor of group 2, known by attributes only, gets block 2's new item first");
        Assert.That(lines[2][1], Is.Empty, "popularity has no new item to offer a user known by nothing");
        var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
        if (expectedModel is not null)
        {
            Assert.That(summary.GetProperty("algorithm").GetString(), Is.EqualTo(expectedModel));
        }
        else
        {
            Assert.That(summary.GetProperty("request").GetString(), Is.EqualTo(request));
            Assert.That(summary.GetProperty("candidates").GetArrayLength(), Is.GreaterThan(3), "the hybrid and the mapped candidates, each with a validation score");
        }

        Assert.That(summary.GetProperty("attribute_users").GetInt32(), Is.EqualTo(1));
        Assert.That(summary.GetProperty("cold_users").GetInt32(), Is.EqualTo(1));
        Assert.That(summary.GetProperty("items").GetInt32(), Is.EqualTo(64));

        var unknown = files.Write("bad-candidates.txt", "new0\nnope\n");
        var error = new StringWriter();
        var previousError = Console.Error;
        try
        {
            Console.SetError(error);
            code = CrossRec.Trainer.Program.Main(["topn", "--train", data, "--users", users, "--out", files.PathOf("out2.tsv"), "--item-features", items, "--candidates", unknown]);
        }
        finally
        {
            Console.SetError(previousError);
        }

        Assert.That(code, Is.Not.Zero);
        Assert.That(error.ToString(), Does.Contain("line 2").And.Contain("nope"));
    }

    [TestCase("csv", "hybrid")]
    [TestCase("csv", "ials")]
    [TestCase("parquet", "ials")]
    [TestCase("tsv-forced", "hybrid")]
    public void TopNWithAWideItemFeatureFileRecommendsTheNewItemsInIt(string layout, string algorithm)
    {
        using var files = new TempFiles();
        var data = ImplicitTestDataFile(files);
        var rows = Enumerable.Range(0, 60).Select(i => ($"i{i}", $"b{i / 15}")).Concat(Enumerable.Range(0, 4).Select(g => ($"new{g}", $"b{g}"))).ToList();
        string items;
        string[] format = [];
        switch (layout)
        {
            case "csv":
                items = files.Write("items.csv", "item,block,tags\n" + string.Join('\n', rows.Select(r => $"{r.Item1},{r.Item2},catalogue|{r.Item2}")) + "\n");
                break;
            case "tsv-forced":
                items = files.Write("items.tsv", "item\tblock\n" + string.Join('\n', rows.Select(r => $"{r.Item1}\t{r.Item2}")) + "\n");
                format = ["--item-features-format", "wide"];
                break;
            default:
                items = files.PathOf("items.parquet");
                WriteParquet(items, rows.Select(r => r.Item1).ToArray(), rows.Select(r => r.Item2).ToArray());
                break;
        }

        var candidates = files.Write("candidates.txt", "new0\nnew1\nnew2\nnew3\n");
        var users = files.Write("list.txt", "u1\nu2\n");
        var result = Run(["topn", "--train", data, "--users", users, "--out", files.PathOf("out.tsv"), "--item-features", items, "--candidates", candidates, "--count", "4", "--json", "--algorithm", algorithm, .. format]);

        Assert.That(result.Code, Is.EqualTo(0), result.Err);
        Assert.That(result.Err, Does.Contain($"topn: 64 items with {(layout == "csv" ? 9 : 4)} features").And.Contain(layout switch { "csv" => "(wide CSV)", "parquet" => "(wide Parquet)", _ => "(wide TSV)" }));
        var lines = File.ReadAllLines(files.PathOf("out.tsv")).Select(l => l.Split('\t')).ToArray();
        Assert.That(lines[0][1].Split(','), Is.EquivalentTo(new[] { "new0", "new1", "new2", "new3" }), "every new item of the feature file is recommendable");
        Assert.That(lines[0][1].Split(',')[0], Is.EqualTo("new1"), "a user of group 1 gets block 1's new item first");
        Assert.That(lines[1][1].Split(',')[0], Is.EqualTo("new2"), "a user of group 2 gets block 2's new item first");
        var summary = JsonDocument.Parse(result.Out.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.That(summary.GetProperty("items").GetInt32(), Is.EqualTo(64));
    }

    [Test]
    public void TheFeatureFileLayoutIsTheFirstLinesOrTheFormatOptions()
    {
        using var files = new TempFiles();
        var longFile = files.Write("long.tsv", "# item features\ni1\tgenre:Drama\ni1\tyear\t0.5\n");
        var csv = files.Write("wide.csv", "item,genre,year\ni1,Drama|Crime,1990\ni2,Comedy,2000\n");
        Assert.That(TopNInput.LoadFeatures("item-features", longFile, "item", null).Layout, Is.EqualTo("id<TAB>feature lines"));
        var (wide, layout) = TopNInput.LoadFeatures("item-features", csv, "item", "auto");
        Assert.That(layout, Is.EqualTo("wide CSV"));
        Assert.That(wide.FeaturesOf("i1"), Is.EquivalentTo(new Dictionary<string, float> { ["genre=Drama"] = 1f, ["genre=Crime"] = 1f, ["year"] = 1990f / 2000f }));

        var forcedLong = Assert.Throws<DataFormatException>(() => TopNInput.LoadFeatures("item-features", csv, "item", "long"))!;
        Assert.That(forcedLong.Line, Is.EqualTo(1), "a CSV forced to the long layout is refused at its first line");
        Assert.Throws<CrossRec.Trainer.Cli.UsageException>(() => TopNInput.LoadFeatures("item-features", csv, "item", "tall"));

        var pairs = files.Write("pairs.csv", "item,tag\ni1,red\ni1,blue\n");
        var repeated = Assert.Throws<DataFormatException>(() => TopNInput.LoadFeatures("item-features", pairs, "item", null))!;
        Assert.That(repeated.Message, Does.Contain("line 3").And.Contain("--item-features-format long"));

        var orphan = Run("topn", "--train", csv, "--out", files.PathOf("o.tsv"), "--user-features-format", "wide");
        Assert.That(orphan.Code, Is.Not.Zero);
        Assert.That(orphan.Err, Does.Contain("--user-features-format needs --user-features FILE"));
    }

    private static void WriteParquet(string path, string[] ids, string[] blocks) =>
        Task.Run(async () =>
        {
            var id = new Parquet.Schema.DataField<string>("item", false);
            var block = new Parquet.Schema.DataField<string>("block", true);
            await using var stream = File.Create(path);
            await using var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(id, block), stream);
            // Two row groups, as a lake table has.
            foreach (var range in new[] { (0, 40), (40, ids.Length) })
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(id, ids[range.Item1..range.Item2], null);
                await group.WriteAsync(block, blocks[range.Item1..range.Item2], null);
            }
        }).GetAwaiter().GetResult();

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
