using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace CrossRec.Engines.Cpu;

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
internal sealed unsafe class SgdSession : IDisposable
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

    /// <summary>
    /// Grid size: bins enough to keep a block's rows of P and Q within about 1 MiB (most of this machine's
    /// 1.25 MiB per-core L2) when the rows are not prefetched, 3 MiB when they are (prefetching hides the
    /// L3 latency, and fewer, larger blocks mean fewer scheduling steps); and with several threads at least
    /// 2·threads bins (Blocked needs free rows and columns to choose from; Hogwild needs blocks to deal out).
    /// </summary>
    /// <remarks>Measured on the 10M-rating synthetic set, one thread, with prefetching: 16 bins (1.9 MiB
    /// blocks) and 8 bins (3.8 MiB) within 5% of each other and 8–15% ahead of 30 bins at k = 64; at
    /// k = 128, 16 bins 15% ahead of 59. One bin (the whole 31 MiB at once) ran at 0.43× of 30 bins.</remarks>
    internal static int AutoBins(int users, int items, int stride, int threads, SgdParallelism parallelism, bool prefetch)
    {
        var blockBytes = prefetch ? 3.0 * (1 << 20) : 1 << 20;
        var bytes = ((double)users + items) * stride * sizeof(float);
        var bins = (int)Math.Ceiling(bytes / blockBytes);
        if (threads > 1)
        {
            bins = Math.Max(bins, 2 * threads);
        }

        return Math.Clamp(bins, 1, Math.Max(1, Math.Min(256, Math.Min(users, items))));
    }

    /// <summary>
    /// Prefetch every cache line of the rows of the rating <see cref="PrefetchDistance"/> ahead when P and Q
    /// together outgrow 2 MiB (so they live in L3 or memory), none otherwise.
    /// </summary>
    /// <remarks>Measured (one thread, A/B epochs interleaved): on the 10M-rating synthetic set 1.6× (k = 32),
    /// 1.6–1.9× (k = 64) and 1.55× (k = 128) the updates/s of no prefetching; prefetching only the first line
    /// of each row gained nothing; distances 16 and 32 gained less than 8 at k = 32 and 128. On MovieLens
    /// 100K, whose rows fit in L2, prefetching cost 12–18%, hence the threshold.</remarks>
    internal static int AutoPrefetchLines(int users, int items, int stride)
    {
        const double InCache = 2 << 20;
        var bytes = ((double)users + items) * stride * sizeof(float);
        return bytes > InCache ? (stride * sizeof(float) + 63) / 64 : 0;
    }

    private static T Track<T>(T value, List<IDisposable> disposables)
        where T : IDisposable
    {
        disposables.Add(value);
        return value;
    }

    private static void Copy(AlignedBuffer<float> from, AlignedBuffer<float> to) =>
        Buffer.MemoryCopy(from.Pointer, to.Pointer, to.Length * sizeof(float), from.Length * sizeof(float));

    /// <summary>
    /// Per-item loss weights from <see cref="FactorizationOptions.DomainWeights"/> (original item order),
    /// or null when none are set. Unknown domain names are an error.
    /// </summary>
    internal static float[]? ResolveDomainWeights(InteractionSet train, FactorizationOptions o)
    {
        if (o.DomainWeights is not { Count: > 0 } weights)
        {
            return null;
        }

        if (train.Domains is not { } domains)
        {
            throw new ArgumentException(
                $"{nameof(FactorizationOptions.DomainWeights)} names domain(s) {string.Join(", ", weights.Keys.Select(d => $"'{d}'"))}, but the training data ({train.SourceName}) has no item domains.",
                nameof(o));
        }

        var byDomain = new float[domains.Count];
        Array.Fill(byDomain, 1f);
        foreach (var (name, weight) in weights)
        {
            if (!domains.TryGetIndex(name, out var d))
            {
                throw new ArgumentException(
                    $"{nameof(FactorizationOptions.DomainWeights)} names domain '{name}', which the training data ({train.SourceName}) does not have; its domains are: {string.Join(", ", domains.Select(x => $"'{x}'"))}.",
                    nameof(o));
            }

            byDomain[d] = weight;
        }

        var itemDomains = train.ItemDomains;
        var result = new float[train.ItemCount];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = itemDomains[i] >= 0 ? byDomain[itemDomains[i]] : 1f;
        }

        return result;
    }

    /// <summary>
    /// Normal(0, σ) in the first k lanes of every row that has training ratings; rows without ratings stay
    /// 0, so an id that is in the map but not in the training rows predicts from the biases alone.
    /// </summary>
    /// <remarks>MathNet's polar-method sampler on its xoshiro256** generator: 2.4× faster than Box–Muller on
    /// <see cref="Random"/> (7.7M values: 116 ms against 277 ms), which matters at 10M ratings.</remarks>
    private void InitFactors(float* rows, int[] counts, float sd, int seed)
    {
        var rng = new Xoshiro256StarStar(seed, threadSafe: false);
        var buffer = new double[K];
        for (var r = 0; r < counts.Length; r++)
        {
            if (counts[r] == 0)
            {
                continue;
            }

            Normal.Samples(rng, buffer, 0, sd);
            var row = rows + ((long)r * Stride);
            for (var f = 0; f < K; f++)
            {
                row[f] = (float)buffer[f];
            }
        }
    }

    /// <summary>The body every worker runs each epoch: take blocks until none are left.</summary>
    private void Work(int worker)
    {
        var step = new Step(
            GlobalMean,
            _rate,
            1f - (_rate * _o.Regularization),
            _biasRate,
            1f - (_biasRate * _o.EffectiveBiasRegularization));
        while (true)
        {
            var b = _scheduler.Take();
            if (b < 0)
            {
                return;
            }

            try
            {
                var se = _itemWeights is null
                    ? Block(b, step, default(Unweighted))
                    : Block(b, step, new ItemWeights(_itemWeights.Pointer));
                _blockError[b] = se;
                if (!double.IsFinite(se))
                {
                    _diverged = true;
                    _scheduler.Stop();
                }
            }
            catch
            {
                _scheduler.Stop();
                throw;
            }
            finally
            {
                _scheduler.Release(b);
            }
        }
    }

    private double Block<TWeights>(int block, in Step step, TWeights weights)
        where TWeights : struct, IRatingWeights
    {
        var start = _grid.BlockStart[block];
        var end = _grid.BlockStart[block + 1];
        double se = 0;
        for (var c = start; c < end; c += Chunk)
        {
            ChunkStarting?.Invoke();
            if (_cancellation.IsCancellationRequested)
            {
                _scheduler.Stop();
                return se;
            }

            var entries = _grid.Entries + c;
            var count = Math.Min(Chunk, end - c);
            se += _kernel switch
            {
                1 => Sweep<TWeights, Fixed512Step<One>>(entries, count, step, weights),
                2 => Sweep<TWeights, Fixed512Step<Two>>(entries, count, step, weights),
                3 => Sweep<TWeights, Fixed512Step<Three>>(entries, count, step, weights),
                4 => Sweep<TWeights, Fixed512Step<Four>>(entries, count, step, weights),
                5 => Sweep<TWeights, Fixed512Step<Five>>(entries, count, step, weights),
                6 => Sweep<TWeights, Fixed512Step<Six>>(entries, count, step, weights),
                7 => Sweep<TWeights, Fixed512Step<Seven>>(entries, count, step, weights),
                8 => Sweep<TWeights, Fixed512Step<Eight>>(entries, count, step, weights),
                -1 => Sweep<TWeights, Fixed256Step<One>>(entries, count, step, weights),
                -2 => Sweep<TWeights, Fixed256Step<Two>>(entries, count, step, weights),
                -3 => Sweep<TWeights, Fixed256Step<Three>>(entries, count, step, weights),
                -4 => Sweep<TWeights, Fixed256Step<Four>>(entries, count, step, weights),
                -5 => Sweep<TWeights, Fixed256Step<Five>>(entries, count, step, weights),
                -6 => Sweep<TWeights, Fixed256Step<Six>>(entries, count, step, weights),
                -7 => Sweep<TWeights, Fixed256Step<Seven>>(entries, count, step, weights),
                -8 => Sweep<TWeights, Fixed256Step<Eight>>(entries, count, step, weights),
                _ => Sweep<TWeights, AnyLengthStep>(entries, count, step, weights),
            };
            if (!double.IsFinite(se))
            {
                return se;
            }
        }

        return se;
    }

    /// <summary>
    /// Which row kernel fits <paramref name="stride"/> on this CPU: n &gt; 0 for n 512-bit vectors, −n for
    /// n 256-bit vectors, 0 for the any-length kernel.
    /// </summary>
    internal static int ChooseKernel(int stride)
    {
        return Pick<Fixed512Step<One>>(1) ?? Pick<Fixed512Step<Two>>(2) ?? Pick<Fixed512Step<Three>>(3) ?? Pick<Fixed512Step<Four>>(4)
            ?? Pick<Fixed512Step<Five>>(5) ?? Pick<Fixed512Step<Six>>(6) ?? Pick<Fixed512Step<Seven>>(7) ?? Pick<Fixed512Step<Eight>>(8)
            ?? Pick<Fixed256Step<One>>(-1) ?? Pick<Fixed256Step<Two>>(-2) ?? Pick<Fixed256Step<Three>>(-3) ?? Pick<Fixed256Step<Four>>(-4)
            ?? Pick<Fixed256Step<Five>>(-5) ?? Pick<Fixed256Step<Six>>(-6) ?? Pick<Fixed256Step<Seven>>(-7) ?? Pick<Fixed256Step<Eight>>(-8)
            ?? 0;

        int? Pick<TStep>(int id)
            where TStep : struct, ISgdRowStep => TStep.Supports(stride) ? id : null;
    }

    /// <summary>
    /// The SGD inner loop over a run of ratings: with residual ρ = r − (μ + b_u + b_i), the row kernel computes
    /// e = ρ − p_u·q_i and steps p_u, q_i; then b ← b + η_b(w·e − λ_b·b) for both biases.
    /// Returns Σ e² (unweighted).
    /// </summary>
    /// <remarks>Cross-domain extensions (say a per-domain user bias) add their term to ρ and their update
    /// next to the bias updates here.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the first epoch runs optimised code, not tier-0 + OSR
    private double Sweep<TWeights, TStep>(SgdEntry* entries, int count, in Step s, TWeights weights)
        where TWeights : struct, IRatingWeights
        where TStep : struct, ISgdRowStep
    {
        // Locals, not fields or the `in` struct: stores through the row pointers could alias memory, so the
        // JIT would otherwise reload every constant after every store.
        var p = _p.Pointer;
        var q = _q.Pointer;
        var bu = _bu.Pointer;
        var bi = _bi.Pointer;
        var stride = Stride;
        var mean = s.Mean;
        var rate = s.Rate;
        var keep = s.Keep;
        var biasRate = s.BiasRate;
        var biasKeep = s.BiasKeep;
        var prefetchLines = _prefetchLines;
        double se = 0;
        for (var n = 0; n < count; n++)
        {
            if (prefetchLines > 0 && n + PrefetchDistance < count)
            {
                var ahead = entries + n + PrefetchDistance;
                var pa = (byte*)(p + ((nint)ahead->User * stride));
                var qa = (byte*)(q + ((nint)ahead->Item * stride));
                for (var line = 0; line < prefetchLines; line++)
                {
                    Sse.Prefetch0(pa + (line * 64));
                    Sse.Prefetch0(qa + (line * 64));
                }
            }

            var u = entries[n].User;
            var i = entries[n].Item;
            var w = weights.Of(i);
            var e = TStep.Step(p + ((nint)u * stride), q + ((nint)i * stride), stride, entries[n].Value - (mean + bu[u] + bi[i]), keep, rate * w);
            se += e * e;
            var we = w * e;
            bu[u] = (biasKeep * bu[u]) + (biasRate * we);
            bi[i] = (biasKeep * bi[i]) + (biasRate * we);
        }

        return se;
    }

    /// <summary>Per-rating loss weight.</summary>
    private interface IRatingWeights
    {
        float Of(int item);
    }

    /// <summary>
    /// The constants of one epoch's steps. <c>Keep = 1 − η·λ</c> is the shrink factor of the L2 penalty,
    /// so a factor step is one multiply and one fused multiply-add per lane.
    /// </summary>
    private readonly record struct Step(float Mean, float Rate, float Keep, float BiasRate, float BiasKeep);

    private readonly struct Unweighted : IRatingWeights
    {
        public float Of(int item) => 1f;
    }

    private readonly struct ItemWeights(float* weights) : IRatingWeights
    {
        public float Of(int item) => weights[item];
    }

    /// <summary>The validation set in the grid's index space (-1 for ids the training data lacks).</summary>
    private sealed class Validation
    {
        private readonly int[] _users;
        private readonly int[] _items;
        private readonly float[] _values;

        public Validation(InteractionSet train, InteractionSet validation, SgdGrid grid)
        {
            if (validation.Count == 0)
            {
                throw new ArgumentException($"{validation.SourceName}: the validation set is empty.", nameof(validation));
            }

            var userMap = train.UserIds.Translate(validation.UserIds);
            var itemMap = train.ItemIds.Translate(validation.ItemIds);
            var users = validation.Users;
            var items = validation.Items;
            _users = new int[validation.Count];
            _items = new int[validation.Count];
            _values = validation.Values.ToArray();
            for (var r = 0; r < _users.Length; r++)
            {
                var u = userMap[users[r]];
                var i = itemMap[items[r]];
                _users[r] = u < 0 ? -1 : grid.UserIndex[u];
                _items[r] = i < 0 ? -1 : grid.ItemIndex[i];
            }
        }

        public double Rmse(SgdSession s)
        {
            var p = s._p.Pointer;
            var q = s._q.Pointer;
            var bu = s._bu.Pointer;
            var bi = s._bi.Pointer;
            var stride = s.Stride;
            double se = 0;
            for (var r = 0; r < _users.Length; r++)
            {
                var u = _users[r];
                var i = _items[r];
                var score = s.GlobalMean;
                if (u >= 0)
                {
                    score += bu[u];
                }

                if (i >= 0)
                {
                    score += bi[i];
                }

                if (u >= 0 && i >= 0)
                {
                    score += SgdKernel.Dot(p + ((nint)u * stride), q + ((nint)i * stride), stride);
                }

                if (s._scale is { } scale)
                {
                    score = scale.Clip(score);
                }

                double e = _values[r] - score;
                se += e * e;
            }

            return Math.Sqrt(se / _users.Length);
        }
    }
}
