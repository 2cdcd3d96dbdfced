using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace CrossRec.Engines.Cpu.Ease;

/// <summary>
/// In-place inverse of a symmetric positive definite matrix in float32 (row-major), by the blocked symmetric
/// sweep (Gauss–Jordan without pivoting, which positive definiteness makes safe): for each diagonal block K in
/// turn, with D = M[K, K] (the Schur complement's block, positive definite), U = M[:, K] and W = U·D⁻¹, the rest is
/// updated by <c>M[i, j] −= W[i]·U[j]ᵀ</c> over the lower triangle, then <c>M[:, K] = W</c> and
/// <c>M[K, K] = −D⁻¹</c>. After the last block M holds −A⁻¹, which is negated and mirrored. About n³ flops, as
/// potrf + potri, but all of them in one symmetric rank-b update per block over the whole matrix, which keeps
/// both cores busy from the first block to the last and runs in <see cref="PackedTile"/> on packed panels.
/// </summary>
/// <remarks>
/// <para>Hand-written for the same reason as <see cref="SpdInverse"/>: it is EASE training's measured hot path and
/// no managed library this project may use comes near it (the figures against OpenBLAS are in
/// <c>docs/performance.md</c>). The b × b blocks D are factored and inverted in float64 (Cholesky, triangular
/// inverse, Lᵀ·L), so a matrix that is not numerically positive definite is caught at its pivot.</para>
/// <para>Deterministic at any thread count: each output tile is summed by one task in an order fixed by the
/// block sizes, so one thread and sixteen give the same bits.</para>
/// <para>Blocking: b = 256, the sum length of every tile (chosen over 128 by measurement, with 12 × 32 tiles over 8 × 32:
/// docs/performance.md); an update task's W block (16 strips of 12 rows × 256) is 192 KiB and stays in L2, a B
/// micro-panel of 256 × 32 floats is 32 KiB and stays in L1.</para>
/// </remarks>
internal sealed unsafe class SpdInverseSingle : IDisposable
{
    /// <summary>Width of the diagonal blocks (the length of every packed sum).</summary>
    internal const int Block = 256;

    /// <summary>Row strips per update task.</summary>
    private const int StripsPerTask = 16;

    /// <summary>Column strips per update task.</summary>
    private const int ColumnStripsPerTask = 32;

    /// <summary>Rows per task of the write-back phase.</summary>
    private const int RowsPerCopyTask = 256;

    private readonly float* _a;
    private readonly int _n;
    private readonly PackedTile _tile;
    private readonly int _mr;
    private readonly int _nr;
    private readonly int _rowStrips;
    private readonly int _colStrips;
    private readonly int _ldw;
    private readonly CancellationToken _cancellationToken;
    private readonly ParallelOptions _parallel;
    private readonly float* _umr;
    private readonly float* _unr;
    private readonly float* _wrow;
    private readonly float* _wmr;
    private readonly float* _dinvPacked;
    private readonly float[] _dinv = new float[Block * Block];
    private readonly double[] _l = new double[Block * Block];
    private readonly double[] _xt = new double[Block * Block];
    private readonly List<(int S0, int S1, int T0, int T1)> _updateTasks = [];
    private readonly Action<int> _packJob;
    private readonly Action<int> _updateJob;
    private readonly Action<int> _writeBackJob;
    private readonly Action<int> _mirrorJob;
    private int _k0;
    private int _w;

