namespace CrossRec.Tests.TopN;

/// <summary>
/// The blocked batch path of <c>RecommendMany</c> (<see cref="ServingKernel"/>) against a naive reference
/// (double-precision dots, a full sort, ties by smaller index) and against the per-user path, on every kernel
/// path this machine has (512-bit, 256-bit, 128-bit, scalar; CI runs this class again with hardware intrinsics off).
/// Sizes are odd on purpose: k not a multiple of a vector, items not a multiple of four, users not a multiple
/// of the 64-user block.
/// </summary>
[NonParallelizable] // toggles the process-wide ServingKernel.Force
public class ServingKernelTests
{
    private static readonly ServingKernel.KernelPath[] Paths = [ServingKernel.KernelPath.Auto, ServingKernel.KernelPath.Vector256, ServingKernel.KernelPath.Vector128, ServingKernel.KernelPath.Scalar];

    [TearDown]
    public void Restore() => ServingKernel.Force = ServingKernel.KernelPath.Auto;

    /// <summary>
    /// Factors, biases and μ on a grid of 1/64 in [−1, 1], so every float sum here is exact and equals the double
    /// reference bit for bit: the lists must match the reference item for item, score for score, ties included.
    /// </summary>
    [TestCase(9, 1, 1, 3, 1)] // count > items, one item
    [TestCase(8, 6, 3, 10, 2)] // count > items
    [TestCase(65, 67, 7, 10, 1)]
    [TestCase(131, 1003, 17, 50, 2)]
    [TestCase(20, 8195, 33, 200, 2)] // one block, two workers: the catalogue is split and merged
    [TestCase(70, 515, 130, 600, 0)] // count > items with seen items removed
    public void ExactGridModelsGiveTheReferenceLists(int users, int items, int k, int count, int threads)
    {
        var model = GridModel(users, items, k, seed: users + items + k);
        var filters = new RecommendFilter?[]
        {
            null,
            new() { ExcludeSeen = false },
            new() { DenyItems = [.. Enumerable.Range(0, items).Where(i => i % 3 == 1).Select(i => $"i{i}")] },
            new() { AllowItems = [.. Enumerable.Range(0, items).Where(i => i % 5 == 0).Select(i => $"i{i}")] },
        };
        foreach (var path in Paths)
        {
            ServingKernel.Force = path;
            foreach (var filter in filters)
            {
                var batch = model.RecommendMany(model.UserIds.AsSpan().ToArray(), count, filter, threads);
                for (var u = 0; u < users; u++)
                {
                    var expected = Reference(model, u, count, filter);
                    Assert.That(batch[u].Select(s => (s.Index, s.Score)), Is.EqualTo(expected.Select(e => (e.Item, (float)e.Score))), $"{path}, user {u}, filter {Describe(filter)}");
                }

                AssertSameAsPerUser(model, batch, count, filter, $"{path}, filter {Describe(filter)}");
            }
        }
    }

    /// <summary>
    /// Continuous random factors: the float sums round, so the scores are compared with the double reference
    /// within a tolerance; the lists must hold the reference's top-N (up to items within the tolerance of the
    /// N-th score), be sorted by their own scores with ties by smaller index, and equal the per-user path exactly.
    /// </summary>
    [TestCase(77, 2051, 29, 40, 0)]
    [TestCase(12, 9001, 64, 128, 2)]
    public void ContinuousModelsMatchTheReferenceWithinRounding(int users, int items, int k, int count, int threads)
    {
        var model = GaussianModel(users, items, k, seed: 5);
        foreach (var path in Paths)
        {
            ServingKernel.Force = path;
            var batch = model.RecommendMany(model.UserIds.AsSpan().ToArray(), count, null, threads);
            for (var u = 0; u < users; u++)
            {
                var reference = Reference(model, u, items, null);
                var byItem = reference.ToDictionary(r => r.Item, r => r.Score);
                var list = batch[u];
                Assert.That(list, Has.Count.EqualTo(Math.Min(count, reference.Count)));
                const double tolerance = 1e-5;
                var cut = reference[list.Count - 1].Score;
                for (var r = 0; r < list.Count; r++)
                {
                    Assert.That(list[r].Score, Is.EqualTo(byItem[list[r].Index]).Within(tolerance), $"{path}, user {u}, rank {r}");
                    Assert.That(byItem[list[r].Index], Is.GreaterThanOrEqualTo(cut - tolerance), $"{path}, user {u}: item {list[r].Index} is not in the reference top-{count}");
                    if (r > 0)
                    {
                        Assert.That(list[r - 1].Score > list[r].Score || (list[r - 1].Score == list[r].Score && list[r - 1].Index < list[r].Index), $"{path}, user {u}, rank {r}: order");
                    }
                }

                var kept = list.Select(s => s.Index).ToHashSet();
                Assert.That(reference.Where(e => e.Score > cut + tolerance).All(e => kept.Contains(e.Item)), $"{path}, user {u}: a clearly better item is missing");
            }

            AssertSameAsPerUser(model, batch, count, null, path.ToString());
        }
    }

