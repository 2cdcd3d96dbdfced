using CrossRec.Algorithms.Hybrid;
using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

internal sealed partial class TorchEngine : IHybridKernel
{
    /// <inheritdoc />
    /// <remarks>
    /// Minibatch training on the device: each epoch shuffles the positives with <c>randperm</c> (a generator seeded from
    /// <see cref="HybridOptions.Seed"/> and the epoch) and takes them in batches of
    /// <see cref="TorchEngineOptions.HybridBatchSize"/>. For each positive it draws <see cref="HybridOptions.MaxSampled"/>
    /// candidates at once (WARP) or up to 32 one after another until one is not the user's (BPR), from
    /// <see cref="HybridProblem.NegativeCandidates"/>, rejecting the user's own items by <c>searchsorted</c> on the sorted
    /// (user, item) keys. WARP takes the first candidate within the margin and weighs the step by ln⌊(n−1)/draws⌋ as the
    /// managed engine does; identity dropout is drawn per item occurrence. Representations are the weighted sums of
    /// feature embeddings (gathered per batch); the gradients of every step of the batch, taken at the batch's starting
    /// values, are summed per feature row with <c>index_add_</c> and applied as one Adagrad step per touched row (the
    /// managed engine applies one per step). The parameters and the problem must fit <see cref="MemoryBudget"/>.
    /// </remarks>
    IHybridSession IHybridKernel.Start(HybridProblem problem, HybridOptions options) =>
        new TorchHybridSession(this, _device, problem, options, Options.HybridBatchSize ?? DefaultBatch(problem.PositiveItems.Length));

    /// <summary>
    /// 1,024 positives per batch, but at least 128 batches per epoch (down to 16 positives): a minibatch epoch takes one
    /// Adagrad step per touched row and batch, so on a small set a large batch leaves the model under-trained.
    /// </summary>
    internal static int DefaultBatch(int positives) => Math.Clamp(positives / 128, 16, 1_024);
}

/// <summary>One hybrid run on a Torch device (see <see cref="TorchEngine"/>'s <see cref="IHybridKernel"/> remarks).</summary>
internal sealed class TorchHybridSession : IHybridSession
{
    /// <summary>Draws BPR makes to find a negative the user does not have before it skips the step (the managed engine's limit).</summary>
    private const int BprMaxDraws = 32;

    private readonly torch.Device _device;
    private readonly HybridOptions _o;
    private readonly int _batch;
    private readonly long _positives;
    private readonly long _itemCount;
    private readonly long _candidateCount;
    private readonly Sparse _userRows;
    private readonly Sparse _itemRows;
    private readonly Tensor _positiveUser;
    private readonly Tensor _positiveItem;
    private readonly Tensor _keys;
    private readonly Tensor _candidates;
    private readonly Tensor _userEmbeddings;
    private readonly Tensor _itemEmbeddings;
    private readonly Tensor _itemBiases;
    private readonly Tensor _userAccumulated;
    private readonly Tensor _itemAccumulated;
    private readonly Tensor _biasAccumulated;
    private bool _disposed;

    public TorchHybridSession(TorchEngine engine, torch.Device device, HybridProblem problem, HybridOptions options, int batch)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        _device = device;
        _o = options;
        _batch = batch;
        _positives = problem.PositiveItems.Length;
        _itemCount = problem.Items;
        _candidateCount = problem.NegativeCandidates.Length;
        if (_positives == 0 || _candidateCount == 0)
        {
            throw new ArgumentException("The hybrid problem has no positives or no negative candidates.", nameof(problem));
        }

        var k = options.Factors;
        var parameters = 4L * 2 * (((long)problem.UserFeatureCount * k) + ((long)problem.ItemFeatureCount * (k + 1)));
        var rows = 12L * (problem.UserFeatures.Length + problem.ItemFeatures.Length + problem.Users + problem.Items);
        var positives = 3 * 8 * _positives;
        var draws = options.Loss == HybridLoss.Warp ? options.MaxSampled : 1;
        var entriesPerItem = Math.Max(1, problem.ItemFeatures.Length / Math.Max(1, problem.Items));
        var working = (long)batch * (draws + 2) * ((16L * k * (entriesPerItem + 1)) + 256);
        engine.MemoryBudget().Require(
            $"the hybrid model at k = {k} ({problem.UserFeatureCount} + {problem.ItemFeatureCount} feature embeddings with Adagrad state, {_positives} positives and a batch of {batch})",
            parameters + rows + positives + working,
            engine.Name);

