using CrossRec.Persistence;

namespace CrossRec.Tests.TopN;

/// <summary><see cref="Recommenders.Blend"/> and <see cref="BlendModel"/>: the arithmetic, validation, persistence and refusals.</summary>
public sealed class BlendTests
{
    private static readonly Lazy<InteractionSet> Data = new(() => ImplicitTestData.Groups(users: 120, items: 60, perUser: 10, seed: 5));

    /// <summary>Σ wₘ·(sₘ − mean)/sd over the unseen items, in double: the definition, computed independently.</summary>
    private static double[] Reference(IReadOnlyList<RecommenderModel> models, IReadOnlyList<double> weights, int user)
    {
        var n = models[0].ItemIds.Count;
        var seen = models[0].SeenItems(user).ToArray().ToHashSet();
        var total = new double[n];
        var sum = weights.Sum();
        for (var m = 0; m < models.Count; m++)
        {
            var s = new float[n];
            models[m].ScoreItems(user, s);
            var unseen = Enumerable.Range(0, n).Where(j => !seen.Contains(j)).Select(j => (double)s[j]).ToArray();
            var mean = unseen.Average();
            var sd = Math.Sqrt(unseen.Select(v => (v - mean) * (v - mean)).Average());
            for (var j = 0; j < n; j++)
            {
                total[j] += sd > 0 ? weights[m] / sum * (s[j] - mean) / sd : 0;
            }
        }

        return total;
    }

    [Test]
    public void ScoresAreTheWeightedSumOfPerUserStandardisedScores()
    {
        var als = Recommenders.ImplicitAls().Factors(8).Iterations(4).Seed(2).Fit(Data.Value);
        var ease = Recommenders.Ease().Fit(Data.Value);
        var blend = BlendModel.Create([als, ease], [3, 1]);
        Assert.That(blend.Weights, Is.EqualTo(new[] { 0.75, 0.25 }));
        var scores = new float[blend.ItemIds.Count];
        foreach (var u in new[] { 0, 7, 119 })
        {
            blend.ScoreItems(u, scores);
            var expected = Reference([als, ease], [3, 1], u);
            Assert.That(scores.Select(s => (double)s), Is.EqualTo(expected).Within(1e-4), $"user {u}");
        }
    }

    [Test]
    public void TheBuilderTrainsEachComponentWithItsOwnOptions()
    {
        var builder = Recommenders.Blend(Recommenders.ImplicitAls().Factors(8).Iterations(4).Seed(2), Recommenders.ItemKnn().Neighbors(20)).Weights(1, 1);
        var blend = builder.Fit(Data.Value);
        Assert.That(blend.Components.Select(c => c.Algorithm), Is.EqualTo(new[] { "ials", "itemknn" }));
        Assert.That(blend.Weights, Is.EqualTo(new[] { 0.5, 0.5 }));
        Assert.That(blend.Training!.Parameters["components"], Is.EqualTo("ials,itemknn"));
        Assert.That(blend.Training.Parameters["weights"], Is.EqualTo("0.5000,0.5000"));
        Assert.That(blend.Training.Parameters["1.itemknn.neighbors"], Is.EqualTo("20"));
        var direct = BlendModel.Create([Recommenders.ImplicitAls().Factors(8).Iterations(4).Seed(2).Fit(Data.Value), Recommenders.ItemKnn().Neighbors(20).Fit(Data.Value)], [1, 1]);
        Assert.That(blend.Recommend(blend.UserIds[3], 10).Select(r => r.ItemId), Is.EqualTo(direct.Recommend(direct.UserIds[3], 10).Select(r => r.ItemId)));
    }

    [Test]
    public void AComponentWithConstantScoresForAUserContributesNothing()
    {
        // Every item has exactly one user, so popularity scores are constant: the blend ranks as ALS alone.
        var b = new InteractionSetBuilder();
        for (var i = 0; i < 40; i++)
        {
            b.Add($"u{i % 8}", $"i{i}", 1);
        }

        var data = b.Build();
        var als = Recommenders.ImplicitAls().Factors(4).Iterations(3).Seed(1).Fit(data);
        var pop = Recommenders.Popularity().Fit(data);
        var blend = BlendModel.Create([als, pop], [0.5, 0.5]);
        var scores = new float[blend.ItemIds.Count];
        var u = blend.UserIds.GetIndex("u3");
        blend.ScoreItems(u, scores);
        var alsOnly = Reference([als, pop], [0.5, 0.5], u);
        Assert.That(scores.Select(s => (double)s), Is.EqualTo(alsOnly).Within(1e-4));
        Assert.That(alsOnly.Where((_, j) => !blend.SeenItems(u).Contains(j)).Select(Math.Abs).Max(), Is.GreaterThan(0.1), "ALS's half carries the ranking");
        Assert.That(blend.Recommend("u3", 10).Select(r => r.ItemId).Order(), Is.EqualTo(als.Recommend("u3", 10).Select(r => r.ItemId).Order()), "the same ten items (near-ties may swap)");
    }

