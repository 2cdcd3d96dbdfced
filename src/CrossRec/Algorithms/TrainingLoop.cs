using System.Diagnostics;

namespace CrossRec.Algorithms;

/// <summary>
/// The one iteration loop shared by every iterative trainer (biased MF by SGD or ALS on both engines, implicit ALS, BPR): runs the
/// algorithm's step, checks it for divergence, reports progress, honours cancellation, keeps the history and
/// stops early on a validation figure. The algorithms supply only their step and how to read its report.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>Early stopping on a validation figure (lower is better).</summary>
    /// <typeparam name="TReport">The algorithm's per-iteration report.</typeparam>
    /// <param name="Patience">Iterations without a new best after which training stops.</param>
    /// <param name="Validation">The validation figure of a report, or null when the report has none.</param>
    /// <param name="SaveBest">Keeps a copy of the parameters of the best iteration so far.</param>
    /// <param name="RestoreBest">Puts the best iteration's parameters back when training ends after it.</param>
    public sealed record EarlyStopping<TReport>(int Patience, Func<TReport, double?> Validation, Action SaveBest, Action RestoreBest);

    /// <summary>What a run produced.</summary>
    /// <typeparam name="TReport">The algorithm's per-iteration report.</typeparam>
    /// <param name="History">One report per iteration run.</param>
    /// <param name="BestIteration">1-based iteration whose parameters the trainer holds at the end (the last one without early stopping).</param>
    /// <param name="Seconds">Wall-clock seconds of the loop.</param>
    public sealed record Outcome<TReport>(IReadOnlyList<TReport> History, int BestIteration, double Seconds);

    /// <summary>Runs up to <paramref name="iterations"/> steps.</summary>
    /// <typeparam name="TReport">The algorithm's per-iteration report.</typeparam>
    /// <param name="iterations">Iterations planned.</param>
    /// <param name="step">Runs iteration <c>i</c> (0-based) and returns its report.</param>
    /// <param name="finite">False when a report shows the training has diverged (a non-finite loss).</param>
    /// <param name="diverged">Builds the exception for a diverged iteration (1-based) and its report; it names what to change.</param>
    /// <param name="parametersFinite">Checked after every step when given; false is a divergence too.</param>
    /// <param name="earlyStopping">Early stopping, or null to run every iteration.</param>
    /// <param name="progress">Receives one report per iteration, in order, on the training thread.</param>
    /// <param name="cancellationToken">Checked before every iteration (and by the step inside it).</param>
    public static Outcome<TReport> Execute<TReport>(
        int iterations,
        Func<int, CancellationToken, TReport> step,
        Func<TReport, bool> finite,
        Func<int, TReport, TrainingDivergedException> diverged,
        Func<bool>? parametersFinite,
        EarlyStopping<TReport>? earlyStopping,
        IProgress<TReport>? progress,
        CancellationToken cancellationToken)
    {
        var history = new List<TReport>(Math.Min(iterations, 4096));
        var watch = Stopwatch.StartNew();
        var best = double.PositiveInfinity;
        var bestIteration = 0;
        for (var i = 0; i < iterations; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var report = step(i, cancellationToken);
            if (!finite(report) || (parametersFinite is not null && !parametersFinite()))
            {
                throw diverged(i + 1, report);
            }

            history.Add(report);
            progress?.Report(report);
            if (earlyStopping is not null && earlyStopping.Validation(report) is { } v)
            {
                if (v < best)
                {
                    best = v;
                    bestIteration = i + 1;
                    earlyStopping.SaveBest();
                }
                else if (i + 1 - bestIteration >= earlyStopping.Patience)
                {
                    break;
                }
            }
        }

        if (bestIteration > 0 && bestIteration < history.Count)
        {
            earlyStopping!.RestoreBest();
        }
        else
        {
            bestIteration = history.Count;
        }

        return new Outcome<TReport>(history, bestIteration, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Runs <paramref name="iterations"/> steps of a recommender that reports <see cref="TrainingProgress"/>.</summary>
    /// <param name="algorithm">Algorithm tag for reports.</param>
    /// <param name="device">Engine name for reports.</param>
    /// <param name="iterations">Iterations to run.</param>
    /// <param name="step">Runs iteration <c>i</c> (0-based) and returns the training loss (NaN when the algorithm does not compute one) and any further figures by name (null for none).</param>
    /// <param name="divergenceHint">What to blame in the message when the loss or the parameters become non-finite ("learning rate 0.05 (LearningRate)").</param>
    /// <param name="parametersFinite">Checks the parameters after each step; false raises <see cref="TrainingDivergedException"/>.</param>
    /// <param name="progress">Receives one report per iteration.</param>
    /// <param name="cancellationToken">Checked before every iteration.</param>
    public static (IReadOnlyList<TrainingProgress> History, double Seconds) Run(
        string algorithm,
        string device,
        int iterations,
        Func<int, CancellationToken, (double Loss, IReadOnlyDictionary<string, double>? Metrics)> step,
        string divergenceHint,
        Func<bool>? parametersFinite,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var run = Execute(
            iterations,
            (i, ct) =>
            {
                var (loss, metrics) = step(i, ct);
                var report = new TrainingProgress(algorithm, i + 1, iterations, loss, watch.Elapsed, device);
                return metrics is null ? report : report with { Metrics = metrics };
            },
            r => !double.IsInfinity(r.Loss),
            (i, r) => new TrainingDivergedException(
                $"{algorithm} training diverged in iteration {i} of {iterations} (loss {r.Loss}); lower the {divergenceHint} or check the data for extreme values."),
            parametersFinite,
            null,
            progress,
            cancellationToken);
        return (run.History, run.Seconds);
    }
}