        var positiveUser = new int[_positives];
        var keys = new long[_positives];
        for (var u = 0; u < problem.Users; u++)
        {
            for (var r = problem.PositiveOffsets[u]; r < problem.PositiveOffsets[u + 1]; r++)
            {
                positiveUser[r] = u;
                keys[r] = ((long)u * _itemCount) + problem.PositiveItems[r]; // users ascending, items ascending within a user
            }
        }

        using var scope = torch.NewDisposeScope();
        _userRows = Sparse.Create(problem.UserOffsets, problem.UserFeatures, problem.UserWeights, null, options, device);
        _itemRows = Sparse.Create(problem.ItemOffsets, problem.ItemFeatures, problem.ItemWeights, problem.ItemIdentityStart, options, device);
        _positiveUser = TorchCompat.Indices(positiveUser, device).DetachFromDisposeScope();
        _positiveItem = TorchCompat.Indices(problem.PositiveItems, device).DetachFromDisposeScope();
        _keys = torch.tensor(keys, dtype: ScalarType.Int64, device: device).DetachFromDisposeScope();
        _candidates = TorchCompat.Indices(problem.NegativeCandidates, device).DetachFromDisposeScope();

        // Uniform in ±0.5/k, users then items, biases 0; Adagrad's accumulators start at 1 (as on the managed engine).
        using var generator = new torch.Generator((ulong)options.Seed, device);
        _userEmbeddings = torch.rand(problem.UserFeatureCount, k, dtype: ScalarType.Float32, device: device, generator: generator).sub_(0.5).div_(k).DetachFromDisposeScope();
        _itemEmbeddings = torch.rand(problem.ItemFeatureCount, k, dtype: ScalarType.Float32, device: device, generator: generator).sub_(0.5).div_(k).DetachFromDisposeScope();
        _itemBiases = torch.zeros(problem.ItemFeatureCount, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        _userAccumulated = torch.ones_like(_userEmbeddings).DetachFromDisposeScope();
        _itemAccumulated = torch.ones_like(_itemEmbeddings).DetachFromDisposeScope();
        _biasAccumulated = torch.ones_like(_itemBiases).DetachFromDisposeScope();
    }

