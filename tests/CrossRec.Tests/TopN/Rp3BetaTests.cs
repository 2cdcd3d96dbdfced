using System.Text.Json;
using CrossRec.Algorithms.Rp3Beta;
using CrossRec.Engines.Cpu.Rp3Beta;
using CrossRec.Persistence;

namespace CrossRec.Tests.TopN;

public class Rp3BetaTests
{
    private static readonly Lazy<InteractionSet> Planted = new(() => ImplicitTestData.Groups(users: 200, items: 80, perUser: 12, seed: 4, counts: true));

    /// <summary>
    /// The hand-computed graph: a {x, y}, b {x, y, z}, c {y, z}, d {z, w}. Degrees: users 2, 3, 2, 2; items x 2, y 3,
    /// z 3, w 1. With α = 1 a walk from i picks one of i's users (1 / deg i), then one of that user's items (1 / deg u).
    /// </summary>
    private static InteractionSet Tiny() => new InteractionSetBuilder()
        .Add("a", "x", 1).Add("a", "y", 1)
        .Add("b", "x", 1).Add("b", "y", 1).Add("b", "z", 1)
        .Add("c", "y", 1).Add("c", "z", 1)
        .Add("d", "z", 1).Add("d", "w", 1)
        .Build("tiny");

    private static Rp3BetaOptions Plain => new() { Alpha = 1, Beta = 0.5f, Neighbors = 10, NormalizeRows = false, Values = Rp3BetaValues.Binary };

    private static float W(Rp3BetaModel model, string from, string to) => model.Weight(from, to);

    private static void AssertBitIdentical(RecommenderModel expected, RecommenderModel actual)
    {
        var n = expected.ItemIds.Count;
        var a = new float[n];
        var b = new float[n];
        for (var u = 0; u < expected.UserIds.Count; u++)
        {
            expected.ScoreItems(u, a);
            actual.ScoreItems(u, b);
            Assert.That(b.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(a.Select(BitConverter.SingleToInt32Bits)), $"user {u}");
        }
    }

