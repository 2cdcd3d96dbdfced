namespace CrossRec.Tests.Evaluation;

public class CrossValidationTests
{
    private static readonly InteractionSet Data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 600, Items = 300, Ratings = 20_000 });

    [Test]
    public void CrossValidationTrainsEveryFoldAndAverages()
    {
        var reports = new List<TrainingProgress>();
        var result = CrossValidation.Run(CrossRec.Factorization.Biased().Factors(8).Epochs(10).Deterministic(), Data, folds: 3, seed: 1, new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.That(result.Folds, Has.Count.EqualTo(3));
        Assert.That(result.Folds.Sum(f => f.Count), Is.EqualTo(Data.Count));
        Assert.That(result.MeanRmse, Is.EqualTo(result.Folds.Average(f => f.Rmse)).Within(1e-12));
        Assert.That(reports.Select(r => r.Iteration), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(reports.Select(r => r.Loss), Is.EqualTo(result.Folds.Select(f => f.Rmse)), "each fold's test RMSE is its loss");
        Assert.That(reports.Select(r => r.Stage), Is.All.EqualTo(CrossValidation.Stage));
        Assert.That(reports.Select(r => r.Percent), Is.EqualTo(new double?[] { 100.0 / 3, 200.0 / 3, 100 }).Within(1e-9));
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
}