    public HybridEpochResult RunEpoch(int epoch, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(unchecked((ulong)(((long)_o.Seed * 1_000_003L) + epoch + 1)), _device);
        var order = TorchCompat.RandPerm(_positives, generator, _device);
        var totals = torch.zeros(4, dtype: ScalarType.Float64, device: _device); // loss, AUC hits, AUC compared, updates
        var warp = _o.Loss == HybridLoss.Warp;
        for (long start = 0; start < _positives; start += _batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var batchScope = torch.NewDisposeScope();
            var length = Math.Min(_batch, _positives - start);
            var pick = order.narrow(0, start, length);
            var u = _positiveUser.index_select(0, pick);
            var i = _positiveItem.index_select(0, pick);

            var user = _userRows.Gather(u, null);
            var pu = user.Represent(_userEmbeddings, null, length).Vectors;
            var positive = _itemRows.Gather(i, Dropout(length, generator));
            var qi = positive.Represent(_itemEmbeddings, _itemBiases, length);
            var si = (pu * qi.Vectors).sum(1) + qi.Biases!;

            Tensor j, sj, coefficient, loss, valid, firstBelow, compared;
            Rows negative;
            Represented qj;
            if (warp)
            {
                // MaxSampled candidates per positive, scored at once; the first one not the user's and within the
                // margin (s_j > s_i − 1) is the negative, its position + 1 the draws the managed engine would have made.
                var draws = _o.MaxSampled;
                var c = Draw(length * draws, generator).reshape(length, draws);
                var owned = Owned(u.unsqueeze(1).expand(length, draws), c);
                var cand = _itemRows.Gather(c.reshape(-1), Dropout(length * draws, generator));
                var qc = cand.Represent(_itemEmbeddings, _itemBiases, length * draws);
                var sc = (pu.unsqueeze(1) * qc.Vectors.reshape(length, draws, -1)).sum(2) + qc.Biases!.reshape(length, draws);
                var usable = owned.logical_not();
                var violating = usable & (sc > (si.unsqueeze(1) - 1f));
                var any = violating.any(1);
                var at = violating.to(ScalarType.Int32).argmax(1); // the first true (0 where none)
                var count = (at + 1).to(ScalarType.Float32);
                var weight = torch.log(torch.clamp_min(torch.floor((_candidateCount - 1) / count), 1f));
                valid = any.to(ScalarType.Float32);
                coefficient = weight * valid;
                sj = sc.gather(1, at.unsqueeze(1)).squeeze(1);
                loss = coefficient * (1f - si + sj);

                // The training AUC on the first usable candidate of each positive.
                var hasUsable = usable.any(1);
                var first = usable.to(ScalarType.Int32).argmax(1);
                var s0 = sc.gather(1, first.unsqueeze(1)).squeeze(1);
                compared = hasUsable.to(ScalarType.Float32);
                firstBelow = ((s0 < si).to(ScalarType.Float32) + ((s0 == si).to(ScalarType.Float32) * 0.5f)) * compared;

                // The chosen candidate's row entries and representation, picked out of the candidates'.
                j = c.gather(1, at.unsqueeze(1)).squeeze(1);
                var chosen = (torch.arange(length, dtype: ScalarType.Int64, device: _device) * draws) + at;
                negative = cand.Select(chosen);
                qj = new Represented(qc.Vectors.index_select(0, chosen), qc.Biases!.index_select(0, chosen));
            }
            else
            {
                var (drawn, found) = BprNegatives(u, generator);
                j = drawn;
                negative = _itemRows.Gather(j, Dropout(length, generator));
                qj = negative.Represent(_itemEmbeddings, _itemBiases, length);
                sj = (pu * qj.Vectors).sum(1) + qj.Biases!;
                valid = found.to(ScalarType.Float32);
                var x = si - sj;
                coefficient = torch.sigmoid(-x) * valid;
                loss = torch.nn.functional.softplus(-x) * valid;
                compared = valid;
                firstBelow = ((x > 0).to(ScalarType.Float32) + ((x == 0).to(ScalarType.Float32) * 0.5f)) * valid;
            }

            var updates = (coefficient > 0).to(ScalarType.Float32);
            totals.add_(torch.stack([loss.sum(), firstBelow.sum(), compared.sum(), updates.sum()]).to(ScalarType.Float64));

            // d loss / d s_i = −c, d loss / d s_j = +c: item features of i along −c·p_u, of j along +c·p_u, user features
            // along c·(q_j − q_i); each entry's share is its weight in its row.
            var cu = coefficient.unsqueeze(1);
            var userGradient = user.Spread(cu * (qj.Vectors - qi.Vectors));
            var itemGradientI = positive.Spread(-cu * pu);
            var itemGradientJ = negative.Spread(cu * pu);
            var biasGradientI = positive.SpreadScalar(-coefficient);
            var biasGradientJ = negative.SpreadScalar(coefficient);
            Adagrad(_userEmbeddings, _userAccumulated, user.Features, userGradient, _o.UserRegularization);
            Adagrad(_itemEmbeddings, _itemAccumulated, torch.cat([positive.Features, negative.Features]), torch.cat([itemGradientI, itemGradientJ]), _o.ItemRegularization);
            Adagrad(_itemBiases, _biasAccumulated, torch.cat([positive.Features, negative.Features]), torch.cat([biasGradientI, biasGradientJ]), _o.ItemRegularization);
        }

        var sums = TorchCompat.ToDoubles(totals);
        return new HybridEpochResult(sums[0] / _positives, sums[2] == 0 ? double.NaN : sums[1] / sums[2], _positives, (long)sums[3]);
    }

    public bool ParametersFinite()
    {
        using var scope = torch.NewDisposeScope();
        return _userEmbeddings.isfinite().all().item<bool>() && _itemEmbeddings.isfinite().all().item<bool>() && _itemBiases.isfinite().all().item<bool>();
    }

    public void CopyParameters(Span<float> userEmbeddings, Span<float> itemEmbeddings, Span<float> itemBiases)
    {
        TorchCompat.ToFloats(_userEmbeddings).CopyTo(userEmbeddings);
        TorchCompat.ToFloats(_itemEmbeddings).CopyTo(itemEmbeddings);
        TorchCompat.ToFloats(_itemBiases).CopyTo(itemBiases);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _userRows.Dispose();
        _itemRows.Dispose();
        foreach (var t in new[] { _positiveUser, _positiveItem, _keys, _candidates, _userEmbeddings, _itemEmbeddings, _itemBiases, _userAccumulated, _itemAccumulated, _biasAccumulated })
        {
            t.Dispose();
        }
    }

