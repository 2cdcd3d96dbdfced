using CrossRec.Tests.TopN;

namespace CrossRec.Tests.Hybrid;

/// <summary>The cold-start protocols: seeded, disjoint splits, and rankings restricted as documented.</summary>
[TestFixture]
public sealed class ColdStartTests
{
    [Test]
    public void AnItemSplitHoldsOutTheSeededShareWithAllItsInteractions()
    {
        var data = ImplicitTestData.Groups();
        var split = ColdStart.SplitItems(data, 0.2, 5);
        var active = data.CountsPerItem().Count(c => c > 0);
        Assert.That(split.NewItems, Has.Count.EqualTo((int)Math.Round(0.2 * active)).And.Unique);
        Assert.That(split.Train.Count + split.Test.Count, Is.EqualTo(data.Count));
        var isNew = split.NewItems.ToHashSet();
        Assert.That(Enumerable.Range(0, split.Test.Count).Select(r => split.Test.ItemIds[split.Test.Items[r]]).All(isNew.Contains), Is.True);
        Assert.That(Enumerable.Range(0, split.Train.Count).Select(r => split.Train.ItemIds[split.Train.Items[r]]).Any(isNew.Contains), Is.False);
        Assert.That(ColdStart.SplitItems(data, 0.2, 5).NewItems, Is.EqualTo(split.NewItems));
        Assert.That(ColdStart.SplitItems(data, 0.2, 6).NewItems, Is.Not.EqualTo(split.NewItems));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColdStart.SplitItems(data, 1.0, 5));
    }

    [Test]
    public void AUserSplitHoldsOutTheSeededShareWithAllTheirInteractions()
    {
        var data = ImplicitTestData.Groups();
        var split = ColdStart.SplitUsers(data, 0.25, 5);
        Assert.That(split.NewUsers, Has.Count.EqualTo(100).And.Unique);
        Assert.That(split.Train.Count + split.Test.Count, Is.EqualTo(data.Count));
        var isNew = split.NewUsers.ToHashSet();
        Assert.That(Enumerable.Range(0, split.Train.Count).Select(r => split.Train.UserIds[split.Train.Users[r]]).Any(isNew.Contains), Is.False);
        Assert.That(Enumerable.Range(0, split.Test.Count).Select(r => split.Test.UserIds[split.Test.Users[r]]).All(isNew.Contains), Is.True);
    }

    /// <summary>
    /// Users of group g have every item of block g; items carry their block as their one feature. Held-out items of a
    /// user's block are all relevant to them and the profile cosine ranks exactly those first among the new items, so
    /// its NDCG@10 is 1; against the whole catalogue, the user's own training items are excluded and it stays 1.
    /// </summary>
    /// <summary>
    /// The segments example: u1, u2 are "a"; u3 is "b"; u9 is "a" with no interactions. Items: x (u1, u2, u3), y (u1),
    /// z (u3). "a" users' shares: x 2/3, y 1/3; "b" users': x 1/2, z 1/2.
    /// </summary>
    internal static (InteractionSet Train, FeatureSet Attributes) SegmentsExample()
    {
        var train = new InteractionSetBuilder()
            .Add("u1", "x", 1).Add("u1", "y", 1).Add("u2", "x", 1).Add("u3", "x", 1).Add("u3", "z", 1)
            .Build("segments");
        var attributes = FeatureSet.CreateBuilder("user");
        attributes.Add("u1", "a").Add("u2", "a").Add("u3", "b").Add("u9", "a");
        return (train, attributes.Build());
    }

    [Test]
    public void SegmentPopularityScoresEachItemsShareWithinTheUsersAttributes()
    {
        var (train, attributes) = SegmentsExample();
        var baseline = FeatureBaseline.SegmentPopularity(train, attributes);
        var scores = new float[3];
        var x = train.ItemIds.IndexOf("x");
        var y = train.ItemIds.IndexOf("y");
        var z = train.ItemIds.IndexOf("z");

        baseline.ScoreAttributes([new("a", 1f)], scores); // "a" users: x twice, y once of 3
        Assert.That((scores[x], scores[y], scores[z]), Is.EqualTo((2f / 3, 1f / 3, 0f)));
        baseline.ScoreAttributes([new("a", 1f), new("b", 2f), new("never seen", 5f)], scores); // + 2 × "b" shares: x 1/2, z 1/2
        Assert.That(scores[x], Is.EqualTo((2f / 3) + 1f).Within(1e-6));
        Assert.That(scores[z], Is.EqualTo(1f).Within(1e-6));
        baseline.ScoreItems(train.UserIds.IndexOf("u3"), scores); // a training user, from their own attributes
        Assert.That((scores[x], scores[y], scores[z]), Is.EqualTo((0.5f, 0f, 0.5f)));
        baseline.ScoreAttributes([], scores);
        Assert.That(scores, Is.All.EqualTo(0f));
        Assert.That(baseline.Name, Is.EqualTo("segment-popularity"));
        Assert.Throws<ArgumentException>(() => baseline.ScoreAttributes([new("a", float.NaN)], scores));
        Assert.Throws<ArgumentException>(() => baseline.ScoreAttributes([new("a", 1f)], new float[2]));
        var items = FeatureSet.CreateBuilder("item");
        items.Add("x", "g");
        Assert.Throws<NotSupportedException>(() => FeatureBaseline.FeaturePopularity(train, items.Build()).ScoreAttributes([new("a", 1f)], scores));
    }

    [Test]
    public void AContentBaselineThatKnowsTheAnswerScoresOne()
    {
        var builder = new InteractionSetBuilder();
        var features = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < 40; i++)
        {
            features.Add($"i{i}", $"block:{i / 10}");
        }

        for (var u = 0; u < 40; u++)
        {
            for (var i = (u % 4) * 10; i < ((u % 4) * 10) + 10; i++)
            {
                builder.Add($"u{u}", $"i{i}", 1f);
            }
        }

        var data = builder.Build("blocks");
        var split = ColdStart.SplitItems(data, 0.2, 1);
        var cosine = FeatureBaseline.ProfileCosine(split.Train, features.Build());
        var newItems = ColdStart.EvaluateItems(cosine, split);
        var whole = ColdStart.EvaluateItems(cosine, split, ColdItemCandidates.WholeCatalogue);
        Assert.That(newItems.Metrics.Users, Is.EqualTo(newItems.Users.Count).And.GreaterThan(0));
        Assert.That(newItems.Metrics.Ndcg, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(whole.Metrics.Ndcg, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(newItems.Ndcg, Has.Count.EqualTo(newItems.Users.Count));

        // Popularity by feature cannot tell the blocks apart here (every block is as popular): well below 1.
        var popularity = ColdStart.EvaluateItems(FeatureBaseline.FeaturePopularity(split.Train, features.Build()), split);
        Assert.That(popularity.Metrics.Ndcg, Is.LessThan(0.9));
    }
}
