namespace CrossRec.Tests.Evaluation;

public class CrossValidationTests
{
    private static readonly InteractionSet Data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 600, Items = 300, Ratings = 20_000 });

    [Test]
    public void CrossValidationTrainsEveryFoldAndAverages()
    {
        var reports = new List<CrossValidationProgress>();
        var result = CrossValidation.Run(CrossRec.Factorization.Biased().Factors(8).Epochs(10).Deterministic(), Data, folds: 3, seed: 1, new SyncProgress(reports.Add));
        Assert.That(result.Folds, Has.Count.EqualTo(3));
        Assert.That(result.Folds.Sum(f => f.Count), Is.EqualTo(Data.Count));
        Assert.That(result.MeanRmse, Is.EqualTo(result.Folds.Average(f => f.Rmse)).Within(1e-12));
        Assert.That(reports.Select(r => r.Fold), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void GridSearchRanksConfigurationsBestFirst()
    {
        var results = CrossValidation.GridSearch(CrossRec.Factorization.Biased().Epochs(15).LearningRate(0.01f).Deterministic(), Data, factors: [1, 8], regularizations: [0.03f, 5f], folds: 2);
        Assert.That(results, Has.Count.EqualTo(4));
        Assert.That(results.Select(r => r.MeanRmse), Is.Ordered.Ascending);
        Assert.That(results[^1].Options.Regularization, Is.EqualTo(5f), "an absurd penalty should rank last");
        Assert.That(() => CrossValidation.GridSearch(CrossRec.Factorization.Biased(), Data, factors: []), Throws.ArgumentException.With.Message.Contains("factors"));
        Assert.That(() => CrossValidation.GridSearch(CrossRec.Factorization.Biased(), Data, learningRates: [-1f]), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("LearningRate"));
    }

    private sealed class SyncProgress(Action<CrossValidationProgress> handler) : IProgress<CrossValidationProgress>
    {
        public void Report(CrossValidationProgress value) => handler(value);
    }
}