    /// <summary>
    /// Summed gradients per row, then one Adagrad step on every row the batch touched:
    /// g = Σ gradients + λ·θ, G += g², θ −= η·g/√G.
    /// </summary>
    private void Adagrad(Tensor parameters, Tensor accumulated, Tensor rows, Tensor gradients, float regularization)
    {
        if (rows.shape[0] == 0)
        {
            return;
        }

        var summed = torch.zeros_like(parameters);
        TorchCompat.IndexAdd(summed, 0, rows, gradients);
        var touched = torch.zeros(parameters.shape[0], dtype: ScalarType.Float32, device: _device);
        TorchCompat.IndexAdd(touched, 0, rows, torch.ones(rows.shape[0], dtype: ScalarType.Float32, device: _device));
        var at = touched.nonzero().reshape(-1);
        var theta = parameters.index_select(0, at);
        var g = summed.index_select(0, at);
        if (regularization > 0)
        {
            g = g + (theta * regularization);
        }

        var a = accumulated.index_select(0, at) + (g * g);
        accumulated.index_copy_(0, at, a);
        parameters.index_copy_(0, at, theta - (g * _o.LearningRate / torch.sqrt(a)));
    }

    /// <summary>Per item occurrence: the factor that rescales its other weights when its identity is dropped this step, else 1 (a negative value marks a drop; see <see cref="Sparse.Gather"/>).</summary>
    private Tensor? Dropout(long count, torch.Generator generator) => _o.IdentityDropout <= 0 ? null : torch.rand(count, dtype: ScalarType.Float32, device: _device, generator: generator);

    private Tensor Draw(long count, torch.Generator generator)
    {
        var uniform = torch.rand(count, dtype: ScalarType.Float64, device: _device, generator: generator);
        var at = (uniform * _candidateCount).to(ScalarType.Int64).clamp_(0, _candidateCount - 1);
        return _candidates.index_select(0, at);
    }

    /// <summary>One negative per positive, redrawn while it is one of the user's items (at most <see cref="BprMaxDraws"/> draws); found is false where every draw was.</summary>
    private (Tensor Negative, Tensor Found) BprNegatives(Tensor u, torch.Generator generator)
    {
        var n = u.shape[0];
        var j = Draw(n, generator);
        var taken = Owned(u, j);
        for (var draw = 1; draw < BprMaxDraws && taken.any().item<bool>(); draw++)
        {
            j = torch.where(taken, Draw(n, generator), j);
            taken = taken & Owned(u, j);
        }

        return (j, taken.logical_not());
    }

    /// <summary>Whether item j is one of user u's positives: binary search of u·items + j among the sorted keys.</summary>
    private Tensor Owned(Tensor u, Tensor j)
    {
        var key = ((u * _itemCount) + j).reshape(-1);
        var at = torch.searchsorted(_keys, key).clamp_(0, _positives - 1);
        return (_keys.index_select(0, at) == key).reshape(j.shape);
    }

    /// <summary>A representation: the vectors of a batch of rows and (for items) their biases.</summary>
    private readonly record struct Represented(Tensor Vectors, Tensor? Biases);

    /// <summary>The entries of a batch of sparse rows: for each entry, its bag (position in the batch), feature and weight in this step.</summary>
    private sealed class Rows(Tensor bag, Tensor features, Tensor weights, long bags, torch.Device device)
    {
        public Tensor Bag { get; } = bag;

        public Tensor Features { get; } = features;

        public Tensor Weights { get; } = weights;

        /// <summary>Σ w·E[f] per bag, and Σ w·b[f] when biases are given.</summary>
        public Represented Represent(Tensor embeddings, Tensor? biases, long count)
        {
            var vectors = torch.zeros(count, embeddings.shape[1], dtype: ScalarType.Float32, device: device);
            TorchCompat.IndexAdd(vectors, 0, Bag, embeddings.index_select(0, Features) * Weights.unsqueeze(1));
            Tensor? b = null;
            if (biases is not null)
            {
                b = torch.zeros(count, dtype: ScalarType.Float32, device: device);
                TorchCompat.IndexAdd(b, 0, Bag, biases.index_select(0, Features) * Weights);
            }

            return new Represented(vectors, b);
        }

        /// <summary>Each entry's share of its bag's gradient: w · gradient[bag].</summary>
        public Tensor Spread(Tensor gradient) => gradient.index_select(0, Bag) * Weights.unsqueeze(1);

        /// <summary>As <see cref="Spread"/> for a scalar per bag.</summary>
        public Tensor SpreadScalar(Tensor gradient) => gradient.index_select(0, Bag) * Weights;

