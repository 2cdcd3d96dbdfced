using NUnit.Framework;

namespace CrossRec.Tests.TopN;

/// <summary>The one loop every iterative trainer runs through: history, progress order, divergence, early stopping, cancellation.</summary>
[TestFixture]
public class TrainingLoopTests
{
    private sealed record Step(int Iteration, double Loss, double? Validation);

    private static TrainingLoop.Outcome<Step> Run(double[] losses, double?[]? validation, int? patience, List<string> log, IProgress<Step>? progress = null, CancellationToken ct = default)
    {
        var early = patience is { } p
            ? new TrainingLoop.EarlyStopping<Step>(p, s => s.Validation, () => log.Add("save"), () => log.Add("restore"))
            : null;
        return TrainingLoop.Execute(
            losses.Length,
            (i, _) =>
            {
                log.Add($"step{i + 1}");
                return new Step(i + 1, losses[i], validation?[i]);
            },
            s => double.IsFinite(s.Loss),
            (i, s) => new TrainingDivergedException($"diverged in {i} at {s.Loss}"),
            null,
            early,
            progress,
            ct);
    }

    [Test]
    public void EveryIterationIsReportedInOrderAndKept()
    {
        var seen = new List<int>();
        var log = new List<string>();
        var outcome = Run([3, 2, 1], null, null, log, new SynchronousProgress<Step>(s => seen.Add(s.Iteration)));
        Assert.That(seen, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(outcome.History.Select(s => s.Loss), Is.EqualTo(new[] { 3.0, 2, 1 }));
        Assert.That(outcome.BestIteration, Is.EqualTo(3));
    }

    [Test]
    public void ANonFiniteLossStopsTrainingWithTheTrainersMessage()
    {
        var log = new List<string>();
        Assert.That(() => Run([1, double.NaN, 1], null, null, log), Throws.TypeOf<TrainingDivergedException>().With.Message.EqualTo("diverged in 2 at NaN"));
        Assert.That(log, Is.EqualTo(new[] { "step1", "step2" }));
    }

    [Test]
    public void EarlyStoppingRestoresTheBestIterationAfterPatienceRunsOut()
    {
        var log = new List<string>();
        var outcome = Run([5, 4, 3, 2, 1, 0], [0.9, 0.8, 0.85, 0.86, 0.7, 0.6], patience: 2, log);
        Assert.That(outcome.History, Has.Count.EqualTo(4), "stops after two iterations without a new best");
        Assert.That(outcome.BestIteration, Is.EqualTo(2));
        Assert.That(log, Is.EqualTo(new[] { "step1", "save", "step2", "save", "step3", "step4", "restore" }));
    }

    [Test]
    public void NoRestoreWhenTheLastIterationIsTheBest()
    {
        var log = new List<string>();
        var outcome = Run([3, 2, 1], [0.9, 0.8, 0.7], patience: 1, log);
        Assert.That(outcome.BestIteration, Is.EqualTo(3));
        Assert.That(log, Does.Not.Contain("restore"));
    }

    [Test]
    public void CancellationIsCheckedBeforeEveryIteration()
    {
        using var cts = new CancellationTokenSource();
        var log = new List<string>();
        Assert.That(() => Run([1, 1, 1], null, null, log, new SynchronousProgress<Step>(s => { if (s.Iteration == 2) cts.Cancel(); }), cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(log, Is.EqualTo(new[] { "step1", "step2" }));
    }

    [Test]
    public void BprReportsItsSampledAucEveryEpoch()
    {
        var data = global::CrossRec.Data.Synthetic.SyntheticRatings.Generate(new() { Users = 80, Items = 50, Ratings = 1_500, Seed = 3 });
        var reports = new List<TrainingProgress>();
        var model = Recommenders.Bpr().Factors(8).Epochs(5).Seed(1).Deterministic().Fit(data, new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.That(reports, Has.Count.EqualTo(5));
        Assert.That(reports.Select(r => r.Metrics["sampled-auc"]), Has.All.InRange(0.0, 1.0));
        Assert.That(reports[^1].Metrics["sampled-auc"], Is.GreaterThan(reports[0].Metrics["sampled-auc"]), "training AUC rises as BPR learns");
        Assert.That(model.Training!.History[^1].Metrics["sampled-auc"], Is.EqualTo(reports[^1].Metrics["sampled-auc"]));
    }
}
