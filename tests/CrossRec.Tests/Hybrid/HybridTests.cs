using CrossRec.Algorithms.Hybrid;
using CrossRec.Metrics;
using CrossRec.Tests.TopN;

namespace CrossRec.Tests.Hybrid;

/// <summary>
/// The hybrid recommender beyond the contract suite: new items scored from their features, users served from their
/// attributes alone, explanations by feature, reproducible seeded training, persistence of what cold start needs.
/// The planted structure: users of taste group g (u mod 4) prefer item block g (40 items each); every item carries
/// its block and its parity as features, every user its group.
/// </summary>
[TestFixture]
public sealed class HybridTests
{
    private static readonly Lazy<InteractionSet> Data = new(() => ImplicitTestData.Groups());

    private static readonly Lazy<FeatureSet> ItemFeatures = new(() =>
    {
        var b = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < 160; i++)
        {
            b.Add($"i{i}", [$"block:{i / 40}", $"parity:{i % 2}"]);
        }

        return b.Build();
    });

    private static readonly Lazy<FeatureSet> UserFeatures = new(() =>
    {
        var b = FeatureSet.CreateBuilder("user");
        for (var u = 0; u < 400; u++)
        {
            b.Add($"u{u}", $"group:{u % 4}");
        }

        return b.Build();
    });

    private static readonly Lazy<ColdItemSplit> Split = new(() => ColdStart.SplitItems(Data.Value, 0.2, 3));

    private static readonly Lazy<HybridModel> ColdModel = new(() => Small().ItemFeatures(ItemFeatures.Value).UserFeatures(UserFeatures.Value).Fit(Split.Value.Train));

    [Test]
    public void NewItemsJoinTheCatalogueAndAreRankedFromTheirFeatures()
    {
        var split = Split.Value;
        var model = ColdModel.Value;
        Assert.That(split.NewItems, Has.Count.EqualTo(32));
        Assert.That(split.NewItems.All(model.ItemIds.Contains), Is.True);
        var hybrid = ColdStart.EvaluateItems(model, split);
        var cosine = ColdStart.EvaluateItems(FeatureBaseline.ProfileCosine(split.Train, ItemFeatures.Value), split);
        var popularity = ColdStart.EvaluateItems(FeatureBaseline.FeaturePopularity(split.Train, ItemFeatures.Value), split);
        TestContext.Out.WriteLine($"new items: hybrid {hybrid.Metrics.Ndcg:F4}, cosine {cosine.Metrics.Ndcg:F4}, popularity {popularity.Metrics.Ndcg:F4}");
        Assert.That(hybrid.Metrics.Users, Is.GreaterThan(300));
        Assert.That(hybrid.Metrics.Ndcg, Is.GreaterThan(popularity.Metrics.Ndcg + 0.1));
        Assert.That(PairedTest.TTest(hybrid.Ndcg, popularity.Ndcg).PValue, Is.LessThan(0.01));

        // A user of group 1 asked for new items only gets block 1's new items first.
        var user = model.UserIds[1];
        var top = model.Recommend(user, 3, new RecommendFilter { AllowItems = split.NewItems.ToList() });
        Assert.That(top.Select(r => int.Parse(r.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture) / 40), Is.All.EqualTo(1));
    }

    [Test]
    public void AUserKnownOnlyByAttributesGetsTheirGroupsItems()
    {
        var model = ColdModel.Value;
        for (var g = 0; g < 4; g++)
        {
            var folded = model.FoldInAttributes([new($"group:{g}", 1f)]);
            Assert.That(folded.SeenItems.Length, Is.Zero);
            var top = model.Recommend(folded, 10);
            var inBlock = top.Count(r => int.Parse(r.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture) / 40 == g);
            Assert.That(inBlock, Is.GreaterThanOrEqualTo(8), $"group {g}");
        }

        Assert.That(Assert.Throws<KeyNotFoundException>(() => model.FoldInAttributes([new("group:9", 1f)]))!.Message, Does.Contain("group:9"));
        Assert.Throws<ArgumentException>(() => model.FoldInAttributes([]));
        Assert.Throws<ArgumentException>(() => model.FoldInAttributes([new("group:1", float.NaN)]));
    }

    [Test]
    public void AttributesAndItemsTogetherFoldInAUser()
    {
        var model = ColdModel.Value;
        var folded = model.FoldInAttributes([new("group:2", 1f)], [new("i80", 1f), new("i81", 1f)]);
        Assert.That(folded.SeenItems.ToArray(), Is.EqualTo(new[] { model.ItemIds.GetIndex("i80"), model.ItemIds.GetIndex("i81") }));
        var top = model.Recommend(folded, 10);
        Assert.That(top.Select(r => r.ItemId), Has.None.EqualTo("i80").And.None.EqualTo("i81"));
        Assert.That(top.Count(r => int.Parse(r.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture) / 40 == 2), Is.GreaterThanOrEqualTo(8));
    }

    [Test]
    public void FeatureExplanationsSumToTheScoreAndNameTheFeatures()
    {
        var model = ColdModel.Value;
        var user = model.UserIds[2];
        var top = model.Recommend(user, 1, new RecommendFilter { DenyItems = Split.Value.NewItems.ToList() })[0]; // a warm item: it has an identity feature
        var all = model.ExplainFeatures(user, top.ItemId, count: 1000);
        Assert.That(all.Score, Is.EqualTo(top.Score).Within(1e-4 * Math.Max(1, Math.Abs(top.Score))));
        Assert.That(all.Contributions.Sum(c => c.Contribution), Is.EqualTo(all.Score).Within(1e-4));
        Assert.That(all.Contributions.Select(c => c.Contribution), Is.Ordered.Descending);
        Assert.That(all.Contributions.Select(c => c.ItemFeature), Has.Some.StartsWith("block:").And.Some.StartsWith("identity:"));
        Assert.That(all.Contributions.Select(c => c.UserFeature), Has.Some.EqualTo("group:2").And.Some.EqualTo("identity:" + user).And.Some.Null);
        Assert.That(model.ExplainFeatures(user, top.ItemId, count: 2).Contributions, Has.Count.EqualTo(2));
        Assert.That(model.CanExplain, Is.False);
    }

    [Test]
    public void ASavedModelKeepsNewItemsAttributesAndFeatureNames()
    {
        var model = ColdModel.Value;
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = (HybridModel)Recommender.Load(stream);
        Assert.That(loaded.ItemIds, Is.EqualTo(model.ItemIds));
        Assert.That(loaded.ItemFeatures, Is.EqualTo(model.ItemFeatures));
        Assert.That(loaded.UserFeatures, Is.EqualTo(model.UserFeatures));
        Assert.That(loaded.Loss, Is.EqualTo(model.Loss));
        var a = model.FoldInAttributes([new("group:3", 1f)], [new("i120", 1f)]);
        var b = loaded.FoldInAttributes([new("group:3", 1f)], [new("i120", 1f)]);
        Assert.That(b.Factors.ToArray(), Is.EqualTo(a.Factors.ToArray()));
        var newItems = Split.Value.NewItems.ToList();
        var filter = new RecommendFilter { AllowItems = newItems };
        Assert.That(loaded.Recommend(model.UserIds[5], 10, filter), Is.EqualTo(model.Recommend(model.UserIds[5], 10, filter)));
        var explained = model.ExplainFeatures(model.UserIds[5], newItems[0]);
        Assert.That(loaded.ExplainFeatures(model.UserIds[5], newItems[0]), Is.EqualTo(explained).Using<FeatureExplanation>((x, y) => x.Score == y.Score && x.Contributions.SequenceEqual(y.Contributions)));
    }

    [Test]
    public void TheSameSeedTrainsTheSameModel()
    {
        var train = Split.Value.Train;
        var a = Small().Epochs(3).ItemFeatures(ItemFeatures.Value).Fit(train);
        var b = Small().Epochs(3).ItemFeatures(ItemFeatures.Value).Fit(train);
        var c = Small().Epochs(3).Seed(8).ItemFeatures(ItemFeatures.Value).Fit(train);
        Assert.That(b.ItemFactors.AsSpan().ToArray(), Is.EqualTo(a.ItemFactors.AsSpan().ToArray()));
        Assert.That(c.ItemFactors.AsSpan().ToArray(), Is.Not.EqualTo(a.ItemFactors.AsSpan().ToArray()));
    }

    [Test]
    public void BothLossesLearnAndReportProgress()
    {
        foreach (var loss in new[] { HybridLoss.Warp, HybridLoss.Bpr })
        {
            var reports = new List<TrainingProgress>();
            var model = Small().Loss(loss).Epochs(8).ItemFeatures(ItemFeatures.Value).Fit(Split.Value.Train, new SynchronousProgress<TrainingProgress>(reports.Add));
            Assert.That(reports, Has.Count.EqualTo(8));
            Assert.That(reports[^1].Metrics!["sampled-auc"], Is.GreaterThan(reports[0].Metrics!["sampled-auc"]), loss.ToString());
            Assert.That(model.Training!.Parameters["loss"], Is.EqualTo(loss.ToString()));
        }
    }

    [Test]
    public void ASideWithoutFeaturesOrIdentitiesIsRefused()
    {
        var train = Split.Value.Train;
        Assert.That(Assert.Throws<ArgumentException>(() => Small().ItemIdentity(false).Fit(train))!.Message, Does.Contain("ItemFeatures"));
        Assert.That(Assert.Throws<ArgumentException>(() => Small().UserIdentity(false).Fit(train))!.Message, Does.Contain("UserFeatures"));
    }

    [TestCase(nameof(HybridOptions.Factors))]
    [TestCase(nameof(HybridOptions.Epochs))]
    [TestCase(nameof(HybridOptions.LearningRate))]
    [TestCase(nameof(HybridOptions.MaxSampled))]
    [TestCase(nameof(HybridOptions.ItemRegularization))]
    [TestCase(nameof(HybridOptions.FoldInEpochs))]
    public void AnOptionOutOfRangeIsNamed(string option)
    {
        var bad = option switch
        {
            nameof(HybridOptions.Factors) => new HybridOptions { Factors = 0 },
            nameof(HybridOptions.Epochs) => new HybridOptions { Epochs = 0 },
            nameof(HybridOptions.LearningRate) => new HybridOptions { LearningRate = float.NaN },
            nameof(HybridOptions.MaxSampled) => new HybridOptions { MaxSampled = 0 },
            nameof(HybridOptions.ItemRegularization) => new HybridOptions { ItemRegularization = -1 },
            _ => new HybridOptions { FoldInEpochs = 0 },
        };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Recommenders.Hybrid(bad).Fit(Split.Value.Train));
        Assert.That(ex!.ParamName, Is.EqualTo(option));
    }

    private static HybridBuilder Small() => Recommenders.Hybrid().Factors(16).Epochs(20).Seed(3);
}