        /// <summary>The entries of the bags <paramref name="chosen"/> (ascending), renumbered 0.. in that order.</summary>
        public Rows Select(Tensor chosen)
        {
            var map = torch.full(bags, -1L, dtype: ScalarType.Int64, device: device);
            map.index_copy_(0, chosen, torch.arange(chosen.shape[0], dtype: ScalarType.Int64, device: device));
            var renumbered = map.index_select(0, Bag);
            var keep = (renumbered >= 0).nonzero().reshape(-1);
            return new Rows(renumbered.index_select(0, keep), Features.index_select(0, keep), Weights.index_select(0, keep), chosen.shape[0], device);
        }
    }

    /// <summary>Sparse rows (CSR) on the device, with what identity dropout needs.</summary>
    private sealed class Sparse : IDisposable
    {
        private readonly Tensor _offsets;
        private readonly Tensor _features;
        private readonly Tensor _weights;
        private readonly Tensor? _isIdentity;
        private readonly Tensor? _total;
        private readonly Tensor? _identity;
        private readonly torch.Device _device;
        private readonly HybridOptions _options;

        private Sparse(Tensor offsets, Tensor features, Tensor weights, Tensor? isIdentity, Tensor? total, Tensor? identity, HybridOptions options, torch.Device device)
        {
            _options = options;
            _offsets = offsets;
            _features = features;
            _weights = weights;
            _isIdentity = isIdentity;
            _total = total;
            _identity = identity;
            _device = device;
        }

        public static Sparse Create(int[] offsets, int[] features, float[] weights, int? identityStart, HybridOptions options, torch.Device device)
        {
            var o = TorchCompat.Indices(offsets, device).DetachFromDisposeScope();
            var f = TorchCompat.Indices(features, device).DetachFromDisposeScope();
            var w = TorchCompat.Floats(weights, device).DetachFromDisposeScope();
            if (identityStart is not { } start)
            {
                return new Sparse(o, f, w, null, null, null, options, device);
            }

            var isIdentity = (f >= start).DetachFromDisposeScope();
            var rows = offsets.Length - 1;
            var rowOf = torch.repeat_interleave(torch.arange(rows, dtype: ScalarType.Int64, device: device), o.narrow(0, 1, rows) - o.narrow(0, 0, rows));
            var total = torch.zeros(rows, dtype: ScalarType.Float32, device: device);
            TorchCompat.IndexAdd(total, 0, rowOf, w);
            var identity = torch.zeros(rows, dtype: ScalarType.Float32, device: device);
            TorchCompat.IndexAdd(identity, 0, rowOf, w * isIdentity.to(ScalarType.Float32));
            return new Sparse(o, f, w, isIdentity, total.DetachFromDisposeScope(), identity.DetachFromDisposeScope(), options, device);
        }

        /// <summary>
        /// The entries of rows <paramref name="rows"/>, one bag per row occurrence. With <paramref name="uniform"/> (one
        /// draw per occurrence), an item whose identity is dropped this step (draw below the dropout rate; it has an
        /// identity and other features) loses its identity entry, and its other weights are scaled by
        /// total / (total − identity) when features are normalised.
        /// </summary>
        public Rows Gather(Tensor rows, Tensor? uniform)
        {
            var count = rows.shape[0];
            var start = _offsets.index_select(0, rows);
            var lengths = _offsets.index_select(0, rows + 1) - start;
            var bag = torch.repeat_interleave(torch.arange(count, dtype: ScalarType.Int64, device: _device), lengths);
            var firstOfBag = lengths.cumsum(0) - lengths;
            var entry = start.index_select(0, bag) + (torch.arange(bag.shape[0], dtype: ScalarType.Int64, device: _device) - firstOfBag.index_select(0, bag));
            var features = _features.index_select(0, entry);
            var weights = _weights.index_select(0, entry);
            if (uniform is not null && _isIdentity is not null)
            {
                var total = _total!.index_select(0, rows);
                var identity = _identity!.index_select(0, rows);
                var dropped = (identity > 0) & (total > identity) & (uniform < _options.IdentityDropout);
                var scale = _options.NormalizeFeatures ? total / torch.clamp_min(total - identity, 1e-30f) : torch.ones_like(total);
                var droppedEntry = dropped.index_select(0, bag);
                var isIdentity = _isIdentity.index_select(0, entry);
                weights = torch.where(droppedEntry, torch.where(isIdentity, torch.zeros_like(weights), weights * scale.index_select(0, bag)), weights);
            }

            return new Rows(bag, features, weights, count, _device);
        }

        public void Dispose()
        {
            foreach (var t in new[] { _offsets, _features, _weights, _isIdentity, _total, _identity })
            {
                t?.Dispose();
            }
        }
    }
}