    private SpdInverseSingle(float* a, int n, int threads, PackedTile tile, CancellationToken cancellationToken)
    {
        _a = a;
        _n = n;
        _tile = tile;
        _mr = tile.Rows;
        _nr = tile.Columns;
        _rowStrips = (n + _mr - 1) / _mr;
        _colStrips = (n + _nr - 1) / _nr;
        _ldw = (Block + _nr - 1) / _nr * _nr;
        _cancellationToken = cancellationToken;
        _packJob = Pack;
        _updateJob = Update;
        _writeBackJob = WriteBack;
        _mirrorJob = Mirror;
        _umr = Allocate((long)_rowStrips * _mr * Block);
        _unr = Allocate((long)_colStrips * _nr * Block);
        _wrow = Allocate((long)_rowStrips * _mr * _ldw);
        _wmr = Allocate((long)_rowStrips * _mr * Block);
        _dinvPacked = Allocate((long)_ldw * Block);
        for (var s0 = 0; s0 < _rowStrips; s0 += StripsPerTask)
        {
            var s1 = Math.Min(s0 + StripsPerTask, _rowStrips);
            var lastRow = Math.Min(s1 * _mr, n) - 1;
            var strips = Math.Min(_colStrips, (lastRow / _nr) + 1);
            for (var t0 = 0; t0 < strips; t0 += ColumnStripsPerTask)
            {
                _updateTasks.Add((s0, s1, t0, Math.Min(t0 + ColumnStripsPerTask, strips)));
            }
        }

        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
    }

    /// <summary>Test hook: run this micro-kernel instead of the widest the hardware accelerates.</summary>
    internal static PackedTilePath? ForcePath { get; set; }

    /// <summary>Inverts the matrix in place.</summary>
    /// <param name="a">n × n, row-major; on entry the lower triangle (diagonal included) holds the matrix and the rest is ignored; on exit the whole array holds the symmetric inverse.</param>
    /// <param name="n">Order.</param>
    /// <param name="threads">Worker threads (0: every core).</param>
    /// <param name="stageCompleted">Called when half the columns are swept (the sweep has no separate factorisation; this is half the work) and when the inverse is complete.</param>
    /// <param name="cancellationToken">Checked between blocks and between tasks.</param>
    /// <exception cref="ArithmeticException">The matrix is not numerically positive definite (the message names the row).</exception>
    public static void Invert(float[] a, int n, int threads, Action<GramSolverStage>? stageCompleted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (n < 0 || (long)n * n > a.Length)
        {
            throw new ArgumentException($"An order-{n} matrix needs {(long)n * n} elements; the array has {a.Length}.", nameof(a));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (n == 0)
        {
            stageCompleted?.Invoke(GramSolverStage.Factorized);
            stageCompleted?.Invoke(GramSolverStage.Inverted);
            return;
        }

        fixed (float* p = a)
        {
            using var sweep = new SpdInverseSingle(p, n, ThreadCount.Effective(threads), PackedTile.For(ForcePath), cancellationToken);
            sweep.Run(stageCompleted);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        NativeMemory.AlignedFree(_umr);
        NativeMemory.AlignedFree(_unr);
        NativeMemory.AlignedFree(_wrow);
        NativeMemory.AlignedFree(_wmr);
        NativeMemory.AlignedFree(_dinvPacked);
    }

    private static float* Allocate(long count) => (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(count, 1) * sizeof(float)), 64);

    private void Run(Action<GramSolverStage>? stageCompleted)
    {
        var halfReported = false;
        for (_k0 = 0; _k0 < _n; _k0 += Block)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            _w = Math.Min(Block, _n - _k0);
            InvertDiagonalBlock();
            RunPhase(((_rowStrips + StripsPerTask - 1) / StripsPerTask) + ((_colStrips + StripsPerTask - 1) / StripsPerTask), _packJob);
            RunPhase(_updateTasks.Count, _updateJob);
            RunPhase((_n + RowsPerCopyTask - 1) / RowsPerCopyTask, _writeBackJob);
            if (!halfReported && 2L * (_k0 + _w) >= _n)
            {
                halfReported = true;
                stageCompleted?.Invoke(GramSolverStage.Factorized);
            }
        }

        RunPhase((_n + SpdInverse.Block - 1) / SpdInverse.Block, _mirrorJob);
        stageCompleted?.Invoke(GramSolverStage.Inverted);
    }

    /// <summary>
    /// One phase: its tasks on a <see cref="Parallel"/> loop. Not on a <see cref="WorkerGroup"/>: a group's run ends only
    /// when every worker has woken and checked in, even where the caller did all the tasks, so a worker starved by other
    /// processes stalls each of the 3 phases per block (measured: docs/performance.md, EASE Gram inverse).
    /// </summary>
    private void RunPhase(int tasks, Action<int> job) => Parallel.For(0, tasks, _parallel, job);

