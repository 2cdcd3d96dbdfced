namespace CrossRec.Engines.Cpu.BiasedMf;

/// <summary>How SGD spreads one epoch's blocks over threads.</summary>
/// <remarks>
/// <para>Implementation note — why <see cref="Blocked"/> is the default. Both were measured on this
/// project's 2-core machine with <c>SgdParallelismBenchmarks</c> (BenchmarkDotNet, k = 64, one epoch per
/// invocation, medians of noisy runs on a shared machine):</para>
/// <code>
///                    MovieLens 100K u1     synthetic 10M
///   1 thread           50.0 M updates/s      33.6 M updates/s
///   2 threads Blocked  71.3 M (1.43×)        47.0 M (1.40×)
///   2 threads Hogwild  48.2 M (0.96×)        41.3 M (1.23×)
/// </code>
/// <para>Hogwild loses most on the small MovieLens matrix: its two threads keep writing the same user and
/// item rows and the same cache lines of the bias arrays, which then bounce between the cores. Blocked
/// threads never share a row or a bias cache line (bins are contiguous index ranges), pay one uncontended
/// lock per block (thousands of ratings), and — a further reason to prefer them — lose no updates, so two
/// threads train the same model as one up to the order of the steps.</para>
/// </remarks>
internal enum SgdParallelism
{
    /// <summary>
    /// LIBMF-style: a thread takes a block only while no other thread holds a block in the same user bin
    /// or the same item bin, so concurrent updates never touch the same parameters.
    /// </summary>
    Blocked = 0,

    /// <summary>Hogwild: threads take blocks in order with no exclusion and tolerate overlapping writes.</summary>
    Hogwild = 1,
}

/// <summary>
/// Hands out each block of an <see cref="SgdGrid"/> exactly once per epoch, in a seeded random order,
/// to any number of threads. Allocation-free after construction.
/// </summary>
internal sealed class SgdScheduler
{
    private readonly int _bins;
    private readonly SgdParallelism _mode;
    private readonly int[] _pending;
    private readonly bool[] _rowBusy;
    private readonly bool[] _columnBusy;
    private readonly Lock _gate = new();
    private int _pendingCount;
    private int _next;
    private volatile bool _stopped;

    public SgdScheduler(int bins, SgdParallelism mode)
    {
        _bins = bins;
        _mode = mode;
        _pending = new int[bins * bins];
        _rowBusy = new bool[bins];
        _columnBusy = new bool[bins];
    }

    /// <summary>True once <see cref="Stop"/> was called in this epoch (cancellation, divergence, failure).</summary>
    public bool Stopped => _stopped;

    /// <summary>Starts an epoch: every block pending, in a fresh random order.</summary>
    public void Reset(Random rng)
    {
        for (var b = 0; b < _pending.Length; b++)
        {
            _pending[b] = b;
        }

        rng.Shuffle(_pending);
        _pendingCount = _pending.Length;
        _next = 0;
        _stopped = false;
        Array.Clear(_rowBusy);
        Array.Clear(_columnBusy);
    }

    /// <summary>Makes every thread's next <see cref="Take"/> return -1.</summary>
    public void Stop() => _stopped = true;

    /// <summary>
    /// The next block for the calling thread, or -1 when the epoch has none left (or was stopped).
    /// In <see cref="SgdParallelism.Blocked"/> mode it waits while every pending block conflicts with a
    /// block another thread holds; call <see cref="Release"/> when done with the block.
    /// </summary>
    public int Take()
    {
        if (_mode == SgdParallelism.Hogwild)
        {
            var slot = Interlocked.Increment(ref _next) - 1;
            return slot < _pending.Length && !_stopped ? _pending[slot] : -1;
        }

        var spin = default(SpinWait);
        while (true)
        {
            lock (_gate)
            {
                if (_pendingCount == 0 || _stopped)
                {
                    return -1;
                }

                for (var j = 0; j < _pendingCount; j++)
                {
                    var b = _pending[j];
                    var row = b / _bins;
                    var column = b % _bins;
                    if (!_rowBusy[row] && !_columnBusy[column])
                    {
                        _rowBusy[row] = true;
                        _columnBusy[column] = true;

                        // Remove by moving the remaining tail down one place: keeps the random order.
                        Array.Copy(_pending, j + 1, _pending, j, _pendingCount - j - 1);
                        _pendingCount--;
                        return b;
                    }
                }
            }

            // Every pending block shares a bin with a block in progress: wait for a release.
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Returns a block taken with <see cref="Take"/>.</summary>
    public void Release(int block)
    {
        if (_mode == SgdParallelism.Hogwild)
        {
            return;
        }

        lock (_gate)
        {
            _rowBusy[block / _bins] = false;
            _columnBusy[block % _bins] = false;
        }
    }
}
