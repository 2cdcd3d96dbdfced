using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossRec.Engines.Cpu.ImplicitAls;

/// <summary>
/// The dense k-length and k×k arithmetic of implicit ALS on <see cref="Vector{T}"/>: dots, axpys,
/// weighted outer-product accumulation, Cholesky factorisation and solves. Every reduction runs in one
/// fixed order that depends only on the length, never on where the data lies in memory.
/// </summary>
/// <remarks>
/// Implementation note: <c>TensorPrimitives.Dot</c> peels its input to a vector-aligned address once a
/// span is longer than eight vectors (64 floats on AVX2), so the same dot of the same numbers can round
/// differently when a copy of the row sits at another address (a per-thread scratch, a reloaded model).
/// ALS promises the same model for any thread count and fold-in equal to a training half-sweep, so the
/// reductions here are written out; the elementwise operations would not need it but share the loops.
/// k×k matrices are row-major with a row stride <c>kp</c> padded to whole vectors, their pads zero.
/// </remarks>
internal static class AlsMath
{
    /// <summary>
    /// True where the fused multiply-add is a hardware instruction. Chosen once: a fused and an unfused
    /// multiply-add round differently, and <c>MultiplyAddEstimate</c> leaves the choice to the JIT tier.
    /// </summary>
    private static bool HasFma => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    /// <summary>Floats per vector on this machine.</summary>
    public static int Width => Vector<float>.Count;

    /// <summary>k rounded up to whole vectors: the row stride of every k×k matrix and padded row.</summary>
    public static int Padded(int k) => (k + Width - 1) / Width * Width;

