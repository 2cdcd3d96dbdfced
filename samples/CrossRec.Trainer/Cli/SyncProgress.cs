namespace CrossRec.Trainer.Cli;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs the handler on the reporting thread, in order. (The BCL's
/// <c>Progress&lt;T&gt;</c> posts to the thread pool in a console app, so reports could arrive late or out of order.)
/// </summary>
public sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
