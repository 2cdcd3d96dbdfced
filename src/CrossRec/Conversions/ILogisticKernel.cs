namespace CrossRec.Conversions;

/// <summary>The engine capability conversion scoring needs: an L2-regularised logistic regression.</summary>
/// <remarks>Implementations must be safe to call from several threads at once (each call owns its buffers).</remarks>
internal interface ILogisticKernel
{
    /// <summary>Fits an L2-regularised logistic regression (with intercept) on an already encoded design matrix.</summary>
    LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken);
}
