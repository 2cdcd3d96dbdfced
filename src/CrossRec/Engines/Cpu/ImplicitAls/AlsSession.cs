using System.Runtime.CompilerServices;

namespace CrossRec.Engines.Cpu.ImplicitAls;

/// <summary>
/// One implicit ALS training run on the managed engine: the factors, the confidences in both
/// orientations (computed once), the Gram buffers and the per-worker scratch. Rows are solved in blocks
/// of <see cref="RowsPerBlock"/> by <c>Parallel.For</c>; each row reads only the fixed side and its own
/// previous factors, and the loss is summed per block then over blocks in order, so the model and the
/// reported objective are identical for any thread count.
/// </summary>
internal sealed class AlsSession : IImplicitAlsSession
{
    /// <summary>
    /// Rows per scheduling block: small enough that a few very popular items (a power-law column with
    /// thousands of users costs as much as thousands of ordinary rows) do not leave one worker alone at the end.
    /// </summary>
    private const int RowsPerBlock = AlsScratch.BlockRows;

    private readonly ImplicitAlsOptions _options;
    private readonly int _k;
    private readonly int _users;
    private readonly int _items;
    private readonly int _threads;
    private readonly int[] _userOffsets;
    private readonly int[] _userItems;
    private readonly float[] _userConfidence;
    private readonly int[] _itemOffsets;
    private readonly int[] _itemUsers;
    private readonly float[] _itemConfidence;
    private readonly float[] _x;
    private readonly float[] _y;
    private readonly float[] _gram;
    private readonly float[] _gramPartials;
    private readonly double[] _lossPartials;
    private readonly AlsScratchPool _pool;

    public AlsSession(InteractionMatrix data, ImplicitAlsOptions options, ReadOnlySpan<float> userFactors, ReadOnlySpan<float> itemFactors)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var k = options.Factors;
        _users = data.UserCount;
        _items = data.ItemCount;
        if (userFactors.Length != (long)_users * k || itemFactors.Length != (long)_items * k)
        {
            throw new ArgumentException($"Initial factors must be {_users} × {k} and {_items} × {k}.");
        }

        // Conjugate gradient runs on rows padded with zeros to a width its register kernel takes: the pads of x, y, G,
        // r and p stay exactly zero, so the solution is the unpadded one, without the portable path's cost (k = 100 was 3×
        // slower per iteration than k = 96 or 112).
        _k = options.Solver == AlsSolver.ConjugateGradient ? AlsCgKernel.PaddedWidth(k) : k;

