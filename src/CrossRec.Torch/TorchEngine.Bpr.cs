using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

internal sealed partial class TorchEngine : IBprKernel
{
    /// <inheritdoc />
    /// <remarks>
    /// Minibatch SGD on the device: each epoch shuffles the positives with <c>randperm</c> (a generator seeded
    /// from <see cref="BprOptions.Seed"/> and the epoch), and for each batch of
    /// <see cref="TorchEngineOptions.BprBatchSize"/> positives draws one negative per positive uniformly (from
    /// the positive's domain with <see cref="BprOptions.DomainAwareNegatives"/>), rejecting the user's own items
    /// by <c>searchsorted</c> on the sorted (user, item) keys and redrawing up to 64 times, as the CPU sampler
    /// does; a positive still without a negative is skipped. The CPU engine's step (same gradient, shrink
    /// factors and biases) is applied to every triple of the batch from the batch's starting values, the
    /// updates of one row summed with <c>index_add_</c>, as Hogwild threads would apply them. With
    /// <see cref="BprOptions.Deterministic"/> on CUDA the sums are formed in a fixed order (sorted rows, a float64
    /// running sum per row) instead of by atomic adds, so a run is bit-identical for a seed; on libtorch CPU
    /// <c>index_add_</c> already is. The factor tables and the positives must fit <see cref="MemoryBudget"/>.
    /// </remarks>
    IBprSession IBprKernel.Start(InteractionSet train, BprOptions options) => new TorchBprSession(this, _device, train, options, Options.BprBatchSize ?? (OnCuda ? 16_384 : 1_024), OnCuda && options.Deterministic);
}

/// <summary>One BPR run on a Torch device (see <see cref="TorchEngine"/>'s <see cref="IBprKernel"/> remarks).</summary>
internal sealed class TorchBprSession : IBprSession
{
    /// <summary>Draws per negative before the positive is skipped (the CPU sampler's limit).</summary>
    private const int MaxDraws = 64;

    private readonly torch.Device _device;
    private readonly BprOptions _o;
    private readonly int _batch;
    private readonly bool _ordered;
    private readonly long _positives;
    private readonly long _stepsPerEpoch;
    private readonly long _itemCount;
    private readonly Tensor _users;
    private readonly Tensor _items;
    private readonly Tensor _keys;
    private readonly Tensor? _groupOfItem;
    private readonly Tensor? _groupOffsets;
    private readonly Tensor? _groupItems;
    private readonly Tensor _p;
    private readonly Tensor _q;
    private readonly Tensor _b;
    private bool _disposed;

    public TorchBprSession(TorchEngine engine, torch.Device device, InteractionSet train, BprOptions options, int batch, bool ordered)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _device = device;
        _o = options;
        _batch = batch;
        _ordered = ordered;
        var m = train.ToMatrix();
        if (m.NonZeros == 0)
        {
            throw new ArgumentException($"{train.SourceName}: the training set is empty.", nameof(train));
        }

        var k = options.Factors;
        _positives = m.NonZeros;
        _itemCount = m.ItemCount;
        _stepsPerEpoch = Math.Max(1L, (long)Math.Round(options.SamplesPerEpoch * _positives));

        // Factor tables and biases, the positives (user, item, sorted key: int64 each), the domain groups, and a
        // batch's working set (the gathered rows and their updates, a few dozen floats per factor).
        var tables = 4L * k * (m.UserCount + m.ItemCount) + (4L * m.ItemCount);
        var positives = 3 * 8 * _positives + (16L * m.ItemCount);
        var working = (long)batch * ((12L * 4 * k) + 256);
        engine.MemoryBudget().Require($"BPR at k = {k} ({m.UserCount} × {k} + {m.ItemCount} × {k} float32 factor tables, {_positives} positives and a batch of {batch})", tables + positives + working, engine.Name);

        var offsets = m.UserOffsetsArray;
        var users = new int[_positives];
        var keys = new long[_positives];
        var hasItems = new float[m.UserCount];
        for (var u = 0; u < m.UserCount; u++)
        {
            users.AsSpan(offsets[u], offsets[u + 1] - offsets[u]).Fill(u);
            hasItems[u] = offsets[u + 1] > offsets[u] ? 1f : 0f;
            for (var n = offsets[u]; n < offsets[u + 1]; n++)
            {
                keys[n] = ((long)u * m.ItemCount) + m.UserItemsArray[n]; // rows sorted by user, items sorted within a row: ascending
            }
        }