    /// <summary>
    /// D⁻¹ of the block at <see cref="_k0"/> in float64 (Cholesky L, then Xᵀ = (L⁻¹)ᵀ by rows, then D⁻¹ = Xᵀ·X), into
    /// <see cref="_dinv"/> (w × w) and packed as NR-column micro-panels for W = U·D⁻¹.
    /// </summary>
    private void InvertDiagonalBlock()
    {
        var w = _w;
        var l = _l;
        var xt = _xt;
        for (var r = 0; r < w; r++)
        {
            var row = _a + ((long)(_k0 + r) * _n) + _k0;
            for (var c = 0; c <= r; c++)
            {
                l[(r * w) + c] = row[c];
            }
        }

        for (var j = 0; j < w; j++)
        {
            var lj = l.AsSpan(j * w, j);
            var d = l[(j * w) + j] - TensorPrimitives.Dot<double>(lj, lj);
            if (!(d > 0) || !double.IsFinite(d))
            {
                throw new ArithmeticException(string.Create(CultureInfo.InvariantCulture, $"The matrix is not numerically positive definite: pivot {d} at row {_k0 + j} of {_n}."));
            }

            var ljj = Math.Sqrt(d);
            l[(j * w) + j] = ljj;
            for (var i = j + 1; i < w; i++)
            {
                l[(i * w) + j] = (l[(i * w) + j] - TensorPrimitives.Dot<double>(l.AsSpan(i * w, j), lj)) / ljj;
            }
        }

        // Row j of Xᵀ is column j of X = L⁻¹: X[i, j] = −(Σ_{k=j}^{i−1} L[i, k]·X[k, j]) / L[i, i].
        for (var j = 0; j < w; j++)
        {
            var xj = xt.AsSpan(j * w, w);
            xj.Clear();
            xj[j] = 1.0 / l[(j * w) + j];
            for (var i = j + 1; i < w; i++)
            {
                xj[i] = -TensorPrimitives.Dot<double>(l.AsSpan((i * w) + j, i - j), xj[j..i]) / l[(i * w) + i];
            }
        }

        // D⁻¹[i, j] = Σ_{k ≥ max(i, j)} X[k, i]·X[k, j].
        for (var i = 0; i < w; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var v = (float)TensorPrimitives.Dot<double>(xt.AsSpan((i * w) + i, w - i), xt.AsSpan((j * w) + i, w - i));
                _dinv[(i * w) + j] = v;
                _dinv[(j * w) + i] = v;
            }
        }

