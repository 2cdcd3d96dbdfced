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
        R = new float[Kp];
        P = new float[Kp];
        Ap = new float[Kp];
        Z = new float[Chunk * Kp];
        Weights = new float[Chunk];
        Coef = new float[Chunk];
        Gx = new float[Kp];
        Gp = new float[Kp];
    }

    public int K { get; }

    public int Kp { get; }

    /// <summary>The k×k system (stride Kp), then its Cholesky factor.</summary>
    public float[] A { get; }

    /// <summary>Right-hand side, then the solution.</summary>
    public float[] B { get; }

    /// <summary>Conjugate-gradient residual.</summary>
    public float[] R { get; }

    /// <summary>Conjugate-gradient direction.</summary>
    public float[] P { get; }

    /// <summary>A·p, and G·x for the loss.</summary>
    public float[] Ap { get; }

    /// <summary>Gathered fixed-side rows, padded to Kp with zeros.</summary>
    public float[] Z { get; }

    public float[] Weights { get; }

    public float[] Coef { get; }

    /// <summary>G·x of the row being solved, kept up to date through the CG steps for its loss.</summary>
    public float[] Gx { get; }

    /// <summary>G·p of the current CG direction.</summary>
    public float[] Gp { get; }

    /// <summary>Per observed column: y_j·x of the row being solved (kept up to date through the CG steps).</summary>
    public float[] Scores { get; private set; } = [];

    /// <summary>Per observed column: y_j·p of the current CG direction.</summary>
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
    /// <paramref name="steps"/> conjugate-gradient steps on the same normal equations, starting from the
    /// current <paramref name="x"/> (warm start, updated in place); A is never formed: A·p is
    /// <c>G·p + λp + Σ (c_j − 1)(y_j·p) y_j</c>. Returns the row's share of the objective at the solution
    /// (as <see cref="RowLoss"/> defines it) when <paramref name="loss"/> is set, else 0: the scores y_j·x and G·x
    /// of the start are updated with each step (x += αp gives y_j·x += α(y_j·p), G·x += α(G·p)), so the loss
    /// costs no further pass over the columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first sweep: no tier-0 code in the first iterations
    public static double SolveConjugateGradient(ReadOnlySpan<float> gram, float[] fixedFactors, ReadOnlySpan<int> columns, ReadOnlySpan<float> confidence, float lambda, int steps, AlsScratch s, Span<float> x, bool loss = false)
    {
        var k = s.K;
        var kp = s.Kp;
        var n = columns.Length;
        var r = s.R.AsSpan(0, k);
        var p = s.P.AsSpan(0, k);
        var ap = s.Ap.AsSpan();
        var gx = s.Gx.AsSpan(0, k);
        var gp = s.Gp.AsSpan(0, k);
        s.EnsureColumns(n);
        var scores = s.Scores.AsSpan(0, n);
        var step = s.Steps.AsSpan(0, n);
        x = x[..k];

        // r = b − A·x = −(G + λI)·x + Σ (c_j − (c_j − 1)(y_j·x)) y_j
        AlsMath.SymMatVec(gram, k, kp, x, ap);
        for (var f = 0; f < k; f++)
        {
            r[f] = -ap[f] - (lambda * x[f]);
        }

        if (loss)
        {
            ap[..k].CopyTo(gx);
        }

        AlsCgKernel.Accumulate(fixedFactors, k, columns, confidence, 1f, -1f, x, r, scores);
        r.CopyTo(p);
        var rs = AlsMath.Dot(r, r);
        for (var i = 0; i < steps && rs >= CgTolerance; i++)
        {
            AlsMath.SymMatVec(gram, k, kp, p, ap);
            var apk = ap[..k];
            if (loss)
            {
                apk.CopyTo(gp);
            }

            AlsMath.Axpy(lambda, p, apk);
            AlsCgKernel.Accumulate(fixedFactors, k, columns, confidence, 0f, 1f, p, apk, step);
            var pap = AlsMath.Dot(p, apk);
            if (!(pap > 0f))
            {
                break; // p is already A-orthogonal to everything left (or A lost definiteness in float): x is as good as it gets
            }

            var alpha = rs / pap;
            AlsMath.Axpy(alpha, p, x);
            if (loss)
            {
                AlsMath.Axpy(alpha, step, scores);
                AlsMath.Axpy(alpha, gp, gx);
            }

            AlsMath.Axpy(-alpha, apk, r);
            var next = AlsMath.Dot(r, r);
            if (next < CgTolerance)
            {
                break;
            }

            var beta = next / rs;
            for (var f = 0; f < k; f++)
            {
                p[f] = r[f] + (beta * p[f]);
            }

            rs = next;
        }

        if (!loss)
        {
            return 0;
        }

        double total = AlsMath.Dot(x, gx);
        for (var j = 0; j < n; j++)
        {
            double score = scores[j];
            var miss = 1 - score;
            total += (confidence[j] * miss * miss) - (score * score);
        }

        return total + (lambda * (double)AlsMath.Dot(x, x));
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
            double score = AlsMath.Dot(fixedFactors.Slice(columns[j] * k, k), x);
            var miss = 1 - score;
            loss += (confidence[j] * miss * miss) - (score * score);
        }

        return loss + (lambda * (double)AlsMath.Dot(x, x));
    }
}