        using var scope = torch.NewDisposeScope();
        _users = TorchCompat.Indices(users, device).DetachFromDisposeScope();
        _items = TorchCompat.Indices(m.UserItemsArray, device).DetachFromDisposeScope();
        _keys = torch.tensor(keys, dtype: ScalarType.Int64, device: device).DetachFromDisposeScope();
        if (options.DomainAwareNegatives && train.HasDomains)
        {
            // The CPU sampler's groups: domain d is group d + 1, items without a domain group 0.
            var (groupOf, groupOffsets, groupItems) = Engines.Cpu.Bpr.BprNegativeSampler.Groups(m.ItemCount, train.ItemDomains);
            _groupOfItem = TorchCompat.Indices(groupOf, device).DetachFromDisposeScope();
            _groupOffsets = TorchCompat.Indices(groupOffsets, device).DetachFromDisposeScope();
            _groupItems = TorchCompat.Indices(groupItems, device).DetachFromDisposeScope();
        }

        using var generator = new torch.Generator((ulong)options.Seed, device);
        _p = (TorchCompat.RandN(m.UserCount, k, generator, device) * options.InitStandardDeviation * TorchCompat.Floats(hasItems, device).unsqueeze(1)).DetachFromDisposeScope();
        _q = TorchCompat.RandN(m.ItemCount, k, generator, device).mul_(options.InitStandardDeviation).DetachFromDisposeScope();
        _b = torch.zeros(m.ItemCount, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
    }

