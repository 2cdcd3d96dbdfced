using NUnit.Framework;

namespace CrossRec.Tests.TopN;

/// <summary><see cref="AutoRecommenderBuilder.Tune"/>: the winner's knobs are stepped on the validation split, and a step is kept only when it helps.</summary>
[TestFixture]
public class AutoTuningTests
{
    // One neighbour per item cannot cover a taste group of 40 items; four can cover far more of it.
    private static readonly ItemKnnBuilder Starved = Recommenders.ItemKnn().Neighbors(1).Deterministic();

    [Test]
    public void TuningMovesAKnobThatHurtsValidation()
    {
        var data = ImplicitTestData.Groups();
        var selection = Recommenders.Auto().Candidates(Starved).Select(data);
        var tuning = selection.Candidates.Where(c => c.Stage == CandidateScore.TuningStage).ToList();
        Assert.That(tuning, Is.Not.Empty);
        Assert.That(tuning.Select(c => c.Parameters["neighbors"]), Does.Contain("4"));
        Assert.That(selection.Model.Training!.Parameters["neighbors"], Is.EqualTo("4"));
        var first = selection.Candidates.Single(c => c.Stage == CandidateScore.SelectionStage);
        Assert.That(tuning.First(c => c.Parameters["neighbors"] == "4").Ndcg, Is.GreaterThan(first.Ndcg * (1 + AutoCandidates.TuningMargin)));
    }

    [Test]
    public void WithoutTuningTheCandidateIsTrainedAsGiven()
    {
        var selection = Recommenders.Auto().Candidates(Starved).Tune(false).Select(ImplicitTestData.Groups());
        Assert.That(selection.Candidates.Select(c => c.Stage), Is.All.EqualTo(CandidateScore.SelectionStage));
        Assert.That(selection.Model.Training!.Parameters["neighbors"], Is.EqualTo("1"));
    }

    [Test]
    public void PopularityHasNothingToTune()
    {
        var selection = Recommenders.Auto().Candidates(Recommenders.Popularity()).Select(ImplicitTestData.Groups());
        Assert.That(selection.Candidates, Has.Count.EqualTo(1));
    }