    [Test]
    public void ImplicitAlsModelsWithoutBiasesMatchTheReference()
    {
        var (users, items, k) = (66, 301, 11);
        var grid = GridModel(users, items, k, seed: 9);
        var common = new RecommenderModel.CommonSections(
            grid.UserIds, grid.ItemIds, Offsets(grid), [.. Enumerable.Range(0, users).SelectMany(u => grid.SeenItems(u).ToArray())], [.. Enumerable.Range(0, users).SelectMany(u => grid.SeenValues(u).ToArray())], null, null, null);
        var model = new ImplicitAlsModel(common, k, grid.UserFactors.AsSpan().ToArray(), grid.ItemFactors.AsSpan().ToArray(), new ImplicitAlsOptions());
        foreach (var path in Paths)
        {
            ServingKernel.Force = path;
            var batch = model.RecommendMany(model.UserIds.AsSpan().ToArray(), 25, null, 2);
            for (var u = 0; u < users; u++)
            {
                var expected = Reference(model, u, 25, null);
                Assert.That(batch[u].Select(s => (s.Index, s.Score)), Is.EqualTo(expected.Select(e => (e.Item, (float)e.Score))), $"{path}, user {u}");
            }

            AssertSameAsPerUser(model, batch, 25, null, path.ToString());
        }
    }

    [Test]
    public void ANaNScoreIsNeverRecommended()
    {
        var model = GridModel(40, 90, 5, seed: 4);
        var itemFactors = model.ItemFactors.AsSpan().ToArray();
        itemFactors[(17 * 5) + 2] = float.NaN; // item 17 scores NaN for every user
        var broken = new FactorizationModel(
            model.UserIds, model.ItemIds, 5, model.GlobalMean, model.UserBiases.ToArray(), model.ItemBiases.ToArray(), model.UserFactors.AsSpan().ToArray(), itemFactors,
            Offsets(model), [.. Enumerable.Range(0, 40).SelectMany(u => model.SeenItems(u).ToArray())], [.. Enumerable.Range(0, 40).SelectMany(u => model.SeenValues(u).ToArray())], null, null, null, null);
        foreach (var path in Paths)
        {
            ServingKernel.Force = path;
            var batch = broken.RecommendMany(broken.UserIds.AsSpan().ToArray(), 90, null, 1);
            Assert.That(batch.SelectMany(l => l).Any(s => s.Index == 17 || float.IsNaN(s.Score)), Is.False, path.ToString());
            Assert.That(batch[0], Has.Count.EqualTo(89 - broken.SeenItems(0).Length + (broken.SeenItems(0).Contains(17) ? 1 : 0)), path.ToString());
            AssertSameAsPerUser(broken, batch, 90, null, path.ToString());
        }
    }

    [Test]
    public void OneUserDotsUseTheBlockOrder()
    {
        var rng = new Random(11);
        foreach (var k in new[] { 1, 3, 8, 16, 31, 129 })
        {
            var p = Enumerable.Range(0, k).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var q = Enumerable.Range(0, 31 * k).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var dots = new float[31];
            ServingKernel.Dots(p, q, dots);
            for (var j = 0; j < 31; j++)
            {
                var expected = 0f;
                for (var f = 0; f < k; f++)
                {
                    expected = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(p[f], q[(j * k) + f], expected) : (p[f] * q[(j * k) + f]) + expected;
                }

                Assert.That(dots[j], Is.EqualTo(expected), $"k {k}, item {j}");
            }
        }

        Assert.Throws<ArgumentException>(() => ServingKernel.Dots(new float[3], new float[8], new float[3]));
    }