    /// <summary>x·y over the first <c>x.Length</c> elements, in a fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var n = x.Length;
        if (y.Length < n)
        {
            ThrowLength();
        }

        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var w = Vector<float>.Count;
        var i = 0;
        var sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= w)
        {
            var a0 = Vector<float>.Zero;
            var a1 = Vector<float>.Zero;
            for (; i <= n - (2 * w); i += 2 * w)
            {
                a0 = Fma(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i), a0);
                a1 = Fma(Vector.LoadUnsafe(ref xr, (nuint)(i + w)), Vector.LoadUnsafe(ref yr, (nuint)(i + w)), a1);
            }

            if (i <= n - w)
            {
                a0 = Fma(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i), a0);
                i += w;
            }

            sum = Vector.Sum(a0 + a1);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref xr, i) * Unsafe.Add(ref yr, i);
        }

        return sum;
    }

    /// <summary>y += a·x over the first <c>x.Length</c> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        var n = x.Length;
        if (y.Length < n)
        {
            ThrowLength();
        }

        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var w = Vector<float>.Count;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var av = new Vector<float>(a);
            for (; i <= n - w; i += w)
            {
                Fma(av, Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref yr, i) += a * Unsafe.Add(ref xr, i);
        }
    }

    /// <summary>
    /// <c>y[0..kp) = Σ_m x_m · G[m, 0..kp)</c> for a symmetric k×k matrix G (row stride kp): y = G·x,
    /// the pads of y zero. k axpys of whole vectors rather than k dots, so no row needs a tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SymMatVec(ReadOnlySpan<float> g, int k, int kp, ReadOnlySpan<float> x, Span<float> y)
    {
        if (g.Length < k * kp || y.Length < kp || x.Length < k)
        {
            ThrowLength();
        }

        var w = Vector<float>.Count;
        ref var gr = ref MemoryMarshal.GetReference(g);
        ref var yr = ref MemoryMarshal.GetReference(y);
        y[..kp].Clear();
        var m = 0;
        for (; m + 4 <= k; m += 4)
        {
            // Four rows of G per pass over y: a quarter of the loads and stores of y.
            var x0 = new Vector<float>(x[m]);
            var x1 = new Vector<float>(x[m + 1]);
            var x2 = new Vector<float>(x[m + 2]);
            var x3 = new Vector<float>(x[m + 3]);
            var o = m * kp;
            for (var c = 0; c < kp; c += w)
            {
                var acc = Vector.LoadUnsafe(ref yr, (nuint)c);
                acc = Fma(x0, Vector.LoadUnsafe(ref gr, (nuint)(o + c)), acc);
                acc = Fma(x1, Vector.LoadUnsafe(ref gr, (nuint)(o + kp + c)), acc);
                acc = Fma(x2, Vector.LoadUnsafe(ref gr, (nuint)(o + (2 * kp) + c)), acc);
                acc = Fma(x3, Vector.LoadUnsafe(ref gr, (nuint)(o + (3 * kp) + c)), acc);
                acc.StoreUnsafe(ref yr, (nuint)c);
            }
        }

        for (; m < k; m++)
        {
            Axpy(x[m], g.Slice(m * kp, kp), y);
        }
    }

    /// <summary>
    /// <c>out_r = G·v_r</c> for the listed rows r of <paramref name="v"/> (row stride kp, pads zero), G symmetric k×k
    /// (stride kp), into the same rows of <paramref name="output"/> (pads zero). Each output vector is summed over
    /// m = 0…k−1 in order, as <see cref="SymMatVec"/> does, so a row's result is the same bits whichever rows share
    /// its tile.
    /// </summary>
    /// <remarks>
    /// Implementation note: conjugate gradient multiplies G by every row's direction at every step; one row at a
    /// time reads all of G (64 KB at k = 128, more than L1) per row. Tiles of four rows × four vectors of columns
    /// read each vector of G once per four rows, with sixteen accumulators in registers.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SymMatMulRows(ReadOnlySpan<float> g, int k, int kp, ReadOnlySpan<float> v, Span<float> output, ReadOnlySpan<int> rows)
    {
        if (g.Length < k * kp)
        {
            ThrowLength();
        }

        foreach (var r in rows)
        {
            if (v.Length < (r + 1) * kp || output.Length < (r + 1) * kp)
            {
                ThrowLength();
            }
        }

        if (!Vector.IsHardwareAccelerated)
        {
            foreach (var r in rows)
            {
                SymMatVec(g, k, kp, v.Slice(r * kp, kp), output.Slice(r * kp, kp));
            }

            return;
        }

        var w = Vector<float>.Count;
        ref var gr = ref MemoryMarshal.GetReference(g);
        ref var vr = ref MemoryMarshal.GetReference(v);
        ref var or = ref MemoryMarshal.GetReference(output);
        var i = 0;
        for (; i + 4 <= rows.Length; i += 4)
        {
            var o0 = (nuint)(rows[i] * kp);
            var o1 = (nuint)(rows[i + 1] * kp);
            var o2 = (nuint)(rows[i + 2] * kp);
            var o3 = (nuint)(rows[i + 3] * kp);
            var c = 0;
            for (; c + (4 * w) <= kp; c += 4 * w)
            {
                var a00 = Vector<float>.Zero; var a01 = Vector<float>.Zero; var a02 = Vector<float>.Zero; var a03 = Vector<float>.Zero;
                var a10 = Vector<float>.Zero; var a11 = Vector<float>.Zero; var a12 = Vector<float>.Zero; var a13 = Vector<float>.Zero;
                var a20 = Vector<float>.Zero; var a21 = Vector<float>.Zero; var a22 = Vector<float>.Zero; var a23 = Vector<float>.Zero;
                var a30 = Vector<float>.Zero; var a31 = Vector<float>.Zero; var a32 = Vector<float>.Zero; var a33 = Vector<float>.Zero;
                for (var m = 0; m < k; m++)
                {
                    var gm = (nuint)((m * kp) + c);
                    var g0 = Vector.LoadUnsafe(ref gr, gm);
                    var g1 = Vector.LoadUnsafe(ref gr, gm + (nuint)w);
                    var g2 = Vector.LoadUnsafe(ref gr, gm + (nuint)(2 * w));
                    var g3 = Vector.LoadUnsafe(ref gr, gm + (nuint)(3 * w));
                    var x = new Vector<float>(Unsafe.Add(ref vr, o0 + (nuint)m));
                    a00 = Fma(x, g0, a00); a01 = Fma(x, g1, a01); a02 = Fma(x, g2, a02); a03 = Fma(x, g3, a03);
                    x = new Vector<float>(Unsafe.Add(ref vr, o1 + (nuint)m));
                    a10 = Fma(x, g0, a10); a11 = Fma(x, g1, a11); a12 = Fma(x, g2, a12); a13 = Fma(x, g3, a13);
                    x = new Vector<float>(Unsafe.Add(ref vr, o2 + (nuint)m));
                    a20 = Fma(x, g0, a20); a21 = Fma(x, g1, a21); a22 = Fma(x, g2, a22); a23 = Fma(x, g3, a23);
                    x = new Vector<float>(Unsafe.Add(ref vr, o3 + (nuint)m));
                    a30 = Fma(x, g0, a30); a31 = Fma(x, g1, a31); a32 = Fma(x, g2, a32); a33 = Fma(x, g3, a33);
                }

                var cc = (nuint)c;
                a00.StoreUnsafe(ref or, o0 + cc); a01.StoreUnsafe(ref or, o0 + cc + (nuint)w); a02.StoreUnsafe(ref or, o0 + cc + (nuint)(2 * w)); a03.StoreUnsafe(ref or, o0 + cc + (nuint)(3 * w));
                a10.StoreUnsafe(ref or, o1 + cc); a11.StoreUnsafe(ref or, o1 + cc + (nuint)w); a12.StoreUnsafe(ref or, o1 + cc + (nuint)(2 * w)); a13.StoreUnsafe(ref or, o1 + cc + (nuint)(3 * w));
                a20.StoreUnsafe(ref or, o2 + cc); a21.StoreUnsafe(ref or, o2 + cc + (nuint)w); a22.StoreUnsafe(ref or, o2 + cc + (nuint)(2 * w)); a23.StoreUnsafe(ref or, o2 + cc + (nuint)(3 * w));
                a30.StoreUnsafe(ref or, o3 + cc); a31.StoreUnsafe(ref or, o3 + cc + (nuint)w); a32.StoreUnsafe(ref or, o3 + cc + (nuint)(2 * w)); a33.StoreUnsafe(ref or, o3 + cc + (nuint)(3 * w));
            }

            for (; c < kp; c += w)
            {
                var a0 = Vector<float>.Zero; var a1 = Vector<float>.Zero; var a2 = Vector<float>.Zero; var a3 = Vector<float>.Zero;
                for (var m = 0; m < k; m++)
                {
                    var g0 = Vector.LoadUnsafe(ref gr, (nuint)((m * kp) + c));
                    a0 = Fma(new Vector<float>(Unsafe.Add(ref vr, o0 + (nuint)m)), g0, a0);
                    a1 = Fma(new Vector<float>(Unsafe.Add(ref vr, o1 + (nuint)m)), g0, a1);
                    a2 = Fma(new Vector<float>(Unsafe.Add(ref vr, o2 + (nuint)m)), g0, a2);
                    a3 = Fma(new Vector<float>(Unsafe.Add(ref vr, o3 + (nuint)m)), g0, a3);
                }

                var cc = (nuint)c;
                a0.StoreUnsafe(ref or, o0 + cc);
                a1.StoreUnsafe(ref or, o1 + cc);
                a2.StoreUnsafe(ref or, o2 + cc);
                a3.StoreUnsafe(ref or, o3 + cc);
            }
        }

        for (; i < rows.Length; i++)
        {
            var r = rows[i];
            SymMatVec(g, k, kp, v.Slice(r * kp, kp), output.Slice(r * kp, kp));
        }
    }

    /// <summary>
    /// Adds <c>Σ_j w_j · z_j z_jᵀ</c> to the upper triangle of A (k×k, stride kp) for the
    /// <paramref name="rows"/> padded rows z_j of <paramref name="z"/> (stride kp, pads zero); a null
    /// weight span means w = 1. Row r is updated from column ⌊r/W⌋·W on, so entries just left of the
    /// diagonal also change; callers read only the upper triangle (the Gram matrix mirrors it).
    /// </summary>
    /// <remarks>
    /// Implementation note: four output vectors are held in registers while the rows stream past, so A is
    /// loaded and stored once per block of rows instead of once per row (the rank-1 form), and each
    /// broadcast coefficient feeds four fused multiply-adds.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddUpperOuter(Span<float> a, int k, int kp, ReadOnlySpan<float> z, ReadOnlySpan<float> weights, int rows, Span<float> coef)
    {
        if (a.Length < k * kp || z.Length < rows * kp || coef.Length < rows || (!weights.IsEmpty && weights.Length < rows))
        {
            ThrowLength();
        }

        var w = Vector<float>.Count;
        ref var ar = ref MemoryMarshal.GetReference(a);
        ref var zr = ref MemoryMarshal.GetReference(z);
        for (var r = 0; r < k; r++)
        {
            if (weights.IsEmpty)
            {
                for (var j = 0; j < rows; j++)
                {
                    coef[j] = z[(j * kp) + r];
                }
            }
            else
            {
                for (var j = 0; j < rows; j++)
                {
                    coef[j] = weights[j] * z[(j * kp) + r];
                }
            }

            var row = r * kp;
            var c = r / w * w;
            if (!Vector.IsHardwareAccelerated)
            {
                for (; c < kp; c++)
                {
                    var s = Unsafe.Add(ref ar, row + c);
                    for (var j = 0; j < rows; j++)
                    {
                        s += coef[j] * Unsafe.Add(ref zr, (j * kp) + c);
                    }

                    Unsafe.Add(ref ar, row + c) = s;
                }

                continue;
            }

            for (; c <= kp - (4 * w); c += 4 * w)
            {
                var o = (nuint)(row + c);
                var a0 = Vector.LoadUnsafe(ref ar, o);
                var a1 = Vector.LoadUnsafe(ref ar, o + (nuint)w);
                var a2 = Vector.LoadUnsafe(ref ar, o + (nuint)(2 * w));
                var a3 = Vector.LoadUnsafe(ref ar, o + (nuint)(3 * w));
                for (var j = 0; j < rows; j++)
                {
                    var cv = new Vector<float>(coef[j]);
                    var zo = (nuint)((j * kp) + c);
                    a0 = Fma(cv, Vector.LoadUnsafe(ref zr, zo), a0);
                    a1 = Fma(cv, Vector.LoadUnsafe(ref zr, zo + (nuint)w), a1);
                    a2 = Fma(cv, Vector.LoadUnsafe(ref zr, zo + (nuint)(2 * w)), a2);
                    a3 = Fma(cv, Vector.LoadUnsafe(ref zr, zo + (nuint)(3 * w)), a3);
                }

                a0.StoreUnsafe(ref ar, o);
                a1.StoreUnsafe(ref ar, o + (nuint)w);
                a2.StoreUnsafe(ref ar, o + (nuint)(2 * w));
                a3.StoreUnsafe(ref ar, o + (nuint)(3 * w));
            }

            for (; c < kp; c += w)
            {
                var o = (nuint)(row + c);
                var a0 = Vector.LoadUnsafe(ref ar, o);
                for (var j = 0; j < rows; j++)
                {
                    a0 = Fma(new Vector<float>(coef[j]), Vector.LoadUnsafe(ref zr, (nuint)((j * kp) + c)), a0);
                }

                a0.StoreUnsafe(ref ar, o);
            }
        }
    }

    /// <summary>
    /// Factors the symmetric positive definite A (upper triangle, k×k, stride kp) in place as UᵀU,
    /// right-looking in panels of four rows: a panel is factored among itself, then its four rows are
    /// subtracted from each row below in one pass, over whole vectors from ⌊i/W⌋·W (entries left of the
    /// diagonal are scratch). False when a pivot is not positive (A not positive definite in float arithmetic).
    /// </summary>
    /// <remarks>
    /// Implementation note: one row update per pivot (the unblocked form) made the k = 128 factorisation a
    /// stream of 8,192 short axpys, about five vectors each, whose call and loop overhead cost more than the
    /// arithmetic; four pivots per pass cut the passes over A and that overhead by four.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool CholeskyUpper(Span<float> a, int k, int kp)
    {
        const int Panel = 4;
        if (a.Length < k * kp)
        {
            ThrowLength();
        }

        var w = Vector<float>.Count;
        ref var ar = ref MemoryMarshal.GetReference(a);
        for (var jb = 0; jb < k; jb += Panel)
        {
            var je = Math.Min(k, jb + Panel);
            for (var j = jb; j < je; j++)
            {
                var rowJ = j * kp;
                var pivot = Unsafe.Add(ref ar, rowJ + j);
                if (!(pivot > 0f) || !float.IsFinite(pivot))
                {
                    return false;
                }

                var d = MathF.Sqrt(pivot);
                var inv = new Vector<float>(1f / d);
                for (var c = j / w * w; c < kp; c += w)
                {
                    (Vector.LoadUnsafe(ref ar, (nuint)(rowJ + c)) * inv).StoreUnsafe(ref ar, (nuint)(rowJ + c));
                }

                Unsafe.Add(ref ar, rowJ + j) = d;
                for (var i = j + 1; i < je; i++)
                {
                    var u = Unsafe.Add(ref ar, rowJ + i);
                    if (u != 0f)
                    {
                        var from = i / w * w;
                        Axpy(-u, a.Slice(rowJ + from, kp - from), a.Slice((i * kp) + from, kp - from));
                    }
                }
            }

            if (je - jb < Panel)
            {
                continue; // the last, partial panel has no rows below it
            }

            var r0 = jb * kp;
            var r1 = r0 + kp;
            var r2 = r1 + kp;
            var r3 = r2 + kp;
            for (var i = je; i < k; i++)
            {
                var c0 = new Vector<float>(-Unsafe.Add(ref ar, r0 + i));
                var c1 = new Vector<float>(-Unsafe.Add(ref ar, r1 + i));
                var c2 = new Vector<float>(-Unsafe.Add(ref ar, r2 + i));
                var c3 = new Vector<float>(-Unsafe.Add(ref ar, r3 + i));
                var rowI = i * kp;
                for (var c = i / w * w; c < kp; c += w)
                {
                    var acc = Vector.LoadUnsafe(ref ar, (nuint)(rowI + c));
                    acc = Fma(c0, Vector.LoadUnsafe(ref ar, (nuint)(r0 + c)), acc);
                    acc = Fma(c1, Vector.LoadUnsafe(ref ar, (nuint)(r1 + c)), acc);
                    acc = Fma(c2, Vector.LoadUnsafe(ref ar, (nuint)(r2 + c)), acc);
                    acc = Fma(c3, Vector.LoadUnsafe(ref ar, (nuint)(r3 + c)), acc);
                    acc.StoreUnsafe(ref ar, (nuint)(rowI + c));
                }
            }
        }

        return true;
    }

    /// <summary>Solves UᵀU·x = b in place (<paramref name="x"/> holds b on entry) with the factor from <see cref="CholeskyUpper"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CholeskySolve(ReadOnlySpan<float> u, int k, int kp, Span<float> x)
    {
        if (u.Length < k * kp || x.Length < k)
        {
            ThrowLength();
        }

        for (var j = 0; j < k; j++)
        {
            var zj = x[j] / u[(j * kp) + j];
            x[j] = zj;
            Axpy(-zj, u.Slice((j * kp) + j + 1, k - j - 1), x[(j + 1)..k]);
        }

        for (var j = k - 1; j >= 0; j--)
        {
            var row = u.Slice(j * kp, kp);
            x[j] = (x[j] - Dot(row[(j + 1)..k], x[(j + 1)..k])) / row[j];
        }
    }

    /// <summary>Copies row <paramref name="row"/> (length k, stride k) of a factor matrix into the start of a padded row (its pads are left as they are: zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gather(ReadOnlySpan<float> factors, int k, int row, Span<float> padded) =>
        factors.Slice(row * k, k).CopyTo(padded);

    /// <summary>a·b + c: fused where the hardware fuses, else a separate multiply and add, never a mix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Fma(Vector<float> a, Vector<float> b, Vector<float> c) => HasFma ? Vector.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength() => throw new ArgumentException("Span shorter than the ALS kernel needs.");
}
