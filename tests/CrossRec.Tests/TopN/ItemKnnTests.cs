using System.Diagnostics;
using CrossRec.Persistence;

namespace CrossRec.Tests.TopN;

public class ItemKnnTests
{
    private static readonly Lazy<InteractionSet> Planted = new(() => PlantedGroups(seed: 5));

    /// <summary>
    /// Four user groups, each with its own block of 30 items, plus ten items every group likes a little,
    /// all with heavy-tailed play-count-like values: kNN must find the blocks, popularity cannot.
    /// </summary>
    private static InteractionSet PlantedGroups(int seed)
    {
        var rng = new Random(seed);
        var b = new InteractionSetBuilder();
        for (var u = 0; u < 200; u++)
        {
            var group = u % 4;
            for (var i = 0; i < 30; i++)
            {
                if (rng.NextDouble() < 0.3)
                {
                    b.Add($"u{u}", $"g{group}-{i}", MathF.Round(MathF.Exp((float)rng.NextDouble() * 6)));
                }
            }

            for (var i = 0; i < 10; i++)
            {
                if (rng.NextDouble() < 0.2)
                {
                    b.Add($"u{u}", $"pop{i}", MathF.Round(MathF.Exp((float)rng.NextDouble() * 6)));
                }
            }
        }

        return b.Build("planted");
    }

    private static InteractionSet Tiny() => new InteractionSetBuilder()
        .Add("a", "x", 1).Add("a", "y", 3).Add("a", "z", 2)
        .Add("b", "x", 5).Add("b", "y", 1)
        .Add("c", "y", 2).Add("c", "z", 4).Add("c", "w", 1)
        .Add("d", "w", 7).Add("d", "z", 1)
        .Build("tiny");

    private static void AssertBitIdentical(RecommenderModel expected, RecommenderModel actual)
    {
        var n = expected.ItemIds.Count;
        var a = new float[n];
        var b = new float[n];
        for (var u = 0; u < expected.UserIds.Count; u++)
        {
            expected.ScoreItems(u, a);
            actual.ScoreItems(u, b);
            for (var j = 0; j < n; j++)
            {
                Assert.That(BitConverter.SingleToInt32Bits(b[j]), Is.EqualTo(BitConverter.SingleToInt32Bits(a[j])), $"user {u} item {j}");
            }
        }
    }

    private static void AssertSameNeighbors(ItemNeighbors expected, ItemNeighbors actual)
    {
        Assert.That(actual.Offsets.ToArray(), Is.EqualTo(expected.Offsets.ToArray()));
        Assert.That(actual.Items.ToArray(), Is.EqualTo(expected.Items.ToArray()));
        var e = expected.Weights.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        var g = actual.Weights.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.That(g, Is.EqualTo(e));
    }

    [Test]
    public void ItemKnnLearnsThePlantedGroupsAndBeatsPopularity()
    {
        var (train, test) = Planted.Value.SplitPerUser(0.2, seed: 1);
        var knn = CrossRec.Evaluation.Ranking(Recommenders.ItemKnn().Fit(train), test);
        var pop = CrossRec.Evaluation.Ranking(Recommenders.Popularity().Fit(train), test);
        TestContext.Out.WriteLine($"NDCG@10 item-kNN {knn.Ndcg:F4}, popularity {pop.Ndcg:F4}");
        Assert.That(knn.Ndcg, Is.GreaterThan(pop.Ndcg + 0.05));

        var model = Recommenders.ItemKnn().Fit(train);
        var similar = model.SimilarItems("g2-3", 5);
        Assert.That(similar.Select(s => s.ItemId), Has.All.StartsWith("g2-"));
    }

