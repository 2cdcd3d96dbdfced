using Spectre.Console;

namespace CrossRec.Campaign;

/// <summary>The pipeline steps, each behind a progress bar; results go into a <see cref="CampaignReport"/>.</summary>
internal static class CampaignPipeline
{
    public static CampaignReport Run(CampaignArguments a, IAnsiConsole console, CancellationToken ct)
    {
        var report = new CampaignReport { Arguments = a };
        var factorization = CrossRec.Factorization.Biased()
            .Factors(a.Factors).Epochs(a.Epochs).LearningRate(0.01f).Regularization(0.02f).Seed(a.Seed).Threads(a.Threads);
        var joint = CrossDomain.Joint(factorization).Implicit(a.Negatives);
        if (a.FilmWeight != 1f)
        {
            joint = joint.DomainWeight(SyntheticCrossDomain.FilmDomain, a.FilmWeight);
        }

        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var generate = ctx.AddTask("Generate the course + film platform", maxValue: 1);
                var protocol = ctx.AddTask("Cold-start evaluation (joint vs baselines)", autoStart: false, maxValue: 2 * a.Epochs + 1);
                var train = ctx.AddTask("Train the joint model on everyone", autoStart: false, maxValue: a.Epochs);

                var started = System.Diagnostics.Stopwatch.StartNew();
                var data = SyntheticCrossDomain.Generate(
                    new SyntheticCrossDomainOptions { Users = a.Users, Courses = a.Courses, Films = a.Films, Seed = a.DataSeed },
                    ct);
                report.Data = data;
                report.GenerateSeconds = started.Elapsed.TotalSeconds;
                generate.Increment(1);
                generate.StopTask();

                protocol.StartTask();
                started.Restart();
                report.Evaluation = CrossDomain.Protocol(SyntheticCrossDomain.CourseDomain, SyntheticCrossDomain.FilmDomain)
                    .HoldOut(0.2).K(10).Seed(a.Seed).Threads(a.Threads)
                    .Run(data.Ratings, joint, new Callback<CrossDomainProgress>(p =>
                    {
                        if (p.Epoch is not null || p.Stage == CrossDomainStage.Done)
                        {
                            protocol.Increment(1);
                        }
                    }), ct);
                report.ProtocolSeconds = started.Elapsed.TotalSeconds;
                protocol.StopTask();

                train.StartTask();
                started.Restart();
                report.Model = joint.Fit(data.Ratings, new Callback<EpochReport>(_ => train.Increment(1)), ct);
                report.TrainSeconds = started.Elapsed.TotalSeconds;
                train.StopTask();
            });

        return report;
    }

    /// <summary>Reports synchronously on the calling thread (System.Progress posts to the thread pool).</summary>
    private sealed class Callback<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
