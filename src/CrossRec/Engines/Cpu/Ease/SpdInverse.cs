using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu.Ease;

/// <summary>
/// In-place inverse of a symmetric positive definite matrix (row-major, float64): blocked Cholesky
/// <c>A = L·Lᵀ</c> (right-looking), then <c>L⁻¹</c> in place, then <c>A⁻¹ = L⁻ᵀ·L⁻¹</c> in place (the
/// LAPACK potrf / trtri / lauum sequence), about n³ flops in all and no second n × n buffer. Every phase
/// spends its time in <see cref="GemmTile"/> and runs its blocks on a <see cref="Parallel"/> loop.
/// </summary>
/// <remarks>
/// <para><b>Why not MathNet.Numerics.</b> Measured on this project's two shared cores (Xeon, AVX-512), on
/// real EASE Gram matrices (binary XᵀX + 500·I of the ML-100K and Last.fm training parts), MathNet 5.0's
/// managed provider against this code:
/// n = 1,651: <c>Cholesky().Solve(I)</c> 18.8–24.6 s, <c>Inverse()</c> (LU) 92.6 s; this code 0.14 s
/// (0.46 s on the first call, with JIT). n = 5,958: <c>Cholesky()</c> alone 161 s, with <c>.Solve(I)</c>
/// 1,265 s; this code 6.4 s. n = 8,000: this code 14.5 s (MathNet not run: ~50 minutes by the n³ trend).
/// That is 33–35 GFLOPS (n³ flops in all) on two cores, against a kernel ceiling of 32–40 per core;
/// results agree with MathNet to 1e-10 and give ‖G·P − I‖∞ ≈ 3e-15. Under load from other processes the
/// same runs took 2–3× longer.</para>
/// <para>Deterministic at any thread count: every output element is summed by one task in an order fixed
/// by the block sizes alone, so one thread and sixteen give the same bits.</para>
/// <para>Block sizes: 64-wide diagonal blocks, sums cut into 256-row chunks (a 256 × 64 panel is 128 KiB and
/// stays in L2 while a 16-column B tile stays in L1), output groups of 32 columns (two groups already
/// for the first lauum block, so two cores have work from the start).</para>
/// </remarks>
internal static unsafe class SpdInverse
{
    /// <summary>Width of the diagonal blocks.</summary>
    internal const int Block = 64;

    /// <summary>Length of one chunk of a long sum (keeps the A panel in L2).</summary>
    private const int KChunk = 256;

    /// <summary>Rows per task of the Cholesky trailing update.</summary>
    private const int RowChunk = 128;

    /// <summary>Output columns per task.</summary>
    private const int ColumnGroup = 32;

