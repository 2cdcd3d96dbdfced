namespace CrossRec.Algorithms.BiasedMf;

/// <summary>Progress of one training epoch.</summary>
/// <param name="Epoch">1-based epoch just finished.</param>
/// <param name="TotalEpochs">Epochs planned.</param>
/// <param name="TrainRmse">RMSE on the training data during (SGD) or after (ALS) the epoch.</param>
/// <param name="ValidationRmse">RMSE on the validation set after the epoch, or null without one.</param>
/// <param name="Elapsed">Training time so far (initialisation and epochs; evaluation excluded where the engine can separate it).</param>
/// <param name="UpdatesPerSecond">Rating updates per second in this epoch.</param>
/// <param name="LearningRate">Factor learning rate used in this epoch.</param>
/// <param name="Device">Engine that ran the epoch ("cpu", "cuda:0", ...).</param>
public sealed record EpochReport(
    int Epoch,
    int TotalEpochs,
    double TrainRmse,
    double? ValidationRmse,
    TimeSpan Elapsed,
    double UpdatesPerSecond,
    float LearningRate,
    string Device);

/// <summary>How a factorization model was trained.</summary>
/// <param name="Device">Engine that trained it.</param>
/// <param name="Options">Options it was trained with.</param>
/// <param name="EpochsRun">Epochs actually run (fewer than planned after early stopping).</param>
/// <param name="BestEpoch">Epoch whose parameters the model holds.</param>
/// <param name="TrainSeconds">Seconds spent training (epochs only; loading and final evaluation excluded).</param>
/// <param name="UpdatesPerSecond">Training ratings × epochs run ÷ <paramref name="TrainSeconds"/>.</param>
/// <param name="History">One report per epoch.</param>
public sealed record TrainingInfo(
    string Device,
    FactorizationOptions Options,
    int EpochsRun,
    int BestEpoch,
    double TrainSeconds,
    double UpdatesPerSecond,
    IReadOnlyList<EpochReport> History)
{
    /// <summary>
    /// Anything the user should know about the run, or null: with <see cref="Device.Auto"/>, why the managed CPU
    /// engine ran instead of CUDA (CrossRec.Torch is referenced but its native runtime did not load, or no GPU).
    /// Not stored in model files.
    /// </summary>
    public string? Note { get; init; }
}
