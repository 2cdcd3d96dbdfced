using CrossRec.Algorithms.Mapped;

namespace CrossRec.Tests.Hybrid;

/// <summary>
/// Auto given features chooses by the validation protocol of the request, inside the training data: warm users keep
/// the collaborative selection (mapped, so new items can still be served), new items and new users are decided on
/// cold splits. Planted structure as in <see cref="MappedTests"/>.
/// </summary>
[TestFixture]
public sealed class FeatureAutoTests
{
    private static readonly Lazy<InteractionSet> Data = new(() => global::CrossRec.Tests.TopN.ImplicitTestData.Groups());

    private static FeatureSet ItemFeatures()
    {
        var b = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < 160; i++)
        {
            b.Add($"i{i}", [$"block:{i / 40}", $"parity:{i % 2}"]);
        }

        return b.Build();
    }

    private static FeatureSet UserFeatures()
    {
        var b = FeatureSet.CreateBuilder("user");
        for (var u = 0; u < 400; u++)
        {
            b.Add($"u{u}", $"group:{u % 4}");
        }

        return b.Build();
    }

    [Test]
    public void ForWarmUsersACollaborativeWinnerIsReturnedMappedWithItsScoresUnchanged()
    {
        var selection = Recommenders.Auto().Tune(false).Blend(false).ItemFeatures(ItemFeatures()).UserFeatures(UserFeatures()).Select(Data.Value);
        Assert.That(selection.Warm, Is.Not.Null);
        Assert.That(selection.Candidates.Select(c => c.Stage), Does.Contain("warm"));
        var best = selection.Candidates.Where(c => double.IsFinite(c.Ndcg)).MaxBy(c => c.Ndcg)!;
        TestContext.Out.WriteLine($"chose {selection.Choice}; best candidate {best.Algorithm} ({best.Stage}) {best.Ndcg:F4}");
        if (selection.Model is MappedModel mapped)
        {
            Assert.That(best.Stage, Is.Not.EqualTo("warm"));
            Assert.That(mapped.Base, Is.SameAs(selection.Warm!.Model));
            var a = new float[mapped.ItemIds.Count];
            var b = new float[mapped.Base.ItemIds.Count];
            mapped.ScoreItems(7, a);
            mapped.Base.ScoreItems(7, b);
            Assert.That(a, Is.EqualTo(b));
        }
        else
        {
            Assert.That(best.Stage, Is.EqualTo("warm"));
        }
    }

    [TestCase(AutoRequest.NewItems)]
    [TestCase(AutoRequest.NewItemsInCatalogue)]
    [TestCase(AutoRequest.NewUsers)]
    public void ForColdRequestsTheBestCandidateOnAColdSplitInsideTheTrainingDataIsRefitted(AutoRequest request)
    {
        var split = ColdStart.SplitItems(Data.Value, 0.2, 3);
        var selection = Recommenders.Auto().ItemFeatures(ItemFeatures()).UserFeatures(UserFeatures()).For(request).Select(split.Train);
        var best = selection.Candidates.Where(c => double.IsFinite(c.Ndcg)).MaxBy(c => c.Ndcg)!;
        TestContext.Out.WriteLine($"{request}: chose {selection.Choice} ({best.Ndcg:F4}) among {selection.Candidates.Count}");
        var bestPlain = selection.Candidates.Where(c => double.IsFinite(c.Ndcg) && !c.Algorithm.Contains("hybrid", StringComparison.Ordinal)).MaxBy(c => c.Ndcg)!;
        Assert.That(selection.Choice, Is.EqualTo(best.Algorithm).Or.EqualTo(bestPlain.Algorithm), "the best, or the best without the hybrid when the hybrid's lead is within one standard error");
        Assert.That(selection.Candidates.Select(c => c.Algorithm), Has.Some.EqualTo("hybrid"));
        Assert.That(selection.Candidates.Select(c => c.Algorithm), Has.Some.StartsWith("mapped ease"));
        Assert.That(selection.Candidates.Where(c => c.Stage == CandidateScore.BlendStage).Select(c => c.Algorithm), Has.Some.StartsWith("blend of"), "the two best families blended");
        Assert.That(selection.Model, Is.InstanceOf<IAttributeRecommender>());
        Assert.That(selection.Warm, Is.Null);
        Assert.That(
            selection.Candidates.Count(c => c.Algorithm.EndsWith("(segment shares)", StringComparison.Ordinal)),
            Is.EqualTo(request == AutoRequest.NewUsers ? 1 : 0),
            "segment popularity, as a map of the segments' shares, is a candidate for new users, tried once");
        if (request != AutoRequest.NewUsers)
        {
            // Scored on the outer split, which the selection never saw.
            var popularity = ColdStart.EvaluateItems(FeatureBaseline.FeaturePopularity(split.Train, ItemFeatures()), split);
            Assert.That(ColdStart.EvaluateItems(selection.Model, split).Metrics.Ndcg, Is.GreaterThan(popularity.Metrics.Ndcg + 0.1));
        }
    }

    [TestCase(AutoRequest.NewItems)]
    [TestCase(AutoRequest.NewUsers)]
    public void ColdRequestsValidateOnTheSelectionSampleAndRefitOnAllTheRows(AutoRequest request)
    {
        var data = Data.Value;
        var cap = data.Count / 2;
        var sample = AutoRecommenderBuilder.SelectionSample(data, cap, seed: 7);
        Assume.That(sample.Count, Is.LessThan(data.Count));
        var sampled = Recommenders.Auto().SelectionRows(cap).ItemFeatures(ItemFeatures()).UserFeatures(UserFeatures()).For(request).Select(data);
        var direct = Recommenders.Auto().SelectionRows(0).ItemFeatures(ItemFeatures()).UserFeatures(UserFeatures()).For(request).Select(sample);

        // The deterministic candidates (item-kNN's and popularity's maps: no threads, no sampling) score the same on the
        // capped selection and on the sample itself, so validation ran on the sample.
        var deterministic = sampled.Candidates.Where(c => c.Algorithm.StartsWith("mapped itemknn", StringComparison.Ordinal) || c.Algorithm.StartsWith("mapped popularity", StringComparison.Ordinal)).ToList();
        Assert.That(deterministic, Is.Not.Empty);
        foreach (var c in deterministic)
        {
            var same = direct.Candidates.Single(d => d.Algorithm == c.Algorithm && d.Stage == c.Stage);
            Assert.That(c.Ndcg, Is.EqualTo(same.Ndcg).Within(1e-12), c.Algorithm);
        }

        Assert.That(sampled.SelectionRows, Is.EqualTo(sample.Count));
        Assert.That(direct.SelectionRows, Is.EqualTo(sample.Count));

        // Only the refit sees all the rows.
        var model = sampled.Model;
        Assert.That(Enumerable.Range(0, model.UserIds.Count).Sum(u => model.SeenItems(u).Length), Is.EqualTo(data.Count), "every user's history is in the refitted model");
    }

    [TestCase(AutoRequest.WarmUsers)]
    [TestCase(AutoRequest.NewItems)]
    [TestCase(AutoRequest.NewItemsInCatalogue)]
    [TestCase(AutoRequest.NewUsers)]
    public void ASpentTimeBudgetSkipsTheRemainingCandidatesWithTheReasonAndStillReturnsAModel(AutoRequest request)
    {
        var selection = Recommenders.Auto().Budget(TimeSpan.FromTicks(1)).ItemFeatures(ItemFeatures()).UserFeatures(UserFeatures()).For(request).Select(Data.Value);
        var scored = selection.Candidates.Where(c => c.Skipped is null).ToList();
        var skipped = selection.Candidates.Where(c => c.Skipped is not null).ToList();
        TestContext.Out.WriteLine($"{request}: chose {selection.Choice}; scored {string.Join(", ", scored.Select(c => c.Algorithm))}; {skipped.Count} skipped");
        Assert.That(scored, Has.Count.EqualTo(1), "only the first candidate runs once the budget is spent");
        Assert.That(skipped, Is.Not.Empty);
        Assert.That(skipped.Select(c => c.Skipped), Is.All.Contains("time budget"));
        Assert.That(skipped.Select(c => c.Algorithm), Has.Some.EqualTo("hybrid"), "the hybrid, tried last, is skipped");
        Assert.That(selection.Choice, Does.EndWith(scored[0].Algorithm));
        Assert.That(selection.Model.Recommend(Data.Value.UserIds[0], 5), Has.Count.EqualTo(5));
    }

    [Test]
    public void ACandidateWithTheHybridMustLeadByMoreThanOneStandardError()
    {
        // 200 users; the plain candidate scores 0.3 ± 0.1 per user, the hybrid the same plus a lead.
        var rng = new Random(9);
        var plain = Enumerable.Range(0, 200).Select(_ => 0.3 + ((rng.NextDouble() - 0.5) * 0.2)).ToArray();
        var noise = Enumerable.Range(0, 200).Select(_ => (rng.NextDouble() - 0.5) * 0.2).ToArray();
        FeatureAutoBuilder.Best Offer(string name, double lead)
        {
            var values = plain.Select((v, u) => v + lead + noise[u]).ToArray();
            var best = new FeatureAutoBuilder.Best();
            best.Offer(name, Result(values), () => throw new InvalidOperationException("not refitted here"));
            return best;
        }

        var plainBest = new FeatureAutoBuilder.Best();
        plainBest.Offer("mapped ease", Result(plain), () => throw new InvalidOperationException("not refitted here"));
        var se = Math.Sqrt(noise.Select(x => (x - noise.Average()) * (x - noise.Average())).Sum() / 199) / Math.Sqrt(200);

        // A lead of a tenth of a standard error (plus the noise's own mean) is noise: the plain candidate is chosen.
        var small = Offer("blend of hybrid × 0.5 + mapped ease × 0.5", (0.1 * se) - noise.Average());
        Assert.That(FeatureAutoBuilder.ChooseSimpler(small, plainBest).Name, Is.EqualTo("mapped ease"));

        // Three standard errors: the hybrid's candidate stays.
        var large = Offer("hybrid", (3 * se) - noise.Average());
        Assert.That(FeatureAutoBuilder.ChooseSimpler(large, plainBest).Name, Is.EqualTo("hybrid"));

        // When the best candidate is the plain one, or nothing plain was scored, the best stays.
        Assert.That(FeatureAutoBuilder.ChooseSimpler(plainBest, plainBest).Name, Is.EqualTo("mapped ease"));
        Assert.That(FeatureAutoBuilder.ChooseSimpler(small, new FeatureAutoBuilder.Best()).Name, Does.StartWith("blend of hybrid"));
    }

    private static ColdStartResult Result(double[] ndcg) =>
        new(new RankingMetrics(10, 0, 0, ndcg.Average(), 0, 0, double.NaN, ndcg.Length), [.. Enumerable.Range(0, ndcg.Length).Select(u => $"u{u}")], ndcg);

    [Test]
    public void ARequestWithoutTheFeaturesItNeedsIsRefused()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => Recommenders.Auto().UserFeatures(UserFeatures()).For(AutoRequest.NewItems).Select(Data.Value))!.Message, Does.Contain("ItemFeatures"));
        Assert.That(Assert.Throws<ArgumentException>(() => Recommenders.Auto().ItemFeatures(ItemFeatures()).For(AutoRequest.NewUsers).Select(Data.Value))!.Message, Does.Contain("UserFeatures"));
        Assert.Throws<ArgumentException>(() => Recommenders.Auto().ItemFeatures(null).Select(Data.Value));
    }
}
