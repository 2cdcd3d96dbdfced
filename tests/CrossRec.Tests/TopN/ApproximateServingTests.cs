using CrossRec.Serving.Approximate;

namespace CrossRec.Tests.TopN;

/// <summary>Approximate serving (<see cref="ApproximateServing"/>): recall, filters, exact scores, persistence, options.</summary>
public class ApproximateServingTests
{
    private static readonly Lazy<FactorizationModel> Catalogue = new(() => Synthetic(200, 6000, 16, 5));

    /// <summary>
    /// A biased-MF model with random factors over a catalogue whose item norms vary as popularity does (log-normal
    /// spread), every user with some seen items.
    /// </summary>
    internal static FactorizationModel Synthetic(int users, int items, int k, int seed)
    {
        var rng = new Random(seed);
        float Gaussian() => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var uf = Enumerable.Range(0, users * k).Select(_ => Gaussian() * 0.3f).ToArray();
        var itf = new float[items * k];
        for (var j = 0; j < items; j++)
        {
            var scale = (float)Math.Exp(0.5 * Gaussian()) * 0.3f;
            for (var f = 0; f < k; f++)
            {
                itf[(j * k) + f] = Gaussian() * scale;
            }
        }

        var bias = Enumerable.Range(0, items).Select(_ => Gaussian() * 0.1f).ToArray();
        var offsets = new int[users + 1];
        var seen = new List<int>();
        for (var u = 0; u < users; u++)
        {
            seen.AddRange(Enumerable.Range(0, 40).Select(_ => rng.Next(items)).Distinct().Order());
            offsets[u + 1] = seen.Count;
        }

        return new FactorizationModel(
            IdMap.Create("user", Enumerable.Range(0, users).Select(u => $"u{u}")),
            IdMap.Create("item", Enumerable.Range(0, items).Select(i => $"i{i}")),
            k, 3f, Enumerable.Range(0, users).Select(_ => Gaussian() * 0.1f).ToArray(), bias, uf, itf, offsets, [.. seen], Enumerable.Repeat(1f, seen.Count).ToArray(), null, null, null, null);
    }

    private static double Recall(IReadOnlyList<IReadOnlyList<ScoredItem>> exact, IReadOnlyList<IReadOnlyList<ScoredItem>> approximate)
    {
        double hit = 0, total = 0;
        for (var u = 0; u < exact.Count; u++)
        {
            var truth = exact[u].Select(s => s.Index).ToHashSet();
            hit += approximate[u].Count(s => truth.Contains(s.Index));
            total += truth.Count;
        }

        return hit / total;
    }

    /// <summary>Every item of an approximate list is allowed, carries the exact path's score, and the list is in the exact order.</summary>
    private static void AssertExactlyScoredAndAllowed(RecommenderModel exact, string user, IReadOnlyList<ScoredItem> list, Func<int, bool> allowed, int count)
    {
        var scores = new float[exact.ItemIds.Count];
        exact.ScoreItems(exact.UserIds.GetIndex(user), scores);
        Assert.That(list, Has.Count.LessThanOrEqualTo(count));
        for (var r = 0; r < list.Count; r++)
        {
            var j = list[r].Index;
            Assert.That(allowed(j), Is.True, $"user {user}: item {list[r].ItemId} is filtered out but was listed");
            Assert.That(list[r].Score, Is.EqualTo(scores[j]), $"user {user}: the score of {list[r].ItemId} is not the exact one");
            if (r > 0)
            {
                Assert.That(list[r].Score < list[r - 1].Score || (list[r].Score == list[r - 1].Score && j > list[r - 1].Index), Is.True, $"user {user}: list out of order at {r}");
            }
        }

        Assert.That(list.Select(s => s.Index).Distinct().Count(), Is.EqualTo(list.Count), $"user {user}: an item is listed twice");
    }

