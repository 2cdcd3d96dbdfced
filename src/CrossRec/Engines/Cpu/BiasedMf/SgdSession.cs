using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace CrossRec.Engines.Cpu.BiasedMf;

/// <summary>Engine-internal knobs of the SGD trainer that are not public options (benchmarks and tests set them).</summary>
/// <param name="Threads">Worker threads (≥ 1).</param>
/// <param name="Parallelism">How blocks are spread over threads.</param>
/// <param name="Bins">Grid bins per side; 0 picks them from the thread count and the size of the factor matrices.</param>
/// <param name="PrefetchLines">Cache lines of each upcoming row to prefetch (0 none, −1 decided from the problem size).</param>
internal readonly record struct SgdSettings(int Threads, SgdParallelism Parallelism = SgdParallelism.Blocked, int Bins = 0, int PrefetchLines = -1)
{
    /// <summary>The settings <see cref="SgdTrainer"/> uses for validated options.</summary>
    public static SgdSettings For(FactorizationOptions options) => new(options.EffectiveThreads);
}

/// <summary>What one epoch did.</summary>
/// <param name="SquaredError">Σ e² over the epoch's ratings, each e taken just before the rating's update.</param>
/// <param name="Ratings">Ratings processed.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
internal readonly record struct SgdEpochResult(double SquaredError, long Ratings, double Seconds)
{
    public double Rmse => Math.Sqrt(SquaredError / Math.Max(Ratings, 1));
}

/// <summary>
/// The state of one SGD training run: the rating grid, the parameters (in the grid's relabelled index
/// space, rows padded to <see cref="SgdKernel.Stride"/> in aligned native memory), the scheduler and the
/// worker threads. After construction an epoch allocates nothing (<see cref="RunEpoch"/>; see
/// <c>SgdBenchmarks</c> with MemoryDiagnoser). Dispose to free the native memory and stop the threads.
/// </summary>
internal sealed unsafe partial class SgdSession : IDisposable
{
    /// <summary>Ratings between two cancellation checks inside a block.</summary>
    private const int Chunk = 16_384;

    /// <summary>How many ratings ahead the rows are prefetched.</summary>
    private const int PrefetchDistance = 8;

    private readonly FactorizationOptions _o;
    private readonly SgdGrid _grid;
    private readonly AlignedBuffer<float> _p;
    private readonly AlignedBuffer<float> _q;
    private readonly AlignedBuffer<float> _bu;
    private readonly AlignedBuffer<float> _bi;
    private readonly AlignedBuffer<float>? _itemWeights;
    private readonly SgdScheduler _scheduler;
    private readonly WorkerGroup? _workers;
    private readonly Random _rng;
    private readonly double[] _blockError;
    private readonly Validation? _validation;
    private readonly RatingScale? _scale;
    private readonly int _kernel;
    private readonly int _prefetchLines;
    private AlignedBuffer<float>[]? _best;
    private float _rate;
    private float _biasRate;
    private CancellationToken _cancellation;
    private volatile bool _diverged;

    public SgdSession(InteractionSet train, InteractionSet? validation, FactorizationOptions options, SgdSettings settings)
    {
        _o = options;
        Train = train;
        K = options.Factors;
        Stride = SgdKernel.Stride(K);
        _kernel = ChooseKernel(Stride);
        Threads = Math.Max(1, settings.Threads);
        Parallelism = settings.Parallelism;
        GlobalMean = (float)train.MeanValue();
        _scale = train.Scale;
        _rng = new Random(options.Seed);
        _rate = options.LearningRate;
        _biasRate = options.EffectiveBiasLearningRate;
        var itemWeights = ResolveDomainWeights(train, options);

        _prefetchLines = !Sse.IsSupported ? 0 : settings.PrefetchLines >= 0 ? settings.PrefetchLines : AutoPrefetchLines(train.UserCount, train.ItemCount, Stride);
        Bins = settings.Bins > 0 ? settings.Bins : AutoBins(train.UserCount, train.ItemCount, Stride, Threads, Parallelism, _prefetchLines > 0);

        // More threads than bins could never all hold a block at once (Blocked) or get one (Hogwild, tiny data).
        Threads = Math.Min(Threads, Math.Max(1, Parallelism == SgdParallelism.Blocked ? Bins : Bins * Bins));
        var disposables = new List<IDisposable>();
        try
        {
            _grid = Track(SgdGrid.Build(train, Bins, options.Seed, Threads), disposables);
            _p = Track(new AlignedBuffer<float>((long)train.UserCount * Stride), disposables);
            _q = Track(new AlignedBuffer<float>((long)train.ItemCount * Stride), disposables);
            _bu = Track(new AlignedBuffer<float>(train.UserCount), disposables);
            _bi = Track(new AlignedBuffer<float>(train.ItemCount), disposables);
            InitFactors(_p.Pointer, _grid.UserCounts, options.InitStandardDeviation, SgdGrid.SubSeed(options.Seed, -1));
            InitFactors(_q.Pointer, _grid.ItemCounts, options.InitStandardDeviation, SgdGrid.SubSeed(options.Seed, -2));
            if (itemWeights is not null)
            {
                _itemWeights = Track(new AlignedBuffer<float>(train.ItemCount), disposables);
                for (var i = 0; i < itemWeights.Length; i++)
                {
                    _itemWeights.Pointer[_grid.ItemIndex[i]] = itemWeights[i];
                }
            }

            _validation = validation is null ? null : new Validation(train, validation, _grid);
            _blockError = new double[Bins * Bins];
            _scheduler = new SgdScheduler(Bins, Parallelism);
            if (Threads > 1)
            {
                _workers = Track(new WorkerGroup(Threads, Work, "CrossRec SGD"), disposables);
            }
        }
        catch
        {
            foreach (var d in disposables)
            {
                d.Dispose();
            }

            throw;
        }
    }

