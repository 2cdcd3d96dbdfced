using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

internal sealed partial class TorchEngine : IImplicitAlsKernel
{
    /// <inheritdoc />
    /// <remarks>
    /// Both orientations of the interactions (row, column, confidence) and both factor tables live on the
    /// device for the whole run. <see cref="AlsSolver.ConjugateGradient"/> runs the CPU engine's warm-started
    /// conjugate gradient for every row at once (A·p without forming A: <c>G·p + λp + Σ (c−1)(y·p) y</c>, the
    /// sum by <c>index_add_</c> over chunks of interactions, rows that converged masked out);
    /// <see cref="AlsSolver.Cholesky"/> forms the k × k systems of a batch of rows and solves them with
    /// <c>torch.linalg.cholesky_ex</c> and <c>cholesky_solve</c>. Chunk and batch sizes come from
    /// <see cref="MemoryBudget"/>; the factor tables and interactions must fit it whole, or the run is refused
    /// by name with the size needed.
    /// </remarks>
    IImplicitAlsSession IImplicitAlsKernel.Start(InteractionMatrix data, ImplicitAlsOptions options, ReadOnlySpan<float> userFactors, ReadOnlySpan<float> itemFactors)
        => new TorchImplicitAlsSession(this, _device, data, options, userFactors, itemFactors);
}

/// <summary>One implicit ALS run on a Torch device (see <see cref="TorchEngine"/>'s <see cref="IImplicitAlsKernel"/> remarks).</summary>
internal sealed class TorchImplicitAlsSession : IImplicitAlsSession
{
    /// <summary>Smallest residual ‖r‖² at which conjugate gradient keeps stepping (the CPU engine's value).</summary>
    private const float CgTolerance = 1e-20f;

    private readonly TorchEngine _engine;
    private readonly torch.Device _device;
    private readonly ImplicitAlsOptions _options;
    private readonly int _k;
    private readonly Side _users;
    private readonly Side _items;
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly TorchMemoryBudget _budget;
    private readonly long _sessionBytes;
    private bool _disposed;

    public TorchImplicitAlsSession(TorchEngine engine, torch.Device device, InteractionMatrix data, ImplicitAlsOptions options, ReadOnlySpan<float> userFactors, ReadOnlySpan<float> itemFactors)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _engine = engine;
        _device = device;
        _options = options;
        _k = options.Factors;
        var users = data.UserCount;
        var items = data.ItemCount;
        if (userFactors.Length != (long)users * _k || itemFactors.Length != (long)items * _k)
        {
            throw new ArgumentException($"Initial factors must be {users} × {_k} and {items} × {_k}.");
        }

        // Factor tables (float32), both orientations of the interactions (int64 row and column, float32
        // confidence) and the per-row penalties, plus the conjugate-gradient vectors of the larger side.
        var nnz = (long)data.NonZeros;
        var tables = 4L * _k * (users + items);
        var interactions = 2 * nnz * (8 + 8 + 4) + (4L * (users + items));
        var working = 5L * 4 * _k * Math.Max(users, items);
        // Asked once: on CUDA the free memory NVML reports shrinks as libtorch's caching allocator keeps the
        // session's own blocks, which must not shrink the chunks of later iterations.
        _budget = engine.MemoryBudget();
        _budget.Require(
            $"Implicit ALS at k = {_k} ({users} × {_k} + {items} × {_k} float32 factor tables, {nnz} interactions in both orientations and the solver's vectors)",
            tables + interactions + working,
            engine.Name);
        _sessionBytes = tables + interactions;

