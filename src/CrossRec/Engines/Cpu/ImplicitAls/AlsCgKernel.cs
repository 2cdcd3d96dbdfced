using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using CrossRec.Internal.Simd;

namespace CrossRec.Engines.Cpu.ImplicitAls;

/// <summary>
/// The sparse half of conjugate gradient's <c>A·v</c> for one row of implicit ALS, fused into one pass over the row's
/// columns: for each observed column j, <c>d_j = y_j·v</c> is stored and <c>acc += (α·c_j + β·(c_j − 1)·d_j)·y_j</c>.
/// With α = 0, β = 1 it is <c>Σ (c_j − 1)(y_j·p) y_j</c> of a CG step; with α = 1, β = −1 it is the observed part of
/// the starting residual <c>Σ (c_j − (c_j − 1)(y_j·x)) y_j</c>.
/// </summary>
/// <remarks>
/// Implementation note: written by hand because this loop is the ALS fit's hot path (four passes per row per
/// half-sweep). When k is a whole number of vectors, up to eight, <c>v</c> and <c>acc</c> stay in registers for the
/// whole pass, so a column costs its k/w loads and 2k/w fused multiply-adds; the separate dot and axpy it replaces
/// read <c>v</c> and <c>acc</c> and stored <c>acc</c> again for every column (at k = 128 with 256-bit vectors: 48 loads
/// and 16 stores per column against 8 loads here). Other k take <see cref="Portable"/>. Which path runs depends only
/// on k and the machine, so a row's result does not depend on the thread count.
/// </remarks>
internal static unsafe class AlsCgKernel
{
    /// <summary>Columns ahead whose factor rows are prefetched.</summary>
    private const int PrefetchAhead = 8; // measured against 0 and 4: docs/performance.md, "Conjugate gradient at k = 128"

    /// <summary>Fused pass over <paramref name="columns"/>; see the type's summary.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called per row and pass from the first sweep: no tier-0 code
    public static void Accumulate(float[] factors, int k, ReadOnlySpan<int> columns, ReadOnlySpan<float> confidence, float alpha, float beta, ReadOnlySpan<float> v, Span<float> acc, Span<float> dots)
    {
        var n = columns.Length;
        if (confidence.Length < n || dots.Length < n || v.Length < k || acc.Length < k)
        {
            throw new ArgumentException("CG buffers too small.");
        }

        fixed (float* f = factors)
        fixed (int* c = columns)
        fixed (float* w = confidence)
        fixed (float* vp = v)
        fixed (float* ap = acc)
        fixed (float* dp = dots)
        {
            var kind = KindOf(k);
            switch (kind)
            {
                case 512:
                    Registers<Vec512>(k / Vec512.Count, f, k, c, w, n, alpha, beta, vp, ap, dp);
                    return;
                case 256:
                    Registers<Vec256>(k / Vec256.Count, f, k, c, w, n, alpha, beta, vp, ap, dp);
                    return;
                default:
                    Portable(factors, k, columns, confidence, alpha, beta, v, acc, dots);
                    return;
            }
        }
    }

    /// <summary>The register path for k: 512 or 256 (vector bits), or 0 for <see cref="Portable"/>.</summary>
    internal static int KindOf(int k) =>
        ForcePortable ? 0
        : Vec512.IsHardwareAccelerated && k % Vec512.Count == 0 && k / Vec512.Count <= 8 ? 512
        : Vec256.IsHardwareAccelerated && k % Vec256.Count == 0 && k / Vec256.Count <= (Vec512.IsHardwareAccelerated ? 8 : 4) ? 256
        : 0;

    /// <summary>
    /// The row width conjugate gradient runs k factors at: k itself where the register path takes it, else the next
    /// width it takes (k = 100 → 112 with AVX-512), if that is at most a quarter wider; else k (the portable path).
    /// </summary>
    internal static int PaddedWidth(int k)
    {
        if (KindOf(k) != 0)
        {
            return k;
        }

        for (var width = k + 1; width <= k + Math.Max(1, k / 4); width++)
        {
            if (KindOf(width) != 0)
            {
                return width;
            }
        }

        return k;
    }

    /// <summary>Tests and the baseline benchmark: route every k to <see cref="Portable"/>.</summary>
    internal static bool ForcePortable { get; set; }

    /// <summary>The same pass with a separate dot and axpy per column: any k, any machine.</summary>
    internal static void Portable(float[] factors, int k, ReadOnlySpan<int> columns, ReadOnlySpan<float> confidence, float alpha, float beta, ReadOnlySpan<float> v, Span<float> acc, Span<float> dots)
    {
        var vk = v[..k];
        var ak = acc[..k];
        for (var j = 0; j < columns.Length; j++)
        {
            var y = factors.AsSpan(columns[j] * k, k);
            var d = AlsMath.Dot(y, vk);
            dots[j] = d;
            var cj = confidence[j];
            AlsMath.Axpy((alpha * cj) + (beta * (cj - 1f) * d), y, ak);
        }
    }

    /// <summary>The pass at vector width <c>TVec</c> for <paramref name="blocks"/> (1..8) vectors per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Registers<TVec>(int blocks, float* f, int k, int* c, float* w, int n, float alpha, float beta, float* v, float* acc, float* dots)
        where TVec : unmanaged, IVector<TVec>
    {
        switch (blocks)
        {
            case 1: Pass<TVec, One>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
            case 2: Pass<TVec, Two>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
            case 3: Pass<TVec, Three>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
            case 4: Pass<TVec, Four>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
            case 5: Pass<TVec, Five>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
            case 6: Pass<TVec, Six>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
            case 7: Pass<TVec, Seven>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
            default: Pass<TVec, Eight>(f, k, c, w, n, alpha, beta, v, acc, dots); break;
        }
    }