        _threads = options.EffectiveThreads;
        _userOffsets = data.UserOffsetsArray;
        _userItems = data.UserItemsArray;
        _itemOffsets = data.ItemOffsetsArray;
        _itemUsers = data.ItemUsersArray;
        _userConfidence = Confidences(data.UserValuesArray, options);
        _itemConfidence = Confidences(data.ItemValuesArray, options);
        _x = Pad(userFactors, k, _k);
        _y = Pad(itemFactors, k, _k);
        var kp = AlsMath.Padded(_k);
        _gram = new float[_k * kp];
        _gramPartials = new float[Math.Max(AlsRowSolver.GramBlocks(_users), AlsRowSolver.GramBlocks(_items)) * _k * kp];
        _lossPartials = new double[(_users + RowsPerBlock - 1) / RowsPerBlock];
        _pool = new AlsScratchPool(_k);
    }

    public double Iterate(CancellationToken cancellationToken)
    {
        AlsRowSolver.Gram(_x, _users, _k, _gram, _gramPartials, _pool, _threads, cancellationToken);
        HalfSweep(_y, _items, _itemOffsets, _itemUsers, _itemConfidence, _x, null, cancellationToken);
        AlsRowSolver.Gram(_y, _items, _k, _gram, _gramPartials, _pool, _threads, cancellationToken);
        HalfSweep(_x, _users, _userOffsets, _userItems, _userConfidence, _y, _lossPartials, cancellationToken);

        var loss = 0.0;
        foreach (var part in _lossPartials)
        {
            loss += part;
        }

        for (var i = 0; i < _items; i++)
        {
            var y = _y.AsSpan(i * _k, _k);
            loss += _options.RegularizationOf(_itemOffsets[i + 1] - _itemOffsets[i]) * (double)AlsMath.Dot(y, y);
        }

        return loss;
    }

    public bool FactorsFinite() => AllFinite(_x) && AllFinite(_y);

    public void CopyFactors(Span<float> userFactors, Span<float> itemFactors)
    {
        Unpad(_x, _k, userFactors, _options.Factors);
        Unpad(_y, _k, itemFactors, _options.Factors);
    }

    /// <summary>Rows of <paramref name="k"/> values copied to rows of <paramref name="width"/> (≥ k), the rest zero.</summary>
    private static float[] Pad(ReadOnlySpan<float> rows, int k, int width)
    {
        if (width == k)
        {
            return rows.ToArray();
        }

        var count = rows.Length / k;
        var padded = new float[(long)count * width];
        for (var r = 0; r < count; r++)
        {
            rows.Slice(r * k, k).CopyTo(padded.AsSpan(r * width, k));
        }

        return padded;
    }

    private static void Unpad(float[] padded, int width, Span<float> rows, int k)
    {
        if (width == k)
        {
            padded.CopyTo(rows);
            return;
        }

        var count = padded.Length / width;
        for (var r = 0; r < count; r++)
        {
            padded.AsSpan(r * width, k).CopyTo(rows.Slice(r * k, k));
        }
    }

    public void Dispose()
    {
    }

    /// <summary>Training users' factors solved against the given item factors with the exact solver: the half-sweep that fold-in reproduces (tests).</summary>
    internal static float[] SolveUsersExactly(InteractionMatrix data, ImplicitAlsOptions options, float[] itemFactors)
    {
        var k = options.Factors;
        var x = new float[data.UserCount * k];
        var session = new AlsSession(data, options with { Solver = AlsSolver.Cholesky }, x, itemFactors);
        AlsRowSolver.Gram(session._y, session._items, k, session._gram, session._gramPartials, session._pool, session._threads, default);
        session.HalfSweep(session._x, session._users, session._userOffsets, session._userItems, session._userConfidence, session._y, null, default);
        return session._x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Confidences(float[] values, ImplicitAlsOptions options)
    {
        var c = new float[values.Length];
        for (var n = 0; n < values.Length; n++)
        {
            var v = values[n];
            if (!(v >= 0f) || !float.IsFinite(v))
            {
                throw new ArgumentException($"Implicit ALS needs finite non-negative values; one summed value is {v}.");
            }

            c[n] = options.ConfidenceOf(v);
        }

        return c;
    }

    private static bool AllFinite(float[] values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Solves every row of <paramref name="target"/> against the fixed factors and the Gram matrix in <see cref="_gram"/>; with <paramref name="loss"/>, each block's share of the objective.</summary>
    private void HalfSweep(float[] target, int rows, int[] offsets, int[] columns, float[] confidence, float[] fixedFactors, double[]? loss, CancellationToken cancellationToken)
    {
        var k = _k;
        var blocks = (rows + RowsPerBlock - 1) / RowsPerBlock;
        var options = _options;
        var gram = _gram;
        var exact = options.Solver == AlsSolver.Cholesky;
        var steps = options.CgSteps;
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { MaxDegreeOfParallelism = _threads, CancellationToken = cancellationToken },
            _pool.Take,
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (block, _, s) =>
            {
                var end = Math.Min(rows, (block + 1) * RowsPerBlock);
                var part = 0.0;
                if (!exact)
                {
                    var first = block * RowsPerBlock;
                    for (var row = first; row < end; row++)
                    {
                        s.Lambdas[row - first] = options.RegularizationOf(offsets[row + 1] - offsets[row]);
                    }

                    part = AlsRowSolver.SolveConjugateGradient(gram, fixedFactors, offsets, columns, confidence, s.Lambdas, steps, s, target, first, end - first, loss is not null);
                }
                else
                {
                    for (var row = block * RowsPerBlock; row < end; row++)
                    {
                        var from = offsets[row];
                        var n = offsets[row + 1] - from;
                        var cols = columns.AsSpan(from, n);
                        var conf = confidence.AsSpan(from, n);
                        var lambda = options.RegularizationOf(n);
                        var x = target.AsSpan(row * k, k);
                        AlsRowSolver.SolveCholesky(gram, fixedFactors, cols, conf, lambda, s, x);
                        if (loss is not null)
                        {
                            part += AlsRowSolver.RowLoss(gram, fixedFactors, cols, conf, lambda, s, x);
                        }
                    }
                }

                if (loss is not null)
                {
                    loss[block] = part;
                }

                return s;
            },
            _pool.Return);
    }
}
