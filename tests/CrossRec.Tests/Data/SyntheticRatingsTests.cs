namespace CrossRec.Tests.Data;

public class SyntheticRatingsTests
{
    [Test]
    public void SameSeedSameDataDifferentSeedDifferentData()
    {
        var options = new SyntheticRatingsOptions { Users = 400, Items = 300, Ratings = 8000 };
        var a = SyntheticRatings.Generate(options);
        var b = SyntheticRatings.Generate(options);
        var c = SyntheticRatings.Generate(options with { Seed = 99 });
        Assert.That(b.Users.ToArray(), Is.EqualTo(a.Users.ToArray()));
        Assert.That(b.Items.ToArray(), Is.EqualTo(a.Items.ToArray()));
        Assert.That(b.Values.ToArray(), Is.EqualTo(a.Values.ToArray()));
        Assert.That(c.Items.ToArray(), Is.Not.EqualTo(a.Items.ToArray()));
        Assert.That(a.Count, Is.EqualTo(8000));
    }

    [Test]
    public void ShapeMatchesTheOptions()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 500, Items = 400, Ratings = 20_000 });
        var pairs = new HashSet<(int, int)>();
        for (var r = 0; r < data.Count; r++)
        {
            Assert.That(pairs.Add((data.Users[r], data.Items[r])), Is.True, "a user rates an item once");
            Assert.That(data.Values[r], Is.EqualTo(MathF.Round(data.Values[r])).And.InRange(1f, 5f));
        }

        var itemCounts = data.CountsPerItem().OrderDescending().ToArray();
        Assert.That(itemCounts.Take(40).Sum(), Is.GreaterThan(itemCounts.Skip(360).Sum() * 3), "popularity has a long tail");
        Assert.That(data.HasTimestamps, Is.True);
    }

    [Test]
    public void PlantedTastesAreLearnable()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 1500, Items = 600, Ratings = 60_000 });
        var (train, test) = data.SplitRandom(0.1, 2);
        var biasOnly = CrossRec.Factorization.Biased().Factors(1).LearningRate(0.001f).BiasLearningRate(0.01f).Regularization(100f).BiasRegularization(0.02f).Epochs(20).Deterministic().Fit(train).Evaluate(test).Rmse;
        var factors = CrossRec.Factorization.Biased().Deterministic().Fit(train).Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"bias-only RMSE {biasOnly:F4}, default-options RMSE {factors:F4}");
        Assert.That(factors, Is.LessThan(biasOnly - 0.1));
    }

    [Test]
    public void BadOptionsNameTheOption()
    {
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 0 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Users"));
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 10, Items = 10, Ratings = 90 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Ratings"));
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Noise = double.NaN }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Noise"));
    }
}
