using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossRec.Engines.Cpu.Ease;

/// <summary>Which float32 micro-kernel <see cref="PackedTile"/> runs.</summary>
internal enum PackedTilePath
{
    /// <summary>No SIMD: plain scalar loops (4 × 8 tiles).</summary>
    Scalar = 0,

    /// <summary><see cref="Vector256{T}"/> (AVX2): 6 × 16 tiles, twelve accumulators.</summary>
    Vector256 = 1,

    /// <summary><see cref="Vector512{T}"/> (AVX-512): 12 × 32 tiles, 24 accumulators.</summary>
    Vector512 = 2,
}

/// <summary>
/// The float32 register-blocked micro-kernel of <see cref="SpdInverseSingle"/>, over packed panels:
/// <c>C[r, c] = (accumulate ? C[r, c] : 0) + alpha · Σ_k Ap[k·MR + r] · Bp[k·NR + c]</c> for one
/// <see cref="Rows"/> × <see cref="Columns"/> tile. A is packed as MR-row micro-panels (the MR values of one k
/// side by side) and B as NR-column micro-panels, both zero-padded, so every k step is one contiguous load of B
/// and MR broadcasts from one cache line of A, and the accumulators never leave the registers.
/// </summary>
/// <remarks>
/// Hand-written because it is the measured hot path of EASE training (all but a few percent of an n³ inverse)
/// and no library this project may use serves it: MathNet's managed provider runs 100× slower (SpdInverse's
/// remarks) and has no float32 Cholesky kernel of this kind, and System.Numerics.Tensors' TensorPrimitives offers
/// vector-vector operations only, whose dot products re-read both operands from memory for every output (a few
/// GFLOPS). The stores go through a one-vector helper that is inlined (see <see cref="GemmTile"/>'s remarks: a
/// wider helper made the JIT keep accumulators in memory).
/// </remarks>
internal readonly unsafe struct PackedTile
{
    private PackedTile(PackedTilePath path, int rows, int columns)
    {
        Path = path;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The kernel this layout runs.</summary>
    public PackedTilePath Path { get; }

    /// <summary>MR: rows of a tile and of an A micro-panel.</summary>
    public int Rows { get; }

    /// <summary>NR: columns of a tile and of a B micro-panel.</summary>
    public int Columns { get; }

    /// <summary>The widest path the hardware accelerates, or <paramref name="path"/> when given (tests).</summary>
    public static PackedTile For(PackedTilePath? path)
    {
        var chosen = path ?? (Vector512.IsHardwareAccelerated ? PackedTilePath.Vector512
            : Vector256.IsHardwareAccelerated ? PackedTilePath.Vector256
            : PackedTilePath.Scalar);
        return chosen switch
        {
            PackedTilePath.Vector512 => new PackedTile(chosen, 12, 32),
            PackedTilePath.Vector256 => new PackedTile(chosen, 6, 16),
            _ => new PackedTile(PackedTilePath.Scalar, 4, 8),
        };
    }

    /// <summary>
    /// One tile: the full MR × NR sum; only <paramref name="rows"/> × <paramref name="cols"/> of it are written
    /// (a partial tile at a matrix edge goes through a buffer on the stack).
    /// </summary>
    /// <param name="ap">A micro-panel: kc steps of MR values.</param>
    /// <param name="bp">B micro-panel: kc steps of NR values.</param>
    /// <param name="kc">Length of the sum.</param>
    /// <param name="c">C[0, 0]; row r starts at <c>c + r·ldc</c>.</param>
    /// <param name="ldc">Stride between rows of C.</param>
    /// <param name="rows">Rows to write (1..MR).</param>
    /// <param name="cols">Columns to write (1..NR).</param>
    /// <param name="alpha">Scale of the sum.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public void Run(float* ap, float* bp, int kc, float* c, nint ldc, int rows, int cols, float alpha, bool accumulate)
    {
        if (rows == Rows && cols == Columns)
        {
            Full(ap, bp, kc, c, ldc, alpha, accumulate);
            return;
        }

        var tile = stackalloc float[Rows * Columns];
        Full(ap, bp, kc, tile, Columns, 1f, accumulate: false);
        for (var r = 0; r < rows; r++)
        {
            var cr = c + (r * ldc);
            var tr = tile + (r * Columns);
            for (var j = 0; j < cols; j++)
            {
                cr[j] = accumulate ? cr[j] + (alpha * tr[j]) : alpha * tr[j];
            }
        }
    }

    private void Full(float* ap, float* bp, int kc, float* c, nint ldc, float alpha, bool accumulate)
    {
        switch (Path)
        {
            case PackedTilePath.Vector512:
                Kernel512(ap, bp, kc, c, ldc, alpha, accumulate);
                break;
            case PackedTilePath.Vector256:
                Kernel256(ap, bp, kc, c, ldc, alpha, accumulate);
                break;
            default:
                KernelScalar(ap, bp, kc, c, ldc, alpha, accumulate);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512(float* ap, float* bp, int kc, float* c, nint ldc, float alpha, bool accumulate)
    {
        const int n = 16; // Vector512<float>.Count
        var c000 = Vector512<float>.Zero;
        var c001 = Vector512<float>.Zero;
        var c010 = Vector512<float>.Zero;
        var c011 = Vector512<float>.Zero;
        var c020 = Vector512<float>.Zero;
        var c021 = Vector512<float>.Zero;
        var c030 = Vector512<float>.Zero;
        var c031 = Vector512<float>.Zero;
        var c040 = Vector512<float>.Zero;
        var c041 = Vector512<float>.Zero;
        var c050 = Vector512<float>.Zero;
        var c051 = Vector512<float>.Zero;
        var c060 = Vector512<float>.Zero;
        var c061 = Vector512<float>.Zero;
        var c070 = Vector512<float>.Zero;
        var c071 = Vector512<float>.Zero;
        var c080 = Vector512<float>.Zero;
        var c081 = Vector512<float>.Zero;
        var c090 = Vector512<float>.Zero;
        var c091 = Vector512<float>.Zero;
        var c100 = Vector512<float>.Zero;
        var c101 = Vector512<float>.Zero;
        var c110 = Vector512<float>.Zero;
        var c111 = Vector512<float>.Zero;
        for (var k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(bp);
            var b1 = Vector512.Load(bp + n);
            var x = Vector512.Create(ap[0]);
            c000 = Vector512.MultiplyAddEstimate(x, b0, c000);
            c001 = Vector512.MultiplyAddEstimate(x, b1, c001);
            x = Vector512.Create(ap[1]);
            c010 = Vector512.MultiplyAddEstimate(x, b0, c010);
            c011 = Vector512.MultiplyAddEstimate(x, b1, c011);
            x = Vector512.Create(ap[2]);
            c020 = Vector512.MultiplyAddEstimate(x, b0, c020);
            c021 = Vector512.MultiplyAddEstimate(x, b1, c021);
            x = Vector512.Create(ap[3]);
            c030 = Vector512.MultiplyAddEstimate(x, b0, c030);
            c031 = Vector512.MultiplyAddEstimate(x, b1, c031);
            x = Vector512.Create(ap[4]);
            c040 = Vector512.MultiplyAddEstimate(x, b0, c040);
            c041 = Vector512.MultiplyAddEstimate(x, b1, c041);
            x = Vector512.Create(ap[5]);
            c050 = Vector512.MultiplyAddEstimate(x, b0, c050);
            c051 = Vector512.MultiplyAddEstimate(x, b1, c051);
            x = Vector512.Create(ap[6]);
            c060 = Vector512.MultiplyAddEstimate(x, b0, c060);
            c061 = Vector512.MultiplyAddEstimate(x, b1, c061);
            x = Vector512.Create(ap[7]);
            c070 = Vector512.MultiplyAddEstimate(x, b0, c070);
            c071 = Vector512.MultiplyAddEstimate(x, b1, c071);
            x = Vector512.Create(ap[8]);
            c080 = Vector512.MultiplyAddEstimate(x, b0, c080);
            c081 = Vector512.MultiplyAddEstimate(x, b1, c081);
            x = Vector512.Create(ap[9]);
            c090 = Vector512.MultiplyAddEstimate(x, b0, c090);
            c091 = Vector512.MultiplyAddEstimate(x, b1, c091);
            x = Vector512.Create(ap[10]);
            c100 = Vector512.MultiplyAddEstimate(x, b0, c100);
            c101 = Vector512.MultiplyAddEstimate(x, b1, c101);
            x = Vector512.Create(ap[11]);
            c110 = Vector512.MultiplyAddEstimate(x, b0, c110);
            c111 = Vector512.MultiplyAddEstimate(x, b1, c111);
            ap += 12;
            bp += 2 * n;
        }

        var s = Vector512.Create(alpha);
        Store(c, c000, s, accumulate);
        Store(c + n, c001, s, accumulate);
        c += ldc;
        Store(c, c010, s, accumulate);
        Store(c + n, c011, s, accumulate);
        c += ldc;
        Store(c, c020, s, accumulate);
        Store(c + n, c021, s, accumulate);
        c += ldc;
        Store(c, c030, s, accumulate);
        Store(c + n, c031, s, accumulate);
        c += ldc;
        Store(c, c040, s, accumulate);
        Store(c + n, c041, s, accumulate);
        c += ldc;
        Store(c, c050, s, accumulate);
        Store(c + n, c051, s, accumulate);
        c += ldc;
        Store(c, c060, s, accumulate);
        Store(c + n, c061, s, accumulate);
        c += ldc;
        Store(c, c070, s, accumulate);
        Store(c + n, c071, s, accumulate);
        c += ldc;
        Store(c, c080, s, accumulate);
        Store(c + n, c081, s, accumulate);
        c += ldc;
        Store(c, c090, s, accumulate);
        Store(c + n, c091, s, accumulate);
        c += ldc;
        Store(c, c100, s, accumulate);
        Store(c + n, c101, s, accumulate);
        c += ldc;
        Store(c, c110, s, accumulate);
        Store(c + n, c111, s, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v, Vector512<float> alpha, bool accumulate) =>
        Vector512.Store(accumulate ? Vector512.MultiplyAddEstimate(alpha, v, Vector512.Load(c)) : alpha * v, c);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(float* ap, float* bp, int kc, float* c, nint ldc, float alpha, bool accumulate)
    {
        const int n = 8; // Vector256<float>.Count
        var c00 = Vector256<float>.Zero;
        var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero;
        var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero;
        var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero;
        var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero;
        var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero;
        var c51 = Vector256<float>.Zero;
        for (var k = 0; k < kc; k++)
        {
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + n);
            var x = Vector256.Create(ap[0]);
            c00 = Vector256.MultiplyAddEstimate(x, b0, c00);
            c01 = Vector256.MultiplyAddEstimate(x, b1, c01);
            x = Vector256.Create(ap[1]);
            c10 = Vector256.MultiplyAddEstimate(x, b0, c10);
            c11 = Vector256.MultiplyAddEstimate(x, b1, c11);
            x = Vector256.Create(ap[2]);
            c20 = Vector256.MultiplyAddEstimate(x, b0, c20);
            c21 = Vector256.MultiplyAddEstimate(x, b1, c21);
            x = Vector256.Create(ap[3]);
            c30 = Vector256.MultiplyAddEstimate(x, b0, c30);
            c31 = Vector256.MultiplyAddEstimate(x, b1, c31);
            x = Vector256.Create(ap[4]);
            c40 = Vector256.MultiplyAddEstimate(x, b0, c40);
            c41 = Vector256.MultiplyAddEstimate(x, b1, c41);
            x = Vector256.Create(ap[5]);
            c50 = Vector256.MultiplyAddEstimate(x, b0, c50);
            c51 = Vector256.MultiplyAddEstimate(x, b1, c51);
            ap += 6;
            bp += 2 * n;
        }

        var s = Vector256.Create(alpha);
        Store(c, c00, s, accumulate);
        Store(c + n, c01, s, accumulate);
        c += ldc;
        Store(c, c10, s, accumulate);
        Store(c + n, c11, s, accumulate);
        c += ldc;
        Store(c, c20, s, accumulate);
        Store(c + n, c21, s, accumulate);
        c += ldc;
        Store(c, c30, s, accumulate);
        Store(c + n, c31, s, accumulate);
        c += ldc;
        Store(c, c40, s, accumulate);
        Store(c + n, c41, s, accumulate);
        c += ldc;
        Store(c, c50, s, accumulate);
        Store(c + n, c51, s, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> v, Vector256<float> alpha, bool accumulate) =>
        Vector256.Store(accumulate ? Vector256.MultiplyAddEstimate(alpha, v, Vector256.Load(c)) : alpha * v, c);

    private static void KernelScalar(float* ap, float* bp, int kc, float* c, nint ldc, float alpha, bool accumulate)
    {
        const int mr = 4;
        const int nr = 8;
        var sum = stackalloc float[mr * nr];
        new Span<float>(sum, mr * nr).Clear();
        for (var k = 0; k < kc; k++)
        {
            for (var r = 0; r < mr; r++)
            {
                var x = ap[r];
                var row = sum + (r * nr);
                for (var j = 0; j < nr; j++)
                {
                    row[j] += x * bp[j];
                }
            }

            ap += mr;
            bp += nr;
        }

        for (var r = 0; r < mr; r++)
        {
            var cr = c + (r * ldc);
            for (var j = 0; j < nr; j++)
            {
                cr[j] = accumulate ? cr[j] + (alpha * sum[(r * nr) + j]) : alpha * sum[(r * nr) + j];
            }
        }
    }
}
