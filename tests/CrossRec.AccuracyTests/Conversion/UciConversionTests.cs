namespace CrossRec.AccuracyTests.Conversion;

/// <summary>
/// Conversion scoring on the UCI datasets, stratified 80/20 split (seed 7). The reference AUCs are
/// scikit-learn's LogisticRegression(lbfgs, C = 1) on the same encoding and the same test rows, measured
/// with benchmarks/peers/sklearn_logistic.py (see README, "Conversion scoring"); the acceptance bar is
/// "within 0.002 of scikit-learn or better".
/// </summary>
public class UciConversionTests
{
    [TestCase("conversion/bank-marketing/bank-full.csv", "y", "yes", "duration", 0.75983)]
    [TestCase("conversion/online-shoppers-intention/online_shoppers_intention.csv", "Revenue", "TRUE", "", 0.88982)]
    public void MatchesScikitLearnAuc(string file, string target, string positive, string drop, double sklearnAuc)
    {
        var path = TestData.Require(file);
        var table = TabularData.LoadCsv(path);
        var (train, test, _) = CrossRec.Conversion.SplitStratified(table, target, 0.2, 7, positive);
        var model = CrossRec.Conversion.Logistic().C(1).Fit(train, target, positive, drop.Split(',', StringSplitOptions.RemoveEmptyEntries));
        var labels = Enumerable.Range(0, test.RowCount).Select(r => test[target].Text(r) == positive).ToArray();
        var metrics = ConversionMetrics.Compute(labels, model.Score(test));
        TestContext.Out.WriteLine($"{file}: AUC {metrics.Auc:F5} (sklearn {sklearnAuc:F5}), log-loss {metrics.LogLoss:F5}, PR-AUC {metrics.PrAuc:F4}, fit {model.Fit!.Seconds:F3} s, {model.Fit.Iterations} Newton iterations");
        Assert.That(model.Fit.Converged, Is.True);
        Assert.That(metrics.Auc, Is.GreaterThanOrEqualTo(sklearnAuc - 0.002));
        Assert.That(metrics.Calibration.Count(b => b.Calibrated), Is.GreaterThanOrEqualTo(7), "a logistic model on real data should be roughly calibrated");
    }
}
