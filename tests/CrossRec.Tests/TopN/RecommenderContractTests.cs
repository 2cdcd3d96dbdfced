using CrossRec.Persistence;

namespace CrossRec.Tests.TopN;

/// <summary>
/// One recommender under contract test: how to train it (on an engine) and how close its fold-in must
/// come to the trained representation of the same user.
/// </summary>
/// <param name="Name">Display name (algorithm × engine).</param>
/// <param name="Fit">Trains the model.</param>
/// <param name="FoldInTop10Overlap">Minimum share of a training user's top-10 that fold-in from the same items reproduces.</param>
/// <param name="BeatsPopularity">Whether the algorithm is expected to beat popularity on the planted structure.</param>
public sealed record RecommenderCase(string Name, Func<InteractionSet, RecommenderModel> Fit, double FoldInTop10Overlap, bool BeatsPopularity = true)
{
    public override string ToString() => Name;
}

/// <summary>
/// The contract every (engine × algorithm) pair meets: learns planted structure and beats popularity,
/// survives save/load bit-identically (file, stream, <see cref="Recommender.Load(string)"/>), fold-in
/// matches the trained user to a stated tolerance, filters are honoured, batched recommendation equals
/// one-by-one, concurrent calls agree, bad input is refused by name.
/// </summary>
[TestFixtureSource(typeof(RecommenderCases), nameof(RecommenderCases.All))]
public sealed class RecommenderContractTests(RecommenderCase subject)
{
    private static readonly Lazy<(InteractionSet Train, InteractionSet Test)> Split = new(() => ImplicitTestData.Groups(domains: true).SplitPerUser(0.2, 3));

    private RecommenderModel? _model;

    private RecommenderModel Model => _model ??= subject.Fit(Split.Value.Train);

    [Test]
    public void LearnsThePlantedStructureAndBeatsPopularity()
    {
        var (train, test) = Split.Value;
        var m = global::CrossRec.Evaluation.Ranking(Model, test);
        var popularity = global::CrossRec.Evaluation.Ranking(Recommenders.Popularity().Fit(train), test);
        TestContext.Out.WriteLine($"{subject.Name}: NDCG@10 {m.Ndcg:F4} vs popularity {popularity.Ndcg:F4}");
        if (subject.BeatsPopularity)
        {
            Assert.That(m.Ndcg, Is.GreaterThan(popularity.Ndcg + 0.05));
        }
        else
        {
            Assert.That(m.Ndcg, Is.GreaterThan(0.05));
        }
    }