    /// <summary>
    /// The pass with <c>TBlocks</c> vectors of v and of acc held in locals (the counts are constants, so the unused
    /// ones and their branches vanish). The dot is summed as four partial vectors added pairwise, then across lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pass<TVec, TBlocks>(float* f, int k, int* c, float* w, int n, float alpha, float beta, float* v, float* acc, float* dots)
        where TVec : unmanaged, IVector<TVec>
        where TBlocks : struct, ICount
    {
        var b = TBlocks.Value;
        var s = TVec.Count;
        var v0 = TVec.Load(v);
        var v1 = b > 1 ? TVec.Load(v + s) : TVec.Zero;
        var v2 = b > 2 ? TVec.Load(v + (2 * s)) : TVec.Zero;
        var v3 = b > 3 ? TVec.Load(v + (3 * s)) : TVec.Zero;
        var v4 = b > 4 ? TVec.Load(v + (4 * s)) : TVec.Zero;
        var v5 = b > 5 ? TVec.Load(v + (5 * s)) : TVec.Zero;
        var v6 = b > 6 ? TVec.Load(v + (6 * s)) : TVec.Zero;
        var v7 = b > 7 ? TVec.Load(v + (7 * s)) : TVec.Zero;
        var a0 = TVec.Load(acc);
        var a1 = b > 1 ? TVec.Load(acc + s) : TVec.Zero;
        var a2 = b > 2 ? TVec.Load(acc + (2 * s)) : TVec.Zero;
        var a3 = b > 3 ? TVec.Load(acc + (3 * s)) : TVec.Zero;
        var a4 = b > 4 ? TVec.Load(acc + (4 * s)) : TVec.Zero;
        var a5 = b > 5 ? TVec.Load(acc + (5 * s)) : TVec.Zero;
        var a6 = b > 6 ? TVec.Load(acc + (6 * s)) : TVec.Zero;
        var a7 = b > 7 ? TVec.Load(acc + (7 * s)) : TVec.Zero;
        for (var j = 0; j < n; j++)
        {
            var y = f + ((long)c[j] * k);
            if (Sse.IsSupported && j + PrefetchAhead < n)
            {
                // The rows are scattered over the fixed side's table; without this the first pass of a row waits on them.
                var q = (byte*)(f + ((long)c[j + PrefetchAhead] * k));
                for (var line = 0; line < k * sizeof(float); line += 64)
                {
                    Sse.Prefetch0(q + line);
                }
            }
            var y0 = TVec.Load(y);
            var y1 = b > 1 ? TVec.Load(y + s) : TVec.Zero;
            var y2 = b > 2 ? TVec.Load(y + (2 * s)) : TVec.Zero;
            var y3 = b > 3 ? TVec.Load(y + (3 * s)) : TVec.Zero;
            var y4 = b > 4 ? TVec.Load(y + (4 * s)) : TVec.Zero;
            var y5 = b > 5 ? TVec.Load(y + (5 * s)) : TVec.Zero;
            var y6 = b > 6 ? TVec.Load(y + (6 * s)) : TVec.Zero;
            var y7 = b > 7 ? TVec.Load(y + (7 * s)) : TVec.Zero;
            var p0 = y0 * v0;
            var p1 = b > 1 ? y1 * v1 : p0;
            var p2 = b > 2 ? y2 * v2 : p0;
            var p3 = b > 3 ? y3 * v3 : p0;
            p0 = b > 4 ? TVec.MultiplyAdd(y4, v4, p0) : p0;
            p1 = b > 5 ? TVec.MultiplyAdd(y5, v5, p1) : p1;
            p2 = b > 6 ? TVec.MultiplyAdd(y6, v6, p2) : p2;
            p3 = b > 7 ? TVec.MultiplyAdd(y7, v7, p3) : p3;
            var sum = b == 1 ? p0 : b == 2 ? p0 + p1 : b == 3 ? (p0 + p1) + p2 : (p0 + p1) + (p2 + p3);
            var d = TVec.Sum(sum);
            dots[j] = d;
            var cj = w[j];
            var coef = TVec.Create((alpha * cj) + (beta * (cj - 1f) * d));
            a0 = TVec.MultiplyAdd(coef, y0, a0);
            a1 = b > 1 ? TVec.MultiplyAdd(coef, y1, a1) : a1;
            a2 = b > 2 ? TVec.MultiplyAdd(coef, y2, a2) : a2;
            a3 = b > 3 ? TVec.MultiplyAdd(coef, y3, a3) : a3;
            a4 = b > 4 ? TVec.MultiplyAdd(coef, y4, a4) : a4;
            a5 = b > 5 ? TVec.MultiplyAdd(coef, y5, a5) : a5;
            a6 = b > 6 ? TVec.MultiplyAdd(coef, y6, a6) : a6;
            a7 = b > 7 ? TVec.MultiplyAdd(coef, y7, a7) : a7;
        }

        TVec.Store(a0, acc);
        if (b > 1)
        {
            TVec.Store(a1, acc + s);
        }

        if (b > 2)
        {
            TVec.Store(a2, acc + (2 * s));
        }

        if (b > 3)
        {
            TVec.Store(a3, acc + (3 * s));
        }

        if (b > 4)
        {
            TVec.Store(a4, acc + (4 * s));
        }

        if (b > 5)
        {
            TVec.Store(a5, acc + (5 * s));
        }

        if (b > 6)
        {
            TVec.Store(a6, acc + (6 * s));
        }

        if (b > 7)
        {
            TVec.Store(a7, acc + (7 * s));
        }
    }
}
