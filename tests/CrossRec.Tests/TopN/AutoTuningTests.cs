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
        Assert.That(tuning.Select(c => c.Parameters["Neighbors"]), Does.Contain("4"));
        Assert.That(selection.Model.Training!.Parameters["Neighbors"], Is.EqualTo("4"));
        var first = selection.Candidates.Single(c => c.Stage == CandidateScore.SelectionStage);
        Assert.That(tuning.First(c => c.Parameters["Neighbors"] == "4").Ndcg, Is.GreaterThan(first.Ndcg * (1 + AutoCandidates.TuningMargin)));
    }

    [Test]
    public void WithoutTuningTheCandidateIsTrainedAsGiven()
    {
        var selection = Recommenders.Auto().Candidates(Starved).Tune(false).Select(ImplicitTestData.Groups());
        Assert.That(selection.Candidates.Select(c => c.Stage), Is.All.EqualTo(CandidateScore.SelectionStage));
        Assert.That(selection.Model.Training!.Parameters["Neighbors"], Is.EqualTo("1"));
    }

    [Test]
    public void PopularityHasNothingToTune()
    {
        var selection = Recommenders.Auto().Candidates(Recommenders.Popularity()).Select(ImplicitTestData.Groups());
        Assert.That(selection.Candidates, Has.Count.EqualTo(1));
    }
}
