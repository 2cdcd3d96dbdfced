using System.Diagnostics;

namespace CrossRec.AccuracyTests.TopN;

[TestFixture]
public sealed class PopularityAccuracyTests
{
    [TestCase("ml-100k", 0.18)]
    [TestCase("lastfm-2k", 0.06)]
    public void PopularityIsTheBaselineItIsPublishedAs(string dataset, double floor)
    {
        var (train, test) = TopNData.Split(TopNData.Load(dataset));
        var watch = Stopwatch.StartNew();
        var model = Recommenders.Popularity().Fit(train);
        var m = TopNData.Evaluate(model, test);
        TopNData.Report(dataset, "popularity", m, watch.Elapsed.TotalSeconds);
        Assert.That(m.Ndcg, Is.GreaterThan(floor));
    }
}