        using var scope = torch.NewDisposeScope();
        _users = Side.Create(data.UserOffsetsArray, data.UserItemsArray, data.UserValuesArray, options, device).Keep();
        _items = Side.Create(data.ItemOffsetsArray, data.ItemUsersArray, data.ItemValuesArray, options, device).Keep();
        _x = TorchCompat.Floats(userFactors.ToArray(), users, _k, device).DetachFromDisposeScope();
        _y = TorchCompat.Floats(itemFactors.ToArray(), items, _k, device).DetachFromDisposeScope();
    }

    public double Iterate(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = torch.NewDisposeScope();
        var userGram = _x.t().mm(_x);
        HalfSweep(_y, _items, _x, userGram, cancellationToken);
        var itemGram = _y.t().mm(_y);
        HalfSweep(_x, _users, _y, itemGram, cancellationToken);
        return Loss(itemGram, cancellationToken);
    }

    public bool FactorsFinite()
    {
        using var scope = torch.NewDisposeScope();
        return _x.isfinite().all().item<bool>() && _y.isfinite().all().item<bool>();
    }

    public void CopyFactors(Span<float> userFactors, Span<float> itemFactors)
    {
        TorchCompat.ToFloats(_x).CopyTo(userFactors);
        TorchCompat.ToFloats(_y).CopyTo(itemFactors);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _x.Dispose();
        _y.Dispose();
        _users.Dispose();
        _items.Dispose();
    }

    /// <summary>Interactions per chunk of a sweep over them, from the budget left after the session's own tensors.</summary>
    private long EntryChunk(long bytesPerEntry, long reserved, long entries) =>
        Math.Min(_budget.Units(bytesPerEntry, reserved + _sessionBytes, entries), Math.Max(1, _engine.MaxChunkBytes / bytesPerEntry));

    private void HalfSweep(Tensor target, Side side, Tensor fixedFactors, Tensor gram, CancellationToken ct)
    {
        if (_options.Solver == AlsSolver.Cholesky)
        {
            SolveCholesky(target, side, fixedFactors, gram, ct);
        }
        else
        {
            SolveConjugateGradient(target, side, fixedFactors, gram, ct);
        }
    }

    /// <summary>
    /// Adds <c>Σ_e coef(e, y_e · v_row) · y_e</c> into <paramref name="into"/> for every interaction, chunk by
    /// chunk: <paramref name="coefficient"/> maps (confidence, dot) to the weight of y_e.
    /// </summary>
    private void AddOverInteractions(Tensor into, Side side, Tensor fixedFactors, Tensor v, Func<Tensor, Tensor, Tensor> coefficient, CancellationToken ct)
    {
        var entries = side.Entries;
        var chunk = EntryChunk(4L * _k * 4, 0, entries);
        for (long start = 0; start < entries; start += chunk)
        {
            ct.ThrowIfCancellationRequested();
            using var chunkScope = torch.NewDisposeScope();
            var length = Math.Min(chunk, entries - start);
            var rows = side.Rows.narrow(0, start, length);
            var y = fixedFactors.index_select(0, side.Columns.narrow(0, start, length));
            var dot = (y * v.index_select(0, rows)).sum(1);
            var weight = coefficient(side.Confidence.narrow(0, start, length), dot);
            TorchCompat.IndexAdd(into, 0, rows, y * weight.unsqueeze(1));
        }
    }

    /// <summary>The CPU engine's warm-started conjugate gradient (same steps, tolerance and stopping rules), for every row at once.</summary>
    private void SolveConjugateGradient(Tensor x, Side side, Tensor fixedFactors, Tensor gram, CancellationToken ct)
    {
        var lambda = side.Lambda.unsqueeze(1);

        // r = b − A·x = −(G + λI)·x + Σ (c − (c − 1)(y·x)) y
        var r = -(x.mm(gram) + (lambda * x));
        AddOverInteractions(r, side, fixedFactors, x, (c, dot) => c - ((c - 1) * dot), ct);
        var p = r.clone();
        var rs = (r * r).sum(1);
        var active = rs >= CgTolerance;
        var zero = torch.zeros_like(rs);
        for (var step = 0; step < _options.CgSteps; step++)
        {
            ct.ThrowIfCancellationRequested();
            using var stepScope = torch.NewDisposeScope();
            if (!active.any().item<bool>())
            {
                break;
            }

            var ap = p.mm(gram) + (lambda * p);
            AddOverInteractions(ap, side, fixedFactors, p, (c, dot) => (c - 1) * dot, ct);
            var pap = (p * ap).sum(1);
            var stepping = active & (pap > 0); // p A-orthogonal to what is left (or A lost definiteness in float): that row stops as it is
            var alpha = torch.where(stepping, rs / pap, zero).unsqueeze(1);
            x.add_(alpha * p);
            r.sub_(alpha * ap);
            var next = (r * r).sum(1);
            var going = stepping & (next >= CgTolerance);
            var beta = torch.where(going, next / rs, zero).unsqueeze(1);
            p.copy_(torch.where(going.unsqueeze(1), r + (beta * p), p));
            rs.copy_(torch.where(going, next, rs));
            active.copy_(going);
        }
    }

    /// <summary>
    /// The exact solve for batches of rows: <c>A = G + λI + Σ (c − 1) y yᵀ</c>, <c>b = Σ c y</c>, Cholesky;
    /// a row whose A is not positive definite in float arithmetic gets NaN factors (as on the CPU engine), which
    /// the builder reports as a divergence.
    /// </summary>
    private void SolveCholesky(Tensor x, Side side, Tensor fixedFactors, Tensor gram, CancellationToken ct)
    {
        var k = (long)_k;
        var rowCount = side.Offsets.Length - 1;
        var budget = _budget with { Bytes = Math.Max(1L << 20, _budget.Bytes - _sessionBytes) };

        // Half of the budget to the batch's systems (A, its factor, the solve's temporaries: 4 k² floats a row),
        // half to the outer products of the interactions being added in (k² floats each).
        var share = Math.Min(budget.Bytes / 2, _engine.MaxChunkBytes);
        var batchRows = (int)Math.Clamp(share / (16 * k * k), 1, rowCount);
        var entryChunk = Math.Clamp(share / (8 * k * k), 1, int.MaxValue);
        for (var first = 0; first < rowCount; first += batchRows)
        {
            ct.ThrowIfCancellationRequested();
            using var batchScope = torch.NewDisposeScope();
            var count = Math.Min(batchRows, rowCount - first);
            var eye = torch.eye(k, dtype: ScalarType.Float32, device: _device).unsqueeze(0);
            var a = (gram.unsqueeze(0) + (eye * side.Lambda.narrow(0, first, count).reshape(count, 1, 1))).reshape(count, k * k).contiguous();
            var b = torch.zeros(count, k, dtype: ScalarType.Float32, device: _device);
            long from = side.Offsets[first];
            long to = side.Offsets[first + count];
            for (var start = from; start < to; start += entryChunk)
            {
                ct.ThrowIfCancellationRequested();
                using var chunkScope = torch.NewDisposeScope();
                var length = Math.Min(entryChunk, to - start);
                var rows = side.Rows.narrow(0, start, length) - first;
                var y = fixedFactors.index_select(0, side.Columns.narrow(0, start, length));
                var c = side.Confidence.narrow(0, start, length).unsqueeze(1);
                TorchCompat.IndexAdd(a, 0, rows, ((y * (c - 1)).unsqueeze(2) * y.unsqueeze(1)).reshape(length, k * k));
                TorchCompat.IndexAdd(b, 0, rows, y * c);
            }

            var (factor, info) = torch.linalg.cholesky_ex(a.reshape(count, k, k));
            var solution = TorchCompat.CholeskySolve(b.unsqueeze(2), factor).squeeze(2);
            var failed = (info != 0).unsqueeze(1);
            x.narrow(0, first, count).copy_(torch.where(failed, torch.full_like(solution, float.NaN), solution));
        }
    }

    /// <summary>
    /// The full objective after the user half-sweep, as the CPU engine sums it: per user <c>xᵀGx + Σ_j
    /// [c_j(1 − s_j)² − s_j²] + λ_u‖x‖²</c> (s_j = x·y_j), plus <c>λ_i‖y_i‖²</c> per item; in float64.
    /// </summary>
    private double Loss(Tensor itemGram, CancellationToken ct)
    {
        using var scope = torch.NewDisposeScope();
        var side = _users;
        var squares = (_x * _x).sum(1).to(ScalarType.Float64);
        var total = ((_x.mm(itemGram) * _x).sum(1).to(ScalarType.Float64) + (side.Lambda.to(ScalarType.Float64) * squares)).sum();
        var chunk = EntryChunk(3L * _k * 4, 0, side.Entries);
        for (long start = 0; start < side.Entries; start += chunk)
        {
            ct.ThrowIfCancellationRequested();
            using var chunkScope = torch.NewDisposeScope();
            var length = Math.Min(chunk, side.Entries - start);
            var s = (_y.index_select(0, side.Columns.narrow(0, start, length)) * _x.index_select(0, side.Rows.narrow(0, start, length))).sum(1).to(ScalarType.Float64);
            var c = side.Confidence.narrow(0, start, length).to(ScalarType.Float64);
            var miss = 1 - s;
            total.add_(((c * miss * miss) - (s * s)).sum());
        }

        total.add_((_items.Lambda.to(ScalarType.Float64) * (_y * _y).sum(1).to(ScalarType.Float64)).sum());
        return total.item<double>();
    }

    /// <summary>One orientation of the interactions on the device: each entry's row and column, its confidence, and each row's penalty.</summary>
    private sealed record Side(int[] Offsets, Tensor Rows, Tensor Columns, Tensor Confidence, Tensor Lambda) : IDisposable
    {
        public long Entries => Offsets[^1];

        public static Side Create(int[] offsets, int[] columns, float[] values, ImplicitAlsOptions options, torch.Device device)
        {
            var rows = new int[columns.Length];
            var lambda = new float[offsets.Length - 1];
            for (var r = 0; r + 1 < offsets.Length; r++)
            {
                rows.AsSpan(offsets[r], offsets[r + 1] - offsets[r]).Fill(r);
                lambda[r] = options.RegularizationOf(offsets[r + 1] - offsets[r]);
            }

            var confidence = new float[values.Length];
            for (var n = 0; n < values.Length; n++)
            {
                var v = values[n];
                if (!(v >= 0f) || !float.IsFinite(v))
                {
                    throw new ArgumentException($"Implicit ALS needs finite non-negative values; one summed value is {v}.");
                }

                confidence[n] = options.ConfidenceOf(v);
            }

            return new Side(offsets, TorchCompat.Indices(rows, device), TorchCompat.Indices(columns, device), TorchCompat.Floats(confidence, device), TorchCompat.Floats(lambda, device));
        }

        /// <summary>Takes the tensors out of the caller's dispose scope: the session owns them until it is disposed.</summary>
        public Side Keep()
        {
            Rows.DetachFromDisposeScope();
            Columns.DetachFromDisposeScope();
            Confidence.DetachFromDisposeScope();
            Lambda.DetachFromDisposeScope();
            return this;
        }

        public void Dispose()
        {
            Rows.Dispose();
            Columns.Dispose();
            Confidence.Dispose();
            Lambda.Dispose();
        }
    }
}
