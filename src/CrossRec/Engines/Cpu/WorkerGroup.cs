using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace CrossRec.Engines.Cpu;

/// <summary>
/// A fixed team of threads that runs the same body once per <see cref="Run"/>: the caller is worker 0 and
/// <c>count − 1</c> dedicated background threads are the others. Allocation-free per run, unlike
/// <c>Parallel.For</c> (which allocates its loop state and task objects on every call).
/// </summary>
/// <remarks>
/// Implementation note: training calls <see cref="Run"/> once per epoch, and a MovieLens 100K epoch takes
/// about a millisecond, less than a sleeping thread's wake-up on a busy machine: with blocking waits alone
/// the caller often finished the whole epoch before the other worker woke (seen in testing: two threads
/// produced the single-thread model bit for bit). So a worker that finishes spins for a short while
/// (<see cref="SpinTime"/>) watching for the next run before it blocks, and the caller spins likewise
/// while waiting for the others to finish, as OpenMP runtimes do.
/// </remarks>
internal sealed class WorkerGroup : IDisposable
{
    /// <summary>How long an idle thread spins before it blocks.</summary>
    private static readonly long SpinTime = Stopwatch.Frequency / 2000; // 0.5 ms

    private readonly Action<int> _body;
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private long _generation;
    private int _running;
    private volatile bool _disposed;
    private ExceptionDispatchInfo? _failure;

    public WorkerGroup(int count, Action<int> body, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _body = body;
        _threads = new Thread[count - 1];
        for (var t = 0; t < _threads.Length; t++)
        {
            var id = t + 1;
            _threads[t] = new Thread(() => Loop(id)) { IsBackground = true, Name = $"{name} {id}" };
            _threads[t].Start();
        }
    }

    /// <summary>Number of workers, the caller included.</summary>
    public int Count => _threads.Length + 1;

    /// <summary>Runs the body on every worker and returns when all have finished; rethrows the first failure.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _failure = null;
        lock (_gate)
        {
            Volatile.Write(ref _running, _threads.Length);
            Volatile.Write(ref _generation, _generation + 1);
            Monitor.PulseAll(_gate);
        }

        try
        {
            _body(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
        }

        var spinUntil = Stopwatch.GetTimestamp() + SpinTime;
        while (Volatile.Read(ref _running) > 0 && Stopwatch.GetTimestamp() < spinUntil)
        {
            Thread.SpinWait(16);
        }

        lock (_gate)
        {
            while (Volatile.Read(ref _running) > 0)
            {
                Monitor.Wait(_gate);
            }
        }

        _failure?.Throw();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Monitor.PulseAll(_gate);
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    private void Loop(int id)
    {
        long seen = 0;
        while (true)
        {
            var spinUntil = Stopwatch.GetTimestamp() + SpinTime;
            while (Volatile.Read(ref _generation) == seen && !_disposed && Stopwatch.GetTimestamp() < spinUntil)
            {
                Thread.SpinWait(16);
            }

            lock (_gate)
            {
                while (Volatile.Read(ref _generation) == seen && !_disposed)
                {
                    Monitor.Wait(_gate);
                }

                if (_disposed)
                {
                    return;
                }

                seen = _generation;
            }

            try
            {
                _body(id);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }

            if (Interlocked.Decrement(ref _running) == 0)
            {
                lock (_gate)
                {
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }
}
