using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossRec.Engines.Cpu.Ease;

/// <summary>
/// The one register-blocked multiply-add that every phase of <see cref="SpdInverse"/> spends its time in:
/// a tile of <see cref="Rows"/> × <see cref="Width"/> outputs,
/// <c>C[r, c] = (accumulate ? C[r, c] : 0) + alpha · Σ_k A(r, k) · B[k, c]</c>, with A read through two
/// strides (so the same kernel serves A and Aᵀ) and B read by rows. Each k step broadcasts four A values
/// and loads two vectors of a B row, so the accumulators stay in registers and B is read once per tile.
/// </summary>
/// <remarks>
/// The 512-bit path (4 × 32 doubles, sixteen accumulators) runs where <see cref="Vector512"/> is
/// accelerated, otherwise <see cref="Vector{T}"/> (4 × 8 on AVX2, eight accumulators, which is what 16
/// vector registers hold). Measured on one core of this project's Xeon (AVX-512), 256-long sums on L1-resident
/// data: 4 × 32 tiles 32–40 GFLOPS, 4 × 16 tiles (eight 512-bit accumulators, FMA latency not covered)
/// 20–25, the <see cref="Vector{T}"/> 4 × 8 path 15–24 (the machine was shared; ranges over runs). The stores
/// go through a one-vector helper that is inlined: with a four-vector helper the JIT kept every
/// accumulator in memory inside the loop (13 GFLOPS).
/// </remarks>
internal static unsafe class GemmTile
{
    /// <summary>Output rows of a tile.</summary>
    public const int Rows = 4;

    /// <summary>Test hook: use the <see cref="Vector{T}"/> kernel even where 512-bit vectors are accelerated.</summary>
    internal static bool ForcePortable { get; set; }

    /// <summary>Output columns of a full tile: 32 with 512-bit vectors (four per row), else two vectors; every block size is a multiple of 32.</summary>
    public static int Width => Use512 ? 4 * Vector512<double>.Count : 2 * Vector<double>.Count;

    private static bool Use512 => Vector512.IsHardwareAccelerated && !ForcePortable;

