using System.Diagnostics;

namespace CrossRec.AccuracyTests.TopN;

/// <summary>
/// <see cref="Recommenders.Auto"/>: the library's default for ranking chooses by validation inside the
/// training part only, and its choice is never below popularity on the test part.
/// </summary>
[TestFixture]
public sealed class AutoAccuracyTests
{
    [TestCase("ml-100k", 0.455)]
    [TestCase("lastfm-2k", 0.252)]
    public void AutoChoosesByValidationAndBeatsPopularity(string dataset, double floor)
    {
        var (train, test) = TopNData.Split(TopNData.Load(dataset));
        var watch = Stopwatch.StartNew();
        var selection = Recommenders.Auto().Select(train);
        var seconds = watch.Elapsed.TotalSeconds;
        foreach (var c in selection.Candidates)
        {
            TestContext.Out.WriteLine($"{dataset,-10} auto {c.Stage,-9} {c.Algorithm,-11} validation NDCG@10 {c.Ndcg:F4} Recall@10 {c.Recall:F4} ({c.Seconds:F1}s){(c.Stage != CandidateScore.SelectionStage ? " " + string.Join(" ", c.Parameters.Where(p => !p.Key.Contains('.', StringComparison.Ordinal)).Select(p => $"{p.Key}={p.Value}")) : "")}{(c.Skipped is null ? "" : " skipped: " + c.Skipped)}");
        }

        var m = TopNData.Evaluate(selection.Model, test);
        TopNData.Report(dataset, $"auto={selection.Algorithm}", m, seconds);
        var popularity = TopNData.Evaluate(Recommenders.Popularity().Fit(train), test);
        Assert.That(selection.Candidates.Where(c => c.Skipped is null).MaxBy(c => c.Ndcg)!.Algorithm, Is.EqualTo(selection.Algorithm));
        Assert.That(m.Ndcg, Is.GreaterThan(popularity.Ndcg));
        Assert.That(m.Ndcg, Is.GreaterThan(floor));
    }
}