    /// <summary>Inverts the matrix in place.</summary>
    /// <param name="a">n × n, row-major; on entry the lower triangle (diagonal included) holds the matrix and the rest is ignored; on exit the whole array holds the symmetric inverse.</param>
    /// <param name="n">Order.</param>
    /// <param name="threads">Worker threads (0: every core).</param>
    /// <param name="stageCompleted">Called after the factorisation and after the inversion.</param>
    /// <param name="cancellationToken">Checked between blocks and by the parallel loops.</param>
    /// <exception cref="ArithmeticException">The matrix is not numerically positive definite (the message names the row).</exception>
    public static void Invert(double[] a, int n, int threads, Action<GramSolverStage>? stageCompleted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (n < 0 || (long)n * n > a.Length)
        {
            throw new ArgumentException($"An order-{n} matrix needs {(long)n * n} elements; the array has {a.Length}.", nameof(a));
        }

        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = ThreadCount.Effective(threads),
            CancellationToken = cancellationToken,
        };
        Factor(a, n, options);
        ZeroUpper(a, n, options);
        stageCompleted?.Invoke(GramSolverStage.Factorized);
        InvertLower(a, n, options);
        MultiplyTransposeByItself(a, n, options);
        Symmetrize(a, n, options);
        stageCompleted?.Invoke(GramSolverStage.Inverted);
    }

    /// <summary>Right-looking blocked Cholesky: L in the lower triangle; the strict upper triangle is left with garbage.</summary>
    private static void Factor(double[] a, int n, ParallelOptions options)
    {
        var panel = new double[Block * (long)n];
        var width = GemmTile.Width;
        for (var kb = 0; kb < n; kb += Block)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var w = Math.Min(Block, n - kb);
            FactorDiagonalBlock(a, n, kb, w);
            var r0 = kb + w;
            var rest = n - r0;
            if (rest == 0)
            {
                break;
            }

            // Rows below the block: L[i, kb..kb+w) by forward substitution, and the transposed panel for the update.
            var solveChunks = (rest + Block - 1) / Block;
            Parallel.For(0, solveChunks, options, chunk =>
            {
                fixed (double* p = a, t = panel)
                {
                    var end = Math.Min(r0 + ((chunk + 1) * Block), n);
                    for (var i = r0 + (chunk * Block); i < end; i++)
                    {
                        var row = p + ((long)i * n);
                        for (var j = kb; j < kb + w; j++)
                        {
                            var rj = p + ((long)j * n);
                            var dot = TensorPrimitives.Dot(new ReadOnlySpan<double>(row + kb, j - kb), new ReadOnlySpan<double>(rj + kb, j - kb));
                            row[j] = (row[j] - dot) / rj[j];
                            t[((long)(j - kb) * rest) + (i - r0)] = row[j];
                        }
                    }
                }
            });

            // Trailing update A[i, j] -= Σ_k L[i, k]·L[j, k] over the lower triangle, in (row chunk × column group) tasks.
            var rowChunks = (rest + RowChunk - 1) / RowChunk;
            var tasks = new List<(int RowChunk, int Group)>();
            for (var rc = 0; rc < rowChunks; rc++)
            {
                var lastRow = Math.Min((rc + 1) * RowChunk, rest) - 1;
                for (var g = 0; g * ColumnGroup <= lastRow; g++)
                {
                    tasks.Add((rc, g));
                }
            }

            Parallel.For(0, tasks.Count, options, task =>
            {
                var (rc, g) = tasks[task];
                var iBegin = r0 + (rc * RowChunk);
                var iEnd = Math.Min(iBegin + RowChunk, n);
                var jBegin = r0 + (g * ColumnGroup);
                var jEnd = Math.Min(jBegin + ColumnGroup, n);
                fixed (double* p = a, t = panel)
                {
                    for (var j0 = jBegin; j0 < jEnd; j0 += width)
                    {
                        var cols = Math.Min(width, jEnd - j0);
                        for (var i0 = iBegin; i0 < iEnd; i0 += GemmTile.Rows)
                        {
                            var rows = Math.Min(GemmTile.Rows, iEnd - i0);
                            if (j0 > i0 + rows - 1)
                            {
                                continue; // wholly above the diagonal
                            }

                            GemmTile.Run(
                                p + ((long)i0 * n) + kb, n, 1,
                                t + (j0 - r0), rest, w,
                                p + ((long)i0 * n) + j0, n, rows, cols, -1.0, accumulate: true);
                        }
                    }
                }
            });
        }
    }

    /// <summary>Unblocked Cholesky of one diagonal block (already updated by the blocks to its left).</summary>
    private static void FactorDiagonalBlock(double[] a, int n, int kb, int w)
    {
        fixed (double* p = a)
        {
            for (var j = kb; j < kb + w; j++)
            {
                var rj = p + ((long)j * n);
                var prefix = new ReadOnlySpan<double>(rj + kb, j - kb);
                var d = rj[j] - TensorPrimitives.Dot(prefix, prefix);
                if (!(d > 0) || !double.IsFinite(d))
                {
                    throw new ArithmeticException($"The matrix is not numerically positive definite: pivot {d} at row {j} of {n}.");
                }

                var ljj = Math.Sqrt(d);
                rj[j] = ljj;
                for (var i = j + 1; i < kb + w; i++)
                {
                    var ri = p + ((long)i * n);
                    ri[j] = (ri[j] - TensorPrimitives.Dot(new ReadOnlySpan<double>(ri + kb, j - kb), prefix)) / ljj;
                }
            }
        }
    }

    /// <summary>Clears the strict upper triangle (the later phases rely on its zeros).</summary>
    private static void ZeroUpper(double[] a, int n, ParallelOptions options)
    {
        Parallel.For(0, (n + Block - 1) / Block, options, chunk =>
        {
            var end = Math.Min((chunk + 1) * Block, n);
            for (var i = chunk * Block; i < end; i++)
            {
                a.AsSpan((int)(((long)i * n) + i + 1), n - i - 1).Clear();
            }
        });
    }

    /// <summary>Replaces lower-triangular L by L⁻¹, one block row at a time: M[I, :I] = −M_II · (L[I, :I] · M[:I, :I]).</summary>
    private static void InvertLower(double[] a, int n, ParallelOptions options)
    {
        var product = new double[Block * (long)n]; // T = L[I, :I] · M[:I, :I], w × ib, row stride n
        var diagonal = new double[Block * Block]; // M_II, row stride Block, upper zero
        var width = GemmTile.Width;
        for (var ib = 0; ib < n; ib += Block)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var w = Math.Min(Block, n - ib);
            InvertDiagonalBlock(a, n, ib, w, diagonal);
            if (ib > 0)
            {
                var groups = (ib + ColumnGroup - 1) / ColumnGroup;
                Parallel.For(0, groups, options, g =>
                {
                    var jBegin = g * ColumnGroup;
                    var jEnd = Math.Min(jBegin + ColumnGroup, ib);
                    fixed (double* p = a, t = product)
                    {
                        for (var r = 0; r < w; r++)
                        {
                            new Span<double>(t + ((long)r * n) + jBegin, jEnd - jBegin).Clear();
                        }

                        // M[k, j] = 0 for k < j, so the sum for columns from jBegin starts at k = jBegin.
                        for (var ks = jBegin; ks < ib; ks += KChunk)
                        {
                            var ke = Math.Min(ks + KChunk, ib);
                            for (var j0 = jBegin; j0 < jEnd; j0 += width)
                            {
                                var cols = Math.Min(width, jEnd - j0);
                                var k0 = Math.Max(ks, j0);
                                if (k0 >= ke)
                                {
                                    continue;
                                }

                                for (var i0 = 0; i0 < w; i0 += GemmTile.Rows)
                                {
                                    GemmTile.Run(
                                        p + ((long)(ib + i0) * n) + k0, n, 1,
                                        p + ((long)k0 * n) + j0, n, ke - k0,
                                        t + ((long)i0 * n) + j0, n, Math.Min(GemmTile.Rows, w - i0), cols, 1.0, accumulate: true);
                                }
                            }
                        }
                    }
                });

                // L[I, :I] was read by every group above; only now may it be overwritten.
                Parallel.For(0, groups, options, g =>
                {
                    var jBegin = g * ColumnGroup;
                    var jEnd = Math.Min(jBegin + ColumnGroup, ib);
                    fixed (double* p = a, t = product, d = diagonal)
                    {
                        for (var j0 = jBegin; j0 < jEnd; j0 += width)
                        {
                            var cols = Math.Min(width, jEnd - j0);
                            for (var i0 = 0; i0 < w; i0 += GemmTile.Rows)
                            {
                                GemmTile.Run(
                                    d + (i0 * Block), Block, 1,
                                    t + j0, n, w,
                                    p + ((long)(ib + i0) * n) + j0, n, Math.Min(GemmTile.Rows, w - i0), cols, -1.0, accumulate: false);
                            }
                        }
                    }
                });
            }

            for (var r = 0; r < w; r++)
            {
                diagonal.AsSpan(r * Block, r + 1).CopyTo(a.AsSpan((int)(((long)(ib + r) * n) + ib), r + 1));
            }
        }
    }

    /// <summary>Inverse of one lower-triangular diagonal block into <paramref name="m"/> (row stride <see cref="Block"/>, upper zero).</summary>
    private static void InvertDiagonalBlock(double[] a, int n, int ib, int w, double[] m)
    {
        Array.Clear(m);
        for (var i = 0; i < w; i++)
        {
            var li = (long)(ib + i) * n;
            var inv = 1.0 / a[li + ib + i];
            m[(i * Block) + i] = inv;
            for (var j = 0; j < i; j++)
            {
                var sum = 0.0;
                for (var k = j; k < i; k++)
                {
                    sum += a[li + ib + k] * m[(k * Block) + j];
                }

                m[(i * Block) + j] = -sum * inv;
            }
        }
    }

    /// <summary>Replaces lower-triangular M by the lower triangle of Mᵀ·M, one block row at a time (rows above are done, rows below still M).</summary>
    private static void MultiplyTransposeByItself(double[] a, int n, ParallelOptions options)
    {
        var product = new double[Block * (long)n]; // T[r, j] = Σ_{k ≥ ib} M[k, ib + r]·M[k, j], row stride n
        var width = GemmTile.Width;
        for (var ib = 0; ib < n; ib += Block)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            var w = Math.Min(Block, n - ib);
            var cols = ib + w;
            var groups = (cols + ColumnGroup - 1) / ColumnGroup;
            Parallel.For(0, groups, options, g =>
            {
                var jBegin = g * ColumnGroup;
                var jEnd = Math.Min(jBegin + ColumnGroup, cols);
                fixed (double* p = a, t = product)
                {
                    for (var r = 0; r < w; r++)
                    {
                        new Span<double>(t + ((long)r * n) + jBegin, jEnd - jBegin).Clear();
                    }

                    for (var ks = ib; ks < n; ks += KChunk)
                    {
                        var ke = Math.Min(ks + KChunk, n);
                        for (var j0 = jBegin; j0 < jEnd; j0 += width)
                        {
                            var tileCols = Math.Min(width, jEnd - j0);
                            for (var i0 = 0; i0 < w; i0 += GemmTile.Rows)
                            {
                                // M[k, ib + r] = 0 for k < ib + r: the tile's sum starts at its first row.
                                var k0 = Math.Max(ks, ib + i0);
                                if (k0 >= ke)
                                {
                                    continue;
                                }

                                GemmTile.Run(
                                    p + ((long)k0 * n) + ib + i0, 1, n,
                                    p + ((long)k0 * n) + j0, n, ke - k0,
                                    t + ((long)i0 * n) + j0, n, Math.Min(GemmTile.Rows, w - i0), tileCols, 1.0, accumulate: true);
                            }
                        }
                    }
                }
            });

            // Rows I were inputs of every group; overwrite them only now.
            for (var r = 0; r < w; r++)
            {
                product.AsSpan((int)((long)r * n), cols).CopyTo(a.AsSpan((int)((long)(ib + r) * n), cols));
            }
        }
    }

    /// <summary>Copies the lower triangle onto the upper one, in 64 × 64 tiles.</summary>
    private static void Symmetrize(double[] a, int n, ParallelOptions options)
    {
        var blocks = (n + Block - 1) / Block;
        Parallel.For(0, blocks, options, bi =>
        {
            var iBegin = bi * Block;
            var iEnd = Math.Min(iBegin + Block, n);
            for (var bj = 0; bj <= bi; bj++)
            {
                var jBegin = bj * Block;
                var jEnd = Math.Min(jBegin + Block, n);
                for (var i = iBegin; i < iEnd; i++)
                {
                    var li = (long)i * n;
                    var end = Math.Min(jEnd, i);
                    for (var j = jBegin; j < end; j++)
                    {
                        a[((long)j * n) + i] = a[li + j];
                    }
                }
            }
        });
    }
}
