namespace CrossRec.Tests.TopN;

/// <summary>The blocked batch path of RecommendMany gives exactly the per-user lists.</summary>
public class RecommendManyBlockTests
{
    private static void AssertSameAsPerUser(RecommenderModel model, RecommendFilter? filter, int count)
    {
        var users = model.UserIds.AsSpan().ToArray();
        var batch = model.RecommendMany(users, count, filter);
        for (var n = 0; n < users.Length; n++)
        {
            var single = model.Recommend(users[n], count, filter);
            Assert.That(batch[n].Select(s => (s.ItemId, s.Score)), Is.EqualTo(single.Select(s => (s.ItemId, s.Score))), $"user {users[n]}");
        }
    }

    [TestCase(1)]
    [TestCase(10)]
    [TestCase(300)]
    public void ALargeFactorCatalogueGivesTheSameListsAsOneUserAtATime(int count)
    {
        var model = Synthetic(40, 5000);
        AssertSameAsPerUser(model, null, count);
        AssertSameAsPerUser(model, new RecommendFilter { DenyItems = ["i7", "i4100"], ExcludeSeen = false }, count);
    }

    /// <summary>A biased-MF model with random factors (and some tied scores) over a catalogue of several chunks.</summary>
    private static FactorizationModel Synthetic(int users, int items)
    {
        const int k = 16;
        var rng = new Random(3);
        float Next() => (float)Math.Round(rng.NextDouble() - 0.5, 2); // coarse values make ties
        var uf = Enumerable.Range(0, users * k).Select(_ => Next()).ToArray();
        var itf = Enumerable.Range(0, items * k).Select(_ => Next()).ToArray();
        var bias = Enumerable.Range(0, items).Select(_ => Next()).ToArray();
        var offsets = new int[users + 1];
        var seen = new List<int>();
        for (var u = 0; u < users; u++)
        {
            seen.AddRange(Enumerable.Range(0, items).OrderBy(_ => rng.Next()).Take(u % 7 * 30).Order());
            offsets[u + 1] = seen.Count;
        }

        return new FactorizationModel(
            IdMap.Create("user", Enumerable.Range(0, users).Select(u => $"u{u}")),
            IdMap.Create("item", Enumerable.Range(0, items).Select(i => $"i{i}")),
            k, 3f, Enumerable.Range(0, users).Select(_ => Next()).ToArray(), bias, uf, itf, offsets, [.. seen], Enumerable.Repeat(1f, seen.Count).ToArray(), null, null, null, null);
    }

    /// <summary>
    /// A filtered request rents its score buffer and its allowed-item mask (per thread, reused call after call), so on a
    /// large catalogue it allocates only the result list, never a buffer per item.
    /// </summary>
    [Test]
    public void AFilteredRequestAllocatesNoBufferPerItem()
    {
        const int items = 50_000;
        var model = Synthetic(3, items);
        var filter = new RecommendFilter { DenyItems = ["i7", "i4100"], Predicate = id => id.Length < 6 };
        var folded = model.FoldIn([new KeyValuePair<string, float>("i3", 1f)]);
        for (var warm = 0; warm < 3; warm++)
        {
            model.Recommend("u1", 300, filter);
            model.Recommend(folded, 300, filter);
            model.SimilarItems("i5", 300, filter);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var list = model.Recommend("u1", 300, filter);
        var afterUser = GC.GetAllocatedBytesForCurrentThread();
        model.Recommend(folded, 300, filter);
        var afterFolded = GC.GetAllocatedBytesForCurrentThread();
        model.SimilarItems("i5", 300, filter);
        var afterSimilar = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(list, Has.Count.EqualTo(300));
        // The result: a list of 300 ScoredItems (about 7 KiB); one bool or float per item would be 50 or 200 KB.
        Assert.That(afterUser - before, Is.LessThan(12_000), "a request for a known user");
        Assert.That(afterSimilar - afterFolded, Is.LessThan(12_000), "similar items");
        Assert.That(afterFolded - afterUser, Is.LessThan(12_000 + (2 * 16 * sizeof(float))), "a folded-in user");
    }

    [Test]
    public void ImplicitAlsAndBprBatchesMatchToo()
    {
        var data = CrossRec.Tests.Fuzz.ModelFileFuzzTests.Ratings(false);
        AssertSameAsPerUser(Recommenders.ImplicitAls().Factors(8).Iterations(3).Seed(2).Fit(data), null, 5);
        AssertSameAsPerUser(Recommenders.Bpr().Factors(8).Epochs(3).Seed(2).Deterministic().Fit(data), new RecommendFilter { DenyItems = ["i3"] }, 7);
    }
}
