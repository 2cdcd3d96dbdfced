using System.Diagnostics;
using Spectre.Console;

namespace CrossRec.Samples.Campaign;

/// <summary>The pipeline steps, each behind a progress bar; results go into a <see cref="CampaignReport"/>.</summary>
internal static class CampaignPipeline
{
    /// <summary>Held-out users shown with their recommendations in the report.</summary>
    private const int ExampleUsers = 3;

    public static CampaignReport Run(CampaignArguments a, IAnsiConsole console, CancellationToken ct)
    {
        var report = new CampaignReport { Arguments = a };
        // Deterministic: parallel SGD applies its updates in an order that depends on thread timing, which made the
        // campaign's audience (and its conversion rate) change between runs with the same seed; one thread does not.
        var joint = CrossDomain.Joint()
            .Configure(f => f.Factors(a.Factors).Epochs(a.Epochs).Seed(a.Seed).Threads(a.Threads).Deterministic())
            .Implicit(a.Negatives);

        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var synthetic = a.MovieLens is null && a.Data is null;
                var load = ctx.AddTask(a.Data is not null ? "Load the two-domain data" : a.MovieLens is null ? "Generate the course + film platform" : "Load MovieLens 100K", maxValue: 1);
                var choose = ctx.AddTask("Cold start: choose the cross-domain method (nested validation) and compare", autoStart: false, maxValue: 1);
                var jointTask = ctx.AddTask("Cold start: train the joint factor model", autoStart: false, maxValue: a.Epochs);
                var evaluate = ctx.AddTask("Cold start: rank the target catalogue", autoStart: false, maxValue: 1);
                var chosenTask = ctx.AddTask("Train the chosen method on everyone", autoStart: false, maxValue: 1);
                var final = ctx.AddTask("Train the joint factor model on everyone", autoStart: false, maxValue: a.Epochs);
                var segment = ctx.AddTask("Segment users (k-means)", autoStart: false, maxValue: 1);
                var campaign = synthetic ? ctx.AddTask("Score, target and A/B-test a film offer", autoStart: false, maxValue: 3) : null;

                var clock = Stopwatch.StartNew();
                var data = a.Data is { } spec ? CampaignData.FromFile(spec, a.Source!, a.Target!)
                    : a.MovieLens is { } folder ? CampaignData.MovieLens100K(folder, a.Genre) : CampaignData.Generate(a, ct);
                report.Data = data;
                if (a.FilmWeight != 1f)
                {
                    joint = joint.DomainWeight(data.Target, a.FilmWeight);
                }

                report.LoadSeconds = Step(load, clock);

                // 1. Cold-start protocol: the library's default cross-domain recommender (its method chosen by
                // the same protocol nested inside the training part) against every baseline, on one split.
                var protocol = CrossDomain.Protocol(data.Source, data.Target).HoldOut(0.2).K(10).Seed(a.Seed).Threads(a.Threads);
                var split = protocol.Split(data.Ratings);
                choose.StartTask();
                choose.IsIndeterminate = true;
                var auto = CrossDomain.Auto().Threads(a.Threads);
                report.Comparison = protocol.Compare(split, auto, cancellationToken: ct);
                choose.IsIndeterminate = false;
                report.ChooseSeconds = Step(choose, clock);

                // The joint factor model the marketing steps (segments, conversion affinity) build on, on the same split.
                jointTask.StartTask();
                var coldJoint = joint.Fit(split.Train, Epochs(jointTask), ct);
                report.ColdJointSeconds = Step(jointTask, clock);
                evaluate.StartTask();
                report.Evaluation = protocol.Evaluate(split, coldJoint, null, ct);
                report.EvaluateSeconds = Step(evaluate, clock);

                // 2. The chosen method on every interaction of every user: what the campaign recommends with.
                chosenTask.StartTask();
                var winner = report.Comparison.Selection!.Winner!;
                report.Examples = Examples(data, split, winner.Fit(split.Train, data.Target, null, ct));
                report.Recommender = winner.Fit(data.Ratings, data.Target, null, ct);
                report.ChosenSeconds = Step(chosenTask, clock);

                // 3. The joint factor model on everyone (segments and conversion scoring need user factors). On the
                // synthetic platform the film the campaign will offer premieres now: every interaction it has is removed
                // first, so the model has never seen it and must place it from its metadata alone (step 5).
                final.StartTask();
                var newFilm = campaign is null ? -1 : CampaignSteps.NewFilm(data);
                report.Model = joint.Fit(newFilm < 0 ? data.Ratings : CampaignSteps.Without(data.Ratings, newFilm), Epochs(final), ct);
                report.TrainSeconds = Step(final, clock);

                // 3. Segments of everyone, from the production model's factors and behaviour.
                segment.StartTask();
                segment.IsIndeterminate = true;
                report.Segments = CampaignSteps.Segment(data, report.Model, a, progress: null, ct);
                segment.IsIndeterminate = false;
                report.SegmentSeconds = Step(segment, clock);

                // 4–6. Conversion scoring from past offers, the new offer's audience, and its A/B test.
                // MovieLens has no offer outcomes, so these steps need the synthetic platform.
                if (campaign is not null)
                {
                    campaign.StartTask();
                    report.Conversion = CampaignSteps.ScoreConversion(data, report.Model, report.Segments, a, ct);
                    campaign.Increment(1);
                    report.Targeting = CampaignSteps.Target(data, newFilm, report.Model, report.Segments, report.Conversion, a);
                    campaign.Increment(1);
                    report.Ab = CampaignSteps.RunAbTest(data, report.Targeting, a);
                    report.CampaignSeconds = Step(campaign, clock);
                }
            });

        return report;
    }

    /// <summary>The first held-out users (by index) with the top-5 target items the chosen cross-domain method gives them.</summary>
    private static IReadOnlyList<ExampleUser> Examples(CampaignData data, CrossDomainSplit split, CrossDomainModel model)
    {
        var examples = new List<ExampleUser>();
        foreach (var u in split.HeldOutUsers[..Math.Min(ExampleUsers, split.HeldOutUsers.Length)])
        {
            var hidden = new HashSet<int>();
            foreach (var r in split.HeldOut.RowsOfUser(u))
            {
                hidden.Add(split.HeldOut.Items[r]);
            }

            var id = split.Train.UserIds[u];
            var recs = model.Recommend(id, 5)
                .Select(s => new ExampleItem(data.Label(s.Index), s.Score, hidden.Contains(s.Index)))
                .ToArray();
            examples.Add(new ExampleUser(id, split.Train.RowsOfUser(u).Length, hidden.Count, recs));
        }

        return examples;
    }

    private static double Step(ProgressTask task, Stopwatch clock)
    {
        task.Value = task.MaxValue;
        task.StopTask();
        var seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }

    private static Callback<TrainingProgress> Epochs(ProgressTask task) => new(_ => task.Increment(1));

    /// <summary>Reports synchronously on the calling thread (System.Progress posts to the thread pool).</summary>
    private sealed class Callback<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}

/// <summary>A held-out user and what the joint model recommends them in the target domain.</summary>
internal sealed record ExampleUser(string User, int SourceInteractions, int HiddenTargetItems, IReadOnlyList<ExampleItem> Recommendations);

/// <summary>One recommended item; <paramref name="Hit"/> when it was among the user's hidden items.</summary>
internal sealed record ExampleItem(string Label, float Score, bool Hit);