    [Test]
    public void TheSimilarityMatchesABruteForceComputation()
    {
        // Dense reference in double from the documented formulas; the kernel computes in float.
        var data = Planted.Value;
        var m = data.ToMatrix();
        foreach (var (weighting, values, alpha) in new[] { (ItemKnnWeighting.Cosine, ItemKnnValues.Binary, 0.5f), (ItemKnnWeighting.TfIdf, ItemKnnValues.Log, 0.5f), (ItemKnnWeighting.Bm25, ItemKnnValues.Log, 0.6f), (ItemKnnWeighting.Bm25, ItemKnnValues.Raw, 0.3f) })
        {
            var o = new ItemKnnOptions { Weighting = weighting, Values = values, Asymmetry = alpha, Shrinkage = 3, Bm25K1 = 1.5f, Bm25B = 0.7f, Neighbors = 1000 };
            var model = Recommenders.ItemKnn(o).Fit(data);
            var x = ReferenceWeights(m, o);
            var n = m.ItemCount;
            var norm2 = new double[n];
            for (var u = 0; u < m.UserCount; u++)
            {
                for (var i = 0; i < n; i++)
                {
                    norm2[i] += x[u, i] * x[u, i];
                }
            }

            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    var dot = 0.0;
                    for (var u = 0; u < m.UserCount; u++)
                    {
                        dot += x[u, i] * x[u, j];
                    }

                    var expected = i == j || dot <= 0 ? 0 : dot / ((Math.Pow(norm2[i], alpha) * Math.Pow(norm2[j], 1 - alpha)) + 3);
                    Assert.That(model.Neighbors.Weight(i, j), Is.EqualTo(expected).Within(1e-5 * Math.Max(expected, 1e-3)), $"{weighting} {values}: S[{i},{j}]");
                }
            }
        }
    }

    private static double[,] ReferenceWeights(InteractionMatrix m, ItemKnnOptions o)
    {
        var x = new double[m.UserCount, m.ItemCount];
        var strength = new double[m.UserCount, m.ItemCount];
        var length = new double[m.UserCount];
        var total = 0.0;
        for (var u = 0; u < m.UserCount; u++)
        {
            var items = m.ItemsOf(u);
            var values = m.ValuesOf(u);
            for (var k = 0; k < items.Length; k++)
            {
                var v = (double)values[k];
                var s = o.Values switch { ItemKnnValues.Binary => 1, ItemKnnValues.Log => Math.Log(1 + Math.Max(v, 0)), _ => Math.Max(v, 0) };
                strength[u, items[k]] = s;
                length[u] += s;
            }

            total += length[u];
        }

        var mean = total / m.UserCount;
        var sum = 0.0;
        for (var u = 0; u < m.UserCount; u++)
        {
            foreach (var i in m.ItemsOf(u))
            {
                var idf = Math.Max(0, Math.Log(m.UserCount) - Math.Log(1 + m.ItemDegree(i)));
                var s = strength[u, i];
                x[u, i] = o.Weighting switch
                {
                    ItemKnnWeighting.Cosine => s,
                    ItemKnnWeighting.TfIdf => Math.Sqrt(s) * idf,
                    _ => s * (o.Bm25K1 + 1) / ((o.Bm25K1 * (1 - o.Bm25B + (o.Bm25B * length[u] / mean))) + s) * idf,
                };
                sum += x[u, i];
            }
        }

        var scale = m.NonZeros / sum;
        for (var u = 0; u < m.UserCount; u++)
        {
            for (var i = 0; i < m.ItemCount; i++)
            {
                x[u, i] *= scale;
            }
        }

        return x;
    }

    [TestCase(ItemKnnWeighting.Cosine, ItemKnnValues.Binary)]
    [TestCase(ItemKnnWeighting.Bm25, ItemKnnValues.Log)]
    [TestCase(ItemKnnWeighting.TfIdf, ItemKnnValues.Raw)]
    public void TheCosineIsExactlySymmetricBeforeTruncation(ItemKnnWeighting weighting, ItemKnnValues values)
    {
        var model = Recommenders.ItemKnn(new ItemKnnOptions { Weighting = weighting, Values = values, Asymmetry = 0.5f, Neighbors = 100_000 }).Fit(Planted.Value);
        var s = model.Neighbors;
        var pairs = 0;
        for (var i = 0; i < s.ItemCount; i++)
        {
            var neighbors = s.NeighborsOf(i);
            var weights = s.WeightsOf(i);
            for (var k = 0; k < neighbors.Length; k++)
            {
                Assert.That(BitConverter.SingleToInt32Bits(s.Weight(neighbors[k], i)), Is.EqualTo(BitConverter.SingleToInt32Bits(weights[k])), $"S[{i},{neighbors[k]}]");
                pairs++;
            }
        }

        Assert.That(pairs, Is.GreaterThan(1000));
    }

    [Test]
    public void TheModelIsBitIdenticalAtAnyThreadCount()
    {
        // More items than one block of the kernel, so several threads really share the work.
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 600, Items = 700, Ratings = 30_000, Seed = 3 });
        var one = Recommenders.ItemKnn().Threads(1).Fit(data);
        foreach (var threads in new[] { 2, 3, 8 })
        {
            var many = Recommenders.ItemKnn().Threads(threads).Fit(data);
            AssertSameNeighbors(one.Neighbors, many.Neighbors);
        }

        AssertSameNeighbors(one.Neighbors, Recommenders.ItemKnn().Deterministic().Fit(data).Neighbors);
    }

    [Test]
    public void EveryItemKeepsAtMostKNeighborsTheStrongestOnes()
    {
        var data = Planted.Value;
        var full = Recommenders.ItemKnn().Neighbors(100_000).Fit(data).Neighbors;
        var top = Recommenders.ItemKnn().Neighbors(5).Fit(data).Neighbors;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var kept = top.NeighborsOf(i);
            Assert.That(kept.Length, Is.EqualTo(Math.Min(5, full.NeighborsOf(i).Length)));
            var threshold = kept.Length == 0 ? float.PositiveInfinity : top.WeightsOf(i).ToArray().Min();
            var neighbors = full.NeighborsOf(i);
            var weights = full.WeightsOf(i);
            for (var k = 0; k < neighbors.Length; k++)
            {
                var isKept = kept.IndexOf(neighbors[k]) >= 0;
                Assert.That(isKept ? weights[k] >= threshold : weights[k] <= threshold, Is.True, $"item {i} neighbour {neighbors[k]}");
                if (isKept)
                {
                    Assert.That(top.Weight(i, neighbors[k]), Is.EqualTo(weights[k]));
                }
            }
        }
    }

    [Test]
    public void ScoresAreTheWeightedSumOfTheNeighbourListsAndExplanationsAddUp()
    {
        var data = Planted.Value;
        var model = Recommenders.ItemKnn().Fit(data);
        var scores = new float[data.ItemCount];
        var u = data.UserIds.GetIndex("u7");
        model.ScoreItems(u, scores);
        var seen = model.SeenItems(u).ToArray();
        foreach (var item in new[] { "g3-1", "g3-4", "pop2", "g0-0" })
        {
            var i = data.ItemIds.GetIndex(item);
            var explanation = model.Explain("u7", item, count: 1000);
            Assert.That(BitConverter.SingleToInt32Bits(explanation.Score), Is.EqualTo(BitConverter.SingleToInt32Bits(scores[i])), item);
            Assert.That(explanation.Contributions.Sum(c => (double)c.Contribution), Is.EqualTo(scores[i]).Within(1e-4 * Math.Max(1, scores[i])));
            Assert.That(explanation.Contributions.Select(c => c.Index), Is.SubsetOf(seen));
            Assert.That(explanation.Contributions.Select(c => c.Contribution), Is.Ordered.Descending);
            foreach (var c in explanation.Contributions.Where(c => c.Contribution != 0))
            {
                Assert.That(model.Neighbors.Weight(c.Index, i), Is.GreaterThan(0f));
            }
        }

        Assert.That(model.CanExplain, Is.True);
    }

    [Test]
    public void BinaryScoringSumsTheSimilaritiesOfTheUsersItems()
    {
        var data = Tiny();
        var model = Recommenders.ItemKnn().Scoring(ItemKnnScoring.Binary).Shrinkage(0).Fit(data);
        var scores = new float[data.ItemCount];
        var u = data.UserIds.GetIndex("d");
        model.ScoreItems(u, scores);
        for (var c = 0; c < data.ItemCount; c++)
        {
            var expected = 0f;
            foreach (var j in model.SeenItems(u))
            {
                expected += model.Neighbors.Weight(j, c);
            }

            Assert.That(scores[c], Is.EqualTo(expected).Within(1e-6f), data.ItemIds[c]);
        }
    }

    [Test]
    public void FoldingInATrainingUsersItemsGivesBitIdenticalScores()
    {
        // Tolerance 0: the fold-in weights come from the same transform, IDF and mean length as training.
        var data = Planted.Value;
        foreach (var scoring in new[] { ItemKnnScoring.Weighted, ItemKnnScoring.Binary })
        {
            var model = Recommenders.ItemKnn().Scoring(scoring).Fit(data);
            var expected = new float[data.ItemCount];
            var actual = new float[data.ItemCount];
            foreach (var user in new[] { "u0", "u13", "u101" })
            {
                var u = data.UserIds.GetIndex(user);
                var items = model.SeenItems(u).ToArray();
                var values = model.SeenValues(u).ToArray();
                var folded = model.FoldIn(items.Select((i, k) => new KeyValuePair<string, float>(data.ItemIds[i], values[k])));
                model.ScoreItems(u, expected);
                model.ScoreItems(folded, actual);
                Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)), $"{scoring} {user}");
                Assert.That(model.Recommend(folded, 10).Select(r => r.ItemId), Is.EqualTo(model.Recommend(user, 10).Select(r => r.ItemId)));
            }
        }
    }

    [Test]
    public void AFoldedUserIsScoredFromTheNeighbourListsOfItsItems()
    {
        // Binary scoring: a new user with items {g1-2, g1-5} scores S[g1-2,·] + S[g1-5,·] (float sums, 1e-6).
        var data = Planted.Value;
        var model = Recommenders.ItemKnn().Scoring(ItemKnnScoring.Binary).Fit(data);
        var folded = model.FoldIn([new("g1-2", 3f), new("g1-5", 1f), new("g1-2", 2f)]);
        Assert.That(folded.SeenItems.ToArray(), Is.EqualTo(new[] { data.ItemIds.GetIndex("g1-2"), data.ItemIds.GetIndex("g1-5") }.Order()));
        Assert.That(folded.Values.ToArray(), Has.Member(5f));
        var scores = new float[data.ItemCount];
        model.ScoreItems(folded, scores);
        var a = data.ItemIds.GetIndex("g1-2");
        var b = data.ItemIds.GetIndex("g1-5");
        for (var c = 0; c < scores.Length; c++)
        {
            Assert.That(scores[c], Is.EqualTo(model.Neighbors.Weight(a, c) + model.Neighbors.Weight(b, c)).Within(1e-6f));
        }

        var recs = model.Recommend(folded, 5);
        Assert.That(recs.Select(r => r.ItemId), Has.All.StartsWith("g1-"));
        Assert.That(recs.Select(r => r.ItemId), Has.None.EqualTo("g1-2").And.None.EqualTo("g1-5"));
        Assert.That(() => model.FoldIn([new("nope", 1f)]), Throws.TypeOf<KeyNotFoundException>());
        Assert.That(() => model.FoldIn([]), Throws.ArgumentException);
    }

    [Test]
    public void RecommendHonoursFiltersAndLeavesOutSeenItems()
    {
        var data = Planted.Value;
        var model = Recommenders.ItemKnn().Fit(data);
        var u = data.UserIds.GetIndex("u2");
        var seen = model.SeenItems(u).ToArray().Select(i => data.ItemIds[i]).ToHashSet();
        var all = model.Recommend("u2", 1000);
        Assert.That(all.Count, Is.EqualTo(data.ItemCount - seen.Count));
        Assert.That(all.Select(r => r.ItemId), Has.None.Matches<string>(id => seen.Contains(id!)));
        Assert.That(all.Select(r => r.Score), Is.Ordered.Descending);

        var withSeen = model.Recommend("u2", 1000, new RecommendFilter { ExcludeSeen = false });
        Assert.That(withSeen.Count, Is.EqualTo(data.ItemCount));

        var deny = all.Take(3).Select(r => r.ItemId).ToArray();
        var denied = model.Recommend("u2", 10, new RecommendFilter { DenyItems = deny });
        Assert.That(denied.Select(r => r.ItemId), Has.None.AnyOf(deny));
        Assert.That(denied[0].ItemId, Is.EqualTo(all[3].ItemId));

        var allow = new[] { "pop1", "g0-1", "g1-1" };
        var allowed = model.Recommend("u2", 10, new RecommendFilter { AllowItems = allow, ExcludeSeen = false });
        Assert.That(allowed.Select(r => r.ItemId), Is.EquivalentTo(allow));

        var predicate = model.Recommend("u2", 10, new RecommendFilter { Predicate = id => id.StartsWith("pop", StringComparison.Ordinal) });
        Assert.That(predicate.Select(r => r.ItemId), Has.All.StartsWith("pop"));

        var many = model.RecommendMany(["u2", "u3"], 10, new RecommendFilter { DenyItems = deny }, threads: 2);
        Assert.That(many[0].Select(r => r.ItemId), Is.EqualTo(denied.Select(r => r.ItemId)));
        Assert.That(() => model.Recommend("u2", 10, new RecommendFilter { DenyItems = ["typo"] }), Throws.TypeOf<KeyNotFoundException>());
    }

    [Test]
    public void SimilarItemsReadTheNeighbourListAndScoreOthersZero()
    {
        var data = Planted.Value;
        var model = Recommenders.ItemKnn().Neighbors(4).Fit(data);
        var i = data.ItemIds.GetIndex("g0-7");
        var similar = model.SimilarItems("g0-7", 10);
        Assert.That(similar.Count, Is.EqualTo(10));
        Assert.That(similar.Select(s => s.Index), Has.None.EqualTo(i));
        Assert.That(similar.Take(4).Select(s => s.Index), Is.EquivalentTo(model.Neighbors.NeighborsOf(i).ToArray()));
        Assert.That(similar.Take(4).Select(s => s.Score), Has.All.GreaterThan(0f));
        Assert.That(similar.Skip(4).Select(s => s.Score), Has.All.EqualTo(0f));
        Assert.That(similar.Select(s => s.Score), Is.Ordered.Descending);
        Assert.That(model.Similarity("g0-7", similar[0].ItemId), Is.EqualTo(similar[0].Score));

        // A filter that removes the neighbours leaves zero-score items, in index order, never the item itself.
        var neighbors = similar.Take(4).Select(s => s.ItemId).ToArray();
        var filtered = model.SimilarItems("g0-7", 3, new RecommendFilter { DenyItems = neighbors });
        Assert.That(filtered.Select(s => s.ItemId), Has.None.AnyOf(neighbors).And.None.EqualTo("g0-7"));
        Assert.That(filtered.Select(s => s.Score), Has.All.EqualTo(0f));
        Assert.That(filtered.Select(s => s.Index), Is.Ordered);
        var allowed = model.SimilarItems("g0-7", 3, new RecommendFilter { AllowItems = ["g0-7", neighbors[1]] });
        Assert.That(allowed.Select(s => s.ItemId), Is.EqualTo(new[] { neighbors[1] }));
    }

    [Test]
    public void ASavedModelReloadsWithBitIdenticalScores()
    {
        using var files = new TempFiles();
        var data = Planted.Value;
        foreach (var options in new[] { new ItemKnnOptions(), new ItemKnnOptions { Weighting = ItemKnnWeighting.Cosine, Scoring = ItemKnnScoring.Binary }, new ItemKnnOptions { Weighting = ItemKnnWeighting.TfIdf, Values = ItemKnnValues.Raw } })
        {
            var model = Recommenders.ItemKnn(options).Fit(data);
            var path = files.PathOf($"{options.Weighting}.model");
            model.Save(path);
            var loaded = ItemKnnModel.Load(path);
            AssertBitIdentical(model, loaded);
            AssertSameNeighbors(model.Neighbors, loaded.Neighbors);
            Assert.That(loaded.Weighting, Is.EqualTo(options.Weighting));
            Assert.That(loaded.Values, Is.EqualTo(options.Values));
            Assert.That(loaded.Scoring, Is.EqualTo(options.Scoring));
            Assert.That(loaded.Training!.Parameters["neighbors"], Is.EqualTo(options.Neighbors.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(loaded.Training.Device, Is.EqualTo("cpu"));

            var any = Recommender.Load(path);
            Assert.That(any, Is.TypeOf<ItemKnnModel>());
            AssertBitIdentical(model, any);

            using var stream = new MemoryStream();
            model.Save(stream);
            stream.Position = 0;
            AssertBitIdentical(model, ItemKnnModel.Load(stream));
            stream.Position = 0;
            AssertBitIdentical(model, Recommender.Load(stream));

            // A user folded into the original scores the same in the loaded copy.
            var folded = model.FoldIn([new("g2-1", 40f), new("pop3", 2f)]);
            var a = new float[data.ItemCount];
            var b = new float[data.ItemCount];
            model.ScoreItems(folded, a);
            loaded.ScoreItems(loaded.FoldIn([new("g2-1", 40f), new("pop3", 2f)]), b);
            Assert.That(b.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(a.Select(BitConverter.SingleToInt32Bits)));
            Assert.That(loaded.Explain("u5", "g1-3"), Is.Not.Null);
        }
    }

    [Test]
    public void TruncatedAndAlteredFilesAreRefused()
    {
        using var files = new TempFiles();
        var model = Recommenders.ItemKnn().Fit(Tiny());
        var path = files.PathOf("knn.model");
        model.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.That(() => ItemKnnModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("truncated"));

        var altered = (byte[])bytes.Clone();
        altered[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, altered);
        Assert.That(() => ItemKnnModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("checksum"));

        Recommenders.Popularity().Fit(Tiny()).Save(path);
        Assert.That(() => ItemKnnModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("popularity"));
    }

    private static IEnumerable<TestCaseData> CraftedFiles()
    {
        // Each case rewrites the item-kNN sections of a valid 4-item model (items w, x, y, z).
        static PayloadWriter Params(int values = 1, int weighting = 2, int scoring = 1, float k1 = 100, float b = 0.8f, float mean = 2, float scale = 1, float[]? idf = null)
            => new PayloadWriter().Int32(values).Int32(weighting).Int32(scoring).Single(k1).Single(b).Single(mean).Single(scale).Singles(idf ?? [0.1f, 0.2f, 0.3f, 0.4f]);

        static PayloadWriter Rows(int[] offsets, int[] items, float[] weights) => new PayloadWriter().Int32s(offsets).Int32s(items).Singles(weights);

        var goodRows = Rows([0, 1, 2, 2, 3], [1, 0, 0], [0.5f, 0.5f, 0.25f]);
        yield return new TestCaseData(Params(values: 9), goodRows, "values code 9").SetName("An unknown values code is refused");
        yield return new TestCaseData(Params(weighting: -1), goodRows, "weighting code -1").SetName("An unknown weighting code is refused");
        yield return new TestCaseData(Params(scoring: 7), goodRows, "scoring code 7").SetName("An unknown scoring code is refused");
        yield return new TestCaseData(Params(k1: 0), goodRows, "BM25 K1 0").SetName("A zero K1 is refused");
        yield return new TestCaseData(Params(b: float.NaN), goodRows, "BM25 B NaN").SetName("A NaN B is refused");
        yield return new TestCaseData(Params(mean: -1), goodRows, "mean length -1").SetName("A negative mean length is refused");
        yield return new TestCaseData(Params(scale: 0), goodRows, "weight scale 0").SetName("A zero weight scale is refused");
        yield return new TestCaseData(Params(idf: [1f, 2f]), goodRows, "IDF").SetName("Too few IDF values are refused");
        yield return new TestCaseData(Params(idf: [1f, float.PositiveInfinity, 1f, 1f]), goodRows, "IDF").SetName("An infinite IDF is refused");
        yield return new TestCaseData(Params(weighting: 0), goodRows, "IDF").SetName("IDF values with cosine weighting are refused");
        yield return new TestCaseData(Params().Int32(3), goodRows, "unread").SetName("Extra bytes after the parameters are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2, 2, 3], [9, 0, 0], [0.5f, 0.5f, 0.25f]), "out of range").SetName("A neighbour index out of range is refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2, 2, 3], [0, 0, 0], [0.5f, 0.5f, 0.25f]), "itself").SetName("An item that is its own neighbour is refused");
        yield return new TestCaseData(Params(), Rows([0, 2, 2, 2, 3], [3, 2, 0], [0.5f, 0.5f, 0.25f]), "unsorted").SetName("Unsorted neighbours are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2, 2, 3], [1, 0, 0], [0.5f, -0.5f, 0.25f]), "similarity").SetName("A negative similarity is refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2, 2, 3], [1, 0, 0], [0.5f, float.NaN, 0.25f]), "similarity").SetName("A NaN similarity is refused");
        yield return new TestCaseData(Params(), Rows([0, 5, 1, 2, 3], [1, 0, 0], [0.5f, 0.5f, 0.25f]), "decrease").SetName("Decreasing offsets are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2, 2, 2], [1, 0, 0], [0.5f, 0.5f, 0.25f]), "span").SetName("Offsets that do not span the list are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2], [1, 0], [0.5f, 0.5f]), "expected 5 elements").SetName("Offsets for the wrong item count are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2, 2, 3], [1, 0, 0], [0.5f, 0.5f]), "expected 3 elements").SetName("Fewer similarities than neighbours are refused");
        yield return new TestCaseData(Params(), null, "KNNS").SetName("A missing neighbour section is refused");
    }

    [TestCaseSource(nameof(CraftedFiles))]
    public void ACraftedFileIsRefused(object parameters, object? rows, string problem)
    {
        // The arguments are PayloadWriters (internal, hence object in this public signature).
        var model = Recommenders.ItemKnn().Fit(Tiny());
        Assert.That(model.ItemIds.Count, Is.EqualTo(4));
        var file = new ModelFileWriter("itemknn");
        model.WriteCommon(file);
        file.Add("KNNP", (PayloadWriter)parameters);
        if (rows is not null)
        {
            file.Add("KNNS", (PayloadWriter)rows);
        }

        using var stream = new MemoryStream();
        file.WriteTo(stream);
        stream.Position = 0;
        Assert.That(() => ItemKnnModel.Load(stream), Throws.TypeOf<ModelFormatException>().With.Message.Contains(problem));
        stream.Position = 0;
        Assert.That(() => Recommender.Load(stream), Throws.TypeOf<ModelFormatException>());
    }

    [Test]
    public void TheCraftedFileBaselineLoads()
    {
        // The valid counterpart of the crafted files above, so that each refusal is the crafted field's.
        var model = Recommenders.ItemKnn().Fit(Tiny());
        var file = new ModelFileWriter("itemknn");
        model.WriteCommon(file);
        file.Add("KNNP", new PayloadWriter().Int32(1).Int32(2).Int32(1).Single(100).Single(0.8f).Single(2).Single(1).Singles([0.1f, 0.2f, 0.3f, 0.4f]));
        file.Add("KNNS", new PayloadWriter().Int32s([0, 1, 2, 2, 3]).Int32s([1, 0, 0]).Singles([0.5f, 0.5f, 0.25f]));
        using var stream = new MemoryStream();
        file.WriteTo(stream);
        stream.Position = 0;
        var loaded = ItemKnnModel.Load(stream);
        Assert.That(loaded.Neighbors.Count, Is.EqualTo(3));
        Assert.That(loaded.Recommend("a", 2), Has.Count.EqualTo(1));
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new ItemKnnOptions { Neighbors = 0 }, "Neighbors");
        yield return new TestCaseData(new ItemKnnOptions { Neighbors = 100_001 }, "Neighbors");
        yield return new TestCaseData(new ItemKnnOptions { Shrinkage = -1 }, "Shrinkage");
        yield return new TestCaseData(new ItemKnnOptions { Shrinkage = float.NaN }, "Shrinkage");
        yield return new TestCaseData(new ItemKnnOptions { Values = (ItemKnnValues)5 }, "Values");
        yield return new TestCaseData(new ItemKnnOptions { Weighting = (ItemKnnWeighting)5 }, "Weighting");
        yield return new TestCaseData(new ItemKnnOptions { Bm25K1 = 0 }, "Bm25K1");
        yield return new TestCaseData(new ItemKnnOptions { Bm25B = 1.5f }, "Bm25B");
        yield return new TestCaseData(new ItemKnnOptions { Asymmetry = -0.1f }, "Asymmetry");
        yield return new TestCaseData(new ItemKnnOptions { Scoring = (ItemKnnScoring)3 }, "Scoring");
        yield return new TestCaseData(new ItemKnnOptions { Threads = -1 }, "Threads");
        yield return new TestCaseData(new ItemKnnOptions { Threads = 1025 }, "Threads");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionsAreRefusedByName(ItemKnnOptions options, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Recommenders.ItemKnn(options).Fit(Tiny()));
        Assert.That(e!.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain(name));
    }

    [Test]
    public void AnEmptyTrainingSetIsRefusedByName()
    {
        var empty = Tiny().Subset([], "nothing");
        Assert.That(() => Recommenders.ItemKnn().Fit(empty), Throws.ArgumentException.With.Message.Contains("nothing").And.Message.Contains("empty"));
    }

    [Test]
    public void TheBuilderIsImmutableAndRecordsItsOptions()
    {
        var a = Recommenders.ItemKnn();
        var b = a.Neighbors(7).Shrinkage(2).Bm25(1.2f, 0.5f).Asymmetry(0.5f).Values(ItemKnnValues.Raw).Scoring(ItemKnnScoring.Binary);
        Assert.That(a.Options, Is.EqualTo(new ItemKnnOptions()));
        Assert.That(b.Options, Is.EqualTo(new ItemKnnOptions { Neighbors = 7, Shrinkage = 2, Weighting = ItemKnnWeighting.Bm25, Bm25K1 = 1.2f, Bm25B = 0.5f, Asymmetry = 0.5f, Values = ItemKnnValues.Raw, Scoring = ItemKnnScoring.Binary }));
        var reports = new List<TrainingProgress>();
        var model = b.Fit(Tiny(), new SyncProgress(reports));
        Assert.That(reports, Has.Count.EqualTo(1));
        Assert.That(model.Training!.Parameters["bm25K1"], Is.EqualTo("1.2"));
        Assert.That(model.Training.Parameters["values"], Is.EqualTo("Raw"));
        Assert.That(model.Algorithm, Is.EqualTo("itemknn"));
        Assert.That(model.Training.Note, Is.Null);
    }

    [Test]
    public void CancellationIsHonoured()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.That(() => Recommenders.ItemKnn().Fit(Planted.Value, cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());

        // The kernel itself checks the token between blocks of items.
        var m = Planted.Value.ToMatrix();
        var weights = new float[m.NonZeros];
        Array.Fill(weights, 1f);
        Assert.That(() => CpuEngine.Kernel<IItemSimilarityKernel>().TopNeighbors(m, weights, new ItemSimilarityOptions(), cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void AnEngineWithoutTheKernelIsRefusedByName()
    {
        var e = Assert.Throws<NotSupportedException>(() => Recommenders.ItemKnn().OnEngine(new NoKernelEngine()).Fit(Tiny()));
        Assert.That(e!.Message, Does.Contain("itemknn").And.Contain("IItemSimilarityKernel"));
    }

    [Test]
    public void NeighbourListsAreChecked()
    {
        Assert.That(() => new ItemNeighbors([0, 1], [0], [1f]), Throws.ArgumentException.With.Message.Contains("itself"));
        Assert.That(() => new ItemNeighbors([0, 1, 1], [1], [0f]), Throws.ArgumentException.With.Message.Contains("positive"));
        var ok = new ItemNeighbors([0, 1, 1], [1], [0.5f]);
        Assert.That(ok.Weight(0, 1), Is.EqualTo(0.5f));
        Assert.That(ok.Weight(1, 0), Is.EqualTo(0f));
    }

    [Test]
    public void AHundredThousandItemCatalogueBuildsQuicklyInLittleMemory()
    {
        // 100k items, 20k users with 10 items each (200k interactions): time ~ Σ deg² = 2M products.
        const int items = 100_000;
        const int users = 20_000;
        var rng = new Random(9);
        var u = new int[users * 10];
        var i = new int[users * 10];
        var v = new float[users * 10];
        for (var r = 0; r < u.Length; r++)
        {
            u[r] = r / 10;
            i[r] = (int)(items * Math.Pow(rng.NextDouble(), 2)); // skewed: popular items near 0
            v[r] = 1 + rng.Next(20);
        }

        var data = new InteractionSet(
            IdMap.Create("user", Enumerable.Range(0, users).Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            IdMap.Create("item", Enumerable.Range(0, items).Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            u,
            i,
            v,
            null,
            null,
            null,
            null,
            "sparse 100k");
        _ = data.ToMatrix();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var model = Recommenders.ItemKnn().Fit(data);
        var seconds = watch.Elapsed.TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        TestContext.Out.WriteLine($"100k items: fit {seconds:F2}s, {allocated / 1e6:F0} MB allocated, {model.Neighbors.Count} neighbour pairs");
        Assert.That(model.Neighbors.ItemCount, Is.EqualTo(items));
        Assert.That(seconds, Is.LessThan(20));
        Assert.That(allocated, Is.LessThan(150_000_000L));
        Assert.That(model.Recommend("0", 10), Has.Count.EqualTo(10));
    }

    private sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }

    private sealed class NoKernelEngine : IComputeEngine
    {
        public string Name => "no-kernel";

        public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
