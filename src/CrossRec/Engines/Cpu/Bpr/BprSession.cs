using System.Numerics.Tensors;
using System.Runtime.Intrinsics.X86;

namespace CrossRec.Engines.Cpu.Bpr;

/// <summary>
/// BPR training on the CPU: the parameters in managed row-major arrays (handed to the model without a
/// copy), a shuffle of the positives per epoch, and Hogwild workers — each takes a contiguous stretch of
/// the shuffled positives and updates the shared rows without locks (Recht et al. 2011: with sparse
/// steps, overlapping writes are rare and harmless). One worker and a seeded order make a run
/// bit-identical for a seed (<see cref="BprOptions.Deterministic"/>).
/// </summary>
/// <remarks>
/// The hot loop allocates nothing: the rows are pinned once per worker and epoch, the generator is a
/// struct, the negative sampler reads shared immutable arrays, and each worker sums its loss and AUC in
/// locals written out once at the end.
/// </remarks>
internal sealed unsafe class BprSession : IBprSession
{
    /// <summary>Steps between two looks at the cancellation token inside an epoch (a few hundred microseconds at k = 64).</summary>
    private const int CancellationStride = 8192;

    /// <summary>
    /// Steps ahead whose rows a worker prefetches, and swaps ahead whose target the shuffle prefetches (0: none). At 20M
    /// interactions the factor tables and the shuffled pairs outgrow the cache and each step waits on several misses;
    /// the measurement is in docs/performance.md ("BPR at scale"). Internal and settable so that tests can check that
    /// prefetching changes no result.
    /// </summary>
    internal static int PrefetchAhead { get; set; } = DefaultPrefetchAhead;

    /// <summary>The default of <see cref="PrefetchAhead"/>.</summary>
    internal const int DefaultPrefetchAhead = 8;

    /// <summary>The most memory a per-user bit set of items may take (see the constructor); beyond it the sampler binary-searches the user's row.</summary>
    internal const long BitSetBudget = 64L << 20;

    private readonly BprOptions _o;
    private readonly int _k;
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;
    private readonly float[] _itemBias;
    private readonly int[] _offsets;
    private readonly int[] _items;
    private readonly long[] _pairs;
    private readonly BprNegativeSampler _sampler;
    private readonly long _stepsPerEpoch;
    private readonly WorkerTotals[] _totals;
    private readonly ulong[]? _bits;
    private readonly int _words;

    public BprSession(InteractionSet train, BprOptions options)
        : this(train, options, BitSetBudget)
    {
    }

    internal BprSession(InteractionSet train, BprOptions options, long bitSetBudget)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _o = options;
        _k = options.Factors;
        var m = train.ToMatrix();
        if (m.NonZeros == 0)
        {
            throw new ArgumentException($"{train.SourceName}: the training set is empty.", nameof(train));
        }

