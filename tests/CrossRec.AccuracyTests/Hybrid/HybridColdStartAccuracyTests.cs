using System.Diagnostics;
using CrossRec.AccuracyTests.TopN;
using CrossRec.Algorithms.Hybrid;

namespace CrossRec.AccuracyTests.Hybrid;

/// <summary>
/// The hybrid recommender on MovieLens 100K with its side features (<c>u.item</c> genres and release-year band,
/// <c>u.user</c> age band, gender and occupation). Item cold start: 20 % of the items (seed 42) are held out with every
/// interaction they have, and the users who had them rank them, among the new items only and against the whole
/// catalogue. The defaults were chosen on a cold split inside the training part (seed 7), never on these test users;
/// docs/decisions/hybrid.md has the figures.
/// </summary>
[TestFixture]
public sealed class HybridColdStartAccuracyTests
{
    private const int Seed = 42;

    [Test]
    public void NewItemsAreRankedBetterThanByTheContentBaselines()
    {
        var folder = TestData.Require("ml-100k");
        var data = MovieLens.Load100K(Path.Combine(folder, "u.data"));
        var items = MovieLens.LoadItemFeatures100K(folder);
        var users = MovieLens.LoadUserFeatures100K(folder);
        var split = ColdStart.SplitItems(data, 0.2, Seed);
        var watch = Stopwatch.StartNew();
        var hybrid = Recommenders.Hybrid().ItemFeatures(items).UserFeatures(users).Fit(split.Train);
        var seconds = watch.Elapsed.TotalSeconds;
        var als = Recommenders.ImplicitAls().Fit(split.Train);
        var cosine = FeatureBaseline.ProfileCosine(split.Train, items);
        var popularity = FeatureBaseline.FeaturePopularity(split.Train, items);

        var hybridNew = ColdStart.EvaluateItems(hybrid, split);
        var cosineNew = ColdStart.EvaluateItems(cosine, split);
        var popularityNew = ColdStart.EvaluateItems(popularity, split);
        var hybridAll = ColdStart.EvaluateItems(hybrid, split, ColdItemCandidates.WholeCatalogue);
        var cosineAll = ColdStart.EvaluateItems(cosine, split, ColdItemCandidates.WholeCatalogue);
        var popularityAll = ColdStart.EvaluateItems(popularity, split, ColdItemCandidates.WholeCatalogue);
        var alsAll = ColdStart.EvaluateItems(als, split, ColdItemCandidates.WholeCatalogue);
        var alsNew = ColdStart.EvaluateItems(als, split);
        var vsCosine = PairedTest.TTest(hybridNew.Ndcg, cosineNew.Ndcg);
        var vsPopularity = PairedTest.TTest(hybridNew.Ndcg, popularityNew.Ndcg);
        TestContext.Out.WriteLine($"ML-100K item cold start, {split.NewItems.Count} new items, {hybridNew.Metrics.Users} users; hybrid fit {seconds:F1}s");
        TestContext.Out.WriteLine($"{"method",-20} {"NDCG@10 new items",18} {"NDCG@10 whole catalogue",24}");
        TestContext.Out.WriteLine($"{"hybrid (defaults)",-20} {hybridNew.Metrics.Ndcg,18:F4} {hybridAll.Metrics.Ndcg,24:F4}");
        TestContext.Out.WriteLine($"{"feature cosine",-20} {cosineNew.Metrics.Ndcg,18:F4} {cosineAll.Metrics.Ndcg,24:F4}   hybrid − cosine {vsCosine.MeanDifference:+0.0000;-0.0000}, paired t p = {vsCosine.PValue:G3}");
        TestContext.Out.WriteLine($"{"feature popularity",-20} {popularityNew.Metrics.Ndcg,18:F4} {popularityAll.Metrics.Ndcg,24:F4}   hybrid − popularity {vsPopularity.MeanDifference:+0.0000;-0.0000}, paired t p = {vsPopularity.PValue:G3}");
        TestContext.Out.WriteLine($"{"implicit ALS",-20} {alsNew.Metrics.Ndcg,18:F4} {alsAll.Metrics.Ndcg,24:F4}   (no features: new items have no factors)");

        Assert.That(hybridNew.Metrics.Users, Is.EqualTo(cosineNew.Metrics.Users));
        Assert.That(hybridNew.Metrics.Ndcg, Is.GreaterThan(cosineNew.Metrics.Ndcg));
        Assert.That(hybridNew.Metrics.Ndcg, Is.GreaterThan(popularityNew.Metrics.Ndcg));
        Assert.That(vsCosine.PValue, Is.LessThan(0.001));
        Assert.That(vsPopularity.PValue, Is.LessThan(0.001));

        // Measured 0.2920 (LightFM, WARP with item features, validation-chosen: about 0.29).
        Assert.That(hybridNew.Metrics.Ndcg, Is.GreaterThan(0.28));
    }