    public BprEpochResult RunEpoch(int epoch, float learningRate, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (!float.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate of an epoch must be positive and finite.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(unchecked((ulong)(((long)_o.Seed * 1_000_003L) + epoch + 1)), _device);
        var order = TorchCompat.RandPerm(_positives, generator, _device);
        var rate = learningRate;
        var au = 1f - (rate * _o.UserRegularization);
        var ai = 1f - (rate * _o.PositiveItemRegularization);
        var aj = 1f - (rate * _o.NegativeItemRegularization);
        var ab = 1f - (rate * _o.BiasRegularization);
        var totals = torch.zeros(3, dtype: ScalarType.Float64, device: _device); // loss, AUC, steps
        for (long start = 0; start < _stepsPerEpoch; start += _batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var batchScope = torch.NewDisposeScope();
            var length = Math.Min(_batch, _stepsPerEpoch - start);
            var positions = torch.arange(start, start + length, dtype: ScalarType.Int64, device: _device).remainder_(_positives);
            var pick = order.index_select(0, positions);
            var u = _users.index_select(0, pick);
            var i = _items.index_select(0, pick);
            var (j, found) = Negatives(u, i, generator);
            var valid = found.to(ScalarType.Float32);

            var pu = _p.index_select(0, u);
            var qi = _q.index_select(0, i);
            var qj = _q.index_select(0, j);
            var x = (pu * (qi - qj)).sum(1);
            if (_o.ItemBiases)
            {
                x = x + _b.index_select(0, i) - _b.index_select(0, j);
            }

            // g = σ(−x), loss −ln σ(x) = softplus(−x); ties count half in the sampled AUC.
            var g = torch.sigmoid(-x);
            var loss = torch.nn.functional.softplus(-x);
            var auc = (x > 0).to(ScalarType.Float32) + ((x == 0).to(ScalarType.Float32) * 0.5f);
            totals.add_(torch.stack([(loss * valid).sum(), (auc * valid).sum(), valid.sum()]).to(ScalarType.Float64));
            var step = (g * valid * rate).unsqueeze(1);
            var v = valid.unsqueeze(1);
            Add(_p, u, (pu * ((au - 1) * v)) + (step * (qi - qj)));
            Add(_q, torch.cat([i, j]), torch.cat([(qi * ((ai - 1) * v)) + (step * pu), (qj * ((aj - 1) * v)) - (step * pu)]));
            if (_o.ItemBiases)
            {
                var s = step.squeeze(1);
                Add(_b, torch.cat([i, j]), torch.cat([(_b.index_select(0, i) * (ab - 1) * valid) + s, (_b.index_select(0, j) * (ab - 1) * valid) - s]));
            }
        }

        var sums = TorchCompat.ToDoubles(totals);
        var steps = (long)sums[2];
        var skipped = _stepsPerEpoch - steps;
        return steps == 0
            ? new BprEpochResult(double.NaN, double.NaN, 0, skipped)
            : new BprEpochResult(sums[0] / steps, sums[1] / steps, steps, skipped);
    }

    public bool ParametersFinite()
    {
        using var scope = torch.NewDisposeScope();
        return _p.isfinite().all().item<bool>() && _q.isfinite().all().item<bool>() && _b.isfinite().all().item<bool>();
    }

    public void CopyParameters(Span<float> userFactors, Span<float> itemFactors, Span<float> itemBiases)
    {
        TorchCompat.ToFloats(_p).CopyTo(userFactors);
        TorchCompat.ToFloats(_q).CopyTo(itemFactors);
        if (_o.ItemBiases)
        {
            TorchCompat.ToFloats(_b).CopyTo(itemBiases);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var t in new[] { _users, _items, _keys, _groupOfItem, _groupOffsets, _groupItems, _p, _q, _b })
        {
            t?.Dispose();
        }
    }

    /// <summary>One negative per positive, redrawn while it is one of the user's items (at most <see cref="MaxDraws"/> draws); found is false where every draw was.</summary>
    private (Tensor Negative, Tensor Found) Negatives(Tensor u, Tensor i, torch.Generator generator)
    {
        var j = Draw(i, generator);
        var taken = Owned(u, j);
        for (var draw = 1; draw < MaxDraws && taken.any().item<bool>(); draw++)
        {
            j = torch.where(taken, Draw(i, generator), j);
            taken = taken & Owned(u, j);
        }

        return (j, taken.logical_not());
    }

    private Tensor Draw(Tensor positives, torch.Generator generator)
    {
        var uniform = torch.rand(positives.shape[0], dtype: ScalarType.Float64, device: _device, generator: generator);
        if (_groupOfItem is null)
        {
            return (uniform * _itemCount).to(ScalarType.Int64).clamp_(0, _itemCount - 1);
        }

        var g = _groupOfItem.index_select(0, positives);
        var from = _groupOffsets!.index_select(0, g);
        var count = _groupOffsets.index_select(0, g + 1) - from;
        var offset = torch.minimum((uniform * count).to(ScalarType.Int64), count - 1);
        return _groupItems!.index_select(0, from + offset);
    }

    /// <summary>Whether item j is one of user u's positives: binary search of u·items + j among the sorted keys.</summary>
    private Tensor Owned(Tensor u, Tensor j)
    {
        var key = (u * _itemCount) + j;
        var at = torch.searchsorted(_keys, key).clamp_(0, _positives - 1);
        return _keys.index_select(0, at) == key;
    }

    /// <summary>target[rows[n]] += deltas[n]: by <c>index_add_</c>, or in a fixed order when the run must be bit-identical on CUDA.</summary>
    private void Add(Tensor target, Tensor rows, Tensor deltas)
    {
        if (!_ordered)
        {
            TorchCompat.IndexAdd(target, 0, rows, deltas);
            return;
        }

        // Sorted by row (stably), a float64 running sum, and each row's total as the difference of the running
        // sum at the ends of its run: every row is then added once, so no atomic add decides the order.
        var (sorted, permutation) = rows.sort(stable: true);
        var running = deltas.index_select(0, permutation).to(ScalarType.Float64).cumsum(0);
        var n = sorted.shape[0];
        var last = torch.cat([sorted.narrow(0, 1, n - 1) != sorted.narrow(0, 0, n - 1), torch.ones(1, dtype: ScalarType.Bool, device: _device)]).nonzero().reshape(-1);
        var ends = running.index_select(0, last);
        var before = torch.cat([torch.zeros_like(ends.narrow(0, 0, 1)), ends.narrow(0, 0, ends.shape[0] - 1)]);
        TorchCompat.IndexAdd(target, 0, sorted.index_select(0, last), (ends - before).to(ScalarType.Float32));
    }
}
