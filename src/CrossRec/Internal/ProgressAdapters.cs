using CrossRec.Algorithms.BiasedMf;
using CrossRec.Segments;

namespace CrossRec.Internal;

/// <summary>
/// Turns the engines' internal per-step reports (biased MF's <see cref="EpochReport"/>, k-means'
/// <see cref="IterationReport"/>) into the one public progress type, <see cref="TrainingProgress"/>, synchronously
/// (System.Progress would post to the thread pool and reorder reports).
/// </summary>
internal static class ProgressAdapters
{
    /// <summary>An epoch as a progress report: RMSE as the loss, the rest in <see cref="TrainingProgress.Metrics"/>.</summary>
    public static TrainingProgress FromEpoch(EpochReport e, string algorithm, string? stage = null)
    {
        var metrics = new Dictionary<string, double>(4, StringComparer.Ordinal)
        {
            [TrainingProgress.TrainRmseMetric] = e.TrainRmse,
            [TrainingProgress.LearningRateMetric] = e.LearningRate,
            [TrainingProgress.UpdatesPerSecondMetric] = e.UpdatesPerSecond,
        };
        if (e.ValidationRmse is { } v)
        {
            metrics[TrainingProgress.ValidationRmseMetric] = v;
        }

        return new TrainingProgress(algorithm, e.Epoch, e.TotalEpochs, e.TrainRmse, e.Elapsed, e.Device) { Metrics = metrics, Stage = stage };
    }

    /// <summary>A receiver of epoch reports that passes each on as a <see cref="TrainingProgress"/>, or null without a listener.</summary>
    public static IProgress<EpochReport>? Epochs(IProgress<TrainingProgress>? outer, string algorithm, string? stage = null) =>
        outer is null ? null : new SynchronousProgress<EpochReport>(e => outer.Report(FromEpoch(e, algorithm, stage)));

    /// <summary>The report that a stage of a multi-step run starts (no iteration, no loss), on the managed engine.</summary>
    public static TrainingProgress StageStart(string algorithm, string stage, string? candidate, TimeSpan elapsed) =>
        new(algorithm, 0, 0, double.NaN, elapsed, "cpu") { Stage = stage, Candidate = candidate };

    /// <summary>A receiver that passes every report on with its <see cref="TrainingProgress.Stage"/> set, or null without a listener.</summary>
    public static IProgress<TrainingProgress>? WithStage(IProgress<TrainingProgress>? outer, string stage) =>
        outer is null ? null : new SynchronousProgress<TrainingProgress>(r => outer.Report(r with { Stage = stage }));

    /// <summary>A receiver of k-means iteration reports that passes each on as a <see cref="TrainingProgress"/> (loss = inertia), or null without a listener.</summary>
    public static IProgress<IterationReport>? KMeans(IProgress<TrainingProgress>? outer, int maxIterations) =>
        outer is null ? null : new SynchronousProgress<IterationReport>(r => outer.Report(
            new TrainingProgress("kmeans", r.Iteration, maxIterations, r.Inertia, r.Elapsed, r.Device)
            {
                Metrics = new Dictionary<string, double>(3, StringComparer.Ordinal)
                {
                    [TrainingProgress.InertiaMetric] = r.Inertia,
                    [TrainingProgress.CentroidShiftMetric] = r.CentroidShift,
                    [TrainingProgress.RestartMetric] = r.Restart,
                },
            }));
}