    [Test]
    public void CandidateKeysOrderByScoreThenIndexAndRoundTrip()
    {
        var rng = new Random(2);
        var special = new[] { 0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, 1f, -1f, 1f, -1f };
        var scores = special.Concat(Enumerable.Range(0, 300).Select(_ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 8))))).ToArray();
        var keys = scores.Select((s, i) => ServingKernel.Key(s, i * 7)).ToArray();
        for (var a = 0; a < scores.Length; a++)
        {
            Assert.That(BitConverter.SingleToUInt32Bits(ServingKernel.ScoreOf(keys[a])), Is.EqualTo(BitConverter.SingleToUInt32Bits(scores[a])), $"score {scores[a]}");
            Assert.That(ServingKernel.ItemOf(keys[a]), Is.EqualTo(a * 7));
            for (var b = 0; b < scores.Length; b++)
            {
                var better = scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
                Assert.That(keys[a] < keys[b], Is.EqualTo(better), $"{scores[a]}#{a} vs {scores[b]}#{b}");
            }
        }

        foreach (var n in new[] { 1, 2, 17, 150, scores.Length })
        {
            var copy = keys.ToArray();
            ServingKernel.SelectBest(copy, n);
            var expected = keys.Order().Take(n).ToArray();
            Assert.That(copy.Take(n).Order(), Is.EqualTo(expected), $"n {n}");
            Assert.That(copy[n - 1], Is.EqualTo(expected[^1]), $"n {n}: the n-th best sits at n − 1");
        }
    }

    [Test]
    public void ACancelledBatchStops()
    {
        var model = GridModel(30, 200, 4, seed: 1);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.That(() => model.RecommendMany(model.UserIds.AsSpan().ToArray(), 5, null, 1, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    private static void AssertSameAsPerUser(RecommenderModel model, IReadOnlyList<IReadOnlyList<ScoredItem>> batch, int count, RecommendFilter? filter, string what)
    {
        for (var u = 0; u < batch.Count; u++)
        {
            var single = model.Recommend(model.UserIds[u], count, filter);
            Assert.That(batch[u].Select(s => (s.Index, s.Score)), Is.EqualTo(single.Select(s => (s.Index, s.Score))), $"{what}: user {u} differs from the per-user path");
        }
    }

    /// <summary>Double-precision scores of every allowed item, best first, ties by smaller index.</summary>
    private static List<(int Item, double Score)> Reference(RecommenderModel model, int user, int count, RecommendFilter? filter)
    {
        var (k, uf, itf, ib, mu, ub) = model switch
        {
            FactorizationModel m => (m.Factors, m.UserFactors, m.ItemFactors, m.ItemBiases.ToArray(), (double)m.GlobalMean, m.UserBiases.ToArray()),
            FactorRecommender m => (m.Factors, m.UserFactors, m.ItemFactors, m.HasItemBiases ? m.ItemBiases.ToArray() : null, 0.0, (float[]?)null),
            _ => throw new ArgumentException(model.Algorithm),
        };
        var seen = (filter ?? RecommendFilter.Default).ExcludeSeen ? model.SeenItems(user).ToArray().ToHashSet() : [];
        var allow = filter?.AllowItems?.Select(model.ItemIds.GetIndex).ToHashSet();
        var deny = filter?.DenyItems?.Select(model.ItemIds.GetIndex).ToHashSet() ?? [];
        var scores = new List<(int Item, double Score)>();
        for (var j = 0; j < model.ItemIds.Count; j++)
        {
            if (seen.Contains(j) || deny.Contains(j) || (allow is not null && !allow.Contains(j)))
            {
                continue;
            }

            var dot = 0.0;
            for (var f = 0; f < k; f++)
            {
                dot += (double)uf[user, f] * itf[j, f];
            }

            var s = dot + (ib?[j] ?? 0) + (ub is null ? 0 : mu + ub[user]);
            if (!double.IsNaN(s))
            {
                scores.Add((j, s));
            }
        }

        return [.. scores.OrderByDescending(e => e.Score).ThenBy(e => e.Item).Take(count)];
    }

    private static string Describe(RecommendFilter? filter) => filter is null ? "none" : filter.AllowItems is not null ? "allow" : filter.DenyItems is not null ? "deny" : "keep seen";

    private static int[] Offsets(RecommenderModel model)
    {
        var offsets = new int[model.UserIds.Count + 1];
        for (var u = 0; u < model.UserIds.Count; u++)
        {
            offsets[u + 1] = offsets[u] + model.SeenItems(u).Length;
        }

        return offsets;
    }

    private static FactorizationModel GridModel(int users, int items, int k, int seed)
    {
        var rng = new Random(seed);
        return Build(users, items, k, rng, () => rng.Next(-64, 65) / 64f, 3f);
    }

    private static FactorizationModel GaussianModel(int users, int items, int k, int seed)
    {
        var rng = new Random(seed);
        return Build(users, items, k, rng, () => (float)(0.3 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())), 3.1f);
    }

    private static FactorizationModel Build(int users, int items, int k, Random rng, Func<float> next, float mean)
    {
        var uf = Enumerable.Range(0, users * k).Select(_ => next()).ToArray();
        var itf = Enumerable.Range(0, items * k).Select(_ => next()).ToArray();
        var ib = Enumerable.Range(0, items).Select(_ => next()).ToArray();
        var ub = Enumerable.Range(0, users).Select(_ => next()).ToArray();
        var offsets = new int[users + 1];
        var seen = new List<int>();
        for (var u = 0; u < users; u++)
        {
            // Some users have seen nothing, some most of the catalogue.
            var n = u % 4 == 0 ? 0 : rng.Next(0, Math.Max(1, items * (u % 3 == 0 ? 9 : 1) / 10));
            seen.AddRange(Enumerable.Range(0, items).OrderBy(_ => rng.Next()).Take(n).Order());
            offsets[u + 1] = seen.Count;
        }

        return new FactorizationModel(
            IdMap.Create("user", Enumerable.Range(0, users).Select(u => $"u{u}")),
            IdMap.Create("item", Enumerable.Range(0, items).Select(i => $"i{i}")),
            k, mean, ub, ib, uf, itf, offsets, [.. seen], Enumerable.Repeat(1f, seen.Count).ToArray(), null, null, null, null);
    }
}
