using System.Diagnostics;

namespace CrossRec.AccuracyTests.CrossDomain;

/// <summary>
/// The cross-domain cold-start protocol on real data: the Amazon Sport–Phone pair of the DisenCDR release
/// (<c>amazon-cdr</c> under CROSSREC_DATA; 4,998 users active in both domains). Every interaction of
/// both domains (train.txt and test_original.txt) is loaded; 20 % of the users lose all their
/// target-domain interactions (seed 7), and the library's default cross-domain recommender
/// (<see cref="CrossRec.CrossDomain.Auto()"/>, which chooses its method inside the training part only)
/// must beat target popularity, the target-only model (implicit ALS) and cross-domain item-kNN on both
/// NDCG@10 and Recall@10. The paired tests' p-values are printed.
/// </summary>
public class AmazonCrossDomainAccuracyTests
{
    /// <summary>Sport → Phone and Phone → Sport.</summary>
    [TestCase("sport", "phone")]
    [TestCase("phone", "sport")]
    public void DefaultBeatsEveryBaselineColdStart(string source, string target)
    {
        var data = Load();
        var watch = Stopwatch.StartNew();
        var result = CrossRec.CrossDomain.Protocol(source, target).HoldOut(0.2).K(10).Seed(7)
            .Compare(data, progress: new Line(TestContext.Out));
        TestContext.Out.WriteLine(result.ToTable());
        TestContext.Out.WriteLine($"chosen: {result.ChosenMethod}; {watch.Elapsed.TotalSeconds:F1} s");

        var main = result.Rows[0];
        Assert.Multiple(() =>
        {
            Assert.That(result.HeldOutUsers, Is.EqualTo(1000));
            foreach (var baseline in new[] { "popularity", "target-only-ials", "xd-itemknn" })
            {
                var row = result.Row(baseline)!;
                Assert.That(main.Metrics.Ndcg, Is.GreaterThan(row.Metrics.Ndcg), $"NDCG@10 vs {row.Name} (paired t-test p = {row.TTest!.PValue:G3})");
                Assert.That(main.Metrics.Recall, Is.GreaterThan(row.Metrics.Recall), $"Recall@10 vs {row.Name}");
            }
        });
    }

    internal static InteractionSet Load()
    {
        var folder = TestData.Require("amazon-cdr");
        return CrossDomainData.Load(
        [
            (Path.Combine(folder, "sport_phone", "train.txt"), "sport"),
            (Path.Combine(folder, "sport_phone", "test_original.txt"), "sport"),
            (Path.Combine(folder, "phone_sport", "train.txt"), "phone"),
            (Path.Combine(folder, "phone_sport", "test_original.txt"), "phone"),
        ]);
    }

    private sealed class Line(TextWriter writer) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => writer.WriteLine($"[{value.Elapsed.TotalSeconds,6:F1}s] {value.Stage} {value.Candidate}");
    }
}