    /// <summary>
    /// One tile. <paramref name="rows"/> ≤ <see cref="Rows"/> and <paramref name="cols"/> ≤ <see cref="Width"/>;
    /// a full tile takes the SIMD path, a partial one (matrix edges only) the scalar path.
    /// </summary>
    /// <param name="a">A(0, 0); A(r, k) is at <c>a + r·ars + k·aks</c>.</param>
    /// <param name="ars">Stride between rows of A.</param>
    /// <param name="aks">Stride between k steps of A.</param>
    /// <param name="b">B[0, 0]; row k starts at <c>b + k·ldb</c> and is contiguous.</param>
    /// <param name="ldb">Stride between rows of B.</param>
    /// <param name="kc">Length of the sum.</param>
    /// <param name="c">C[0, 0]; row r starts at <c>c + r·ldc</c>.</param>
    /// <param name="ldc">Stride between rows of C.</param>
    /// <param name="rows">Rows of this tile.</param>
    /// <param name="cols">Columns of this tile.</param>
    /// <param name="alpha">Scale of the sum (±1 here).</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void Run(double* a, nint ars, nint aks, double* b, nint ldb, int kc, double* c, nint ldc, int rows, int cols, double alpha, bool accumulate)
    {
        if (rows == Rows && cols == Width)
        {
            if (Use512)
            {
                Full512(a, ars, aks, b, ldb, kc, c, ldc, alpha, accumulate);
            }
            else
            {
                FullVector(a, ars, aks, b, ldb, kc, c, ldc, alpha, accumulate);
            }
        }
        else
        {
            Edge(a, ars, aks, b, ldb, kc, c, ldc, rows, cols, alpha, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Full512(double* a, nint ars, nint aks, double* b, nint ldb, int kc, double* c, nint ldc, double alpha, bool accumulate)
    {
        const int n = 8; // Vector512<double>.Count
        var c00 = Vector512<double>.Zero;
        var c01 = Vector512<double>.Zero;
        var c02 = Vector512<double>.Zero;
        var c03 = Vector512<double>.Zero;
        var c10 = Vector512<double>.Zero;
        var c11 = Vector512<double>.Zero;
        var c12 = Vector512<double>.Zero;
        var c13 = Vector512<double>.Zero;
        var c20 = Vector512<double>.Zero;
        var c21 = Vector512<double>.Zero;
        var c22 = Vector512<double>.Zero;
        var c23 = Vector512<double>.Zero;
        var c30 = Vector512<double>.Zero;
        var c31 = Vector512<double>.Zero;
        var c32 = Vector512<double>.Zero;
        var c33 = Vector512<double>.Zero;
        var r2 = 2 * ars;
        var r3 = 3 * ars;
        for (var k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + n);
            var b2 = Vector512.Load(b + (2 * n));
            var b3 = Vector512.Load(b + (3 * n));
            var x = Vector512.Create(a[0]);
            c00 = Vector512.MultiplyAddEstimate(x, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(x, b1, c01);
            c02 = Vector512.MultiplyAddEstimate(x, b2, c02);
            c03 = Vector512.MultiplyAddEstimate(x, b3, c03);
            x = Vector512.Create(a[ars]);
            c10 = Vector512.MultiplyAddEstimate(x, b0, c10);
            c11 = Vector512.MultiplyAddEstimate(x, b1, c11);
            c12 = Vector512.MultiplyAddEstimate(x, b2, c12);
            c13 = Vector512.MultiplyAddEstimate(x, b3, c13);
            x = Vector512.Create(a[r2]);
            c20 = Vector512.MultiplyAddEstimate(x, b0, c20);
            c21 = Vector512.MultiplyAddEstimate(x, b1, c21);
            c22 = Vector512.MultiplyAddEstimate(x, b2, c22);
            c23 = Vector512.MultiplyAddEstimate(x, b3, c23);
            x = Vector512.Create(a[r3]);
            c30 = Vector512.MultiplyAddEstimate(x, b0, c30);
            c31 = Vector512.MultiplyAddEstimate(x, b1, c31);
            c32 = Vector512.MultiplyAddEstimate(x, b2, c32);
            c33 = Vector512.MultiplyAddEstimate(x, b3, c33);
            a += aks;
            b += ldb;
        }

        var s = Vector512.Create(alpha);
        Store(c, c00, s, accumulate);
        Store(c + n, c01, s, accumulate);
        Store(c + (2 * n), c02, s, accumulate);
        Store(c + (3 * n), c03, s, accumulate);
        c += ldc;
        Store(c, c10, s, accumulate);
        Store(c + n, c11, s, accumulate);
        Store(c + (2 * n), c12, s, accumulate);
        Store(c + (3 * n), c13, s, accumulate);
        c += ldc;
        Store(c, c20, s, accumulate);
        Store(c + n, c21, s, accumulate);
        Store(c + (2 * n), c22, s, accumulate);
        Store(c + (3 * n), c23, s, accumulate);
        c += ldc;
        Store(c, c30, s, accumulate);
        Store(c + n, c31, s, accumulate);
        Store(c + (2 * n), c32, s, accumulate);
        Store(c + (3 * n), c33, s, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector512<double> v, Vector512<double> alpha, bool accumulate) =>
        Vector512.Store(accumulate ? Vector512.MultiplyAddEstimate(alpha, v, Vector512.Load(c)) : alpha * v, c);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FullVector(double* a, nint ars, nint aks, double* b, nint ldb, int kc, double* c, nint ldc, double alpha, bool accumulate)
    {
        var n = Vector<double>.Count;
        var c00 = Vector<double>.Zero;
        var c01 = Vector<double>.Zero;
        var c10 = Vector<double>.Zero;
        var c11 = Vector<double>.Zero;
        var c20 = Vector<double>.Zero;
        var c21 = Vector<double>.Zero;
        var c30 = Vector<double>.Zero;
        var c31 = Vector<double>.Zero;
        var r2 = 2 * ars;
        var r3 = 3 * ars;
        for (var k = 0; k < kc; k++)
        {
            var b0 = Unsafe.ReadUnaligned<Vector<double>>(b);
            var b1 = Unsafe.ReadUnaligned<Vector<double>>(b + n);
            var x = new Vector<double>(a[0]);
            c00 = Vector.MultiplyAddEstimate(x, b0, c00);
            c01 = Vector.MultiplyAddEstimate(x, b1, c01);
            x = new Vector<double>(a[ars]);
            c10 = Vector.MultiplyAddEstimate(x, b0, c10);
            c11 = Vector.MultiplyAddEstimate(x, b1, c11);
            x = new Vector<double>(a[r2]);
            c20 = Vector.MultiplyAddEstimate(x, b0, c20);
            c21 = Vector.MultiplyAddEstimate(x, b1, c21);
            x = new Vector<double>(a[r3]);
            c30 = Vector.MultiplyAddEstimate(x, b0, c30);
            c31 = Vector.MultiplyAddEstimate(x, b1, c31);
            a += aks;
            b += ldb;
        }

        var s = new Vector<double>(alpha);
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
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* c, Vector<double> v, Vector<double> alpha, bool accumulate) =>
        Unsafe.WriteUnaligned(c, accumulate ? Vector.MultiplyAddEstimate(alpha, v, Unsafe.ReadUnaligned<Vector<double>>(c)) : alpha * v);

    private static void Edge(double* a, nint ars, nint aks, double* b, nint ldb, int kc, double* c, nint ldc, int rows, int cols, double alpha, bool accumulate)
    {
        for (var r = 0; r < rows; r++)
        {
            var ar = a + (r * ars);
            var cr = c + (r * ldc);
            for (var j = 0; j < cols; j++)
            {
                var sum = 0.0;
                var ap = ar;
                var bp = b + j;
                for (var k = 0; k < kc; k++)
                {
                    sum += *ap * *bp;
                    ap += aks;
                    bp += ldb;
                }

                cr[j] = accumulate ? cr[j] + (alpha * sum) : alpha * sum;
            }
        }
    }
}
