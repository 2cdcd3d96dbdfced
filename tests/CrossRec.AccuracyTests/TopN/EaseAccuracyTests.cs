using System.Diagnostics;

namespace CrossRec.AccuracyTests.TopN;

[TestFixture]
public sealed class EaseAccuracyTests
{
    [TestCase("ml-100k", 0.40)]
    [TestCase("lastfm-2k", 0.20)]
    public void EaseWithItsDefaultsBeatsPopularityByFar(string dataset, double floor)
    {
        var (train, test) = TopNData.Split(TopNData.Load(dataset));
        var watch = Stopwatch.StartNew();
        var model = Recommenders.Ease().Fit(train);
        var seconds = watch.Elapsed.TotalSeconds;
        var m = TopNData.Evaluate(model, test);
        TopNData.Report(dataset, "ease", m, seconds);
        Assert.That(m.Ndcg, Is.GreaterThan(floor));
    }
}
