using CrossRec.Tests;

namespace CrossRec.Tests.Conversion;

public class ConversionModelTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    /// <summary>A CSV where buying depends on age and plan; 'city' is noise; 'id' must be dropped.</summary>
    private string Csv(int rows, int seed, bool withMissing = false)
    {
        var rng = new Random(seed);
        var lines = new List<string> { "id;age;plan;city;bought" };
        string[] plans = ["free", "basic", "pro"];
        for (var r = 0; r < rows; r++)
        {
            var age = 20 + rng.Next(50);
            var plan = plans[rng.Next(3)];
            var z = -2 + (0.04 * (age - 45)) + (plan == "pro" ? 1.5 : plan == "basic" ? 0.5 : 0);
            var bought = rng.NextDouble() < 1 / (1 + Math.Exp(-z)) ? "yes" : "no";
            var ageText = withMissing && r % 10 == 0 ? "NA" : age.ToString(System.Globalization.CultureInfo.InvariantCulture);
            lines.Add($"{r};{ageText};\"{plan}\";c{rng.Next(4)};{bought}");
        }

        return _files.Write($"buy{seed}.csv", string.Join("\n", lines));
    }

    [Test]
    public void FitsScoresExplainsAndRoundTrips()
    {
        var table = TabularData.LoadCsv(Csv(4000, 1));
        Assert.That(table["plan"].IsNumeric, Is.False);
        Assert.That(table["age"].IsNumeric, Is.True);
        var (train, test, testRows) = CrossRec.Conversion.SplitStratified(table, "bought", 0.25, 3);
        Assert.That(testRows, Has.Length.EqualTo(test.RowCount));
        var model = CrossRec.Conversion.Logistic().Fit(train, "bought", drop: ["id"]);
        Assert.That(model.PositiveLabel, Is.EqualTo("yes"));
        Assert.That(model.Encoder.FeatureNames, Does.Contain("plan=pro").And.Contain("age").And.Not.Contain("id"));
        var p = model.Score(test);
        var labels = Enumerable.Range(0, test.RowCount).Select(r => test["bought"].Text(r) == "yes").ToArray();
        var metrics = ConversionMetrics.Compute(labels, p);
        Assert.That(metrics.Auc, Is.GreaterThan(0.7));

        var (probability, contributions) = model.Explain(test, 0, top: 3);
        Assert.That(probability, Is.EqualTo(p[0]).Within(1e-12));
        Assert.That(contributions, Has.Count.EqualTo(3));
        Assert.That(contributions.Select(c => Math.Abs(c.Contribution)), Is.Ordered.Descending);

        var path = _files.PathOf("m.model");
        model.Save(path);
        var loaded = ConversionModel.Load(path);
        Assert.That(loaded.Score(test), Is.EqualTo(p));
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.That(() => ConversionModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("checksum"));
    }

    [Test]
    public void MissingValuesAndUnseenCategoriesAreHandledAsDocumented()
    {
        var train = TabularData.LoadCsv(Csv(2000, 2, withMissing: true));
        var model = CrossRec.Conversion.Logistic().Fit(train, "bought", drop: ["id"]);
        Assert.That(model.Encoder.FeatureNames, Does.Contain("age (missing)"));
        var unseen = new TabularData(
        [
            TabularColumn.Numeric("age", [double.NaN, 40]),
            TabularColumn.Categorical("plan", ["enterprise", null]),
            TabularColumn.Categorical("city", ["c1", "c9"]),
        ]);
        var p = model.Score(unseen);
        Assert.That(p.All(v => v > 0 && v < 1), Is.True);
    }

    [Test]
    public void TargetAndFeatureProblemsAreNamed()
    {
        var table = TabularData.LoadCsv(Csv(300, 3));
        Assert.That(() => CrossRec.Conversion.Logistic().Fit(table, "plan"), Throws.ArgumentException.With.Message.Contains("not binary"));
        Assert.That(() => CrossRec.Conversion.Logistic().Fit(table, "nope"), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("no column 'nope'"));
        Assert.That(() => CrossRec.Conversion.Logistic().Fit(table, "bought", positive: "maybe"), Throws.ArgumentException.With.Message.Contains("'maybe' does not occur"));
        var noPositives = table.SelectRows(Enumerable.Range(0, table.RowCount).Where(r => table["bought"].Text(r) == "no").ToArray());
        Assert.That(() => CrossRec.Conversion.Logistic().Fit(noPositives, "bought", positive: "no"), Throws.ArgumentException.With.Message.Contains("single class"));
        var constant = table.WithColumns(new TabularData([TabularColumn.Numeric("flat", Enumerable.Repeat(1.0, table.RowCount).ToArray())]));
        Assert.That(() => CrossRec.Conversion.Logistic().Fit(constant, "bought", drop: ["id"]), Throws.ArgumentException.With.Message.Contains("'flat' is constant"));
    }

    [Test]
    public void WrongFieldCountNamesFileAndLine()
    {
        var path = _files.Write("bad.csv", "a,b,y\n1,2,yes\n3,no\n");
        var e = Assert.Throws<DataFormatException>(() => TabularData.LoadCsv(path))!;
        Assert.That(e.Line, Is.EqualTo(3));
        Assert.That(e.Message, Does.Contain(path).And.Contain("expected 3 fields"));
    }
}
