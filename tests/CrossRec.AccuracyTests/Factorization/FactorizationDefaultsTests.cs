using System.Diagnostics;

namespace CrossRec.AccuracyTests.Factorization;

/// <summary>
/// The library's default factorization options on the five MovieLens 100K cross-validation folds: train
/// on each <c>uN.base</c>, score <c>uN.test</c>. The defaults were chosen without these test files (see
/// <see cref="FactorizationDefaultsSearch"/>); for reference, Surprise's SVD scores 0.934 on this data
/// and a well-tuned biased MF trained by SGD about 0.905.
/// </summary>
public class FactorizationDefaultsTests
{
    private const double TargetRmse = 0.910;

    [Test]
    public void DefaultsReachTheTargetRmseOnTheFiveFolds()
    {
        var dir = TestData.Require("ml-100k");
        var rmse = new double[5];
        var mae = new double[5];
        for (var n = 1; n <= 5; n++)
        {
            var (train, test) = MovieLens.Load100KFold(dir, n);
            var clock = Stopwatch.StartNew();
            var model = CrossRec.Factorization.Biased().OnDevice(Device.Cpu).Fit(train);
            var metrics = model.Evaluate(test);
            rmse[n - 1] = metrics.Rmse;
            mae[n - 1] = metrics.Mae;
            TestContext.Out.WriteLine($"u{n}: RMSE {metrics.Rmse:F4}  MAE {metrics.Mae:F4}  ({model.Info!.EpochsRun} epochs, {model.Info.UpdatesPerSecond / 1e6:F1}M updates/s, {clock.Elapsed.TotalSeconds:F2} s)");
        }

        var o = new FactorizationOptions();
        TestContext.Out.WriteLine($"mean: RMSE {rmse.Average():F4}  MAE {mae.Average():F4}  (defaults: k={o.Factors}, epochs={o.Epochs}, lr={o.LearningRate}, biasLr={o.EffectiveBiasLearningRate}, reg={o.Regularization}, biasReg={o.EffectiveBiasRegularization}, decay={o.LearningRateDecay}, init={o.InitStandardDeviation}, threads={o.EffectiveThreads})");
        Assert.That(rmse.Average(), Is.LessThanOrEqualTo(TargetRmse));
    }

    [Test]
    public void OneThreadAndTwoThreadsAgreeOnAFold()
    {
        var (train, test) = MovieLens.Load100KFold(TestData.Require("ml-100k"), 1);
        var one = CrossRec.Factorization.Biased().OnDevice(Device.Cpu).Threads(1).Fit(train).Evaluate(test).Rmse;
        var two = CrossRec.Factorization.Biased().OnDevice(Device.Cpu).Threads(2).Fit(train).Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"u1: 1 thread {one:F4}, 2 threads {two:F4}");
        Assert.That(two, Is.EqualTo(one).Within(0.003));
    }
}
