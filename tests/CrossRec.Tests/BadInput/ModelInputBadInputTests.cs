using System.Globalization;

namespace CrossRec.Tests.BadInput;

/// <summary>Issue 13's silent-wrong cases outside the interaction loaders: conversion tables, fold-in, threads.</summary>
public class ModelInputBadInputTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    private string Table(int rows, Func<int, string> age)
    {
        var lines = new List<string> { "age;plan;bought" };
        for (var r = 0; r < rows; r++)
        {
            lines.Add($"{age(r)};{(r % 3 == 0 ? "pro" : "free")};{(r % 4 == 0 ? "yes" : "no")}");
        }

        return _files.Write($"t{rows}.csv", string.Join("\n", lines));
    }

    [TestCase("abc")]
    [TestCase("Infinity")]
    public void AStrayValueInAMostlyNumericColumnIsAnErrorNamingTheLine(string stray)
    {
        var path = Table(200, r => r == 57 ? stray : (20 + (r % 50)).ToString(CultureInfo.InvariantCulture));
        var e = Assert.Throws<DataFormatException>(() => TabularData.LoadCsv(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(59), "row 57 is line 59 (header on line 1)");
            Assert.That(e.Column, Is.EqualTo(1));
            Assert.That(e.Problem, Does.Contain("'age'").And.Contain(stray).And.Contain("TabularCsvOptions.Categorical"));
        });
    }

    [Test]
    public void DeclaringTheColumnCategoricalAcceptsItAndTheReportSaysWhichTypesWereInferred()
    {
        var path = Table(200, r => r == 57 ? "abc" : (20 + (r % 50)).ToString(CultureInfo.InvariantCulture));
        var table = TabularData.LoadCsv(path, new TabularCsvOptions { Categorical = ["age"] });
        Assert.That(table["age"].IsNumeric, Is.False);
        var report = table.LoadReport!;
        var age = report.Columns.Single(c => c.Name == "age");
        var plan = report.Columns.Single(c => c.Name == "plan");
        Assert.Multiple(() =>
        {
            Assert.That(age.Declared, Is.True);
            Assert.That(age.Texts, Is.EqualTo(1));
            Assert.That(age.Numbers, Is.EqualTo(199));
            Assert.That(plan.Declared, Is.False);
            Assert.That(plan.IsNumeric, Is.False);
            Assert.That(report.Rows, Is.EqualTo(200));
            Assert.That(report.ToString(), Does.Contain("age categorical").And.Contain("plan categorical?"));
        });
    }

    [Test]
    public void ANumericColumnStaysNumericAndAHalfTextColumnIsCategorical()
    {
        var clean = TabularData.LoadCsv(Table(100, r => (r % 40).ToString(CultureInfo.InvariantCulture)));
        Assert.That(clean["age"].IsNumeric, Is.True);
        Assert.That(clean.LoadReport!.Columns[0], Has.Property(nameof(TabularColumnReport.Declared)).False);
        var mixed = TabularData.LoadCsv(Table(100, r => r % 2 == 0 ? "young" : "41"));
        Assert.That(mixed["age"].IsNumeric, Is.False);
    }

    [Test]
    public void DeclaredNumericRefusesTextAndRepeatedHeaderNamesAreDataErrors()
    {
        var path = Table(20, r => r == 3 ? "n/a-ish" : "30");
        Assert.That(() => TabularData.LoadCsv(path, new TabularCsvOptions { Numeric = ["age"], MostlyNumericShare = 1 }), Throws.TypeOf<DataFormatException>().With.Property(nameof(DataFormatException.Line)).EqualTo(5));
        var twice = _files.Write("twice.csv", "a,b,a\n1,2,3\n");
        Assert.That(() => TabularData.LoadCsv(twice), Throws.TypeOf<DataFormatException>().With.Message.Contains("appears twice"));
        var pandas = _files.Write("pandas.csv", ",a,b\n0,1,2\n");
        Assert.That(() => TabularData.LoadCsv(pandas), Throws.TypeOf<DataFormatException>().With.Message.Contains("index"));
    }

    [Test]
    public void FoldInRefusesARatingOutsideTheModelsScale()
    {
        var b = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        var rng = new Random(2);
        for (var u = 0; u < 20; u++)
        {
            for (var i = 0; i < 10; i++)
            {
                b.Add($"u{u}", $"i{i}", 1 + rng.Next(5));
            }
        }

        var model = global::CrossRec.Factorization.Biased().Factors(3).Epochs(3).Seed(1).Deterministic().Fit(b.Build());
        Assert.That(() => model.FoldIn([new("i1", 500f)]), Throws.ArgumentException.With.Message.Contains("outside the model's rating scale"));
        Assert.That(() => ((RecommenderModel)model).FoldIn([new("i1", 500f)]), Throws.ArgumentException.With.Message.Contains("rating scale"));
        Assert.That(() => model.FoldIn([new("i1", 4f)]), Throws.Nothing);
    }

    [Test]
    public void FoldInWithTheSameItemTwiceNamesTheRepeatedItemNotASummedRating()
    {
        // Issue 21, finding 12: the item given twice at 4 was summed to 8 and reported as "rating 8, outside [1, 5]".
        var b = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        var rng = new Random(2);
        for (var u = 0; u < 20; u++)
        {
            for (var i = 0; i < 10; i++)
            {
                b.Add($"u{u}", $"i{i}", 1 + rng.Next(5));
            }
        }

        var data = b.Build();
        var model = global::CrossRec.Factorization.Biased().Factors(3).Epochs(3).Seed(1).Deterministic().Fit(data);
        KeyValuePair<string, float>[] twice = [new("i2", 4f), new("i1", 4f), new("i2", 4f)];
        var direct = Assert.Throws<ArgumentException>(() => model.FoldIn(twice))!;
        var general = Assert.Throws<ArgumentException>(() => ((IRecommender)model).FoldIn(twice))!;
        Assert.Multiple(() =>
        {
            Assert.That(direct.Message, Does.Contain("Item 'i2' is rated twice (4 and 4)").And.Not.Contain("8"));
            Assert.That(general.Message, Does.Contain("Item 'i2' is rated twice (4 and 4)").And.Not.Contain("outside"));
        });

        // Implicit models still sum repeated interactions (counts).
        var implicitModel = global::CrossRec.Recommenders.ImplicitAls().Factors(3).Iterations(2).Seed(1).Fit(data);
        Assert.That(() => implicitModel.FoldIn(twice), Throws.Nothing);
    }

    [Test]
    public void ConversionDataNearTheDoubleRangeFitsOrNamesItsColumnNeverAMatrixMessage()
    {
        // Issue 21, finding 12: a column of ±3e307 overflowed the standardisation (its variance is 9e614) and the fit
        // died with "Matrix must be positive definite." naming nothing. The moments are now computed on rescaled
        // values when the plain sums overflow, so the column standardises like any other.
        var rows = 200;
        var rng = new Random(5);
        var big = new double[rows];
        var age = new double[rows];
        var bought = new string?[rows];
        for (var r = 0; r < rows; r++)
        {
            age[r] = 20 + rng.Next(50);
            big[r] = (r < rows / 2 ? 3e307 : -3e307) * (0.5 + rng.NextDouble()); // the running sum overflows
            bought[r] = age[r] + (rng.NextDouble() * 20) > 50 ? "yes" : "no";
        }

        var table = new TabularData([TabularColumn.Numeric("big", big), TabularColumn.Numeric("age", age), TabularColumn.Categorical("bought", bought)]);
        var model = global::CrossRec.Conversion.Logistic().Fit(table, "bought", positive: "yes");
        var scores = model.Score(table);
        Assert.That(scores, Has.All.Matches<double>(double.IsFinite));

        // At scoring time a value far outside the training spread (1e300 years of age) is refused naming the column.
        var outlier = new TabularData([TabularColumn.Numeric("big", [1e307]), TabularColumn.Numeric("age", [1e300]), TabularColumn.Categorical("bought", ["no"])], "scoring.csv");
        var e = Assert.Throws<DataFormatException>(() => model.Score(outlier))!;
        Assert.That(e.Problem, Does.Contain("column 'age'").And.Contain("beyond float range"));
    }

    [Test]
    public void ThreadsAboveTheCoreCountAreClampedToIt()
    {
        var options = new FactorizationOptions { Threads = 1000 };
        Assert.That(options.EffectiveThreads, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(new ImplicitAlsOptions { Threads = 1000 }.EffectiveThreads, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(new BprOptions { Threads = 1000 }.EffectiveThreads, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(new FactorizationOptions { Threads = 1 }.EffectiveThreads, Is.EqualTo(1));
    }

    private static InteractionSet SmallRatings() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 60, Items = 40, Ratings = 900 });

    private static readonly int Above = Environment.ProcessorCount + 3;

    private static string Warning(string option, int requested) =>
        $"{option} = {requested} is more than this machine's {Environment.ProcessorCount} cores (Environment.ProcessorCount): {Environment.ProcessorCount} threads were used.";

    public static IEnumerable<TestCaseData> Recommenders()
    {
        yield return new TestCaseData("ImplicitAlsOptions.Threads", (Func<int, IRecommenderBuilder>)(t => global::CrossRec.Recommenders.ImplicitAls().Factors(4).Iterations(2).Threads(t))).SetName("implicit ALS");
        yield return new TestCaseData("BprOptions.Threads", (Func<int, IRecommenderBuilder>)(t => global::CrossRec.Recommenders.Bpr().Factors(4).Epochs(2).Threads(t))).SetName("BPR");
        yield return new TestCaseData("EaseOptions.Threads", (Func<int, IRecommenderBuilder>)(t => global::CrossRec.Recommenders.Ease().Threads(t))).SetName("EASE");
        yield return new TestCaseData("ItemKnnOptions.Threads", (Func<int, IRecommenderBuilder>)(t => global::CrossRec.Recommenders.ItemKnn().Threads(t))).SetName("item-kNN");
        yield return new TestCaseData("FactorizationOptions.Threads", (Func<int, IRecommenderBuilder>)(t => global::CrossRec.Factorization.Biased().Factors(4).Epochs(2).Threads(t))).SetName("biased MF");
    }

    [TestCaseSource(nameof(Recommenders))]
    public void ARecommenderFittedWithMoreThreadsThanCoresSaysSoInItsTrainingNote(string option, Func<int, IRecommenderBuilder> builder)
    {
        var data = SmallRatings();
        var clamped = builder(Above).Fit(data);
        Assert.That(clamped.Training!.Note, Does.Contain(Warning(option, Above)));
        Assert.That(builder(1).Fit(data).Training!.Note ?? string.Empty, Does.Not.Contain("cores"), "one thread is within every machine's core count");
        Assert.That(builder(0).Fit(data).Training!.Note ?? string.Empty, Does.Not.Contain("cores"), "0 means every core");
        Assert.That(() => builder(1025).Fit(data), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("Threads"));
    }

    [Test]
    public void BiasedMfKeepsTheWarningInItsTrainingInfo()
    {
        var model = global::CrossRec.Factorization.Biased().Factors(4).Epochs(2).Threads(Above).Fit(SmallRatings());
        Assert.That(model.Info!.Note, Does.Contain(Warning("FactorizationOptions.Threads", Above)));
        Assert.That(global::CrossRec.Factorization.Biased().Factors(4).Epochs(2).Threads(Above).Deterministic().Fit(SmallRatings()).Info!.Note ?? string.Empty, Does.Not.Contain("cores"), "Deterministic runs one thread whatever Threads says");
    }

    [Test]
    public void KMeansAndLogisticRegressionSayItInTheirResults()
    {
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 200).Select(_ => new[] { (float)rng.NextDouble(), (float)rng.NextDouble() }).ToList();
        var points = ReadOnlyMatrix.Create(rows);
        Assert.That(global::CrossRec.Segmentation.KMeans(3).Seed(1).Threads(Above).Fit(points).Result!.Note, Is.EqualTo(Warning("KMeansOptions.Threads", Above)));
        Assert.That(global::CrossRec.Segmentation.KMeans(3).Seed(1).Threads(1).Fit(points).Result!.Note, Is.Null);

        var table = TabularData.LoadCsv(Table(120, r => (20 + (r % 50)).ToString(CultureInfo.InvariantCulture)));
        Assert.That(global::CrossRec.Conversion.Logistic().Threads(Above).Fit(table, "bought").Fit!.Note, Is.EqualTo(Warning("LogisticOptions.Threads", Above)));
        Assert.That(global::CrossRec.Conversion.Logistic().Threads(1).Fit(table, "bought").Fit!.Note, Is.Null);
    }
}
