using CrossRec.Algorithms.Blend;
using CrossRec.Algorithms.Mapped;

namespace CrossRec.Tests.Hybrid;

/// <summary>
/// The feature→score map over collaborative models: warm users and items are scored exactly as by the base model, new
/// items from their features, users known only by attributes from them; the map survives save and load. Planted
/// structure as in <see cref="HybridTests"/>: users of group g (u mod 4) prefer item block g (40 items each); every item
/// carries its block and parity, every user its group.
/// </summary>
[TestFixture]
public sealed class MappedTests
{
    private static readonly Lazy<InteractionSet> Data = new(() => global::CrossRec.Tests.TopN.ImplicitTestData.Groups());

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

    private static readonly Lazy<RecommenderModel> Als = new(() => Recommenders.ImplicitAls().Factors(16).Seed(3).Fit(Split.Value.Train));

    private static readonly Lazy<MappedModel> Model = new(() => MappedModel.Create(Als.Value, ItemFeatures.Value, UserFeatures.Value));

    [Test]
    public void WarmItemsAreScoredExactlyAsByTheBaseModel()
    {
        var model = Model.Value;
        var mapped = new float[model.ItemIds.Count];
        var plain = new float[Als.Value.ItemIds.Count];
        for (var u = 0; u < model.UserIds.Count; u += 13)
        {
            model.ScoreItems(u, mapped);
            Als.Value.ScoreItems(u, plain);
            for (var i = 0; i < plain.Length; i++)
            {
                if (!model.IsNewItem(i))
                {
                    Assert.That(mapped[i], Is.EqualTo(plain[i]), $"user {u}, item {i}");
                }
            }
        }

        Assert.That(model.NewItemCount, Is.EqualTo(Split.Value.NewItems.Count));
    }

    [TestCase("ials")]
    [TestCase("ease")]
    [TestCase("itemknn")]
    public void NewItemsAreRankedFromTheirFeaturesBetterThanTheContentBaselines(string algorithm)
    {
        var split = Split.Value;
        var model = Recommenders.Mapped(AlgorithmRegistry.Find(algorithm)!.Create(seed: 3)).ItemFeatures(ItemFeatures.Value).Fit(split.Train);
        var mapped = ColdStart.EvaluateItems(model, split);
        var popularity = ColdStart.EvaluateItems(FeatureBaseline.FeaturePopularity(split.Train, ItemFeatures.Value), split);
        TestContext.Out.WriteLine($"{algorithm}: new items mapped {mapped.Metrics.Ndcg:F4}, feature popularity {popularity.Metrics.Ndcg:F4}");
        Assert.That(mapped.Metrics.Ndcg, Is.GreaterThan(popularity.Metrics.Ndcg + 0.1));

        // A user of group 2 asked for new items only gets block 2's new items first.
        var top = model.Recommend(model.UserIds[2], 3, new RecommendFilter { AllowItems = split.NewItems.ToList() });
        Assert.That(top.Select(r => Block(r.ItemId)), Is.All.EqualTo(2));
    }

    [Test]
    public void AnItemOnlyInTheFeaturesJoinsTheCatalogue()
    {
        var features = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < 160; i++)
        {
            features.Add($"i{i}", [$"block:{i / 40}", $"parity:{i % 2}"]);
        }

