namespace CrossRec.AccuracyTests.Factorization;

/// <summary>
/// Top-10 ranking quality on MovieLens 100K u1 (relevant = test rating ≥ 4, training items excluded) of the
/// default explicit model and of implicit-feedback training, next to two reference rankers evaluated by the
/// same code: random scores and item popularity in the training fold.
/// </summary>
public class RankingOnMovieLensTests
{
    [Test]
    public void DefaultModelRanksFarAboveChance()
    {
        var (train, test) = MovieLens.Load100KFold(TestData.Require("ml-100k"), 1);
        var model = CrossRec.Factorization.Biased().Seed(1).Fit(train);
        var options = new RankingOptions { K = 10, RelevanceThreshold = 4f };
        var mf = model.EvaluateRanking(test, options);

        // Implicit feedback (every rating a positive, 4 sampled negatives each). Settings chosen on a 20 %
        // validation split of u1.base (k 16…128, reg 0.005…0.06, 2–8 negatives, lr 0.01…0.05), not on u1.test.
        var implicitModel = CrossRec.Factorization.Biased().Factors(32).Epochs(30).LearningRate(0.03f).Regularization(0.02f).Seed(1).FitImplicit(train, 4);
        var implicitMf = implicitModel.EvaluateRanking(test, options);

        var popularity = train.CountsPerItem();
        var random = new Random(5);
        var relevant = new Dictionary<int, List<int>>();
        var itemMap = model.ItemIds.Translate(test.ItemIds);
        var userMap = model.UserIds.Translate(test.UserIds);
        for (var r = 0; r < test.Count; r++)
        {
            if (test.Values[r] >= 4 && itemMap[test.Items[r]] >= 0)
            {
                (relevant.TryGetValue(userMap[test.Users[r]], out var l) ? l : relevant[userMap[test.Users[r]]] = new List<int>()).Add(itemMap[test.Items[r]]);
            }
        }

        var cases = relevant.OrderBy(p => p.Key).Select(p => new RankingEvaluator.Case(p.Key, p.Value.ToArray(), model.SeenItems(p.Key).ToArray())).ToArray();
        var pop = RankingEvaluator.Evaluate(cases, model.ItemIds.Count, 10, (_, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                s[i] = popularity[i];
            }
        }, 1, default);
        var chance = RankingEvaluator.Evaluate(cases, model.ItemIds.Count, 10, (_, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                s[i] = (float)random.NextDouble();
            }
        }, 1, default);

        TestContext.Out.WriteLine($"u1, K=10, relevant ≥ 4, {mf.Users} users");
        TestContext.Out.WriteLine($"  biased MF (defaults): NDCG {mf.Ndcg:F4}  P {mf.Precision:F4}  R {mf.Recall:F4}  MAP {mf.Map:F4}  HR {mf.HitRate:F4}  AUC {mf.Auc:F4}");
        TestContext.Out.WriteLine($"  implicit MF (k = 32): NDCG {implicitMf.Ndcg:F4}  P {implicitMf.Precision:F4}  R {implicitMf.Recall:F4}  MAP {implicitMf.Map:F4}  HR {implicitMf.HitRate:F4}  AUC {implicitMf.Auc:F4}");
        TestContext.Out.WriteLine($"  popularity:           NDCG {pop.Ndcg:F4}  P {pop.Precision:F4}  R {pop.Recall:F4}  MAP {pop.Map:F4}  HR {pop.HitRate:F4}  AUC {pop.Auc:F4}");
        TestContext.Out.WriteLine($"  random:               NDCG {chance.Ndcg:F4}  P {chance.Precision:F4}  R {chance.Recall:F4}  MAP {chance.Map:F4}  HR {chance.HitRate:F4}  AUC {chance.Auc:F4}");
        Assert.That(mf.Ndcg, Is.GreaterThan(3 * chance.Ndcg));
        Assert.That(mf.Auc, Is.GreaterThan(0.7));
        Assert.That(implicitMf.Ndcg, Is.GreaterThan(mf.Ndcg + 0.03), "implicit training is the top-N model");
        Assert.That(implicitMf.Ndcg, Is.GreaterThan(pop.Ndcg), "implicit MF ranks above item popularity");
    }
}
