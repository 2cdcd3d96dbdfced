using NUnit.Framework;

namespace CrossRec.Tests.TopN;

/// <summary><see cref="AutoRecommenderBuilder.SelectionRows"/> and <see cref="AutoRecommenderBuilder.Budget"/>: Auto's cost bounded on large data.</summary>
[TestFixture]
public class AutoBudgetTests
{
    [Test]
    public void TheSelectionSampleTakesWholeUsersUpToTheCapAndKeepsTheCatalogue()
    {
        var data = ImplicitTestData.Groups();
        var cap = data.Count / 3;
        var sample = AutoRecommenderBuilder.SelectionSample(data, cap, seed: 5);
        Assert.That(sample.Count, Is.GreaterThanOrEqualTo(cap));
        Assert.That(sample.ItemIds.Count, Is.EqualTo(data.ItemIds.Count));
        Assert.That(sample.UserIds.Count, Is.EqualTo(data.UserIds.Count));
        var sampledUsers = Enumerable.Range(0, sample.UserCount).Where(u => sample.RowsOfUser(u).Length > 0).ToList();
        Assert.That(sampledUsers.Count, Is.LessThan(data.UserCount));
        foreach (var u in sampledUsers)
        {
            Assert.That(sample.RowsOfUser(u).Length, Is.EqualTo(data.RowsOfUser(u).Length), "a sampled user keeps all their rows");
        }

        var maxUserRows = Enumerable.Range(0, data.UserCount).Max(u => data.RowsOfUser(u).Length);
        Assert.That(sample.Count, Is.LessThan(cap + maxUserRows), "the sample stops at the first user that reaches the cap");
        var again = AutoRecommenderBuilder.SelectionSample(data, cap, seed: 5);
        Assert.That(again.Count, Is.EqualTo(sample.Count));
        Assert.That(AutoRecommenderBuilder.SelectionSample(data, 0, seed: 5), Is.SameAs(data), "0 = no cap");
        Assert.That(AutoRecommenderBuilder.SelectionSample(data, data.Count, seed: 5), Is.SameAs(data));
    }

    [Test]
    public void WithASampleTheWinnerIsStillRefittedOnAllTheData()
    {
        var data = ImplicitTestData.Groups();
        var cap = Math.Max(1_000, data.Count / 3);
        Assume.That(data.Count, Is.GreaterThan(cap), "the test set must be larger than the smallest cap");
        var selection = Recommenders.Auto().Candidates(Recommenders.Popularity(), Recommenders.ItemKnn().Deterministic()).SelectionRows(cap).Select(data);
        Assert.That(selection.SelectionRows, Is.GreaterThanOrEqualTo(cap).And.LessThan(data.Count));
        var model = selection.Model;
        Assert.That(model.UserIds.Count, Is.EqualTo(data.UserCount));
        Assert.That(Enumerable.Range(0, model.UserIds.Count).Sum(u => model.SeenItems(u).Length), Is.EqualTo(data.Count), "every user's history is in the refitted model");

        var unsampled = Recommenders.Auto().Candidates(Recommenders.Popularity(), Recommenders.ItemKnn().Deterministic()).SelectionRows(0).Select(data);
        Assert.That(unsampled.SelectionRows, Is.EqualTo(data.Count));
    }

    [Test]
    public void ASpentBudgetSkipsTheRemainingCandidatesWithTheReasonAndStillReturnsAModel()
    {
        var data = ImplicitTestData.Groups();
        var selection = Recommenders.Auto()
            .Candidates(Recommenders.ItemKnn().Deterministic(), Recommenders.Popularity(), Recommenders.ImplicitAls().Factors(8).Iterations(3))
            .Budget(TimeSpan.FromTicks(1))
            .Select(data);
        var first = selection.Candidates[0];
        Assert.That(first.Skipped, Is.Null, "the first candidate always runs");
        var rest = selection.Candidates.Skip(1).ToList();
        Assert.That(rest, Is.Not.Empty);
        Assert.That(rest.Select(c => c.Skipped), Is.All.Contains("time budget"));
        Assert.That(selection.Algorithm, Is.EqualTo("itemknn"));
        Assert.That(selection.Model.Recommend(data.UserIds[0], 5), Has.Count.EqualTo(5));
    }

    [Test]
    public void OutOfRangeBudgetsAreRefusedByName()
    {
        var data = ImplicitTestData.Groups();
        Assert.That(() => Recommenders.Auto().SelectionRows(10).Select(data), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxSelectionRows"));
        Assert.That(() => Recommenders.Auto().Budget(TimeSpan.Zero).Select(data), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("TimeBudget"));
        Assert.That(() => Recommenders.Auto().Budget(TimeSpan.FromDays(31)).Select(data), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("TimeBudget"));
    }

    [Test]
    public void TheBudgetIsInTheParameters()
    {
        var parameters = Recommenders.Auto().SelectionRows(50_000).Budget(TimeSpan.FromSeconds(90)).Parameters;
        Assert.That(parameters["max_selection_rows"], Is.EqualTo("50000"));
        Assert.That(parameters["time_budget_seconds"], Is.EqualTo("90"));
    }
}