    [Test]
    public void FoldInBlendsTheComponentsFoldIns()
    {
        var als = Recommenders.ImplicitAls().Factors(8).Iterations(4).Seed(2).Fit(Data.Value);
        var knn = Recommenders.ItemKnn().Fit(Data.Value);
        var blend = BlendModel.Create([als, knn], [0.6, 0.4]);
        var history = new Dictionary<string, float> { [blend.ItemIds[1]] = 1, [blend.ItemIds[5]] = 2, [blend.ItemIds[9]] = 1 };
        var folded = blend.FoldIn(history);
        var scores = new float[blend.ItemIds.Count];
        blend.ScoreItems(folded, scores);

        var n = blend.ItemIds.Count;
        var seen = new HashSet<int> { 1, 5, 9 };
        var expected = new double[n];
        foreach (var (model, w) in new (RecommenderModel, double)[] { (als, 0.6), (knn, 0.4) })
        {
            var s = new float[n];
            model.ScoreItems(model.FoldIn(history), s);
            var unseen = Enumerable.Range(0, n).Where(j => !seen.Contains(j)).Select(j => (double)s[j]).ToArray();
            var mean = unseen.Average();
            var sd = Math.Sqrt(unseen.Select(v => (v - mean) * (v - mean)).Average());
            for (var j = 0; j < n; j++)
            {
                expected[j] += w * (s[j] - mean) / sd;
            }
        }

        Assert.That(scores.Select(s => (double)s), Is.EqualTo(expected).Within(1e-4));
        Assert.That(blend.Recommend(folded, 5).Select(r => r.Index), Has.None.AnyOf(1, 5, 9), "the folded user's items are left out");
    }