        features.Add("premiere", ["block:3", "parity:0"]);
        var model = MappedModel.Create(Als.Value, features.Build());
        Assert.That(model.ItemIds.Contains("premiere"), Is.True);
        Assert.That(model.IsNewItem(model.ItemIds.GetIndex("premiere")), Is.True);
        var ranked = model.Recommend(model.UserIds[3], 1, new RecommendFilter { AllowItems = ["premiere", "i1"] });
        Assert.That(ranked[0].ItemId, Is.EqualTo("premiere"), "a group-3 user prefers a block-3 film to a block-0 one");
    }

    [Test]
    public void AUserKnownOnlyByAttributesGetsTheirGroupsItems()
    {
        var model = Model.Value;
        for (var g = 0; g < 4; g++)
        {
            var top = model.Recommend(model.FoldInAttributes([new($"group:{g}", 1f)]), 10);
            Assert.That(top.Count(r => Block(r.ItemId) == g), Is.GreaterThanOrEqualTo(8), $"group {g}");
        }

        Assert.That(Assert.Throws<KeyNotFoundException>(() => model.FoldInAttributes([new("group:9", 1f)]))!.Message, Does.Contain("group:9"));
        Assert.Throws<ArgumentException>(() => model.FoldInAttributes([]));
        Assert.Throws<ArgumentException>(() => model.FoldInAttributes([new("group:1", float.NaN)]));
        var withoutUsers = MappedModel.Create(Als.Value, ItemFeatures.Value);
        Assert.That(Assert.Throws<KeyNotFoundException>(() => withoutUsers.FoldInAttributes([new("group:1", 1f)]))!.Message, Does.Contain("without user features"));
    }

    [Test]
    public void TheSegmentTargetScoresAsSegmentPopularityAndSurvivesSaving()
    {
        var (train, attributes) = ColdStartTests.SegmentsExample();
        var model = MappedModel.Create(Recommenders.Popularity().Fit(train), null, attributes, new MappedOptions { UserTarget = MappedUserTarget.Segments });
        var baseline = FeatureBaseline.SegmentPopularity(train, attributes);
        var x = model.ItemIds.IndexOf("x");
        var y = model.ItemIds.IndexOf("y");
        var z = model.ItemIds.IndexOf("z");
        var scores = new float[3];
        var expected = new float[3];
        model.ScoreItems(model.FoldInAttributes([new("a", 1f)]), scores); // "a" users: x twice, y once of 3
        Assert.That((scores[x], scores[y], scores[z]), Is.EqualTo((2f / 3, 1f / 3, 0f)));
        foreach (var known in new KeyValuePair<string, float>[][] { [new("a", 1f), new("b", 2f)], [new("b", 0.5f)] })
        {
            model.ScoreItems(model.FoldInAttributes(known), scores);
            baseline.ScoreAttributes(known, expected);
            Assert.That(scores, Is.EqualTo(expected).Within(1e-6), string.Join(",", known.Select(k => k.Key)));
        }

        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = (MappedModel)Recommender.Load(stream);
        Assert.That(loaded.Options.UserTarget, Is.EqualTo(MappedUserTarget.Segments));
        loaded.ScoreItems(loaded.FoldInAttributes([new("a", 1f), new("b", 2f)]), expected);
        model.ScoreItems(model.FoldInAttributes([new("a", 1f), new("b", 2f)]), scores);
        Assert.That(expected, Is.EqualTo(scores));
        Assert.That(
            () => new MappedOptions { UserTarget = (MappedUserTarget)3 }.Validate(),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Scores, Interactions or Segments"));
    }

    [Test]
    public void ASavedModelKeepsTheMapsAndAttributeUsers()
    {
        var model = Model.Value;
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = (MappedModel)Recommender.Load(stream);
        Assert.That(loaded.Base.Algorithm, Is.EqualTo("ials"));
        Assert.That(loaded.NewItemCount, Is.EqualTo(model.NewItemCount));
        var a = new float[model.ItemIds.Count];
        var b = new float[model.ItemIds.Count];
        model.ScoreItems(model.FoldInAttributes([new("group:1", 1f)]), a);
        loaded.ScoreItems(loaded.FoldInAttributes([new("group:1", 1f)]), b);
        Assert.That(b, Is.EqualTo(a));
        model.ScoreItems(5, a);
        loaded.ScoreItems(5, b);
        Assert.That(b, Is.EqualTo(a));
    }

    [TestCase("ials")]
    [TestCase("ease")]
    [TestCase("itemknn")]
    public void AWarmItemsSimilarItemsIncludeTheNewItemsOfItsBlock(string algorithm)
    {
        var split = Split.Value;
        var model = Recommenders.Mapped(AlgorithmRegistry.Find(algorithm)!.Create(seed: 3)).ItemFeatures(ItemFeatures.Value).Fit(split.Train);
        var newItems = split.NewItems.ToHashSet();
        var warm = Enumerable.Range(0, 160).Select(i => $"i{i}").Where(id => !newItems.Contains(id)).ToList();
        var inBlock = 0;
        var listed = 0;
        var rankSum = 0;
        foreach (var item in warm)
        {
            // Among the new items alone, the first three share the warm item's block.
            var onlyNew = model.SimilarItems(item, 3, new RecommendFilter { AllowItems = split.NewItems.ToList() });
            Assert.That(onlyNew, Has.Count.EqualTo(3), item);
            inBlock += onlyNew.Count(r => Block(r.ItemId) == Block(item));

            // Unfiltered, new items are placed among the warm ones rather than left out.
            var top = model.SimilarItems(item, 40);
            listed += top.Count(r => model.IsNewItem(r.Index));
            rankSum += top.Select((r, rank) => model.IsNewItem(r.Index) ? rank + 1 : 0).Sum();
            Assert.That(top.Select(r => r.ItemId), Does.Not.Contain(item));
        }

        TestContext.Out.WriteLine($"{algorithm}: {inBlock} of {3 * warm.Count} new similar items share the block; {listed} new items in {warm.Count} top-40 lists, at mean rank {(double)rankSum / Math.Max(1, listed):F1}");
        Assert.That(inBlock, Is.GreaterThanOrEqualTo(0.95 * 3 * warm.Count));
        Assert.That(listed, Is.GreaterThan(warm.Count), "on average more than one new item in a warm item's top 40");

        var noNew = new RecommendFilter { DenyItems = split.NewItems.ToList() };
        var warmOnly = Als.Value.SimilarItems(warm[0], 10, noNew);
        var mapped = Model.Value.SimilarItems(warm[0], 10, noNew);
        Assert.That(mapped.Select(r => (r.ItemId, r.Score)), Is.EqualTo(warmOnly.Select(r => (r.ItemId, r.Score))), "the warm items keep the base model's similarities");
    }

    [Test]
    public void ANewItemsShiftMovesNewItemsUpTheWholeList()
    {
        var promoted = MappedModel.Create(Als.Value, ItemFeatures.Value, null, new MappedOptions { NewItemShift = 3 });
        var top = promoted.Recommend(promoted.UserIds[0], 10);
        var plain = Model.Value.Recommend(Model.Value.UserIds[0], 10);
        Assert.That(top.Count(r => promoted.IsNewItem(r.Index)), Is.GreaterThan(plain.Count(r => Model.Value.IsNewItem(r.Index))));
    }

    [Test]
    public void OnlyTheMostFrequentFeaturesAreReadAndEveryFeatureItemStaysInTheCatalogue()
    {
        var features = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < 160; i++)
        {
            features.Add($"i{i}", [$"block:{i / 40}", $"parity:{i % 2}", $"tag:{i}"]);
        }

        features.Add("rare", "tag:only-here");
        var capped = MappedModel.Create(Als.Value, features.Build(), null, new MappedOptions { MaxFeatures = 6 });
        Assert.That(capped.ItemFeatures, Is.EquivalentTo(new[] { "block:0", "block:1", "block:2", "block:3", "parity:0", "parity:1" }));
        Assert.That(capped.ItemIds.Contains("rare"), Is.True, "an item whose features were all dropped is still recommendable");
        var split = Split.Value;
        Assert.That(ColdStart.EvaluateItems(capped, split).Metrics.Ndcg, Is.EqualTo(ColdStart.EvaluateItems(MappedModel.Create(Als.Value, ItemFeatures.Value), split).Metrics.Ndcg).Within(0.02));
    }

    [Test]
    public void AnAttributeBeyondTheCapIsAcceptedWithNoWeightAndSurvivesSaving()
    {
        var users = FeatureSet.CreateBuilder("user");
        for (var u = 0; u < 400; u++)
        {
            users.Add($"u{u}", u < 3 ? [$"group:{u % 4}", $"rare:{u}"] : [$"group:{u % 4}"]);
        }

        var model = MappedModel.Create(Als.Value, ItemFeatures.Value, users.Build(), new MappedOptions { MaxFeatures = 4 });
        Assert.That(model.UserFeatures, Is.EquivalentTo(new[] { "group:0", "group:1", "group:2", "group:3" }));
        var group = new float[model.ItemIds.Count];
        var both = new float[model.ItemIds.Count];
        model.ScoreItems(model.FoldInAttributes([new("group:1", 1f)]), group);
        model.ScoreItems(model.FoldInAttributes([new("group:1", 1f), new("rare:1", 1f)]), both);
        Assert.That(both, Is.EqualTo(group), "an attribute beyond the cap carries no weight");

        // Known only by ignored attributes: the intercept, which differs from every group's scores.
        var intercept = new float[model.ItemIds.Count];
        model.ScoreItems(model.FoldInAttributes([new("rare:2", 1f)]), intercept);
        Assert.That(intercept, Is.Not.EqualTo(group));
        Assert.That(intercept.Take(Als.Value.ItemIds.Count).All(float.IsFinite), Is.True);
        Assert.That(Assert.Throws<KeyNotFoundException>(() => model.FoldInAttributes([new("rare:9", 1f)]))!.Message, Does.Contain("rare:9"));

        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = (MappedModel)Recommender.Load(stream);
        var again = new float[model.ItemIds.Count];
        loaded.ScoreItems(loaded.FoldInAttributes([new("group:1", 1f), new("rare:0", 1f)]), again);
        Assert.That(again, Is.EqualTo(group));
        Assert.Throws<KeyNotFoundException>(() => loaded.FoldInAttributes([new("rare:9", 1f)]));
    }

    [Test]
    public void ABlendOfAttributeModelsServesAUserKnownByAttributesWithTheStandardisedSumOfItsComponents()
    {
        var train = Split.Value.Train;
        var als = Model.Value;
        var ease = MappedModel.Create(Recommenders.Ease().Fit(train), ItemFeatures.Value, UserFeatures.Value);
        var blend = BlendModel.Create([als, ease], [0.4, 0.6]);
        Assert.That(blend.UserFeatures, Is.EquivalentTo(UserFeatures.Value.Features));
        KeyValuePair<string, float>[] attributes = [new("group:2", 1f)];
        var scores = new float[blend.ItemIds.Count];
        blend.ScoreItems(blend.FoldInAttributes(attributes), scores);

        // 0.4·z(mapped ALS) + 0.6·z(mapped EASE), each standardised over the whole catalogue.
        var expected = new double[scores.Length];
        foreach (var (model, weight) in new (MappedModel, double)[] { (als, 0.4), (ease, 0.6) })
        {
            var part = new float[scores.Length];
            model.ScoreItems(model.FoldInAttributes(attributes), part);
            var mean = part.Average(v => (double)v);
            var sd = Math.Sqrt(part.Average(v => ((double)v - mean) * ((double)v - mean)));
            for (var j = 0; j < part.Length; j++)
            {
                expected[j] += weight * (part[j] - mean) / sd;
            }
        }

        for (var j = 0; j < scores.Length; j++)
        {
            Assert.That(scores[j], Is.EqualTo(expected[j]).Within(1e-3), blend.ItemIds[j]);
        }

        var top = blend.Recommend(blend.FoldInAttributes(attributes), 10);
        Assert.That(top.Count(r => !r.ItemId.StartsWith("i", StringComparison.Ordinal) || Block(r.ItemId) == 2), Is.GreaterThanOrEqualTo(8));

        using var stream = new MemoryStream();
        blend.Save(stream);
        stream.Position = 0;
        var loaded = (BlendModel)Recommender.Load(stream);
        var again = new float[scores.Length];
        loaded.ScoreItems(loaded.FoldInAttributes(attributes), again);
        Assert.That(again, Is.EqualTo(scores));

        // A blend with a component that cannot place such a user refuses by name; a user folded by another blend is refused.
        var plain = BlendModel.Create([Als.Value, Recommenders.Ease().Fit(train)], [0.5, 0.5]);
        Assert.That(Assert.Throws<NotSupportedException>(() => plain.FoldInAttributes(attributes))!.Message, Does.Contain("ials, ease"));
        Assert.That(plain.UserFeatures.Count, Is.Zero);
        var three = BlendModel.Create([als, ease, als], [0.2, 0.4, 0.4]);
        Assert.Throws<ArgumentException>(() => blend.Recommend(three.FoldInAttributes(attributes), 10));
        Assert.Throws<KeyNotFoundException>(() => blend.FoldInAttributes([new("group:9", 1f)]));
    }

    [Test]
    public void BadInputIsRefusedByName()
    {
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => MappedModel.Create(Als.Value, ItemFeatures.Value, null, new MappedOptions { ItemRegularization = 0 }))!.ParamName, Is.EqualTo("ItemRegularization"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => MappedModel.Create(Als.Value, ItemFeatures.Value, null, new MappedOptions { NewItemShift = 11 }))!.ParamName, Is.EqualTo("NewItemShift"));
        Assert.Throws<ArgumentException>(() => MappedModel.Create(Model.Value, ItemFeatures.Value));
        Assert.Throws<ArgumentException>(() => Recommenders.Mapped(Recommenders.ImplicitAls()).Fit(Split.Value.Train));
        var strangers = FeatureSet.CreateBuilder("item").Add("x1", "block:0").Build();
        Assert.That(Assert.Throws<ArgumentException>(() => MappedModel.Create(Als.Value, strangers))!.Message, Does.Contain("nothing to map"));
        var newItem = Split.Value.NewItems[0];
        Assert.That(Assert.Throws<ArgumentException>(() => Model.Value.FoldIn([new(newItem, 1f)]))!.Message, Does.Contain(newItem));
    }

    private static int Block(string item) => int.Parse(item[1..], System.Globalization.CultureInfo.InvariantCulture) / 40;
}
