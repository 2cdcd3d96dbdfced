using System.Diagnostics;

namespace CrossRec.AccuracyTests.TopN;

/// <summary>
/// BPR with its defaults on the top-N protocol (see <see cref="TopNData"/>). Measured (Hogwild on two
/// cores, defaults chosen on validation splits of the training parts, see <see cref="BprDefaultsSearch"/>):
/// ML-100K NDCG@10 0.4336, Recall@10 0.2359 (popularity 0.2236; textbook BPR peers 0.406); Last.fm 2K
/// NDCG@10 0.2210, Recall@10 0.1880 (popularity 0.0806). The floors sit a little below, since Hogwild runs
/// differ slightly from run to run.
/// </summary>
[TestFixture]
public sealed class BprAccuracyTests
{
    [TestCase("ml-100k", 0.41, 0.22)]
    [TestCase("lastfm-2k", 0.20, 0.17)]
    public void BprWithDefaultsBeatsPopularityByAWideMargin(string dataset, double ndcgFloor, double recallFloor)
    {
        var (train, test) = TopNData.Split(TopNData.Load(dataset));
        var watch = Stopwatch.StartNew();
        var model = Recommenders.Bpr().Fit(train);
        var seconds = watch.Elapsed.TotalSeconds;
        var m = TopNData.Evaluate(model, test);
        TopNData.Report(dataset, "bpr", m, seconds);
        Assert.That(m.Ndcg, Is.GreaterThan(ndcgFloor));
        Assert.That(m.Recall, Is.GreaterThan(recallFloor));
    }
}