    [Test]
    public void BadBlendsAreRefusedByName()
    {
        var als = Recommenders.ImplicitAls().Factors(4).Iterations(2).Seed(1).Fit(Data.Value);
        var pop = Recommenders.Popularity().Fit(Data.Value);
        Assert.That(() => BlendModel.Create([als], [1]), Throws.ArgumentException.With.Message.Contains("2..8 components"));
        Assert.That(() => BlendModel.Create([als, pop], [1]), Throws.ArgumentException.With.Message.Contains("one per component"));
        Assert.That(() => BlendModel.Create([als, pop], [1, -1]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("weights"));
        Assert.That(() => BlendModel.Create([als, pop], [1, double.NaN]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("weights"));
        Assert.That(() => BlendModel.Create([als, pop], [0, 0]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("positive"));
        var blend = BlendModel.Create([als, pop], [1, 1]);
        Assert.That(() => BlendModel.Create([blend, pop], [1, 1]), Throws.ArgumentException.With.Message.Contains("itself a blend"));
        var other = Recommenders.Popularity().Fit(ImplicitTestData.Groups(users: 50, items: 60, perUser: 10, seed: 9));
        Assert.That(() => BlendModel.Create([als, other], [1, 1]), Throws.ArgumentException.With.Message.Contains("not trained on the same data"));
        Assert.That(() => Recommenders.Blend(Recommenders.Popularity()), Throws.ArgumentException.With.Message.Contains("2..8 components"));
        Assert.That(() => Recommenders.Blend(Recommenders.Blend(Recommenders.Popularity(), Recommenders.Ease()), Recommenders.Ease()), Throws.ArgumentException.With.Message.Contains("another blend"));
        Assert.That(() => Recommenders.Blend(Recommenders.Popularity(), Recommenders.Ease()).Weights(1, 2, 3), Throws.ArgumentException.With.Message.Contains("one per component"));
    }

    [Test]
    public void SavedBlendsLoadAsBlendsWithTheSameScoresAndCraftedOnesAreRefused()
    {
        var blend = Recommenders.Blend(Recommenders.ImplicitAls().Factors(4).Iterations(2).Seed(1), Recommenders.ItemKnn()).Weights(0.7, 0.3).Fit(Data.Value);
        using var stream = new MemoryStream();
        blend.Save(stream);
        var bytes = stream.ToArray();
        var loaded = Recommender.Load(new MemoryStream(bytes));
        Assert.That(loaded, Is.TypeOf<BlendModel>());
        var a = new float[blend.ItemIds.Count];
        var b = new float[blend.ItemIds.Count];
        blend.ScoreItems(4, a);
        loaded.ScoreItems(4, b);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(((BlendModel)loaded).Weights, Is.EqualTo(blend.Weights));

        // A blend whose component was trained on other items (a crafted or mixed-up file): refused by the reader.
        var foreign = Recommenders.Popularity().Fit(ImplicitTestData.Groups(users: 120, items: 61, perUser: 10, seed: 5));
        var file = new ModelFileWriter(BlendModel.Kind);
        blend.WriteCommon(file);
        file.Add("BLND", new PayloadWriter().Int32(2).Doubles([0.5, 0.5]));
        file.Add("CMP0", new PayloadWriter().Bytes(Saved(blend.Components[0])));
        file.Add("CMP1", new PayloadWriter().Bytes(Saved(foreign)));
        Assert.That(() => Recommender.Load(Written(file)), Throws.TypeOf<ModelFormatException>().With.Message.Contains("does not match the blend"));

        // A blend nested in a blend.
        var nested = new ModelFileWriter(BlendModel.Kind);
        blend.WriteCommon(nested);
        nested.Add("BLND", new PayloadWriter().Int32(2).Doubles([0.5, 0.5]));
        nested.Add("CMP0", new PayloadWriter().Bytes(bytes));
        nested.Add("CMP1", new PayloadWriter().Bytes(Saved(blend.Components[1])));
        Assert.That(() => Recommender.Load(Written(nested)), Throws.TypeOf<ModelFormatException>().With.Message.Contains("itself a blend"));

        // Out-of-range weights and counts.
        var weights = new ModelFileWriter(BlendModel.Kind);
        blend.WriteCommon(weights);
        weights.Add("BLND", new PayloadWriter().Int32(2).Doubles([-1, 0.5]));
        Assert.That(() => Recommender.Load(Written(weights)), Throws.TypeOf<ModelFormatException>().With.Message.Contains("non-negative"));
        var count = new ModelFileWriter(BlendModel.Kind);
        blend.WriteCommon(count);
        count.Add("BLND", new PayloadWriter().Int32(9).Doubles(new double[9]));
        Assert.That(() => Recommender.Load(Written(count)), Throws.TypeOf<ModelFormatException>().With.Message.Contains("component count"));
    }

    [Test]
    public void ABlendExplainsWhenEveryComponentDoesWithContributionsScaledByWeightOverDeviation()
    {
        var als = Recommenders.ImplicitAls().Factors(8).Iterations(4).Seed(2).Fit(Data.Value);
        var ease = Recommenders.Ease().Fit(Data.Value);
        var blend = BlendModel.Create([als, ease], [0.4, 0.6]);
        Assert.That(blend.CanExplain, Is.True);
        Assert.That(BlendModel.Create([als, Recommenders.Popularity().Fit(Data.Value)], [1, 1]).CanExplain, Is.False);
        var user = blend.UserIds[6];
        var top = blend.Recommend(user, 1)[0];
        var why = blend.Explain(user, top.ItemId, count: 1000);
        Assert.That(why.Score, Is.EqualTo(top.Score).Within(1e-3 * Math.Max(1, Math.Abs(top.Score))));

        // Each item's contribution is Σ w/sd × its contribution in the component.
        var u = blend.UserIds.GetIndex(user);
        var expected = new Dictionary<string, double>();
        foreach (var (model, w) in new (RecommenderModel, double)[] { (als, 0.4), (ease, 0.6) })
        {
            var s = new float[model.ItemIds.Count];
            model.ScoreItems(u, s);
            var seen = model.SeenItems(u).ToArray().ToHashSet();
            var unseen = Enumerable.Range(0, s.Length).Where(j => !seen.Contains(j)).Select(j => (double)s[j]).ToArray();
            var mean = unseen.Average();
            var sd = Math.Sqrt(unseen.Select(v => (v - mean) * (v - mean)).Average());
            foreach (var c in model.Explain(user, top.ItemId, count: 1000).Contributions)
            {
                expected[c.ItemId] = expected.GetValueOrDefault(c.ItemId) + (w / sd * c.Contribution);
            }
        }

        foreach (var c in why.Contributions)
        {
            Assert.That(c.Contribution, Is.EqualTo(expected[c.ItemId]).Within(1e-4), c.ItemId);
        }
    }

    private static byte[] Saved(RecommenderModel model)
    {
        using var s = new MemoryStream();
        model.Save(s);
        return s.ToArray();
    }

    private static MemoryStream Written(ModelFileWriter file)
    {
        var s = new MemoryStream();
        file.WriteTo(s);
        s.Position = 0;
        return s;
    }
}
