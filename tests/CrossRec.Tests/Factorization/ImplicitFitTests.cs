namespace CrossRec.Tests.Factorization;

public class ImplicitFitTests
{
    [Test]
    public void ImplicitTrainingWithoutDomainsRanksHeldOutItemsFarAboveChance()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 1500, Items = 600, Ratings = 60_000, Seed = 8 });
        var (train, test) = data.SplitRandom(0.2, seed: 2);
        var model = CrossRec.Factorization.Biased().Factors(16).Epochs(20).Regularization(0.02f).Seed(3).FitImplicit(train, negativesPerPositive: 4);
        var ranking = model.EvaluateRanking(test, new RankingOptions { K = 10 });
        TestContext.Out.WriteLine($"implicit NDCG@10 {ranking.Ndcg:F4}, AUC {ranking.Auc:F4}");
        Assert.Multiple(() =>
        {
            Assert.That(ranking.Auc, Is.GreaterThan(0.7), "chance is 0.5");
            Assert.That(model.SeenItems(0).Length, Is.EqualTo(train.RowsOfUser(0).ToArray().Select(r => train.Items[r]).Distinct().Count()), "seen = observed items, not the sampled negatives");
            Assert.That(model.Recommend(train.UserIds[0], 10).Select(r => r.Index), Has.None.AnyOf(model.SeenItems(0).ToArray().Cast<object>().ToArray()));
        });
    }

    [Test]
    public void NegativesOutOfRangeAreNamed()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 50, Items = 20, Ratings = 300 });
        Assert.That(() => CrossRec.Factorization.Biased().FitImplicit(data, 0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("NegativesPerPositive"));
    }
}