    [Test]
    public void ProgressNamesTheStageAndCandidateWithAPercentageThatOnlyGrowsTo100()
    {
        var reports = new List<TrainingProgress>();
        var selection = Recommenders.Auto().Candidates(Recommenders.Popularity(), Recommenders.ImplicitAls().Factors(16).Iterations(4).Seed(3), Starved)
            .Select(ImplicitTestData.Groups(), progress: new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.That(reports, Is.Not.Empty);
        Assert.That(reports.Select(r => r.Stage), Is.All.Not.Null);
        Assert.That(reports.Select(r => r.Candidate), Is.All.Not.Null.And.All.Not.Empty);
        var percents = reports.Select(r => r.Percent!.Value).ToList();
        Assert.That(percents, Is.Ordered, "the percentage never goes back");
        Assert.That(percents[^1], Is.EqualTo(100));
        Assert.That(percents, Has.Some.InRange(1, 99));

        // Auto's own reports: one as each candidate starts (selection, tuning steps, blend, refit) and one at the end.
        var own = reports.Where(r => r.Algorithm == "auto").ToList();
        var stages = own.Select(r => r.Stage).Distinct().ToList();
        string[] order = [CandidateScore.SelectionStage, CandidateScore.TuningStage, CandidateScore.BlendStage, CandidateScore.RefitStage];
        Assert.That(stages[0], Is.EqualTo(CandidateScore.SelectionStage));
        Assert.That(stages[^1], Is.EqualTo(CandidateScore.RefitStage));
        Assert.That(stages.Select(st => Array.IndexOf(order, st)), Is.Ordered.And.All.GreaterThanOrEqualTo(0), "stages come in their order, each once");
        Assert.That(own.Where(r => r.Stage == CandidateScore.SelectionStage).Select(r => r.Candidate), Is.EqualTo(new[] { "popularity", "ials", "itemknn" }));
        var tuningSteps = selection.Candidates.Count(c => c.Stage == CandidateScore.TuningStage);
        Assert.That(own.Count(r => r.Stage == CandidateScore.TuningStage), Is.EqualTo(tuningSteps));
        Assert.That(own.Where(r => r.Stage == CandidateScore.TuningStage).Select(r => r.Candidate), Has.All.StartWith("itemknn ").Or.All.StartWith("ials "), "a tuning step names what it changed");
        Assert.That(own[^1].Iteration, Is.EqualTo(own[^1].TotalIterations), "the last report counts every fit done");

        // The fits' own reports (ALS iterations) pass through, labelled.
        Assert.That(reports.Where(r => r.Algorithm == "ials").Select(r => r.Candidate), Has.All.StartWith("ials"));
    }

    private static AutoRecommenderBuilder ThreeCandidates() =>
        Recommenders.Auto().Candidates(Recommenders.Popularity(), Recommenders.ImplicitAls().Factors(16).Seed(3), Recommenders.ItemKnn()).Tune(false);

    [Test]
    public void TheWinnerIsBlendedWithTheRunnerUpAndTheBlendKeptOnlyWhenValidationSaysSo()
    {
        var selection = ThreeCandidates().Select(ImplicitTestData.Groups());
        var first = selection.Candidates.Where(c => c.Stage == CandidateScore.SelectionStage).ToList();
        var winner = first.MaxBy(c => c.Ndcg)!;
        var runnerUp = first.Where(c => c.Algorithm != winner.Algorithm).MaxBy(c => c.Ndcg)!;
        var blends = selection.Candidates.Where(c => c.Stage == CandidateScore.BlendStage).ToList();
        Assert.That(blends.Select(b => b.Parameters["weights"]), Is.EqualTo(AutoCandidates.BlendWeights.Select(w => FormattableString.Invariant($"{w:F4},{1 - w:F4}"))));
        Assert.That(blends.Select(b => b.Parameters["components"]), Is.All.EqualTo($"{winner.Algorithm},{runnerUp.Algorithm}"));
        Assert.That(blends.Select(b => b.Ndcg), Is.All.GreaterThan(0));
        var best = blends.MaxBy(b => b.Ndcg)!;
        if (best.Ndcg > winner.Ndcg * (1 + AutoCandidates.TuningMargin))
        {
            Assert.That(selection.Algorithm, Is.EqualTo("blend"));
            Assert.That(selection.Model, Is.TypeOf<BlendModel>());
            Assert.That(selection.Model.Training!.Parameters["weights"], Is.EqualTo(best.Parameters["weights"]));
            Assert.That(((BlendModel)selection.Model).Components.Select(c => c.UserIds.Count), Is.All.EqualTo(selection.Model.UserIds.Count), "refitted on all the data");
        }
        else
        {
            Assert.That(selection.Algorithm, Is.EqualTo(winner.Algorithm));
        }
    }

    [Test]
    public void WithoutBlendingTheWinnerIsASingleAlgorithm()
    {
        var selection = ThreeCandidates().Blend(false).Select(ImplicitTestData.Groups());
        Assert.That(selection.Candidates.Select(c => c.Stage), Has.None.EqualTo(CandidateScore.BlendStage));
        Assert.That(selection.Model, Is.Not.TypeOf<BlendModel>());
        Assert.That(Recommenders.Auto().Blend(false).Parameters["blend"], Is.EqualTo("false"));
    }

    [Test]
    public void ABlendWinsWhenTwoCandidatesEachSeeHalfOfTheStructure()
    {
        // A 2-factor ALS cannot separate four taste groups, item-kNN starved to one neighbour covers little of each:
        // they err differently, and together they rank better than either. The blend stage must find and keep that.
        var data = ImplicitTestData.Groups(users: 400, items: 160, groups: 4, perUser: 16, seed: 11);
        var selection = Recommenders.Auto().Candidates(Recommenders.ImplicitAls().Factors(2).Iterations(3).Seed(3), Starved).Tune(false).Select(data);
        foreach (var c in selection.Candidates)
        {
            TestContext.Out.WriteLine($"{c.Stage} {c.Algorithm} {c.Ndcg:F4} {(c.Parameters.TryGetValue("weights", out var w) ? w : "")}");
        }

        Assert.That(selection.Candidates.Where(c => c.Stage == CandidateScore.BlendStage).Max(c => c.Ndcg),
            Is.GreaterThan(selection.Candidates.Where(c => c.Stage == CandidateScore.SelectionStage).Max(c => c.Ndcg) * (1 + AutoCandidates.TuningMargin)));
        Assert.That(selection.Algorithm, Is.EqualTo("blend"));
        Assert.That(((BlendModel)selection.Model).Components.Select(c => c.Algorithm), Is.EqualTo(new[] { "ials", "itemknn" }));
    }

    [Test]
    public void TheBlendStagesOnePassScoresEveryWeightAsABlendModelWould()
    {
        var (train, validation) = ImplicitTestData.Groups().SplitPerUser(0.2, 3);
        var als = Recommenders.ImplicitAls().Factors(8).Iterations(4).Seed(2).Fit(train);
        var knn = Recommenders.ItemKnn().Fit(train);
        var fast = BlendValidation.Evaluate(als, knn, AutoCandidates.BlendWeights, validation, 10, 2, CancellationToken.None);
        for (var v = 0; v < AutoCandidates.BlendWeights.Length; v++)
        {
            var w = AutoCandidates.BlendWeights[v];
            var slow = global::CrossRec.Evaluation.Ranking(BlendModel.Create([als, knn], [w, 1 - w]), validation);
            Assert.That(fast[v].Ndcg, Is.EqualTo(slow.Ndcg).Within(1e-9), $"weight {w}");
            Assert.That(fast[v].Recall, Is.EqualTo(slow.Recall).Within(1e-9), $"weight {w}");
            Assert.That(fast[v].Users, Is.EqualTo(slow.Users));
        }
    }
}