    [Test]
    public void NewUsersKnownOnlyByAttributes()
    {
        var folder = TestData.Require("ml-100k");
        var data = MovieLens.Load100K(Path.Combine(folder, "u.data"));
        var userFeatures = MovieLens.LoadUserFeatures100K(folder);
        var split = ColdStart.SplitUsers(data, 0.2, Seed);
        var hybrid = Recommenders.Hybrid().ItemFeatures(MovieLens.LoadItemFeatures100K(folder)).UserFeatures(userFeatures).Fit(split.Train);
        var popularity = Recommenders.Popularity().Fit(split.Train);

        // Segment popularity: an item's share of the interactions of the known users who share each attribute, averaged over the user's attributes.
        var segmentCounts = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var r = 0; r < split.Train.Count; r++)
        {
            foreach (var (attribute, _) in userFeatures.FeaturesOf(split.Train.UserIds[split.Train.Users[r]]))
            {
                if (!segmentCounts.TryGetValue(attribute, out var counts))
                {
                    segmentCounts[attribute] = counts = new float[split.Train.ItemCount];
                }

                counts[split.Train.Items[r]]++;
            }
        }

        var hybridResult = ColdStart.EvaluateUsers(split, hybrid.ItemIds, (id, scores) => hybrid.ScoreItems(hybrid.FoldInAttributes(userFeatures.FeaturesOf(id)), scores));
        var popularityResult = ColdStart.EvaluateUsers(split, popularity.ItemIds, (_, scores) => popularity.ScoreItems(0, scores));
        var segmentResult = ColdStart.EvaluateUsers(split, split.Train.ItemIds, (id, scores) =>
        {
            scores.Clear();
            foreach (var (attribute, _) in userFeatures.FeaturesOf(id))
            {
                if (segmentCounts.TryGetValue(attribute, out var counts))
                {
                    var total = counts.Sum();
                    for (var i = 0; i < scores.Length; i++)
                    {
                        scores[i] += counts[i] / total;
                    }
                }
            }
        });
        var vsPopularity = PairedTest.TTest(hybridResult.Ndcg, popularityResult.Ndcg);
        var vsSegment = PairedTest.TTest(hybridResult.Ndcg, segmentResult.Ndcg);
        TestContext.Out.WriteLine($"ML-100K user cold start, {split.NewUsers.Count} new users known by age band, gender and occupation; NDCG@10 over the whole catalogue");
        TestContext.Out.WriteLine($"hybrid (attributes)   {hybridResult.Metrics.Ndcg:F4}");
        TestContext.Out.WriteLine($"popularity            {popularityResult.Metrics.Ndcg:F4}   hybrid − popularity {vsPopularity.MeanDifference:+0.0000;-0.0000}, paired t p = {vsPopularity.PValue:G3}");
        TestContext.Out.WriteLine($"segment popularity    {segmentResult.Metrics.Ndcg:F4}   hybrid − segment popularity {vsSegment.MeanDifference:+0.0000;-0.0000}, paired t p = {vsSegment.PValue:G3}");
        Assert.That(hybridResult.Metrics.Users, Is.EqualTo(split.NewUsers.Count));

