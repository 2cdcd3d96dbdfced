using System.Diagnostics;

namespace CrossRec;

/// <summary>
/// The one iteration loop shared by the iterative recommenders (implicit ALS, BPR): runs the
/// algorithm's step, checks the loss for divergence, reports progress, honours cancellation, and
/// records the history. The algorithms supply only their step.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>Runs <paramref name="iterations"/> steps.</summary>
    /// <param name="algorithm">Algorithm tag for reports.</param>
    /// <param name="device">Engine name for reports.</param>
    /// <param name="iterations">Iterations to run.</param>
    /// <param name="step">Runs iteration <c>i</c> (0-based) and returns the training loss (NaN when the algorithm does not compute one).</param>
    /// <param name="divergenceHint">What to blame in the message when the loss or the parameters become non-finite ("learning rate 0.05 (LearningRate)").</param>
    /// <param name="parametersFinite">Checks the parameters after each step; false raises <see cref="TrainingDivergedException"/>.</param>
    /// <param name="progress">Receives one report per iteration.</param>
    /// <param name="cancellationToken">Checked before every iteration.</param>
    public static (IReadOnlyList<TrainingProgress> History, double Seconds) Run(
        string algorithm,
        string device,
        int iterations,
        Func<int, CancellationToken, double> step,
        string divergenceHint,
        Func<bool>? parametersFinite,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var history = new List<TrainingProgress>(iterations);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var loss = step(i, cancellationToken);
            if (double.IsInfinity(loss) || (parametersFinite is not null && !parametersFinite()))
            {
                throw new TrainingDivergedException(
                    $"{algorithm} training diverged in iteration {i + 1} of {iterations} (loss {loss}); lower the {divergenceHint} or check the data for extreme values.");
            }

            var report = new TrainingProgress(algorithm, i + 1, iterations, loss, watch.Elapsed, device);
            history.Add(report);
            progress?.Report(report);
        }

        return (history, watch.Elapsed.TotalSeconds);
    }
}