        var nr = _nr;
        for (var t = 0; t * nr < w; t++)
        {
            var panel = _dinvPacked + ((long)t * nr * w);
            for (var k = 0; k < w; k++)
            {
                for (var c = 0; c < nr; c++)
                {
                    var j = (t * nr) + c;
                    panel[(k * nr) + c] = j < w ? _dinv[(k * w) + j] : 0f;
                }
            }
        }
    }

    /// <summary>U(i, k) = M[i, K + k] from the lower triangle; 0 inside K and past n.</summary>
    private float U(int i, int k) =>
        i < _k0 ? _a[((long)(_k0 + k) * _n) + i]
        : i < _k0 + _w || i >= _n ? 0f
        : _a[((long)i * _n) + _k0 + k];

    /// <summary>
    /// A task of the packing phase: a group of MR-row strips of U, packed and multiplied by D⁻¹ into W (row-major and
    /// packed), or a group of NR-column strips of U, packed for the update.
    /// </summary>
    private void Pack(int task)
    {
        var w = _w;
        var rowGroups = (_rowStrips + StripsPerTask - 1) / StripsPerTask;
        if (task < rowGroups)
        {
            var mr = _mr;
            var s1 = Math.Min((task + 1) * StripsPerTask, _rowStrips);
            for (var s = task * StripsPerTask; s < s1; s++)
            {
                var panel = _umr + ((long)s * mr * w);
                for (var r = 0; r < mr; r++)
                {
                    var i = (s * mr) + r;
                    for (var k = 0; k < w; k++)
                    {
                        panel[(k * mr) + r] = U(i, k);
                    }
                }

                var wrow = _wrow + ((long)s * mr * _ldw);
                for (var t = 0; t * _nr < w; t++)
                {
                    _tile.Run(panel, _dinvPacked + ((long)t * _nr * w), w, wrow + (t * _nr), _ldw, mr, _nr, 1f, accumulate: false);
                }

                var packed = _wmr + ((long)s * mr * w);
                for (var r = 0; r < mr; r++)
                {
                    var source = wrow + ((long)r * _ldw);
                    for (var k = 0; k < w; k++)
                    {
                        packed[(k * mr) + r] = source[k];
                    }
                }
            }

            return;
        }

        var nr = _nr;
        var group = task - rowGroups;
        var t1 = Math.Min((group + 1) * StripsPerTask, _colStrips);
        for (var t = group * StripsPerTask; t < t1; t++)
        {
            var panel = _unr + ((long)t * nr * w);
            for (var c = 0; c < nr; c++)
            {
                var j = (t * nr) + c;
                for (var k = 0; k < w; k++)
                {
                    panel[(k * nr) + c] = U(j, k);
                }
            }
        }
    }

    /// <summary>A task of the update: M[i, j] −= W[i]·U[j]ᵀ over its tiles on or below the diagonal (tiles wholly inside K add nothing and are skipped).</summary>
    private void Update(int task)
    {
        var (s0, s1, t0, t1) = _updateTasks[task];
        int mr = _mr, nr = _nr, w = _w, n = _n, k0 = _k0, k1 = _k0 + _w;
        for (var t = t0; t < t1; t++)
        {
            var j0 = t * nr;
            if (j0 >= k0 && j0 + nr <= k1)
            {
                continue;
            }

            var bp = _unr + ((long)t * nr * w);
            var cols = Math.Min(nr, n - j0);
            for (var s = s0; s < s1; s++)
            {
                var i0 = s * mr;
                if (j0 > i0 + mr - 1 || (i0 >= k0 && i0 + mr <= k1))
                {
                    continue;
                }

                _tile.Run(_wmr + ((long)s * mr * w), bp, w, _a + ((long)i0 * n) + j0, n, Math.Min(mr, n - i0), cols, -1f, accumulate: true);
            }
        }
    }

    /// <summary>A task of the write-back: M[i, K] = W[i] outside K and M[K, K] = −D⁻¹, in the lower triangle.</summary>
    private void WriteBack(int task)
    {
        int n = _n, w = _w, k0 = _k0, k1 = _k0 + _w;
        var i0 = task * RowsPerCopyTask;
        var i1 = Math.Min(i0 + RowsPerCopyTask, n);
        var before = Math.Min(i1, k0);
        for (var c = 0; c < w && i0 < before; c++)
        {
            var target = _a + ((long)(k0 + c) * n);
            for (var i = i0; i < before; i++)
            {
                target[i] = _wrow[((long)i * _ldw) + c];
            }
        }

        for (var i = Math.Max(i0, k0); i < i1; i++)
        {
            var target = _a + ((long)i * n) + k0;
            if (i >= k1)
            {
                new ReadOnlySpan<float>(_wrow + ((long)i * _ldw), w).CopyTo(new Span<float>(target, w));
            }
            else
            {
                var r = i - k0;
                for (var c = 0; c <= r; c++)
                {
                    target[c] = -_dinv[(r * w) + c];
                }
            }
        }
    }

    /// <summary>A task of the last phase: one block row of the lower triangle (−A⁻¹) negated and mirrored into its block column.</summary>
    private void Mirror(int task)
    {
        const int b = SpdInverse.Block;
        var n = _n;
        var i0 = task * b;
        var i1 = Math.Min(i0 + b, n);
        for (var j0 = 0; j0 < i1; j0 += b)
        {
            for (var i = i0; i < i1; i++)
            {
                var row = _a + ((long)i * n);
                var j1 = Math.Min(j0 + b, i + 1);
                for (var j = j0; j < j1; j++)
                {
                    var v = -row[j];
                    row[j] = v;
                    _a[((long)j * n) + i] = v;
                }
            }
        }
    }
}
