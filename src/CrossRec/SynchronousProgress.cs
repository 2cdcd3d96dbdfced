namespace CrossRec;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler on the reporting thread, at once and in order.
/// Use it in console apps: the BCL's <see cref="Progress{T}"/> posts each report to the thread pool
/// when there is no synchronization context, so epochs can print late or out of order.
/// </summary>
/// <typeparam name="T">The report type (for example <see cref="EpochReport"/>).</typeparam>
/// <example>
/// <code>
/// var progress = new SynchronousProgress&lt;EpochReport&gt;(e => Console.WriteLine($"epoch {e.Epoch}: train RMSE {e.TrainRmse:F4}"));
/// var model = Factorization.Biased().Fit(train, progress);
/// </code>
/// </example>
public sealed class SynchronousProgress<T> : IProgress<T>
{
    private readonly Action<T> _handler;

    /// <summary>Creates the progress sink.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public SynchronousProgress(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
    }

    /// <inheritdoc />
    public void Report(T value) => _handler(value);
}