    public InteractionSet Train { get; }

    /// <summary>Latent factors k.</summary>
    public int K { get; }

    /// <summary>Row stride of P and Q in floats (k rounded up to the vector width).</summary>
    public int Stride { get; }

    /// <summary>Worker threads.</summary>
    public int Threads { get; }

    /// <summary>Grid bins per side.</summary>
    public int Bins { get; }

    /// <summary>Cache lines prefetched per upcoming row (0: none).</summary>
    public int PrefetchLines => _prefetchLines;

    public SgdParallelism Parallelism { get; }

    public float GlobalMean { get; }

    /// <summary>Epochs run so far.</summary>
    public int Epoch { get; private set; }

    /// <summary>Factor learning rate of the next epoch.</summary>
    public float LearningRate => _rate;

    /// <summary>Ratings per epoch.</summary>
    public int Count => _grid.Count;

    /// <summary>Test hook: runs before every chunk of ratings, on the worker thread (null in production).</summary>
    internal Action? ChunkStarting { get; set; }

    /// <summary>True when a validation set was given.</summary>
    public bool HasValidation => _validation is not null;

    /// <summary>
    /// Runs one epoch at the current learning rates, then decays them. Returns the epoch's training error.
    /// Throws <see cref="OperationCanceledException"/> when cancelled (checked every block and every
    /// <see cref="Chunk"/> ratings); the parameters are then partly updated.
    /// </summary>
    public SgdEpochResult RunEpoch(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var start = Stopwatch.GetTimestamp();
        _cancellation = cancellationToken;
        _diverged = false;
        _scheduler.Reset(_rng);
        Array.Clear(_blockError);
        if (_workers is null)
        {
            Work(0);
        }
        else
        {
            _workers.Run();
        }

        cancellationToken.ThrowIfCancellationRequested();
        double se = 0;
        foreach (var e in _blockError)
        {
            se += e;
        }

        Epoch++;
        _rate *= _o.LearningRateDecay;
        _biasRate *= _o.LearningRateDecay;
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new SgdEpochResult(_diverged ? double.NaN : se, _grid.Count, seconds);
    }

    /// <summary>RMSE of clipped predictions on the validation set (as <see cref="FactorizationModel.Evaluate"/> computes it).</summary>
    public double ValidationRmse() => _validation?.Rmse(this) ?? throw new InvalidOperationException("No validation set.");

    /// <summary>Copies the current parameters aside (allocates the copy on first use only).</summary>
    public void SaveBest()
    {
        _best ??= [new(_p.Length), new(_q.Length), new(_bu.Length), new(_bi.Length)];
        Copy(_p, _best[0]);
        Copy(_q, _best[1]);
        Copy(_bu, _best[2]);
        Copy(_bi, _best[3]);
    }

    /// <summary>Puts back the parameters saved by <see cref="SaveBest"/>.</summary>
    public void RestoreBest()
    {
        if (_best is null)
        {
            throw new InvalidOperationException("No parameters were saved.");
        }

        Copy(_best[0], _p);
        Copy(_best[1], _q);
        Copy(_best[2], _bu);
        Copy(_best[3], _bi);
    }

    /// <summary>True when every parameter is finite.</summary>
    public bool ParametersFinite()
    {
        return AllFinite(_p) && AllFinite(_q) && AllFinite(_bu) && AllFinite(_bi);

        static bool AllFinite(AlignedBuffer<float> b)
        {
            var x = b.Pointer;
            for (long j = 0; j < b.Length; j++)
            {
                if (!float.IsFinite(x[j]))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Copies the parameters out into a model, in the training set's original index order and with stride k.</summary>
    public FactorizationModel ToModel(TrainingInfo? info)
    {
        var nu = Train.UserCount;
        var ni = Train.ItemCount;
        var bu = new float[nu];
        var bi = new float[ni];
        var p = new float[checked(nu * K)];
        var q = new float[checked(ni * K)];
        for (var u = 0; u < nu; u++)
        {
            var r = _grid.UserIndex[u];
            bu[u] = _bu.Pointer[r];
            new ReadOnlySpan<float>(_p.Pointer + ((long)r * Stride), K).CopyTo(p.AsSpan(u * K, K));
        }

        for (var i = 0; i < ni; i++)
        {
            var r = _grid.ItemIndex[i];
            bi[i] = _bi.Pointer[r];
            new ReadOnlySpan<float>(_q.Pointer + ((long)r * Stride), K).CopyTo(q.AsSpan(i * K, K));
        }

        return FactorizationModel.FromTraining(Train, K, GlobalMean, bu, bi, p, q, info);
    }

    public void Dispose()
    {
        _workers?.Dispose();
        _grid.Dispose();
        _p.Dispose();
        _q.Dispose();
        _bu.Dispose();
        _bi.Dispose();
        _itemWeights?.Dispose();
        if (_best is not null)
        {
            foreach (var b in _best)
            {
                b.Dispose();
            }
        }
    }
}
