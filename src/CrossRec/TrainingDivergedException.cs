namespace CrossRec;

/// <summary>
/// Training produced NaN or infinite values: the learning rate is too large for the data (or the data
/// has extreme values). The message names the learning rate and the epoch.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }
}
