using System.Diagnostics;

namespace CrossRec.AccuracyTests.TopN;

/// <summary>EASE with its documented defaults on the top-N protocol (floors a little below the measured figures).</summary>
[TestFixture]
public sealed class EaseAccuracyTests
{
    /// <remarks>
    /// Measured (2 shared cores; each item's 512 largest weights of B kept): ML-100K NDCG@10 0.4518, Recall@10 0.2418,
    /// every one of the 1,651 items with a training user kept, fit 0.6 s idle (3 s loaded); Last.fm 2K NDCG@10 0.2427,
    /// Recall@10 0.2013, 5,958 of 15,383 items kept (automatic support threshold 2), fit 7.9 s idle (up to 24 s loaded).
    /// Popularity gets 0.2236 and 0.0806.
    /// </remarks>
    [TestCase("ml-100k", 0.44, 1)]
    [TestCase("lastfm-2k", 0.235, 2)]
    public void EaseWithItsDefaultsBeatsPopularityByFar(string dataset, double floor, int expectedSupport)
    {
        var (train, test) = TopNData.Split(TopNData.Load(dataset));
        var watch = Stopwatch.StartNew();
        var model = Recommenders.Ease().Fit(train);
        var seconds = watch.Elapsed.TotalSeconds;
        var m = TopNData.Evaluate(model, test);
        TopNData.Report(dataset, "ease", m, seconds);
        TestContext.Out.WriteLine($"{dataset,-10} ease         kept {model.KeptItemCount} items (min support {model.MinItemSupport}), lambda {model.Lambda:F1}, values {model.Values}");
        Assert.Multiple(() =>
        {
            Assert.That(m.Ndcg, Is.GreaterThan(floor));
            Assert.That(model.MinItemSupport, Is.EqualTo(expectedSupport));
        });
    }

    /// <remarks>
    /// The float32 default against float64 on the same split: the test NDCG@10 and the largest weight difference
    /// (figures in docs/decisions/ease-defaults.md).
    /// </remarks>
    [TestCase("ml-100k")]
    [TestCase("lastfm-2k")]
    public void Float32GivesTheFloat64NdcgAndWeightsToFloat32Precision(string dataset)
    {
        var (train, test) = TopNData.Split(TopNData.Load(dataset));
        var watch = Stopwatch.StartNew();
        var single = Recommenders.Ease().Precision(EasePrecision.Single).Fit(train);
        var singleSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var dbl = Recommenders.Ease().Precision(EasePrecision.Double).Fit(train);
        var doubleSeconds = watch.Elapsed.TotalSeconds;
        var s = TopNData.Evaluate(single, test);
        var d = TopNData.Evaluate(dbl, test);
        TopNData.Report(dataset, "ease f32", s, singleSeconds);
        TopNData.Report(dataset, "ease f64", d, doubleSeconds);

        // Over every pair of kept items: the weights themselves, and the row pruning they lead to.
        var kept = dbl.KeptItems.ToArray();
        double worst = 0, largest = 0;
        var differentlyPruned = 0L;
        foreach (var i in kept)
        {
            foreach (var j in kept)
            {
                float a = single.Weight(i, j), b = dbl.Weight(i, j);
                if ((a == 0) != (b == 0))
                {
                    differentlyPruned++;
                }
                else
                {
                    worst = Math.Max(worst, Math.Abs(a - b));
                }

                largest = Math.Max(largest, Math.Abs(b));
            }
        }

        TestContext.Out.WriteLine($"{dataset,-10} ease f32 vs f64: NDCG@10 {s.Ndcg:F6} vs {d.Ndcg:F6} (diff {s.Ndcg - d.Ndcg:+0.000000;-0.000000;0}), max |weight diff| {worst:E2} (largest |weight| {largest:F4}), {differentlyPruned} of {(long)kept.Length * (kept.Length - 1):N0} pairs kept by one only");
        Assert.Multiple(() =>
        {
            Assert.That(Math.Abs(s.Ndcg - d.Ndcg), Is.LessThan(0.001));
            Assert.That(worst, Is.LessThan(1e-4 * largest));
        });
    }
}
