using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CrossRec.Engines.Cpu.ImplicitAls;

/// <summary>One worker's buffers for solving rows: nothing is allocated per row.</summary>
internal sealed class AlsScratch
{
    /// <summary>Rows gathered into <see cref="Z"/> at a time: 32 × 128 floats is 16 KB, which stays in L1 while A is updated.</summary>
    public const int Chunk = 32;

    public AlsScratch(int k)
    {
        K = k;
        Kp = AlsMath.Padded(k);
        A = new float[k * Kp];
        B = new float[Kp];
        Ap = new float[Kp];
        Z = new float[Chunk * Kp];
        Weights = new float[Chunk];
        Coef = new float[Chunk];
        BlockX = new float[BlockRows * Kp];
        BlockR = new float[BlockRows * Kp];
        BlockP = new float[BlockRows * Kp];
        BlockAp = new float[BlockRows * Kp];
        BlockGx = new float[BlockRows * Kp];
        BlockGp = new float[BlockRows * Kp];
        BlockRs = new float[BlockRows];
        Lambdas = new float[BlockRows];
        Active = new int[BlockRows];
    }

    /// <summary>Rows that conjugate gradient solves in lockstep (the G·p products of a step as one matrix product).</summary>
    public const int BlockRows = 16;

    public int K { get; }

    public int Kp { get; }

    /// <summary>The k×k system (stride Kp), then its Cholesky factor.</summary>
    public float[] A { get; }

    /// <summary>Right-hand side, then the solution.</summary>
    public float[] B { get; }

    /// <summary>G·x for the exact solver's loss.</summary>
    public float[] Ap { get; }

    /// <summary>Gathered fixed-side rows, padded to Kp with zeros.</summary>
    public float[] Z { get; }

    public float[] Weights { get; }

    public float[] Coef { get; }

    /// <summary>Lockstep CG, one padded row (stride Kp, pads zero) per row of the block: the rows' x, for G·X.</summary>
    public float[] BlockX { get; }

    /// <summary>Lockstep CG: residuals.</summary>
    public float[] BlockR { get; }

    /// <summary>Lockstep CG: directions (pads zero).</summary>
    public float[] BlockP { get; }

    /// <summary>Lockstep CG: G·x, then G·p and A·p.</summary>
    public float[] BlockAp { get; }

    /// <summary>Lockstep CG: G·x kept up to date for the loss.</summary>
    public float[] BlockGx { get; }

    /// <summary>Lockstep CG: G·p for the loss.</summary>
    public float[] BlockGp { get; }

    /// <summary>Lockstep CG: ‖r‖² per row.</summary>
    public float[] BlockRs { get; }

    /// <summary>Lockstep CG: λ per row.</summary>
    public float[] Lambdas { get; }

    /// <summary>Lockstep CG: the rows still stepping.</summary>
    public int[] Active { get; }

    /// <summary>Lockstep CG, per observed column of the block's rows: y_j·x (kept up to date through the steps).</summary>
    public float[] Scores { get; private set; } = [];

    /// <summary>Lockstep CG, per observed column of the block's rows: y_j·p of the current direction.</summary>
    public float[] Steps { get; private set; } = [];

    /// <summary>Grows <see cref="Scores"/> and <see cref="Steps"/> to hold <paramref name="n"/> columns.</summary>
    public void EnsureColumns(int n)
    {
        if (Scores.Length < n)
        {
            var size = Math.Max(n, Scores.Length * 2);
            Scores = new float[size];
            Steps = new float[size];
        }
    }
}

/// <summary>A pool of <see cref="AlsScratch"/> for the workers of a half-sweep (taken per worker, not per row).</summary>
internal sealed class AlsScratchPool(int k)
{
    private readonly ConcurrentBag<AlsScratch> _free = [];

    public AlsScratch Take() => _free.TryTake(out var s) ? s : new AlsScratch(k);

    public void Return(AlsScratch scratch) => _free.Add(scratch);
}