    private static void AssertSameWeights(ItemNeighbors expected, ItemNeighbors actual)
    {
        Assert.That(actual.Offsets.ToArray(), Is.EqualTo(expected.Offsets.ToArray()));
        Assert.That(actual.Items.ToArray(), Is.EqualTo(expected.Items.ToArray()));
        Assert.That(actual.Weights.ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Weights.ToArray().Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void TheWeightsOfATinyGraphAreTheHandComputedWalk()
    {
        // W_ij = (1 / deg i) · Σ_u (1 / deg u) / deg(j)^β over the users of both; β = 0.5.
        var model = Recommenders.Rp3Beta(Plain).Fit(Tiny());
        var r3 = Math.Sqrt(3);
        var r2 = Math.Sqrt(2);
        Assert.That(W(model, "x", "y"), Is.EqualTo(0.5 * ((1 / 2.0) + (1 / 3.0)) / r3).Within(1e-6)); // 5/(12√3)
        Assert.That(W(model, "x", "z"), Is.EqualTo(0.5 * (1 / 3.0) / r3).Within(1e-6));              // 1/(6√3)
        Assert.That(W(model, "x", "w"), Is.EqualTo(0f));
        Assert.That(W(model, "y", "x"), Is.EqualTo(((1 / 2.0) + (1 / 3.0)) / 3 / r2).Within(1e-6));  // 5/(18√2)
        Assert.That(W(model, "y", "z"), Is.EqualTo(((1 / 3.0) + (1 / 2.0)) / 3 / r3).Within(1e-6));  // 5/(18√3)
        Assert.That(W(model, "z", "x"), Is.EqualTo((1 / 3.0) / 3 / r2).Within(1e-6));                // 1/(9√2)
        Assert.That(W(model, "z", "y"), Is.EqualTo(((1 / 3.0) + (1 / 2.0)) / 3 / r3).Within(1e-6));  // 5/(18√3)
        Assert.That(W(model, "z", "w"), Is.EqualTo((1 / 2.0) / 3).Within(1e-6));                     // 1/6: w's degree is 1
        Assert.That(W(model, "w", "z"), Is.EqualTo(0.5 / r3).Within(1e-6));
        Assert.That(W(model, "w", "x") + W(model, "w", "y") + W(model, "x", "x"), Is.EqualTo(0f), "no walk, and never the item itself");
        Assert.That(model.Weights.Count, Is.EqualTo(8));

        // The popularity penalty decides z's best neighbour: w (degree 1) with β = 0.5, y (degree 3) without it.
        Assert.That(model.SimilarItems("z", 1)[0].ItemId, Is.EqualTo("w"));
        var p3 = Recommenders.Rp3Beta(Plain with { Beta = 0 }).Fit(Tiny());
        Assert.That(W(p3, "z", "y"), Is.EqualTo(5 / 18.0).Within(1e-6));
        Assert.That(p3.SimilarItems("z", 1)[0].ItemId, Is.EqualTo("y"));

        // K = 1 keeps each row's largest; normalised rows then sum to 1 (x: 5/7 to y, 2/7 to z when both are kept).
        var top1 = Recommenders.Rp3Beta(Plain with { Neighbors = 1 }).Fit(Tiny());
        Assert.That(top1.Weights.Count, Is.EqualTo(4));
        Assert.That(top1.Weights.NeighborsOf(top1.ItemIds.GetIndex("z")).ToArray(), Is.EqualTo(new[] { top1.ItemIds.GetIndex("w") }));
        var normalized = Recommenders.Rp3Beta(Plain with { NormalizeRows = true }).Fit(Tiny());
        Assert.That(W(normalized, "x", "y"), Is.EqualTo(5 / 7.0).Within(1e-6));
        Assert.That(W(normalized, "x", "z"), Is.EqualTo(2 / 7.0).Within(1e-6));
        Assert.That(W(normalized, "w", "z"), Is.EqualTo(1f));
        Assert.That(Recommenders.Rp3Beta(Plain with { NormalizeRows = true, Neighbors = 1 }).Fit(Tiny()).Weight("x", "y"), Is.EqualTo(1f));
    }

    [Test]
    public void AlphaRaisesBothTransitionProbabilities()
    {
        // α = 0.5: W_xy = (1/2)^0.5 · ((1/2)^0.5 + (1/3)^0.5) / 3^β with β = 0.5.
        var model = Recommenders.Rp3Beta(Plain with { Alpha = 0.5f }).Fit(Tiny());
        Assert.That(W(model, "x", "y"), Is.EqualTo(Math.Sqrt(0.5) * (Math.Sqrt(0.5) + Math.Sqrt(1 / 3.0)) / Math.Sqrt(3)).Within(1e-6));
        Assert.That(W(model, "z", "w"), Is.EqualTo(Math.Sqrt(1 / 3.0) * Math.Sqrt(0.5)).Within(1e-6));
    }

    [Test]
    public void AUsersScoreIsTheSumOfTheWeightsFromItsItemsAndExplanationsSayWhichItemsContributed()
    {
        // a has x and y: score(z) = W_xz + W_yz = 1/(6√3) + 5/(18√3) = 4/(9√3); w is reached from neither.
        var model = Recommenders.Rp3Beta(Plain).Fit(Tiny());
        var recs = model.Recommend("a", 5);
        Assert.That(recs.Select(r => r.ItemId), Is.EqualTo(new[] { "z", "w" }));
        Assert.That(recs[0].Score, Is.EqualTo(4 / (9 * Math.Sqrt(3))).Within(1e-6));
        Assert.That(recs[1].Score, Is.EqualTo(0f));
        var explanation = model.Explain("a", "z");
        Assert.That(BitConverter.SingleToInt32Bits(explanation.Score), Is.EqualTo(BitConverter.SingleToInt32Bits(model.ScoreOf("a", "z"))));
        Assert.That(explanation.Contributions.Select(c => c.ItemId), Is.EqualTo(new[] { "y", "x" }));
        Assert.That(explanation.Contributions[0].Contribution, Is.EqualTo(5 / (18 * Math.Sqrt(3))).Within(1e-6));
        Assert.That(explanation.Contributions[1].Contribution, Is.EqualTo(1 / (6 * Math.Sqrt(3))).Within(1e-6));
        Assert.That(model.CanExplain, Is.True);
    }

    [Test]
    public void RawValuesWeighTheUserToItemStepAndTheScore()
    {
        // b rates x 3, y 1, z 0 (no edge): b's step to x is 3/4, to y 1/4, and z's degree loses b.
        var data = new InteractionSetBuilder()
            .Add("a", "x", 1).Add("a", "y", 1)
            .Add("b", "x", 3).Add("b", "y", 1).Add("b", "z", 0)
            .Add("c", "y", 2).Add("c", "z", 2)
            .Build("raw");
        var model = Recommenders.Rp3Beta(Plain with { Values = Rp3BetaValues.Raw, Beta = 0 }).Fit(data);
        Assert.That(W(model, "y", "x"), Is.EqualTo(((1 / 2.0) + (3 / 4.0)) / 3).Within(1e-6)); // y's users: a, b, c
        Assert.That(W(model, "x", "z"), Is.EqualTo(0f), "b's zero is no edge");
        Assert.That(W(model, "z", "y"), Is.EqualTo(0.5).Within(1e-6)); // z's only user is c (degree 1): c steps to y with 2/4
        var folded = model.FoldIn([new("y", 2f), new("z", 0f)]);
        var scores = new float[model.ItemIds.Count];
        model.ScoreItems(folded, scores);
        Assert.That(scores[model.ItemIds.GetIndex("x")], Is.EqualTo(2 * W(model, "y", "x")).Within(1e-6), "the score weighs y's row by its value 2 and z's by 0");
    }

    [TestCase(Rp3BetaValues.Binary, 1f, 0f, false)]
    [TestCase(Rp3BetaValues.Binary, 0.7f, 0.4f, true)]
    [TestCase(Rp3BetaValues.Log, 1.3f, 0.25f, false)]
    [TestCase(Rp3BetaValues.Raw, 0.5f, 1f, true)]
    public void TheWeightsMatchADenseReferenceWalk(Rp3BetaValues values, float alpha, float beta, bool normalize)
    {
        var data = Planted.Value;
        var m = data.ToMatrix();
        var model = Recommenders.Rp3Beta(new Rp3BetaOptions { Values = values, Alpha = alpha, Beta = beta, NormalizeRows = normalize, Neighbors = 100_000 }).Fit(data);
        var (users, n) = (m.UserCount, m.ItemCount);
        var step = new double[users, n];
        var degree = new int[n];
        for (var u = 0; u < users; u++)
        {
            var items = m.ItemsOf(u);
            var vals = m.ValuesOf(u);
            var s = new double[items.Length];
            for (var k = 0; k < items.Length; k++)
            {
                s[k] = values switch { Rp3BetaValues.Binary => 1, Rp3BetaValues.Log => Math.Log(1 + Math.Max(vals[k], 0)), _ => Math.Max(vals[k], 0) };
            }

            var total = s.Sum();
            for (var k = 0; k < items.Length; k++)
            {
                if (s[k] > 0)
                {
                    step[u, items[k]] = Math.Pow(s[k] / total, alpha);
                    degree[items[k]]++;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            var row = new double[n];
            for (var u = 0; u < users; u++)
            {
                if (step[u, i] > 0)
                {
                    for (var j = 0; j < n; j++)
                    {
                        row[j] += step[u, j];
                    }
                }
            }

            row[i] = 0;
            for (var j = 0; j < n; j++)
            {
                row[j] = row[j] == 0 ? 0 : row[j] * Math.Pow(degree[i], -alpha) * Math.Pow(degree[j], -beta);
            }

            var sum = row.Sum();
            for (var j = 0; j < n; j++)
            {
                var expected = normalize ? row[j] / sum : row[j];
                Assert.That(model.Weights.Weight(i, j), Is.EqualTo(expected).Within(2e-5 * Math.Max(expected, 1e-3)), $"W[{i},{j}]");
            }
        }
    }

    [Test]
    public void EveryItemKeepsAtMostKWeightsTheLargestOnes()
    {
        var data = Planted.Value;
        var full = Recommenders.Rp3Beta().Neighbors(100_000).NormalizeRows(false).Fit(data).Weights;
        var top = Recommenders.Rp3Beta().Neighbors(5).NormalizeRows(false).Fit(data).Weights;
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
    public void TheModelIsBitIdenticalAtAnyThreadCount()
    {
        // More items than one block of the kernel, so several threads really share the work.
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 600, Items = 700, Ratings = 30_000, Seed = 3 });
        var one = Recommenders.Rp3Beta().Values(Rp3BetaValues.Log).Threads(1).Fit(data);
        foreach (var threads in new[] { 2, 3, 8 })
        {
            AssertSameWeights(one.Weights, Recommenders.Rp3Beta().Values(Rp3BetaValues.Log).Threads(threads).Fit(data).Weights);
        }

        AssertSameWeights(one.Weights, Recommenders.Rp3Beta().Values(Rp3BetaValues.Log).Deterministic().Fit(data).Weights);
    }

    [TestCase(Rp3BetaValues.Binary)]
    [TestCase(Rp3BetaValues.Log)]
    [TestCase(Rp3BetaValues.Raw)]
    public void FoldingInATrainingUsersItemsGivesBitIdenticalScores(Rp3BetaValues values)
    {
        var data = Planted.Value;
        var model = Recommenders.Rp3Beta().Values(values).Fit(data);
        var expected = new float[data.ItemCount];
        var actual = new float[data.ItemCount];
        foreach (var user in new[] { "u0", "u13", "u101" })
        {
            var u = data.UserIds.GetIndex(user);
            var items = model.SeenItems(u).ToArray();
            var vals = model.SeenValues(u).ToArray();
            var folded = model.FoldIn(items.Select((i, k) => new KeyValuePair<string, float>(data.ItemIds[i], vals[k])));
            model.ScoreItems(u, expected);
            model.ScoreItems(folded, actual);
            Assert.That(actual.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)), $"{values} {user}");
            Assert.That(model.Recommend(folded, 10).Select(r => r.ItemId), Is.EqualTo(model.Recommend(user, 10).Select(r => r.ItemId)));
        }

        Assert.That(() => model.FoldIn([new("nope", 1f)]), Throws.TypeOf<KeyNotFoundException>());
        Assert.That(() => model.FoldIn([]), Throws.ArgumentException);
    }

    [Test]
    public void ASavedModelReloadsWithBitIdenticalScores()
    {
        using var files = new TempFiles();
        var data = Planted.Value.WithItemDomains(id => id.EndsWith('3') ? "film" : "book");
        foreach (var options in new[] { new Rp3BetaOptions(), new Rp3BetaOptions { Values = Rp3BetaValues.Raw, NormalizeRows = false, Alpha = 0.6f, Beta = 0.1f, Neighbors = 7 } })
        {
            var model = Recommenders.Rp3Beta(options).Fit(data);
            var path = files.PathOf($"{options.Values}.model");
            model.Save(path);
            var loaded = Rp3BetaModel.Load(path);
            AssertBitIdentical(model, loaded);
            AssertSameWeights(model.Weights, loaded.Weights);
            Assert.That((loaded.Values, loaded.Alpha, loaded.Beta, loaded.NormalizeRows), Is.EqualTo((options.Values, options.Alpha, options.Beta, options.NormalizeRows)));
            Assert.That(loaded.Training!.Parameters["neighbors"], Is.EqualTo(options.Neighbors.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(loaded.Training.Parameters["beta"], Is.EqualTo(options.Beta.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(loaded.Training.Device, Is.EqualTo("cpu"));
            Assert.That(loaded.Recommend("u4", 5, "film").Select(r => r.ItemId), Is.EqualTo(model.Recommend("u4", 5, "film").Select(r => r.ItemId)));

            var any = Recommender.Load(path);
            Assert.That(any, Is.TypeOf<Rp3BetaModel>());
            AssertBitIdentical(model, any);

            using var stream = new MemoryStream();
            model.Save(stream);
            stream.Position = 0;
            AssertBitIdentical(model, Rp3BetaModel.Load(stream));

            var a = new float[data.ItemCount];
            var b = new float[data.ItemCount];
            model.ScoreItems(model.FoldIn([new("i3", 40f), new("i10", 2f)]), a);
            loaded.ScoreItems(loaded.FoldIn([new("i3", 40f), new("i10", 2f)]), b);
            Assert.That(b.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(a.Select(BitConverter.SingleToInt32Bits)));
            Assert.That(loaded.Explain("u5", "i7").Score, Is.EqualTo(model.Explain("u5", "i7").Score));
        }
    }

    [Test]
    public void TruncatedAlteredAndOtherKindsOfFilesAreRefused()
    {
        using var files = new TempFiles();
        var path = files.PathOf("rp3.model");
        Recommenders.Rp3Beta().Fit(Tiny()).Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.That(() => Rp3BetaModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("truncated"));

        var altered = (byte[])bytes.Clone();
        altered[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, altered);
        Assert.That(() => Rp3BetaModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("checksum"));

        Recommenders.ItemKnn().Fit(Tiny()).Save(path);
        Assert.That(() => Rp3BetaModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("itemknn"));
    }

    private static PayloadWriter Params(int values = 0, float alpha = 1, float beta = 0.5f, int normalize = 1)
        => new PayloadWriter().Int32(values).Single(alpha).Single(beta).Int32(normalize);

    private static PayloadWriter Rows(int[] offsets, int[] items, float[] weights) => new PayloadWriter().Int32s(offsets).Int32s(items).Singles(weights);

    private static IEnumerable<TestCaseData> CraftedFiles()
    {
        // Each case rewrites the RP3beta sections of a valid 4-item model; the good rows are normalised.
        var goodRows = Rows([0, 1, 3, 3, 4], [1, 0, 3, 2], [1f, 0.25f, 0.75f, 1f]);
        yield return new TestCaseData(Params(values: 9), goodRows, "values code 9").SetName("An unknown values code is refused");
        yield return new TestCaseData(Params(alpha: -1), goodRows, "alpha -1").SetName("A negative alpha is refused");
        yield return new TestCaseData(Params(alpha: float.NaN), goodRows, "alpha NaN").SetName("A NaN alpha is refused");
        yield return new TestCaseData(Params(beta: 6), goodRows, "beta 6").SetName("A beta above 5 is refused");
        yield return new TestCaseData(Params(normalize: 2), goodRows, "flag 2").SetName("A normalisation flag other than 0 or 1 is refused");
        yield return new TestCaseData(Params().Int32(3), goodRows, "unread").SetName("Extra bytes after the parameters are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 3, 3, 4], [1, 0, 3, 2], [1f, 0.25f, 0.5f, 1f]), "sum to").SetName("Normalised rows that do not sum to 1 are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 3, 3, 4], [9, 0, 3, 2], [1f, 0.25f, 0.75f, 1f]), "out of range").SetName("A neighbour index out of range is refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 3, 3, 4], [0, 0, 3, 2], [1f, 0.25f, 0.75f, 1f]), "itself").SetName("An item that is its own neighbour is refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 3, 3, 4], [1, 3, 0, 2], [1f, 0.25f, 0.75f, 1f]), "unsorted").SetName("Unsorted neighbours are refused");
        yield return new TestCaseData(Params(normalize: 0), Rows([0, 1, 3, 3, 4], [1, 0, 3, 2], [1f, -0.25f, 0.75f, 1f]), "similarity").SetName("A negative weight is refused");
        yield return new TestCaseData(Params(normalize: 0), Rows([0, 1, 3, 3, 4], [1, 0, 3, 2], [1f, float.PositiveInfinity, 0.75f, 1f]), "similarity").SetName("An infinite weight is refused");
        yield return new TestCaseData(Params(), Rows([0, 3, 1, 3, 4], [1, 0, 3, 2], [1f, 0.25f, 0.75f, 1f]), "decrease").SetName("Decreasing offsets are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 2], [1, 0], [1f, 1f]), "expected 5 elements").SetName("Offsets for the wrong item count are refused");
        yield return new TestCaseData(Params(), Rows([0, 1, 3, 3, 4], [1, 0, 3, 2], [1f, 0.25f, 0.75f]), "expected 4 elements").SetName("Fewer weights than neighbours are refused");
        yield return new TestCaseData(Params(), null, "RP3W").SetName("A missing weight section is refused");
    }

    [TestCaseSource(nameof(CraftedFiles))]
    public void ACraftedFileIsRefused(object parameters, object? rows, string problem)
    {
        // The arguments are PayloadWriters (internal, hence object in this public signature).
        var stream = Crafted((PayloadWriter)parameters, (PayloadWriter?)rows);
        Assert.That(() => Rp3BetaModel.Load(stream), Throws.TypeOf<ModelFormatException>().With.Message.Contains(problem));
        stream.Position = 0;
        Assert.That(() => Recommender.Load(stream), Throws.TypeOf<ModelFormatException>());
    }

    [Test]
    public void TheCraftedFileBaselineLoads()
    {
        // The valid counterpart of the crafted files above, so that each refusal is the crafted field's.
        var loaded = Rp3BetaModel.Load(Crafted(Params(), Rows([0, 1, 3, 3, 4], [1, 0, 3, 2], [1f, 0.25f, 0.75f, 1f])));
        Assert.That(loaded.Weights.Count, Is.EqualTo(4));
        Assert.That(loaded.NormalizeRows, Is.True);
        Assert.That(loaded.Recommend("a", 2), Has.Count.EqualTo(2));
    }

    private static MemoryStream Crafted(PayloadWriter parameters, PayloadWriter? rows)
    {
        var model = Recommenders.Rp3Beta().Fit(Tiny());
        Assert.That(model.ItemIds.Count, Is.EqualTo(4));
        var file = new ModelFileWriter("rp3beta");
        model.WriteCommon(file);
        file.Add("RP3P", parameters);
        if (rows is not null)
        {
            file.Add("RP3W", rows);
        }

        var stream = new MemoryStream();
        file.WriteTo(stream);
        stream.Position = 0;
        return stream;
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        yield return new TestCaseData(new Rp3BetaOptions { Neighbors = 0 }, "Neighbors");
        yield return new TestCaseData(new Rp3BetaOptions { Neighbors = 100_001 }, "Neighbors");
        yield return new TestCaseData(new Rp3BetaOptions { Alpha = -0.1f }, "Alpha");
        yield return new TestCaseData(new Rp3BetaOptions { Alpha = float.NaN }, "Alpha");
        yield return new TestCaseData(new Rp3BetaOptions { Alpha = 5.5f }, "Alpha");
        yield return new TestCaseData(new Rp3BetaOptions { Beta = -1 }, "Beta");
        yield return new TestCaseData(new Rp3BetaOptions { Beta = float.PositiveInfinity }, "Beta");
        yield return new TestCaseData(new Rp3BetaOptions { Values = (Rp3BetaValues)3 }, "Values");
        yield return new TestCaseData(new Rp3BetaOptions { Threads = -1 }, "Threads");
        yield return new TestCaseData(new Rp3BetaOptions { Threads = 1025 }, "Threads");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionsAreRefusedByName(Rp3BetaOptions options, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Recommenders.Rp3Beta(options).Fit(Tiny()));
        Assert.That(e!.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain(name));
    }

    [Test]
    public void AnEmptyTrainingSetIsRefusedByName()
    {
        var empty = Tiny().Subset([], "nothing");
        Assert.That(() => Recommenders.Rp3Beta().Fit(empty), Throws.ArgumentException.With.Message.Contains("nothing").And.Message.Contains("empty"));
    }

    [Test]
    public void TheBuilderIsImmutableAndRecordsItsOptions()
    {
        var a = Recommenders.Rp3Beta();
        var b = a.Neighbors(7).Alpha(0.5f).Beta(0.2f).Values(Rp3BetaValues.Log).NormalizeRows(false).Threads(1);
        Assert.That(a.Options, Is.EqualTo(new Rp3BetaOptions()));
        Assert.That(b.Options, Is.EqualTo(new Rp3BetaOptions { Neighbors = 7, Alpha = 0.5f, Beta = 0.2f, Values = Rp3BetaValues.Log, NormalizeRows = false, Threads = 1 }));
        Assert.That(b.WithOptions(new Rp3BetaOptions()).Options, Is.EqualTo(new Rp3BetaOptions()));
        var reports = new List<TrainingProgress>();
        var model = b.Fit(Tiny(), new SyncProgress(reports));
        Assert.That(reports, Has.Count.EqualTo(1));
        Assert.That(model.Training!.Parameters, Is.EquivalentTo(b.Parameters));
        Assert.That(model.Training.Parameters["alpha"], Is.EqualTo("0.5"));
        Assert.That(model.Training.Parameters["values"], Is.EqualTo("Log"));
        Assert.That(model.Training.Parameters["normalizeRows"], Is.EqualTo("false"));
        Assert.That(model.Algorithm, Is.EqualTo("rp3beta"));
        Assert.That(b.Algorithm, Is.EqualTo("rp3beta"));
        Assert.That(model.Training.Note, Is.Null);
    }

    [Test]
    public void CancellationIsHonoured()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.That(() => Recommenders.Rp3Beta().Fit(Planted.Value, cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());
        var m = Planted.Value.ToMatrix();
        var strengths = new float[m.NonZeros];
        Array.Fill(strengths, 1f);
        Assert.That(() => CpuEngine.Kernel<IRp3BetaKernel>().Walk(m, strengths, new Rp3BetaWalkOptions(), cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void TheKernelRefusesNegativeStrengthsAndTheEngineWithoutItIsRefusedByName()
    {
        var m = Tiny().ToMatrix();
        var strengths = new float[m.NonZeros];
        Array.Fill(strengths, 1f);
        strengths[2] = -1f;
        Assert.That(() => new CpuRp3BetaKernel().Walk(m, strengths, new Rp3BetaWalkOptions(), CancellationToken.None), Throws.ArgumentException.With.Message.Contains("position 2"));
        var e = Assert.Throws<NotSupportedException>(() => Recommenders.Rp3Beta().OnEngine(new NoKernelEngine()).Fit(Tiny()));
        Assert.That(e!.Message, Does.Contain("rp3beta").And.Contain("IRp3BetaKernel"));
    }

    [Test]
    public void TheRegistryKnowsItByNameForLoadingAutoAndTheTrainer()
    {
        var entry = AlgorithmRegistry.Find("rp3beta");
        Assert.That(entry, Is.Not.Null);
        Assert.That(entry!.DisplayName, Is.EqualTo("RP3beta"));
        Assert.That(entry.Create(threads: 1), Is.TypeOf<Rp3BetaBuilder>().And.Property("Algorithm").EqualTo("rp3beta"));
        Assert.That(((Rp3BetaBuilder)entry.Create(threads: 1)).Options.Threads, Is.EqualTo(1));
        Assert.That(AlgorithmRegistry.ForModelKind("rp3beta"), Is.SameAs(entry));
        Assert.That(AlgorithmRegistry.CreatableNames, Has.Member("rp3beta"));
        var steps = AutoCandidates.TuningAxes(Recommenders.Rp3Beta()).SelectMany(axis => axis(Recommenders.Rp3Beta())).Select(b => b.Parameters["beta"] + "/" + b.Parameters["neighbors"]).ToList();
        Assert.That(steps, Is.Unique);
        Assert.That(steps, Has.Count.EqualTo(4));
    }

    [Test]
    public void TheTrainerTrainsItWithTopNAlgorithmRp3beta()
    {
        using var files = new TempFiles();
        var set = Planted.Value;
        var lines = new List<string> { "user\titem\tplays" };
        for (var r = 0; r < set.Count; r++)
        {
            lines.Add($"{set.UserIds[set.Users[r]]}\t{set.ItemIds[set.Items[r]]}\t{set.Values[r].ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        var train = files.Write("train.tsv", string.Join('\n', lines) + "\n");
        var users = files.Write("users.txt", "u1\nu2\n");
        var output = new StringWriter();
        var previous = Console.Out;
        int code;
        try
        {
            Console.SetOut(output);
            code = CrossRec.Trainer.Program.Main(["topn", "--train", train, "--users", users, "--out", files.PathOf("out.tsv"), "--algorithm", "rp3beta", "--count", "5", "--json", "--save", files.PathOf("model.crossrec")]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
        Assert.That(summary.GetProperty("requested_algorithm").GetString(), Is.EqualTo("rp3beta"));
        var saved = Recommender.Load(files.PathOf("model.crossrec"));
        Assert.That(saved, Is.TypeOf<Rp3BetaModel>());
        Assert.That(saved.Recommend("u1", 5).Select(r => r.ItemId), Is.EqualTo(File.ReadAllLines(files.PathOf("out.tsv"))[0].Split('\t')[1].Split(',')));
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