        // Measured 0.5473 against popularity 0.5278 (p 0.083) and segment popularity 0.5614 (p 0.107): ahead of global
        // popularity but not significantly, and not ahead of segment popularity (docs/decisions/hybrid.md).
        Assert.That(hybridResult.Metrics.Ndcg, Is.GreaterThan(popularityResult.Metrics.Ndcg));
    }

    [Test]
    public void WarmUsersNextToImplicitAls()
    {
        var folder = TestData.Require("ml-100k");
        var (train, test) = TopNData.Split(TopNData.MovieLens100K());
        var watch = Stopwatch.StartNew();
        var hybrid = Recommenders.Hybrid().ItemFeatures(MovieLens.LoadItemFeatures100K(folder)).UserFeatures(MovieLens.LoadUserFeatures100K(folder)).Fit(train);
        var hybridSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var als = Recommenders.ImplicitAls().Fit(train);
        var alsSeconds = watch.Elapsed.TotalSeconds;
        var h = TopNData.Evaluate(hybrid, test);
        var a = TopNData.Evaluate(als, test);
        var p = TopNData.Evaluate(Recommenders.Popularity().Fit(train), test);
        TopNData.Report("ml-100k", "hybrid", h, hybridSeconds);
        TopNData.Report("ml-100k", "ials", a, alsSeconds);
        TopNData.Report("ml-100k", "popularity", p, 0);
        TestContext.Out.WriteLine($"hybrid / ALS NDCG@10: {h.Ndcg / a.Ndcg:P1}");

        // Measured 0.3714 against ALS 0.4514 (Auto 0.4614): the hybrid is not the model for warm users (docs/decisions/hybrid.md).
        Assert.That(h.Ndcg, Is.GreaterThan(p.Ndcg + 0.1));
        Assert.That(h.Ndcg, Is.GreaterThan(0.36));
    }

    /// <summary>
    /// The validation behind the defaults: a cold split (20 % of items, seed 7) and a per-user 80/20 split (seed 7)
    /// inside the training parts of the two protocols; prints new-item and warm NDCG@10 per configuration. Slow, run by hand.
    /// </summary>
    [Test]
    [Explicit("defaults search: several minutes")]
    public void DefaultsSearch()
    {
        var folder = TestData.Require("ml-100k");
        var data = MovieLens.Load100K(Path.Combine(folder, "u.data"));
        var items = MovieLens.LoadItemFeatures100K(folder);
        var users = MovieLens.LoadUserFeatures100K(folder);
        var cold = ColdStart.SplitItems(ColdStart.SplitItems(data, 0.2, Seed).Train, 0.2, 7);
        var (warmTrain, warmValidation) = TopNData.Split(data).Train.SplitPerUser(0.2, 7);
        var defaults = Recommenders.Hybrid().ItemFeatures(items).UserFeatures(users);
        var grid = new (string Name, HybridBuilder Builder)[]
        {
            ("defaults (WARP, dropout 0.5)", defaults),
            ("BPR", defaults.Loss(HybridLoss.Bpr)),
            ("dropout 0", defaults.IdentityDropout(0)),
            ("dropout 0.8", defaults.IdentityDropout(0.8f)),
            ("no item identity", defaults.ItemIdentity(false)),
            ("no user features", defaults.UserFeatures(null)),
            ("k 32", defaults.Factors(32)),
            ("regularization 0.01", defaults.Regularization(0.01f)),
        };
        foreach (var (name, builder) in grid)
        {
            var coldNdcg = ColdStart.EvaluateItems(builder.Fit(cold.Train), cold).Metrics.Ndcg;
            var warmNdcg = TopNData.Evaluate(builder.Fit(warmTrain), warmValidation).Ndcg;
            TestContext.Out.WriteLine($"{name,-30} new-item NDCG@10 {coldNdcg:F4}  warm NDCG@10 {warmNdcg:F4}");
        }
    }
}