/// <summary>
/// The per-row least-squares problem of implicit ALS and the Gram matrix it rests on. For a row u with
/// observed columns j (confidence c_j) against fixed factors Y with Gram matrix G = YᵀY, the normal
/// equations are <c>(G + Σ_j (c_j − 1) y_j y_jᵀ + λ_u I) x_u = Σ_j c_j y_j</c> (Hu et al. 2008, §4):
/// the unobserved columns enter only through G, so a row costs O(k²·n_u + k³) exactly or
/// O(k·n_u·steps + k²·steps) by conjugate gradient.
/// </summary>
internal static class AlsRowSolver
{
    /// <summary>Smallest residual ‖r‖² at which conjugate gradient keeps stepping (as <c>implicit</c> does).</summary>
    private const float CgTolerance = 1e-20f;

    /// <summary>
    /// Gram matrix <c>G = FᵀF</c> of a factor matrix (rows × k, stride k) into <paramref name="gram"/>
    /// (k × kp, symmetric, pads zero). The rows are cut into a number of blocks that depends only on the
    /// row count; each block's partial sum lands in its own slot of <paramref name="partials"/> and the
    /// slots are added in block order, so the result is the same for any thread count.
    /// </summary>
    public static void Gram(float[] factors, int rows, int k, float[] gram, float[] partials, AlsScratchPool pool, int threads, CancellationToken cancellationToken)
    {
        var kp = AlsMath.Padded(k);
        var blocks = GramBlocks(rows);
        var size = k * kp;
        if (partials.Length < blocks * size || gram.Length < size)
        {
            throw new ArgumentException("Gram buffers too small.");
        }

        var per = (rows + blocks - 1) / blocks;
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken },
            pool.Take,
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (b, _, s) =>
            {
                var g = partials.AsSpan(b * size, size);
                g.Clear();
                var end = Math.Min(rows, (b + 1) * per);
                for (var start = b * per; start < end; start += AlsScratch.Chunk)
                {
                    var m = Math.Min(AlsScratch.Chunk, end - start);
                    for (var j = 0; j < m; j++)
                    {
                        AlsMath.Gather(factors, k, start + j, s.Z.AsSpan(j * kp, kp));
                    }

                    AlsMath.AddUpperOuter(g, k, kp, s.Z, [], m, s.Coef);
                }

                return s;
            },
            pool.Return);

        var total = gram.AsSpan(0, size);
        partials.AsSpan(0, size).CopyTo(total);
        for (var b = 1; b < blocks; b++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(total, partials.AsSpan(b * size, size), total);
        }

        // AddUpperOuter also filled some entries left of the diagonal; mirror the upper triangle over all of them.
        for (var r = 1; r < k; r++)
        {
            for (var c = 0; c < r; c++)
            {
                gram[(r * kp) + c] = gram[(c * kp) + r];
            }
        }
    }

    /// <summary>Blocks of the Gram reduction: a function of the row count alone (at most 64, at least 256 rows each when there are enough).</summary>
    public static int GramBlocks(int rows) => Math.Clamp((rows + 255) / 256, 1, 64);

    /// <summary>
    /// The exact solve: builds <c>A = G + λI + Σ (c_j − 1) y_j y_jᵀ</c> and <c>b = Σ c_j y_j</c>, factors A
    /// by Cholesky and writes A⁻¹b into <paramref name="x"/> (the factor stays in <c>scratch.A</c>).
    /// False (and NaN factors) when A is not positive definite in float arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first sweep: no tier-0 code in the first iterations
    public static bool SolveCholesky(ReadOnlySpan<float> gram, ReadOnlySpan<float> fixedFactors, ReadOnlySpan<int> columns, ReadOnlySpan<float> confidence, float lambda, AlsScratch s, Span<float> x)
    {
        var k = s.K;
        var kp = s.Kp;
        var a = s.A.AsSpan();
        var b = s.B.AsSpan();
        gram[..(k * kp)].CopyTo(a);
        for (var r = 0; r < k; r++)
        {
            a[(r * kp) + r] += lambda;
        }

        b.Clear();
        for (var start = 0; start < columns.Length; start += AlsScratch.Chunk)
        {
            var m = Math.Min(AlsScratch.Chunk, columns.Length - start);
            for (var j = 0; j < m; j++)
            {
                var z = s.Z.AsSpan(j * kp, kp);
                AlsMath.Gather(fixedFactors, k, columns[start + j], z);
                var c = confidence[start + j];
                s.Weights[j] = c - 1f;
                AlsMath.Axpy(c, z, b);
            }

            AlsMath.AddUpperOuter(a, k, kp, s.Z, s.Weights, m, s.Coef);
        }

        if (!AlsMath.CholeskyUpper(a, k, kp))
        {
            x[..k].Fill(float.NaN);
            return false;
        }

        AlsMath.CholeskySolve(a, k, kp, b);
        b[..k].CopyTo(x);
        return true;
    }

    /// <summary>
    /// <paramref name="steps"/> conjugate-gradient steps on each row's normal equations for the rows
    /// <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1 (at most
    /// <see cref="AlsScratch.BlockRows"/>), starting from their current factors in <paramref name="target"/> (warm
    /// start, updated in place). A is never formed: A·p is <c>G·p + λp + Σ (c_j − 1)(y_j·p) y_j</c>. The rows step in
    /// lockstep so that a step's G·p of every row is one matrix product; each row's arithmetic is the same as alone
    /// (a row that has converged stops, the others go on), so the result does not depend on which rows share a block.
    /// Returns the sum of the rows' shares of the objective at their solutions (as <see cref="RowLoss"/> defines it)
    /// when <paramref name="loss"/> is set, else 0: the scores y_j·x and G·x of the start are updated with each step
    /// (x += αp gives y_j·x += α(y_j·p), G·x += α(G·p)), so the loss costs no further pass over the columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first sweep: no tier-0 code in the first iterations
    public static double SolveConjugateGradient(ReadOnlySpan<float> gram, float[] fixedFactors, int[] offsets, int[] columns, float[] confidence, ReadOnlySpan<float> lambdas, int steps, AlsScratch s, float[] target, int first, int count, bool loss)
    {
        var k = s.K;
        var kp = s.Kp;
        var baseOffset = offsets[first];
        s.EnsureColumns(offsets[first + count] - baseOffset);
        var active = s.Active;
        var live = 0;

        // r = b − A·x = −(G + λI)·x + Σ (c_j − (c_j − 1)(y_j·x)) y_j
        for (var i = 0; i < count; i++)
        {
            target.AsSpan((first + i) * k, k).CopyTo(s.BlockX.AsSpan(i * kp, k));
            active[i] = i;
        }

        AlsMath.SymMatMulRows(gram, k, kp, s.BlockX, s.BlockAp, active.AsSpan(0, count));
        for (var i = 0; i < count; i++)
        {
            var row = first + i;
            var x = target.AsSpan(row * k, k);
            var r = s.BlockR.AsSpan(i * kp, k);
            var gx = s.BlockAp.AsSpan(i * kp, k);
            var lambda = lambdas[i];
            for (var f = 0; f < k; f++)
            {
                r[f] = -gx[f] - (lambda * x[f]);
            }

            if (loss)
            {
                gx.CopyTo(s.BlockGx.AsSpan(i * kp, k));
            }

            var from = offsets[row];
            var n = offsets[row + 1] - from;
            AlsCgKernel.Accumulate(fixedFactors, k, columns.AsSpan(from, n), confidence.AsSpan(from, n), 1f, -1f, x, r, s.Scores.AsSpan(from - baseOffset, n));
            r.CopyTo(s.BlockP.AsSpan(i * kp, k));
            var rs = AlsMath.Dot(r, r);
            s.BlockRs[i] = rs;
            if (rs >= CgTolerance && steps > 0)
            {
                active[live++] = i;
            }
        }

        for (var step = 0; step < steps && live > 0; step++)
        {
            AlsMath.SymMatMulRows(gram, k, kp, s.BlockP, s.BlockAp, active.AsSpan(0, live));
            var still = 0;
            for (var a = 0; a < live; a++)
            {
                var i = active[a];
                var row = first + i;
                var x = target.AsSpan(row * k, k);
                var p = s.BlockP.AsSpan(i * kp, k);
                var ap = s.BlockAp.AsSpan(i * kp, k);
                var r = s.BlockR.AsSpan(i * kp, k);
                if (loss)
                {
                    ap.CopyTo(s.BlockGp.AsSpan(i * kp, k));
                }

                AlsMath.Axpy(lambdas[i], p, ap);
                var from = offsets[row];
                var n = offsets[row + 1] - from;
                var dots = s.Steps.AsSpan(from - baseOffset, n);
                AlsCgKernel.Accumulate(fixedFactors, k, columns.AsSpan(from, n), confidence.AsSpan(from, n), 0f, 1f, p, ap, dots);
                var pap = AlsMath.Dot(p, ap);
                if (!(pap > 0f))
                {
                    continue; // p is already A-orthogonal to everything left (or A lost definiteness in float): x is as good as it gets
                }

                var rs = s.BlockRs[i];
                var alpha = rs / pap;
                AlsMath.Axpy(alpha, p, x);
                if (loss)
                {
                    AlsMath.Axpy(alpha, dots, s.Scores.AsSpan(from - baseOffset, n));
                    AlsMath.Axpy(alpha, s.BlockGp.AsSpan(i * kp, k), s.BlockGx.AsSpan(i * kp, k));
                }

                AlsMath.Axpy(-alpha, ap, r);
                var next = AlsMath.Dot(r, r);
                if (next < CgTolerance)
                {
                    continue;
                }

                var beta = next / rs;
                for (var f = 0; f < k; f++)
                {
                    p[f] = r[f] + (beta * p[f]);
                }

                s.BlockRs[i] = next;
                active[still++] = i;
            }

            live = still;
        }

        if (!loss)
        {
            return 0;
        }

        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            var row = first + i;
            var x = target.AsSpan(row * k, k);
            double part = AlsMath.Dot(x, s.BlockGx.AsSpan(i * kp, k));
            for (var j = offsets[row]; j < offsets[row + 1]; j++)
            {
                part += ObservedLoss(confidence[j], s.Scores[j - baseOffset]);
            }

            total += part + (lambdas[i] * (double)AlsMath.Dot(x, x));
        }

        return total;
    }

    /// <summary>
    /// Row u's share of the full objective, <c>Σ_i c_ui (p_ui − x·y_i)² + λ_u‖x‖²</c> over every column i:
    /// <c>xᵀGx</c> (all columns at c = 1, p = 0) plus <c>c_j(1 − s_j)² − s_j²</c> for each observed column
    /// (s_j = x·y_j), plus the penalty. O(k² + k·n_u).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first sweep: no tier-0 code in the first iterations
    public static double RowLoss(ReadOnlySpan<float> gram, ReadOnlySpan<float> fixedFactors, ReadOnlySpan<int> columns, ReadOnlySpan<float> confidence, float lambda, AlsScratch s, ReadOnlySpan<float> x)
    {
        var k = s.K;
        x = x[..k];
        AlsMath.SymMatVec(gram, k, s.Kp, x, s.Ap);
        double loss = AlsMath.Dot(x, s.Ap);
        for (var j = 0; j < columns.Length; j++)
        {
            loss += ObservedLoss(confidence[j], AlsMath.Dot(fixedFactors.Slice(columns[j] * k, k), x));
        }

        return loss + (lambda * (double)AlsMath.Dot(x, x));
    }

    /// <summary>An observed column's term of a row's loss beyond xᵀGx: <c>c(1 − s)² − s²</c> for score s = x·y_j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ObservedLoss(float confidence, double score)
    {
        var miss = 1 - score;
        return (confidence * miss * miss) - (score * score);
    }
}
