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