        if ((long)train.UserCount * _k > Array.MaxLength || (long)train.ItemCount * _k > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _k, $"{nameof(BprOptions.Factors)} = {_k} needs more than {Array.MaxLength} factors per matrix for {train.UserCount} users and {train.ItemCount} items.");
        }

        _offsets = m.UserOffsetsArray;
        _items = m.UserItemsArray;
        // The shuffled positives as packed (user, item) pairs: a step reads one sequential 8-byte entry
        // instead of a position and then two random reads (its user and its item) into the CSR arrays.
        _pairs = new long[_items.Length];
        for (var u = 0; u < train.UserCount; u++)
        {
            for (var n = _offsets[u]; n < _offsets[u + 1]; n++)
            {
                _pairs[n] = ((long)u << 32) | (uint)_items[n];
            }
        }

        // A bit set of each user's items (when it fits the budget: 0.2 MB for ML-100K, 4.2 MB for Last.fm 2K)
        // answers the sampler's membership test with one load instead of a binary search's chain of ~7
        // dependent loads. Measured, one thread, the two variants alternating in one process: 215 → 160
        // and 156 → 116 ns per step on ML-100K, 460 → 366 on Last.fm (k = 128; the same models bit for bit).
        _words = (train.ItemCount + 63) / 64;
        if ((long)train.UserCount * _words * sizeof(ulong) <= bitSetBudget)
        {
            _bits = new ulong[train.UserCount * _words];
            for (var u = 0; u < train.UserCount; u++)
            {
                for (var n = _offsets[u]; n < _offsets[u + 1]; n++)
                {
                    _bits[(u * _words) + (_items[n] >> 6)] |= 1UL << (_items[n] & 63);
                }
            }
        }

        _sampler = BprNegativeSampler.Create(train.ItemCount, train.ItemDomains, options.DomainAwareNegatives);
        _stepsPerEpoch = Math.Max(1L, (long)Math.Round(options.SamplesPerEpoch * _items.Length));
        _userFactors = new float[train.UserCount * _k];
        _itemFactors = new float[train.ItemCount * _k];
        _itemBias = new float[train.ItemCount];
        _totals = new WorkerTotals[options.EffectiveThreads];
        Initialise(options.InitStandardDeviation, options.Seed);
    }

    /// <summary>SGD steps per epoch.</summary>
    public long StepsPerEpoch => _stepsPerEpoch;

    internal float[] UserFactors => _userFactors;

    internal float[] ItemFactors => _itemFactors;

    internal float[] ItemBias => _itemBias;

    internal BprNegativeSampler Sampler => _sampler;

    public BprEpochResult RunEpoch(int epoch, float learningRate, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (!float.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate of an epoch must be positive and finite.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        Shuffle(BprRandom.For(_o.Seed, epoch));
        var workers = _totals.Length;
        if (workers == 1)
        {
            Work(0, epoch, learningRate, cancellationToken);
        }
        else
        {
            RunParallel(workers, epoch, learningRate, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        double loss = 0, auc = 0;
        long steps = 0, skipped = 0;
        foreach (var t in _totals)
        {
            loss += t.Loss;
            auc += t.Auc;
            steps += t.Steps;
            skipped += t.Skipped;
        }

        return steps == 0
            ? new BprEpochResult(double.NaN, double.NaN, 0, skipped)
            : new BprEpochResult(loss / steps, auc / steps, steps, skipped);
    }

    public bool ParametersFinite() =>
        TensorPrimitives.IsFiniteAll<float>(_userFactors) && TensorPrimitives.IsFiniteAll<float>(_itemFactors) && TensorPrimitives.IsFiniteAll<float>(_itemBias);

    public void CopyParameters(Span<float> userFactors, Span<float> itemFactors, Span<float> itemBiases)
    {
        _userFactors.CopyTo(userFactors);
        _itemFactors.CopyTo(itemFactors);
        if (_o.ItemBiases)
        {
            _itemBias.CopyTo(itemBiases);
        }
    }

    public void Dispose()
    {
        // Managed arrays only: nothing to release. The method exists for engines that hold device memory.
    }

    /// <summary>Hogwild: one stretch per worker. A method of its own so that the one-thread path does not allocate the lambda's closure.</summary>
    private void RunParallel(int workers, int epoch, float learningRate, CancellationToken cancellationToken) =>
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, t => Work(t, epoch, learningRate, cancellationToken));

    /// <summary>Worker <paramref name="worker"/>'s stretch of the epoch: steps [S·t/T, S·(t+1)/T) of the shuffled order.</summary>
    private void Work(int worker, int epoch, float rate, CancellationToken ct)
    {
        var workers = _totals.Length;
        var from = _stepsPerEpoch * worker / workers;
        var to = _stepsPerEpoch * (worker + 1) / workers;
        var rng = BprRandom.For(_o.Seed, epoch, worker + 1);
        var k = _k;
        var au = 1f - (rate * _o.UserRegularization);
        var ai = 1f - (rate * _o.PositiveItemRegularization);
        var aj = 1f - (rate * _o.NegativeItemRegularization);
        var ab = 1f - (rate * _o.BiasRegularization);
        var biases = _o.ItemBiases;
        var sampler = _sampler;
        var pairs = _pairs;
        var items = _items;
        var offsets = _offsets;
        var bits = _bits;
        var words = _words;
        var positives = pairs.Length;
        var n = (int)(from % positives);
        var ahead = Sse.IsSupported ? Math.Min(PrefetchAhead, positives - 1) : 0;

        // Positions of the steps `ahead` and 2 × `ahead` on, wrapping around like n (no division per step).
        var near = (int)((n + (long)ahead) % positives);
        var far = (int)((n + (2L * ahead)) % positives);
        var lines = ((k * sizeof(float)) + 63) >> 6;
        double loss = 0, auc = 0;
        long steps = 0, skipped = 0;
        fixed (float* users = _userFactors, factors = _itemFactors, bias = _itemBias)
        fixed (int* starts = offsets, rows = items)
        {
            for (var s = from; s < to; s++)
            {
                if ((s & (CancellationStride - 1)) == 0 && ct.IsCancellationRequested)
                {
                    break;
                }

                if (ahead > 0)
                {
                    // The rows of the step `ahead` positions on (the pairs are read in order): its user's row and
                    // item list, its positive's row; and the offsets of the step twice as far, read then.
                    var next = pairs[near];
                    var nu = (int)(next >> 32);
                    var pu = (byte*)(users + ((long)nu * k));
                    var pi = (byte*)(factors + ((long)(int)next * k));
                    for (var line = 0; line < lines; line++)
                    {
                        Sse.Prefetch0(pu + (line << 6));
                        Sse.Prefetch0(pi + (line << 6));
                    }

                    Sse.Prefetch0(rows + starts[nu]);
                    Sse.Prefetch0(starts + (int)(pairs[far] >> 32));
                    if (++near == positives)
                    {
                        near = 0;
                    }

                    if (++far == positives)
                    {
                        far = 0;
                    }
                }

                var pair = pairs[n];
                if (++n == positives)
                {
                    n = 0;
                }

                var u = (int)(pair >> 32);
                var i = (int)pair;
                var start = offsets[u];
                var j = sampler.Sample(ref rng, items.AsSpan(start, offsets[u + 1] - start), bits is null ? default : bits.AsSpan(u * words, words), i);
                if (j < 0)
                {
                    skipped++;
                    continue;
                }

                var p = users + ((long)u * k);
                var qi = factors + ((long)i * k);
                var qj = factors + ((long)j * k);
                var x = BprStep.DotDifference(p, qi, qj, k);
                if (biases)
                {
                    x += bias[i] - bias[j];
                }

                var g = BprStep.Gradient(x, out var l);
                loss += l;
                auc += x > 0 ? 1 : x == 0 ? 0.5 : 0;
                var step = rate * g;
                BprStep.Update(p, qi, qj, k, step, au, ai, aj);
                if (biases)
                {
                    bias[i] = (ab * bias[i]) + step;
                    bias[j] = (ab * bias[j]) - step;
                }

                steps++;
            }
        }

        _totals[worker] = new WorkerTotals(loss, auc, steps, skipped);
    }

    /// <summary>
    /// Fisher–Yates over the positives (the previous epoch's order is as good a start as any). The swap targets are
    /// drawn <see cref="PrefetchAhead"/> swaps early, in the same order, and prefetched: the same permutation, but at
    /// 16M positives each swap no longer waits on a cache miss of its own.
    /// </summary>
    private void Shuffle(BprRandom rng)
    {
        var pairs = _pairs;
        var ahead = Sse.IsSupported ? Math.Min(Math.Min(PrefetchAhead, 64), pairs.Length - 1) : 0;
        if (ahead == 0)
        {
            for (var n = pairs.Length - 1; n > 0; n--)
            {
                var m = rng.NextInt(n + 1);
                (pairs[n], pairs[m]) = (pairs[m], pairs[n]);
            }

            return;
        }

        // targets[t % ahead] holds the target of swap n = last − t; the draw for swap n − ahead replaces it once used.
        Span<int> targets = stackalloc int[ahead];
        var last = pairs.Length - 1;
        for (var t = 0; t < ahead; t++)
        {
            targets[t] = rng.NextInt(last - t + 1);
        }

        fixed (long* p = pairs)
        {
            var slot = 0;
            for (var n = last; n > 0; n--)
            {
                var m = targets[slot];
                var later = n - ahead;
                if (later > 0)
                {
                    var target = rng.NextInt(later + 1);
                    targets[slot] = target;
                    Sse.Prefetch0(p + target);
                }

                if (++slot == ahead)
                {
                    slot = 0;
                }

                (p[n], p[m]) = (p[m], p[n]);
            }
        }
    }

    /// <summary>Normal(0, σ) factors; users without training items keep 0 (they score by the biases alone).</summary>
    private void Initialise(float sd, int seed)
    {
        var rng = BprRandom.For(seed, -1);
        var k = _k;
        for (var u = 0; u + 1 < _offsets.Length; u++)
        {
            if (_offsets[u + 1] == _offsets[u])
            {
                continue;
            }

            var row = _userFactors.AsSpan(u * k, k);
            for (var f = 0; f < k; f++)
            {
                row[f] = (float)(rng.NextNormal() * sd);
            }
        }

        for (var v = 0; v < _itemFactors.Length; v++)
        {
            _itemFactors[v] = (float)(rng.NextNormal() * sd);
        }
    }

    private readonly record struct WorkerTotals(double Loss, double Auc, long Steps, long Skipped);
}
