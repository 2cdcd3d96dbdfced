namespace CrossRec.Tests.Conversion;

public class OfferAffinityTests
{
    /// <summary>
    /// Users with hidden tastes rate courses; whether they buy the film offer depends on how well the film
    /// matches their taste. Offer affinity from a factorization model trained on the course ratings (plus
    /// a few film ratings of other users) must add AUC over activity features alone.
    /// </summary>
    [Test]
    public void OfferAffinityAddsMeasurableAuc()
    {
        var rng = new Random(21);
        const int users = 3000, courses = 120, dims = 3;
        var taste = new double[users, dims];
        var course = new double[courses, dims];
        for (var u = 0; u < users; u++)
        {
            for (var f = 0; f < dims; f++)
            {
                taste[u, f] = rng.NextDouble() * 2 - 1;
            }
        }

        for (var i = 0; i < courses; i++)
        {
            for (var f = 0; f < dims; f++)
            {
                course[i, f] = rng.NextDouble() * 2 - 1;
            }
        }

        double[] film = [0.9, -0.6, 0.4];
        var builder = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        for (var u = 0; u < users; u++)
        {
            var count = 15 + rng.Next(20);
            for (var k = 0; k < count; k++)
            {
                var i = rng.Next(courses);
                var dot = 0.0;
                for (var f = 0; f < dims; f++)
                {
                    dot += taste[u, f] * course[i, f];
                }

                builder.Add($"u{u}", $"c{i}", (float)Math.Clamp(3 + (1.5 * dot) + (0.3 * (rng.NextDouble() - 0.5)), 1, 5));
            }

            if (u % 3 == 0)
            {
                // A third of the users also rated the film, so the model can place it.
                var dot = 0.0;
                for (var f = 0; f < dims; f++)
                {
                    dot += taste[u, f] * film[f];
                }

                builder.Add($"u{u}", "film", (float)Math.Clamp(3 + (1.5 * dot), 1, 5));
            }
        }

        var ratings = builder.Build("synthetic courses + film");
        var model = CrossRec.Factorization.Biased().Factors(6).Epochs(40).LearningRate(0.01f).Regularization(0.02f).Deterministic().Fit(ratings);

        // Offer targets: the two thirds who never rated the film; buying depends on taste · film.
        var targets = Enumerable.Range(0, users).Where(u => u % 3 != 0).ToArray();
        var ids = targets.Select(u => $"u{u}").ToArray();
        var bought = targets.Select(u =>
        {
            var dot = 0.0;
            for (var f = 0; f < dims; f++)
            {
                dot += taste[u, f] * film[f];
            }

            return rng.NextDouble() < 1 / (1 + Math.Exp(-(3 * dot) + 1));
        }).ToArray();
        var labels = new TabularData([TabularColumn.Categorical("bought", bought.Select(b => b ? "yes" : "no"))]);
        var withAffinity = ProfileFeatures.Build(model, ids, offerItem: "film", activity: ratings, options: new ProfileFeatureOptions { UserFactors = false }).WithColumns(labels);
        var withoutAffinity = ProfileFeatures.Build(model, ids, offerItem: null, activity: ratings, options: new ProfileFeatureOptions { UserFactors = false }).WithColumns(labels);

        double Auc(TabularData table)
        {
            var (train, test, _) = CrossRec.Conversion.SplitStratified(table, "bought", 0.3, 5);
            var m = CrossRec.Conversion.Logistic().Fit(train, "bought");
            var y = Enumerable.Range(0, test.RowCount).Select(r => test["bought"].Text(r) == "yes").ToArray();
            return ConversionMetrics.Compute(y, m.Score(test)).Auc;
        }

        var baseline = Auc(withoutAffinity);
        var affinity = Auc(withAffinity);
        TestContext.Out.WriteLine($"AUC without affinity {baseline:F4}, with affinity {affinity:F4}");
        Assert.That(affinity, Is.GreaterThan(baseline + 0.05));
    }
}
