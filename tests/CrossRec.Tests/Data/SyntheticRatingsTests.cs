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
    public void WithoutClustersTheDataIsExactlyWhatItWasBeforeTheyExisted()
    {
        // Fingerprint of this dataset as generated before TasteClusters/ChoiceStrength were added (benchmarks and
        // documented figures rest on it): the new options draw from a stream of their own.
        var d = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 400, Items = 300, Ratings = 8000, Seed = 5 });
        long h = 17;
        for (var r = 0; r < d.Count; r++)
        {
            h = unchecked((h * 1_000_003) + (d.Users[r] * 7919) + (d.Items[r] * 31) + (long)(d.Values[r] * 2) + d.Timestamps![r]);
        }

        Assert.That(h, Is.EqualTo(4478554153012400054L));
    }

    [Test]
    public void ClusteredTasteDrivenChoiceIsDeterministicAndGivesARecommenderSomethingPopularityMisses()
    {
        var options = new SyntheticRatingsOptions { Users = 1500, Items = 600, Ratings = 45_000, TasteClusters = 10, ChoiceStrength = 2, Seed = 3 };
        var a = SyntheticRatings.Generate(options);
        var b = SyntheticRatings.Generate(options);
        Assert.That(b.Items.ToArray(), Is.EqualTo(a.Items.ToArray()));
        Assert.That(b.Values.ToArray(), Is.EqualTo(a.Values.ToArray()));

        var (train, test) = a.SplitPerUser(0.2, 1);
        var knn = CrossRec.Evaluation.Ranking(Recommenders.ItemKnn().Fit(train), test).Ndcg;
        var popularity = CrossRec.Evaluation.Ranking(Recommenders.Popularity().Fit(train), test).Ndcg;
        var (trainFlat, testFlat) = SyntheticRatings.Generate(options with { TasteClusters = 0, ChoiceStrength = 0 }).SplitPerUser(0.2, 1);
        var knnFlat = CrossRec.Evaluation.Ranking(Recommenders.ItemKnn().Fit(trainFlat), testFlat).Ndcg;
        var popularityFlat = CrossRec.Evaluation.Ranking(Recommenders.Popularity().Fit(trainFlat), testFlat).Ndcg;
        TestContext.Out.WriteLine($"clustered: item-kNN {knn:F4} popularity {popularity:F4}; by popularity alone: item-kNN {knnFlat:F4} popularity {popularityFlat:F4}");
        Assert.That(knn, Is.GreaterThan(popularity * 1.5), "taste-driven choice: a collaborative model finds the tastes");
        Assert.That(knnFlat, Is.LessThan(popularityFlat * 1.1), "choice by popularity alone: nothing beyond popularity to find");
    }

    [Test]
    public void BadOptionsNameTheOption()
    {
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { ChoiceStrength = 1 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("TasteClusters"));
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { TasteClusters = -1 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("TasteClusters"));
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 0 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Users"));
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 10, Items = 10, Ratings = 90 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Ratings"));
        Assert.That(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Noise = double.NaN }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Noise"));
    }
}
