using System.Buffers.Binary;
using CrossRec.Plots;

namespace CrossRec.IO.Tests.Plots;

/// <summary>Every chart drawn from real library results on synthetic data; the PNG's header and size are checked.</summary>
public sealed class ChartsTests
{
    private static readonly InteractionSet Ratings = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 400, Items = 150, Ratings = 12_000, Seed = 11 });

    [Test]
    public void Learning_curve_and_ranking_by_n_from_a_trained_model()
    {
        var (train, test) = Ratings.SplitPerUser(0.2, seed: 1);
        var model = Factorization.Biased().Factors(8).Epochs(12).Fit(train, test);
        using var dir = new TempDir();
        Charts.LearningCurve(model.Info!.History, dir.File("learning.png"));
        AssertPng(dir.File("learning.png"));

        var popularity = Recommenders.Popularity().Fit(train);
        var byModel = new Dictionary<string, IReadOnlyList<RankingMetrics>>
        {
            ["biased MF"] = new[] { 1, 5, 10, 20 }.Select(n => global::CrossRec.Evaluation.Ranking(model, test, new RankingOptions { K = n })).ToArray(),
            ["popularity"] = new[] { 1, 5, 10, 20 }.Select(n => global::CrossRec.Evaluation.Ranking(popularity, test, new RankingOptions { K = n })).ToArray(),
        };
        Charts.RankingByN(byModel, RankingMetric.Recall, dir.File("recall.png"));
        AssertPng(dir.File("recall.png"));
        Assert.Throws<ArgumentException>(() => Charts.RankingByN(new Dictionary<string, IReadOnlyList<RankingMetrics>>(), RankingMetric.Ndcg, dir.File("x.png")));
    }

    [Test]
    public void Segment_map_calibration_lift_and_ab_result()
    {
        var model = Factorization.Biased().Factors(6).Epochs(5).Fit(Ratings);
        var segments = Segmentation.KMeans(4).Seed(3).Fit(model.UserFactors);
        using var dir = new TempDir();
        Charts.SegmentMap(model.UserFactors, segments, dir.File("segments.png"));
        AssertPng(dir.File("segments.png"));
        Assert.Throws<ArgumentException>(() => Charts.SegmentMap(model.ItemFactors.WithLabels(null, null), Segmentation.KMeans(2).Fit(ReadOnlyMatrix.Create(new float[] { 0, 0, 0, 1, 1, 1 }, 2, 3)), dir.File("x.png")));

        var random = new Random(4);
        var probabilities = Enumerable.Range(0, 2000).Select(_ => random.NextDouble() * 0.6).ToArray();
        var labels = probabilities.Select(p => random.NextDouble() < p).ToArray();
        var metrics = ConversionMetrics.Compute(labels, probabilities);
        Charts.Calibration(metrics, dir.File("calibration.png"));
        Charts.Lift(metrics, dir.File("lift.png"));
        Charts.AbResult(AbTest.Evaluate(new ArmOutcome("control", 1000, 80), new ArmOutcome("targeted", 1000, 120)), dir.File("ab.png"));
        foreach (var name in new[] { "calibration.png", "lift.png", "ab.png" })
        {
            AssertPng(dir.File(name));
        }
    }

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), path);
        Assert.That(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), Is.EqualTo(Charts.Width), path);
        Assert.That(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)), Is.EqualTo(Charts.Height), path);
        Assert.That(bytes.Length, Is.GreaterThan(10_000), $"{path}: a chart with axes, lines and text is more than a blank picture");

        // CROSSREC_PLOTS_OUT=DIR keeps the pictures, to look at them.
        if (Environment.GetEnvironmentVariable("CROSSREC_PLOTS_OUT") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            File.Copy(path, Path.Combine(keep, Path.GetFileName(path)), overwrite: true);
        }
    }
}
