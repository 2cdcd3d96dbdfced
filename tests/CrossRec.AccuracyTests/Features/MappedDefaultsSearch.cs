using CrossRec.Algorithms.Mapped;

namespace CrossRec.AccuracyTests.Features;

/// <summary>
/// The validation behind <see cref="MappedOptions"/>' defaults: cold splits inside the training part of the seed-42
/// protocols (items: 20 % of the training items, seed 7; users: 20 % of the training users, seed 7), never the test
/// users. Prints NDCG@10 per configuration; slow, run by hand.
/// </summary>
[TestFixture]
public sealed class MappedDefaultsSearch
{
    [Test]
    [Explicit("defaults search: a few minutes")]
    public void ItemAndUserMaps()
    {
        var folder = TestData.Require("ml-100k");
        var data = MovieLens.Load100K(Path.Combine(folder, "u.data"));
        var items = MovieLens.LoadItemFeatures100K(folder);
        var users = MovieLens.LoadUserFeatures100K(folder);
        var cold = ColdStart.SplitItems(ColdStart.SplitItems(data, 0.2, 42).Train, 0.2, 7);
        foreach (var (name, builder) in new (string, IRecommenderBuilder)[] { ("ials", Recommenders.ImplicitAls()), ("ease", Recommenders.Ease()), ("itemknn", Recommenders.ItemKnn()) })
        {
            var model = builder.Fit(cold.Train);
            foreach (var lambda in new[] { 0.1f, 1f, 10f, 30f, 100f, 1000f })
            {
                var mapped = MappedModel.Create(model, items, null, new MappedOptions { ItemRegularization = lambda });
                var n = ColdStart.EvaluateItems(mapped, cold).Metrics.Ndcg;
                TestContext.Out.WriteLine($"items {name,-8} λ {lambda,6}: new items {n:F4}");
            }

            foreach (var shift in new[] { -1f, 0f, 1f, 2f, 3f })
            {
                var mapped = MappedModel.Create(model, items, null, new MappedOptions { NewItemShift = shift });
                var w = ColdStart.EvaluateItems(mapped, cold, ColdItemCandidates.WholeCatalogue).Metrics.Ndcg;
                TestContext.Out.WriteLine($"items {name,-8} shift {shift,4}: whole catalogue {w:F4}");
            }
        }

        var coldUsers = ColdStart.SplitUsers(ColdStart.SplitUsers(data, 0.2, 42).Train, 0.2, 7);
        foreach (var (name, builder) in new (string, IRecommenderBuilder)[] { ("ials", Recommenders.ImplicitAls()), ("ease", Recommenders.Ease()) })
        {
            var model = builder.Fit(coldUsers.Train);
            foreach (var lambda in new[] { 1f, 10f, 100f, 1000f })
            {
                var mapped = MappedModel.Create(model, items, users, new MappedOptions { UserRegularization = lambda });
                var r = ColdStart.EvaluateUsers(coldUsers, mapped.ItemIds, (id, scores) => mapped.ScoreItems(mapped.FoldInAttributes(users.FeaturesOf(id)), scores));
                TestContext.Out.WriteLine($"users {name,-8} λ {lambda,6}: new users {r.Metrics.Ndcg:F4}");
            }
        }

        var popularity = Recommenders.Popularity().Fit(coldUsers.Train);
        var p = ColdStart.EvaluateUsers(coldUsers, popularity.ItemIds, (_, scores) => popularity.ScoreItems(0, scores));
        TestContext.Out.WriteLine($"users popularity: {p.Metrics.Ndcg:F4}");
    }
}
