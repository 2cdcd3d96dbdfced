using System.Diagnostics;
using CrossRec.AccuracyTests.TopN;
using CrossRec.Algorithms.Mapped;

namespace CrossRec.AccuracyTests.Features;

/// <summary>
/// The cold-start accuracy table of docs/accuracy.md on MovieLens 100K with its side features (<c>u.item</c> genres and
/// release-year band; <c>u.user</c> age band, gender, occupation), seeded protocols (seed 42): item cold start (20 % of
/// the items held out with every interaction; ranked among the new items, and against the whole catalogue) and user
/// cold start (20 % of the users held out; served from their attributes). The default is
/// <c>Recommenders.Auto().ItemFeatures(..).UserFeatures(..).For(request)</c>, which chooses on a cold split inside the
/// training part (Auto's seed 7), never on these test users. p: paired t-test of per-user NDCG@10 against the default.
/// </summary>
[TestFixture]
public sealed class ColdStartTableTests
{
    private const int Seed = 42;

    [Test]
    public void NewItemsTheDefaultBeatsEveryBaselineAmongNewItemsAndInTheWholeCatalogue()
    {
        var folder = TestData.Require("ml-100k");
        var data = MovieLens.Load100K(Path.Combine(folder, "u.data"));
        var items = MovieLens.LoadItemFeatures100K(folder);
        var users = MovieLens.LoadUserFeatures100K(folder);
        var split = ColdStart.SplitItems(data, 0.2, Seed);
        var watch = Stopwatch.StartNew();
        var auto = Recommenders.Auto().ItemFeatures(items).UserFeatures(users);
        var forNew = auto.For(AutoRequest.NewItems).Select(split.Train);
        var newSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var forCatalogue = auto.For(AutoRequest.NewItemsInCatalogue).Select(split.Train);
        var catalogueSeconds = watch.Elapsed.TotalSeconds;
        var hybrid = Recommenders.Hybrid().ItemFeatures(items).UserFeatures(users).Fit(split.Train);
        var als = Recommenders.ImplicitAls().Fit(split.Train);
        var ease = Recommenders.Ease().Fit(split.Train);
        var rows = new List<(string Name, Func<ColdItemCandidates, ColdStartResult> Evaluate)>
        {
            ("default, new items (chose " + forNew.Choice + ")", c => ColdStart.EvaluateItems(forNew.Model, split, c)),
            ("default, whole catalogue (chose " + forCatalogue.Choice + ")", c => ColdStart.EvaluateItems(forCatalogue.Model, split, c)),
            ("hybrid (defaults)", c => ColdStart.EvaluateItems(hybrid, split, c)),
            ("mapped ALS (defaults)", c => ColdStart.EvaluateItems(MappedModel.Create(als, items, users), split, c)),
            ("mapped EASE (defaults)", c => ColdStart.EvaluateItems(MappedModel.Create(ease, items, users), split, c)),
            ("feature cosine", c => ColdStart.EvaluateItems(FeatureBaseline.ProfileCosine(split.Train, items), split, c)),
            ("feature popularity", c => ColdStart.EvaluateItems(FeatureBaseline.FeaturePopularity(split.Train, items), split, c)),
        };
        var newItems = rows.Select(r => r.Evaluate(ColdItemCandidates.NewItems)).ToList();
        var catalogue = rows.Select(r => r.Evaluate(ColdItemCandidates.WholeCatalogue)).ToList();
        TestContext.Out.WriteLine($"ML-100K item cold start, {split.NewItems.Count} new items, {newItems[0].Metrics.Users} users; selection {newSeconds:F0} s (new items), {catalogueSeconds:F0} s (whole catalogue)");
        TestContext.Out.WriteLine("| method | NDCG@10 new items | p | NDCG@10 whole catalogue | p |");
        for (var r = 0; r < rows.Count; r++)
        {
            var pNew = r == 0 ? "" : $"{PairedTest.TTest(newItems[0].Ndcg, newItems[r].Ndcg).PValue:G2}";
            var pAll = r == 1 ? "" : $"{PairedTest.TTest(catalogue[1].Ndcg, catalogue[r].Ndcg).PValue:G2}";
            TestContext.Out.WriteLine($"| {rows[r].Name} | {newItems[r].Metrics.Ndcg:F4} | {pNew} | {catalogue[r].Metrics.Ndcg:F4} | {pAll} |");
        }

        var isNew = split.NewItems.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, model) in new (string, RecommenderModel)[] { ("default, whole catalogue", forCatalogue.Model), ("hybrid", hybrid), ("mapped ALS", MappedModel.Create(als, items, users)), ("mapped EASE", MappedModel.Create(ease, items, users)) })
        {
            var lists = model.RecommendMany([.. split.Train.UserIds], 10);
            TestContext.Out.WriteLine($"share of new items in the top 10, {name}: {lists.Average(l => l.Count(r => isNew.Contains(r.ItemId)) / 10.0):P1}");
        }

        foreach (var c in forNew.Candidates.Concat(forCatalogue.Candidates))
        {
            TestContext.Out.WriteLine($"  validation {c.Stage,-22} {c.Algorithm,-40} {c.Ndcg:F4}");
        }

        for (var r = 2; r < rows.Count; r++)
        {
            if (rows[r].Name.StartsWith("feature", StringComparison.Ordinal))
            {
                Assert.That(newItems[0].Metrics.Ndcg, Is.GreaterThan(newItems[r].Metrics.Ndcg), rows[r].Name);
                Assert.That(PairedTest.TTest(newItems[0].Ndcg, newItems[r].Ndcg).PValue, Is.LessThan(0.001), rows[r].Name);
                Assert.That(catalogue[1].Metrics.Ndcg, Is.GreaterThan(catalogue[r].Metrics.Ndcg), rows[r].Name);
                Assert.That(PairedTest.TTest(catalogue[1].Ndcg, catalogue[r].Ndcg).PValue, Is.LessThan(0.001), rows[r].Name);
            }
        }

        // Floors a little under the measured figures (docs/accuracy.md).
        Assert.That(newItems[0].Metrics.Ndcg, Is.GreaterThan(FloorNew));
        Assert.That(catalogue[1].Metrics.Ndcg, Is.GreaterThan(FloorCatalogue));
    }

    [Test]
    public void NewUsersTheDefaultServesUsersKnownOnlyByAttributes()
    {
        var folder = TestData.Require("ml-100k");
        var data = MovieLens.Load100K(Path.Combine(folder, "u.data"));
        var items = MovieLens.LoadItemFeatures100K(folder);
        var users = MovieLens.LoadUserFeatures100K(folder);
        var split = ColdStart.SplitUsers(data, 0.2, Seed);
        var watch = Stopwatch.StartNew();
        var selection = Recommenders.Auto().ItemFeatures(items).UserFeatures(users).For(AutoRequest.NewUsers).Select(split.Train);
        var seconds = watch.Elapsed.TotalSeconds;
        var rows = ColdUserTable.Rows(split, items, users, selection);
        ColdUserTable.Print($"ML-100K user cold start, {split.NewUsers.Count} new users by age band, gender, occupation; selection {seconds:F0} s", rows, selection);

        Assert.That(rows[0].Result.Metrics.Users, Is.EqualTo(split.NewUsers.Count));
        Assert.That(rows[0].Result.Metrics.Ndcg, Is.GreaterThan(rows[ColdUserTable.Popularity].Result.Metrics.Ndcg), "popularity");
        Assert.That(rows[0].Result.Metrics.Ndcg, Is.GreaterThan(FloorUsers));
    }

    [Test]
    public void WarmUsersAutoWithFeaturesCostsThemNothing()
    {
        var folder = TestData.Require("ml-100k");
        var (train, test) = TopNData.Split(TopNData.MovieLens100K());
        var selection = Recommenders.Auto().ItemFeatures(MovieLens.LoadItemFeatures100K(folder)).UserFeatures(MovieLens.LoadUserFeatures100K(folder)).Select(train);
        var withFeatures = TopNData.Evaluate(selection.Model, test);
        var plain = TopNData.Evaluate(selection.Warm!.Model, test);
        var hybrid = selection.Candidates.Single(c => c.Stage == "warm");
        TestContext.Out.WriteLine($"warm: Auto with features chose {selection.Choice}: NDCG@10 {withFeatures.Ndcg:F4}; Auto alone {plain.Ndcg:F4}; validation: hybrid {hybrid.Ndcg:F4}, best CF {selection.Warm.Candidates.Max(c => double.IsFinite(c.Ndcg) ? c.Ndcg : 0):F4}");
        Assert.That(withFeatures.Ndcg, Is.EqualTo(plain.Ndcg).Within(1e-9)); // the same warm scores; the mean differs in the last bit (summation order)
        Assert.That(selection.Model, Is.InstanceOf<MappedModel>());
    }

    // Measured 0.3711, 0.3288 and 0.5584 (docs/accuracy.md: blends of two mapped models chosen on the validation split).
    private const double FloorNew = 0.36;
    private const double FloorCatalogue = 0.30;
    private const double FloorUsers = 0.54;
}
