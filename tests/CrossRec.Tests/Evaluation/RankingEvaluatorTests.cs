namespace CrossRec.Tests.Evaluation;

public class RankingEvaluatorTests
{
    private static readonly float[] Scores = [5f, 4f, 3f, 2f, 1f];

    private static RankingMetrics Run(int[] relevant, int[] exclude, int k) =>
        RankingEvaluator.Evaluate([new RankingEvaluator.Case(0, relevant, exclude)], Scores.Length, k, (_, s) => Scores.CopyTo(s), 1, CancellationToken.None);

    [Test]
    public void HandComputedExample()
    {
        // Ranking 0,1,2,3,4; relevant {0,2}; top-2 = {0,1}: one hit at rank 1.
        var m = Run([0, 2], [], 2);
        Assert.Multiple(() =>
        {
            Assert.That(m.Precision, Is.EqualTo(0.5).Within(1e-12));
            Assert.That(m.Recall, Is.EqualTo(0.5).Within(1e-12));
            Assert.That(m.Ndcg, Is.EqualTo(1.0 / (1.0 + (1.0 / Math.Log2(3)))).Within(1e-12));
            Assert.That(m.Map, Is.EqualTo(0.5).Within(1e-12));
            Assert.That(m.HitRate, Is.EqualTo(1.0));
            Assert.That(m.Auc, Is.EqualTo(5.0 / 6.0).Within(1e-12)); // item 0 beats 3 negatives, item 2 beats 2
            Assert.That(m.Users, Is.EqualTo(1));
        });
    }

    [Test]
    public void ExcludedItemsAreNotCandidates()
    {
        // Excluding items 0 and 1 makes item 2 the top item: a perfect ranking.
        var m = Run([2], [0, 1], 1);
        Assert.Multiple(() =>
        {
            Assert.That(m.Precision, Is.EqualTo(1.0));
            Assert.That(m.Ndcg, Is.EqualTo(1.0));
            Assert.That(m.Auc, Is.EqualTo(1.0));
        });
    }

    [Test]
    public void UsersWithoutScorableRelevantItemsAreSkipped()
    {
        var m = Run([1], [1], 3);
        Assert.That(m.Users, Is.Zero);
        Assert.That(double.IsNaN(m.Ndcg), Is.True);
    }

    [Test]
    public void ModelRankingOnPlantedTastesBeatsChance()
    {
        var b = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        var rng = new Random(11);
        for (var u = 0; u < 60; u++)
        {
            for (var i = 0; i < 40; i++)
            {
                if (rng.NextDouble() < 0.4)
                {
                    b.Add($"u{u}", $"i{i}", (u % 3 == i % 3) ? 5f : 1f);
                }
            }
        }

        var all = b.Build("planted");
        var rows = Enumerable.Range(0, all.Count).ToArray();
        var train = all.Subset(rows.Where(r => r % 5 != 0).ToArray());
        var test = all.Subset(rows.Where(r => r % 5 == 0).ToArray());
        var model = CrossRec.Factorization.Biased().Factors(8).Epochs(60).LearningRate(0.02f).Regularization(0.02f).Deterministic().Fit(train);
        var m = model.EvaluateRanking(test, new RankingOptions { K = 5, RelevanceThreshold = 4f });
        Assert.That(m.Users, Is.GreaterThan(30));
        // A third of the unrated candidates share the user's taste but are not in the test set, so the
        // ideal AUC is about 1 − ⅓·½ ≈ 0.83 and the ideal Recall@5 about 5/9; chance is 0.5 and about 5/36.
        Assert.That(m.Auc, Is.GreaterThan(0.75));
        Assert.That(m.Recall, Is.GreaterThan(0.35));
    }
}