    [Test]
    public void SaveAndLoadGiveBitIdenticalScores()
    {
        var path = Path.Combine(Path.GetTempPath(), $"crossrec-contract-{Guid.NewGuid():N}.model");
        try
        {
            Model.Save(path);
            var fromFile = Recommender.Load(path);
            using var stream = new MemoryStream();
            Model.Save(stream);
            stream.Position = 0;
            var fromStream = Recommender.Load(stream);
            Assert.That(fromFile.GetType(), Is.EqualTo(Model.GetType()));
            Assert.That(fromFile.Algorithm, Is.EqualTo(Model.Algorithm));
            var expected = new float[Model.ItemIds.Count];
            var actual = new float[Model.ItemIds.Count];
            var again = new float[Model.ItemIds.Count];
            for (var u = 0; u < Model.UserIds.Count; u += 7)
            {
                Model.ScoreItems(u, expected);
                fromFile.ScoreItems(u, actual);
                fromStream.ScoreItems(u, again);
                Assert.That(actual, Is.EqualTo(expected), $"user {u} from file");
                Assert.That(again, Is.EqualTo(expected), $"user {u} from stream");
            }

            Assert.That(fromFile.Recommend("u5", 10).Select(r => r.ItemId), Is.EqualTo(Model.Recommend("u5", 10).Select(r => r.ItemId)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ATruncatedOrAlteredFileIsRefused()
    {
        using var stream = new MemoryStream();
        Model.Save(stream);
        var bytes = stream.ToArray();
        Assert.Throws<ModelFormatException>(() => Recommender.Load(new MemoryStream(bytes[..(bytes.Length / 2)])));
        var altered = (byte[])bytes.Clone();
        altered[bytes.Length / 3] ^= 0x40;
        Assert.Throws<ModelFormatException>(() => Recommender.Load(new MemoryStream(altered)));
    }

    [Test]
    public void FoldInFromATrainingUsersItemsReproducesTheirRecommendations()
    {
        var overlaps = new List<double>();
        for (var u = 0; u < 40; u++)
        {
            var id = Model.UserIds[u];
            var items = Model.SeenItems(u);
            var values = Model.SeenValues(u);
            var pairs = new List<KeyValuePair<string, float>>();
            for (var k = 0; k < items.Length; k++)
            {
                pairs.Add(new(Model.ItemIds[items[k]], values[k]));
            }

            var folded = Model.FoldIn(pairs);
            Assert.That(folded.SeenItems.ToArray(), Is.EqualTo(items.ToArray()));
            var trained = Model.Recommend(id, 10).Select(r => r.ItemId).ToHashSet();
            var fromFold = Model.Recommend(folded, 10).Select(r => r.ItemId);
            overlaps.Add(fromFold.Count(trained.Contains) / 10.0);
        }

        var mean = overlaps.Average();
        TestContext.Out.WriteLine($"{subject.Name}: mean top-10 overlap of fold-in with the trained user {mean:F3}");
        Assert.That(mean, Is.GreaterThanOrEqualTo(subject.FoldInTop10Overlap));
    }

    [Test]
    public void FiltersAreHonoured()
    {
        var id = Model.UserIds[3];
        var seen = Model.SeenItems(3).ToArray().Select(i => Model.ItemIds[i]).ToHashSet();
        var all = Model.Recommend(id, 200, new RecommendFilter { ExcludeSeen = false });
        Assert.That(all.Select(r => r.ItemId), Has.Some.Matches<string>(s => seen.Contains(s!)));
        var unseen = Model.Recommend(id, 200);
        Assert.That(unseen.Select(r => r.ItemId), Has.None.Matches<string>(s => seen.Contains(s!)));
        Assert.That(Model.Recommend(id, 50, "film").Select(r => int.Parse(r.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture) % 2), Is.All.EqualTo(1));
        var allow = new[] { "i1", "i2", "i3", "i50", "i51" };
        Assert.That(Model.Recommend(id, 50, new RecommendFilter { AllowItems = allow, ExcludeSeen = false }).Select(r => r.ItemId), Is.SubsetOf(allow));
        var best = unseen[0].ItemId;
        Assert.That(Model.Recommend(id, 10, new RecommendFilter { DenyItems = [best] }).Select(r => r.ItemId), Does.Not.Contain(best));
        Assert.That(Model.Recommend(id, 10, new RecommendFilter { Predicate = item => item.EndsWith('7') }).Select(r => r.ItemId), Is.All.EndsWith("7"));
        Assert.Throws<KeyNotFoundException>(() => Model.Recommend(id, 10, new RecommendFilter { AllowItems = ["no-such-item"] }));
        Assert.Throws<KeyNotFoundException>(() => Model.Recommend(id, 10, "no-such-domain"));
        var similar = Model.SimilarItems("i10", 10, "book");
        Assert.That(similar.Select(r => r.ItemId), Does.Not.Contain("i10"));
        Assert.That(similar.Select(r => int.Parse(r.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture) % 2), Is.All.EqualTo(0));
    }

    [Test]
    public void BatchedRecommendationsEqualOneByOneAndConcurrentCallsAgree()
    {
        var users = Enumerable.Range(0, 60).Select(u => Model.UserIds[u]).ToList();
        var batch = Model.RecommendMany(users, 10, threads: 2);
        var single = users.Select(u => Model.Recommend(u, 10)).ToList();
        for (var n = 0; n < users.Count; n++)
        {
            Assert.That(batch[n], Is.EqualTo(single[n]), users[n]);
        }

        var concurrent = new IReadOnlyList<ScoredItem>[users.Count];
        Parallel.For(0, users.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, n => concurrent[n] = Model.Recommend(users[n], 10));
        for (var n = 0; n < users.Count; n++)
        {
            Assert.That(concurrent[n], Is.EqualTo(single[n]), users[n]);
        }
    }

    [Test]
    public void BadInputIsRefusedByName()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => Model.Recommend("no-such-user", 10));
        Assert.That(ex!.Message, Does.Contain("no-such-user"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Model.Recommend(Model.UserIds[0], 0));
        var nan = Assert.Throws<ArgumentException>(() => Model.FoldIn([new("i1", float.NaN)]));
        Assert.That(nan!.Message, Does.Contain("i1"));
        var unknown = Assert.Throws<KeyNotFoundException>(() => Model.FoldIn([new("no-such-item", 1f)]));
        Assert.That(unknown!.Message, Does.Contain("no-such-item"));
        Assert.Throws<ArgumentException>(() => Model.FoldIn([]));
        Assert.Throws<KeyNotFoundException>(() => Model.RecommendMany(["u1", "no-such-user"], 10));
        var empty = Split.Value.Train.Subset([], "empty");
        Assert.Catch<ArgumentException>(() => subject.Fit(empty));
        if (!Model.CanExplain)
        {
            Assert.Throws<NotSupportedException>(() => Model.Explain(Model.UserIds[0], "i1"));
        }
    }

    [Test]
    public void ExplanationsNameTheUsersOwnItemsWhereSupported()
    {
        if (!Model.CanExplain)
        {
            Assert.Ignore($"{subject.Name} does not explain its scores.");
        }

        var id = Model.UserIds[2];
        var top = Model.Recommend(id, 1)[0];
        var explanation = Model.Explain(id, top.ItemId, count: 1000);
        var seen = Model.SeenItems(2).ToArray();
        Assert.That(explanation.Contributions.Select(c => c.Index), Is.SubsetOf(seen));
        Assert.That(explanation.Contributions.Select(c => c.Contribution), Is.Ordered.Descending);
        Assert.That(explanation.Score, Is.EqualTo(top.Score).Within(1e-3 * Math.Max(1, Math.Abs(top.Score))));
    }
}