    [TestCase(0)]
    [TestCase(ApproximateServingOptions.DefaultScanFactor)]
    public void RecallAtTenOnASmallCatalogueReachesTheDefaultTargetWhetherSmallBandsAreWalkedOrScanned(int scanFactor)
    {
        // 200 users: the calibration sample is every user, so the recall measured here is the calibration's.
        var model = Catalogue.Value;
        var approximate = model.WithApproximateServing(new ApproximateServingOptions { ScanFactor = scanFactor });
        var users = model.UserIds.AsSpan().ToArray();
        var recall = Recall(model.RecommendMany(users, 10), approximate.RecommendMany(users, 10));
        TestContext.Out.WriteLine($"recall@10 {recall:F4}, {approximate.ApproximateCalibration}");
        Assert.That(recall, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(approximate.ApproximateCalibration!.Recall, Is.EqualTo(recall).Within(1e-12));
    }

    [Test]
    public void MoreSearchCandidatesNeverLowerRecallMuchAndAWideSearchIsNearlyExact()
    {
        var model = Catalogue.Value;
        var users = model.UserIds.AsSpan().ToArray();
        var exact = model.RecommendMany(users, 10);
        // Every band walked (small ones would be scanned whole, which is exact).
        var narrow = model.WithApproximateServing(new ApproximateServingOptions { EfSearch = 10, ScanFactor = 0 });
        var wide = narrow.WithApproximateServing(new ApproximateServingOptions { EfSearch = 400, ScanFactor = 0 });
        var low = Recall(exact, narrow.RecommendMany(users, 10));
        var high = Recall(exact, wide.RecommendMany(users, 10));
        TestContext.Out.WriteLine($"recall@10 ef 10: {low:F4}, ef 400: {high:F4}");
        Assert.That(high, Is.GreaterThanOrEqualTo(0.995));
        Assert.That(high, Is.GreaterThanOrEqualTo(low));
        Assert.That(wide.ApproximateOptions!.EfSearch, Is.EqualTo(400));
        Assert.That(model.ApproximateOptions, Is.Null, "the original model still serves exactly");
        Assert.That(wide.WithExactServing().RecommendMany(users, 10).Select(l => l.Select(s => s.Index)), Is.EqualTo(exact.Select(l => l.Select(s => s.Index))));
    }

    [TestCase(0)]
    [TestCase(ApproximateServingOptions.DefaultScanFactor)]
    public void EveryFilterIsHonouredAndEveryListedItemIsExactlyScoredWhetherBandsAreWalkedOrScanned(int scanFactor)
    {
        var model = Catalogue.Value;
        var approximate = model.WithApproximateServing(new ApproximateServingOptions { EfSearch = 40, ScanFactor = scanFactor });
        var rng = new Random(11);
        var n = model.ItemIds.Count;
        for (var trial = 0; trial < 60; trial++)
        {
            var user = $"u{rng.Next(model.UserIds.Count)}";
            var count = rng.Next(1, 4) switch { 1 => 1, 2 => 10, _ => 150 };
            var excludeSeen = rng.Next(2) == 0;

            // Allow-lists from a handful of items (served exactly) to most of the catalogue (searched); deny-lists; predicates.
            var allowSize = rng.Next(3) switch { 0 => 0, 1 => rng.Next(1, 50), _ => rng.Next(n / 4, n) };
            HashSet<string>? allow = allowSize == 0 ? null : Enumerable.Range(0, allowSize).Select(_ => $"i{rng.Next(n)}").ToHashSet();
            HashSet<string>? deny = rng.Next(2) == 0 ? null : Enumerable.Range(0, rng.Next(1, 2000)).Select(_ => $"i{rng.Next(n)}").ToHashSet();
            var modulus = rng.Next(1, 5);
            Func<string, bool>? predicate = rng.Next(2) == 0 ? null : id => int.Parse(id.AsSpan(1)) % modulus == 0;
            var filter = new RecommendFilter { ExcludeSeen = excludeSeen, AllowItems = allow, DenyItems = deny, Predicate = predicate };
            var seen = model.SeenItems(model.UserIds.GetIndex(user)).ToArray().ToHashSet();
            bool Allowed(int j) =>
                (allow is null || allow.Contains($"i{j}")) && (deny is null || !deny.Contains($"i{j}")) && (predicate is null || predicate($"i{j}"))
                && !(excludeSeen && seen.Contains(j));

            var list = approximate.Recommend(user, count, filter);
            AssertExactlyScoredAndAllowed(model, user, list, Allowed, count);
            var many = approximate.RecommendMany([user, "u0"], count, filter);
            Assert.That(many[0].Select(s => (s.Index, s.Score)), Is.EqualTo(list.Select(s => (s.Index, s.Score))), $"trial {trial}: batch and single lists differ");
            if (allowSize is > 0 and < 50)
            {
                // A small allowed set is served exactly.
                Assert.That(list.Select(s => (s.Index, s.Score)), Is.EqualTo(model.Recommend(user, count, filter).Select(s => (s.Index, s.Score))), $"trial {trial}");
            }
        }
    }

    [Test]
    public void EveryCompactScoreOfTheWalkLiesWithinTheStatedSlackOfTheExactScore()
    {
        // The walk scores nodes from signed-byte codes; the slack it returns must cover every such score's error, or the
        // index would skip re-scoring an item that belongs in the list.
        var rng = new Random(3);
        const int k = 20;
        var items = Enumerable.Range(0, 3000 * k).Select(_ => (float)(rng.NextDouble() - 0.5) * (rng.Next(4) == 0 ? 8f : 1f)).ToArray();
        var bias = Enumerable.Range(0, 3000).Select(_ => (float)rng.NextDouble()).ToArray();
        var scoring = new FactorScoring(k, new float[k], items, bias, 0f, null);
        var ids = Enumerable.Range(0, 3000).Where(j => j % 3 != 0).ToArray();
        var graph = HnswGraph.Build(scoring, ids, new ApproximateServingOptions(), new Random(1), new ParallelOptions { MaxDegreeOfParallelism = 1 }, _ => { });
        var found = new List<(int Item, float Score)>();
        for (var trial = 0; trial < 20; trial++)
        {
            var query = Enumerable.Range(0, k).Select(_ => (float)(rng.NextDouble() - 0.5) * 3f).ToArray();
            found.Clear();
            var slack = graph.Search(query, 50, null, new int[3000], 1, found, out var scored);
            Assert.That(found, Has.Count.EqualTo(50));
            Assert.That(scored, Is.InRange(50, 3000), "the walk scores at least the nodes it keeps, each at most once on the bottom layer");
            Assert.That(slack, Is.GreaterThan(0f));
            foreach (var (j, score) in found)
            {
                Assert.That(j % 3, Is.Not.EqualTo(0), "an item of another band was found");
                var exact = items.AsSpan(j * k, k).ToArray().Zip(query, (a, b) => (double)a * b).Sum() + bias[j];
                Assert.That(Math.Abs(score - exact), Is.LessThanOrEqualTo(slack), $"trial {trial}, item {j}");
            }
        }
    }

    [TestCase(24)] // not a multiple of 16: the float path
    [TestCase(64)] // the integer path where AVX2 is present
    [TestCase(48)]
    public void AScanFindsEveryAllowedNodeThatCanReachTheFloorWithAScoreWithinTheSlack(int k)
    {
        var rng = new Random(5);
        const int n = 2000;
        var items = Enumerable.Range(0, n * k).Select(_ => (float)(rng.NextDouble() - 0.5) * (rng.Next(5) == 0 ? 6f : 1f)).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        var scoring = new FactorScoring(k, new float[k], items, bias, 0f, null);
        var ids = Enumerable.Range(0, n).Where(j => j % 4 != 1).ToArray();
        var graph = HnswGraph.Build(scoring, ids, new ApproximateServingOptions(), new Random(1), new ParallelOptions { MaxDegreeOfParallelism = 1 }, _ => { });
        var mask = Enumerable.Range(0, n).Select(j => j % 5 != 0).ToArray();
        var excluded = new int[n];
        excluded[2] = excluded[3] = excluded[7] = 4;
        var found = new List<(int Item, float Score)>();
        for (var trial = 0; trial < 10; trial++)
        {
            var query = Enumerable.Range(0, k).Select(_ => (float)(rng.NextDouble() - 0.5) * 2f).ToArray();
            double Exact(int j) => items.AsSpan(j * k, k).ToArray().Zip(query, (a, b) => (double)a * b).Sum() + bias[j];
            var floor = (float)ids.Select(Exact).OrderDescending().ElementAt(30);
            found.Clear();
            var slack = graph.Scan(query, floor, trial % 2 == 0 ? mask : null, excluded, 4, found);
            var expected = ids.Where(j => (trial % 2 != 0 || mask[j]) && excluded[j] != 4 && Exact(j) >= floor).ToHashSet();
            Assert.That(found.Select(f => f.Item).ToHashSet().IsSupersetOf(expected), Is.True, $"trial {trial}: an item above the floor was not found");
            foreach (var (j, score) in found)
            {
                Assert.That(ids.Contains(j) && excluded[j] != 4 && (trial % 2 != 0 || mask[j]), Is.True, $"trial {trial}: item {j} is not allowed");
                Assert.That(Math.Abs(score - Exact(j)), Is.LessThanOrEqualTo(slack), $"trial {trial}, item {j}");
                Assert.That(score + slack, Is.GreaterThanOrEqualTo(floor));
            }
        }
    }

    [TestCase(0)]
    [TestCase(ApproximateServingOptions.DefaultScanFactor)]
    public void ListsAreTheExactTopWhenTheSearchIsWideEnoughToReachEveryItem(int scanFactor)
    {
        // With efSearch at the catalogue's size every node is found; the compact scores only choose which to re-score,
        // so the lists must be the exact path's, scores included, under filters too.
        var model = Synthetic(40, 1500, 16, 9);
        var approximate = model.WithApproximateServing(new ApproximateServingOptions { EfSearch = 1500, ScanFactor = scanFactor });
        var filter = new RecommendFilter { Predicate = id => int.Parse(id.AsSpan(1)) % 3 != 0 };
        foreach (var user in model.UserIds.Take(40))
        {
            Assert.That(approximate.Recommend(user, 25).Select(s => (s.Index, s.Score)), Is.EqualTo(model.Recommend(user, 25).Select(s => (s.Index, s.Score))), user);
            Assert.That(approximate.Recommend(user, 25, filter).Select(s => (s.Index, s.Score)), Is.EqualTo(model.Recommend(user, 25, filter).Select(s => (s.Index, s.Score))), user);
        }
    }

    [Test]
    public void AFoldedInUserGetsAnApproximateListWithoutItsOwnItems()
    {
        var model = Catalogue.Value;
        var approximate = model.WithApproximateServing();
        var items = new[] { "i1", "i20", "i300" };
        var folded = approximate.FoldIn(items.Select(i => new KeyValuePair<string, float>(i, 4f)));
        var list = approximate.Recommend(folded, 50);
        var exact = model.Recommend(model.FoldIn(items.Select(i => new KeyValuePair<string, float>(i, 4f))), 50);
        var scores = new float[model.ItemIds.Count];
        model.ScoreItems(folded, scores);
        Assert.That(list.Select(s => s.ItemId), Has.None.AnyOf(items));
        Assert.That(list.Select(s => s.Score), Is.EqualTo(list.Select(s => scores[s.Index])));
        Assert.That(list.Count(s => exact.Any(e => e.Index == s.Index)), Is.GreaterThanOrEqualTo(45));
    }

    [Test]
    public void AnImplicitAlsModelSavedAndLoadedServesTheSameListsFromTheSameIndex()
    {
        var data = ImplicitTestData.Groups(users: 300, items: 400, perUser: 20);
        var model = Recommenders.ImplicitAls().Factors(16).Iterations(4).Seed(3).Fit(data).WithApproximateServing(new ApproximateServingOptions { M = 6, EfSearch = 12 });
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = Recommender.Load(stream);
        Assert.That(loaded, Is.TypeOf<ImplicitAlsModel>());
        Assert.That(loaded.ApproximateOptions, Is.EqualTo(model.ApproximateOptions));
        var users = model.UserIds.AsSpan().ToArray();
        var filter = new RecommendFilter { DenyItems = ["i3", "i4"] };
        Assert.That(
            loaded.RecommendMany(users, 10, filter).Select(l => l.Select(s => (s.Index, s.Score))),
            Is.EqualTo(model.RecommendMany(users, 10, filter).Select(l => l.Select(s => (s.Index, s.Score)))));
        using var again = new MemoryStream();
        loaded.Save(again);
        Assert.That(again.ToArray(), Is.EqualTo(stream.ToArray()), "a loaded model saves the same bytes");
    }

    [Test]
    public void TheIndexIsTheSameOnOneThreadAndOnMany()
    {
        var model = Synthetic(20, 3000, 8, 2);
        byte[] Saved(int threads)
        {
            using var stream = new MemoryStream();
            model.WithApproximateServing(new ApproximateServingOptions { Threads = threads }).Save(stream);
            return stream.ToArray();
        }

        Assert.That(Saved(2), Is.EqualTo(Saved(1)));
    }

    [Test]
    public void ABuildReportsProgressAndStopsWhenCancelled()
    {
        var model = Synthetic(5, 4000, 8, 4);
        var reports = new List<TrainingProgress>();
        model.WithApproximateServing(progress: new SynchronousProgress<TrainingProgress>(reports.Add));
        var build = reports.Where(r => r.Stage is null).ToList();
        Assert.That(build, Is.Not.Empty);
        Assert.That(build[^1].Iteration, Is.EqualTo(4000));
        Assert.That(build.Select(r => r.Iteration), Is.Ordered);
        Assert.That(reports.Count(r => r.Stage == "calibration"), Is.GreaterThanOrEqualTo(1), "calibration reports after the build");
        Assert.That(reports.SkipWhile(r => r.Stage is null).Select(r => r.Stage), Is.All.EqualTo("calibration"));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.That(() => model.WithApproximateServing(cancellationToken: cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [TestCase(nameof(ApproximateServingOptions.M), 3)]
    [TestCase(nameof(ApproximateServingOptions.M), 65)]
    [TestCase(nameof(ApproximateServingOptions.EfConstruction), 7)]
    [TestCase(nameof(ApproximateServingOptions.EfSearch), 0)]
    [TestCase(nameof(ApproximateServingOptions.Threads), -1)]
    public void AnOptionOutOfRangeIsRefusedByName(string option, int value)
    {
        var options = option switch
        {
            nameof(ApproximateServingOptions.M) => new ApproximateServingOptions { M = value },
            nameof(ApproximateServingOptions.EfConstruction) => new ApproximateServingOptions { EfConstruction = value },
            nameof(ApproximateServingOptions.EfSearch) => new ApproximateServingOptions { EfSearch = value },
            _ => new ApproximateServingOptions { Threads = value },
        };
        Assert.That(() => Catalogue.Value.WithApproximateServing(options), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(option));
    }

    [Test]
    public void AModelWithoutItemVectorsIsRefusedByName()
    {
        var popularity = Recommenders.Popularity().Fit(ImplicitTestData.Groups());
        Assert.That(() => popularity.WithApproximateServing(), Throws.TypeOf<NotSupportedException>().With.Message.Contains("popularity"));
    }

    private static byte[] SavedSmall(out RecommenderModel model)
    {
        model = Synthetic(10, 500, 8, 9).WithApproximateServing(new ApproximateServingOptions { M = 4 });
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    /// <summary>The file with its ANNI section replaced by <paramref name="payload"/> (the rest as saved).</summary>
    internal static MemoryStream WithIndexSection(byte[] bytes, byte[] payload)
    {
        var file = ModelFileReader.Parse(bytes, "model", null);
        var writer = new ModelFileWriter(file.Kind);
        foreach (var tag in file.Tags)
        {
            writer.Add(tag, new PayloadWriter().Raw(tag == MipsIndex.SectionTag ? payload : file.SectionBytes(tag)));
        }

        var crafted = new MemoryStream();
        writer.WriteTo(crafted);
        crafted.Position = 0;
        return crafted;
    }

    [Test]
    public void ACraftedOrTruncatedIndexSectionIsRefusedWithAFormatError()
    {
        var bytes = SavedSmall(out _);
        var section = ModelFileReader.Parse(bytes, "model", null).SectionBytes(MipsIndex.SectionTag);
        var rng = new Random(5);
        var cases = new List<(string Name, byte[] Payload)>
        {
            ("truncated", section[..(section.Length / 2)]),
            ("empty", []),
            ("version", Patched(section, 0, 99)),
            ("item count", Patched(section, 4, 499)),
            ("M", Patched(section, 13, 1000)),
            ("calibrated efSearch", Patched(section, 38, 0)),
            ("calibrated recall", Patched(section, 46, 0x7FF80000)),
            ("calibrated lower bound", Patched(section, 54, 0x7FF80000)),
            ("band count", Patched(section, 62, -1)),
        };

        // Every int of the links and counts region set to an out-of-range value, one at a time, at random positions.
        for (var t = 0; t < 40; t++)
        {
            var at = 58 + (4 * rng.Next((section.Length - 58) / 4));
            cases.Add(($"int at {at}", Patched(section, at, rng.Next(2) == 0 ? -5 : 1 << 20)));
        }

        var refused = 0;
        foreach (var (name, payload) in cases)
        {
            using var crafted = WithIndexSection(bytes, payload);
            try
            {
                var loaded = Recommender.Load(crafted);

                // Accepted: a change that still makes a valid graph (a link to another valid item); it must still serve.
                loaded.RecommendMany(loaded.UserIds.AsSpan().ToArray(), 10);
            }
            catch (ModelFormatException e)
            {
                refused++;
                Assert.That(e.Message, Does.Contain(MipsIndex.SectionTag).Or.Contain("index"), name);
            }
        }

        Assert.That(refused, Is.GreaterThanOrEqualTo(8 + 30), "nearly every out-of-range value must be refused");
    }

    [Test]
    public void AnIndexForAnotherCatalogueIsRefused()
    {
        var bytes = SavedSmall(out _);
        var other = Synthetic(10, 400, 8, 9).WithApproximateServing(new ApproximateServingOptions { M = 4 });
        using var otherStream = new MemoryStream();
        other.Save(otherStream);
        var foreign = ModelFileReader.Parse(otherStream.ToArray(), "other", null).SectionBytes(MipsIndex.SectionTag);
        using var crafted = WithIndexSection(bytes, foreign);
        Assert.That(() => Recommender.Load(crafted), Throws.TypeOf<ModelFormatException>().With.Message.Contains("400 items"));
    }

    private static byte[] Patched(byte[] payload, int offset, int value)
    {
        var copy = (byte[])payload.Clone();
        BitConverter.TryWriteBytes(copy.AsSpan(offset), value);
        return copy;
    }
}
