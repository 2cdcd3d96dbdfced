using CrossRec.Tests;

namespace CrossRec.Tests.Segmentation;

public class SegmentationModelTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    [Test]
    public void AssignsNewRowsLikeTheTrainingRowsAndRoundTrips()
    {
        var (points, _) = KMeansTests.Blobs(3000, 5, 4, 1.5, 2);
        var model = CrossRec.Segmentation.KMeans(5).Seed(1).Standardize().Fit(points);
        var assigned = model.Assign(points);
        Assert.That(assigned, Is.EqualTo(model.Result!.Assignments.ToArray()));
        var path = _files.PathOf("seg.model");
        model.Save(path);
        var loaded = SegmentationModel.Load(path);
        Assert.That(loaded.Assign(points), Is.EqualTo(assigned));
        Assert.That(loaded.Centroids.AsSpan().ToArray(), Is.EqualTo(model.Centroids.AsSpan().ToArray()).Within(1e-4f));
        Assert.That(() => loaded.Assign(new float[3]), Throws.ArgumentException.With.Message.Contains("trained on 4"));
    }

    [Test]
    public void ChooseKPrefersTheTrueNumberOfBlobs()
    {
        var (points, _) = KMeansTests.Blobs(3000, 4, 3, 1.5, 3);
        var scores = CrossRec.Segmentation.ChooseK(points, [2, 3, 4, 5, 6], seed: 1, sampleSize: 600);
        var best = scores.MaxBy(s => s.Silhouette)!;
        Assert.That(best.Clusters, Is.EqualTo(4));
        Assert.That(scores.Select(s => s.Inertia), Is.Ordered.Descending);
    }

    [Test]
    public void ProfilesShowTheLabelsEachSegmentPrefers()
    {
        // Two kinds of users: half rate action films, half rate comedies; their factors separate them.
        var builder = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        var rng = new Random(4);
        var labels = new Dictionary<string, IReadOnlyList<string>>();
        for (var i = 0; i < 40; i++)
        {
            labels[$"m{i}"] = [i < 20 ? "Action" : "Comedy"];
        }

        for (var u = 0; u < 200; u++)
        {
            var action = u % 2 == 0;
            var count = 10 + rng.Next(10);
            for (var n = 0; n < count; n++)
            {
                var i = (action ? 0 : 20) + rng.Next(20);
                builder.Add($"u{u}", $"m{i}", action ? 5 : 4);
            }

            builder.Add($"u{u}", $"m{(action ? 20 : 0) + rng.Next(20)}", 1);
        }

        var data = builder.Build();
        var features = UserFeatures.FromInteractions(data, labels);
        Assert.That(features.ColumnNames, Does.Contain("share:Action").And.Contain("log_activity"));
        var model = CrossRec.Segmentation.KMeans(2).Seed(1).Standardize().Fit(UserFeatures.Combine((features, 1f)));
        var profiles = model.Profile(data, labels, top: 1, minCount: 5);
        var tops = profiles.Select(p => p.OverRepresented.Single().Label).OrderBy(x => x).ToArray();
        Assert.That(tops, Is.EqualTo(new[] { "Action", "Comedy" }));
        Assert.That(profiles.Sum(p => p.Size), Is.EqualTo(200));
        Assert.That(profiles[0].Describe(), Does.Contain("over-represented").And.Contain("×"));
    }

    [Test]
    public void CombineAlignsBlocksByRowIds()
    {
        var ids = IdMap.Create("user", ["a", "b", "c"]);
        var reversed = IdMap.Create("user", ["c", "b", "a"]);
        var left = ReadOnlyMatrix.Create([1f, 2f, 3f], 3, 1, ids, ["x"]);
        var right = ReadOnlyMatrix.Create([30f, 20f, 10f], 3, 1, reversed, ["y"]);
        var combined = UserFeatures.Combine((left, 1f), (right, 2f));
        Assert.That(combined.ColumnNames, Is.EqualTo(new[] { "x", "y" }));
        Assert.That(combined[0, 1] / combined[0, 0], Is.EqualTo(2f).Within(1e-5f), "row a: same z-score, block y weighs twice");
        Assert.That(() => UserFeatures.Combine((left, 0f)), Throws.ArgumentException.With.Message.Contains("weight"));
    }

    [Test]
    public void SegmentationErrorsNameTheProblem()
    {
        var flat = ReadOnlyMatrix.Create([1f, 5f, 1f, 6f, 1f, 7f], 3, 2, null, ["const", "v"]);
        Assert.That(() => CrossRec.Segmentation.KMeans(2).Standardize().Fit(flat), Throws.ArgumentException.With.Message.Contains("'const' is constant"));
        Assert.That(() => CrossRec.Segmentation.KMeans(4).Fit(flat), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("exceeds the number of rows (3)"));
    }
}
