using System.Runtime.CompilerServices;
using CrossRec.Internal.Simd;

namespace CrossRec.Engines.Cpu.BiasedMf;

/// <summary>
/// One SGD step on a pair of factor rows: <c>e = residual − p·q</c>, then
/// <c>p ← keep·p + (rate·e)·q</c> and <c>q ← keep·q + (rate·e)·p</c> (old values on the right). Returns e.
/// Implemented by structs so the trainer's loop is specialised per kernel (no call per rating).
/// </summary>
internal unsafe interface ISgdRowStep
{
    /// <summary>True when this kernel can run rows of <paramref name="stride"/> floats on this CPU.</summary>
    static abstract bool Supports(int stride);

    static abstract float Step(float* p, float* q, int stride, float residual, float keep, float rate);
}

/// <summary>Any row length: <see cref="SgdKernel.Dot"/> then <see cref="SgdKernel.Update"/>.</summary>
internal readonly unsafe struct AnyLengthStep : ISgdRowStep
{
    public static bool Supports(int stride) => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float* p, float* q, int stride, float residual, float keep, float rate)
    {
        var e = residual - SgdKernel.Dot(p, q, stride);
        SgdKernel.Update(p, q, stride, keep, rate * e);
        return e;
    }
}

/// <summary>
/// Rows of exactly <c>TCount</c> vectors of <c>TVec</c> (k ≤ 8 vectors: 128 floats with AVX-512, 64 with AVX2): both
/// rows are loaded into registers once, used for the dot product and again for the update, and stored once.
/// </summary>
/// <remarks>
/// Implementation note: this is the register-resident twin of <see cref="AnyLengthStep"/>. Keeping the rows in
/// registers between the dot product and the update saves the reloads and the loop/tail control of the
/// generic kernels; measured +15% updates/s at k = 64 on MovieLens 100K (in-cache) on this project's
/// AVX-512 machine (see <c>SgdKernelBenchmarks</c>). Written once over the vector width: the JIT compiles one copy
/// per (<c>TVec</c>, <c>TCount</c>), in which the registers of a smaller count are dead code it removes. It runs only
/// at the machine's widest width, <see cref="Vec512"/> or else <see cref="Vec256"/> (16 registers: 8 per row).
/// </remarks>
internal readonly unsafe struct FixedStep<TVec, TCount> : ISgdRowStep
    where TVec : unmanaged, IVector<TVec>
    where TCount : struct, ICount
{
    public static bool Supports(int stride) =>
        TVec.IsHardwareAccelerated && (TVec.Count == Vec512.Count || !Vec512.IsHardwareAccelerated) && TVec.Count >= Vec256.Count
        && stride == TCount.Value * TVec.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float* p, float* q, int stride, float residual, float keep, float rate)
    {
        var w = TVec.Count;
        var n = TCount.Value;
        TVec p0 = TVec.Load(p), q0 = TVec.Load(q);
        TVec p1 = default, q1 = default, p2 = default, q2 = default, p3 = default, q3 = default;
        TVec p4 = default, q4 = default, p5 = default, q5 = default, p6 = default, q6 = default, p7 = default, q7 = default;
        var acc0 = p0 * q0;
        var acc1 = TVec.Zero;
        if (n > 1)
        {
            p1 = TVec.Load(p + w);
            q1 = TVec.Load(q + w);
            acc1 = p1 * q1;
        }

        if (n > 2)
        {
            p2 = TVec.Load(p + (2 * w));
            q2 = TVec.Load(q + (2 * w));
            acc0 = TVec.MultiplyAddEstimate(p2, q2, acc0);
        }

        if (n > 3)
        {
            p3 = TVec.Load(p + (3 * w));
            q3 = TVec.Load(q + (3 * w));
            acc1 = TVec.MultiplyAddEstimate(p3, q3, acc1);
        }

        if (n > 4)
        {
            p4 = TVec.Load(p + (4 * w));
            q4 = TVec.Load(q + (4 * w));
            acc0 = TVec.MultiplyAddEstimate(p4, q4, acc0);
        }

        if (n > 5)
        {
            p5 = TVec.Load(p + (5 * w));
            q5 = TVec.Load(q + (5 * w));
            acc1 = TVec.MultiplyAddEstimate(p5, q5, acc1);
        }

        if (n > 6)
        {
            p6 = TVec.Load(p + (6 * w));
            q6 = TVec.Load(q + (6 * w));
            acc0 = TVec.MultiplyAddEstimate(p6, q6, acc0);
        }

        if (n > 7)
        {
            p7 = TVec.Load(p + (7 * w));
            q7 = TVec.Load(q + (7 * w));
            acc1 = TVec.MultiplyAddEstimate(p7, q7, acc1);
        }

        var e = residual - TVec.Sum(acc0 + acc1);
        var a = TVec.Create(keep);
        var g = TVec.Create(rate * e);
        Update(p, q, 0, a, g, p0, q0);
        if (n > 1)
        {
            Update(p, q, w, a, g, p1, q1);
        }

        if (n > 2)
        {
            Update(p, q, 2 * w, a, g, p2, q2);
        }

        if (n > 3)
        {
            Update(p, q, 3 * w, a, g, p3, q3);
        }

        if (n > 4)
        {
            Update(p, q, 4 * w, a, g, p4, q4);
        }

        if (n > 5)
        {
            Update(p, q, 5 * w, a, g, p5, q5);
        }

        if (n > 6)
        {
            Update(p, q, 6 * w, a, g, p6, q6);
        }

        if (n > 7)
        {
            Update(p, q, 7 * w, a, g, p7, q7);
        }

        return e;
    }

    /// <summary>p ← a·p + g·q and q ← a·q + g·p at offset <paramref name="at"/>, from the old values in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* p, float* q, int at, TVec a, TVec g, TVec pv, TVec qv)
    {
        TVec.Store(TVec.MultiplyAddEstimate(g, qv, a * pv), p + at);
        TVec.Store(TVec.MultiplyAddEstimate(g, pv, a * qv), q + at);
    }
}
