// The SGD row step as it was before the width-generic rewrite (commit 0ab6475: a hand-written copy per
// vector width). Kept only as the side-by-side baseline of SgdKernelBenchmarks; the library uses FixedStep<TVec, TCount>.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

using CrossRec.Engines.Cpu.BiasedMf;

namespace CrossRec.Benchmarks.Baselines;

/// <summary>
/// One SGD step on a pair of factor rows: <c>e = residual − p·q</c>, then
/// <c>p ← keep·p + (rate·e)·q</c> and <c>q ← keep·q + (rate·e)·p</c> (old values on the right). Returns e.
/// Implemented by structs so the trainer's loop is specialised per kernel (no call per rating).
/// </summary>
internal unsafe interface ILegacySgdRowStep
{
    /// <summary>True when this kernel can run rows of <paramref name="stride"/> floats on this CPU.</summary>
    static abstract bool Supports(int stride);

    static abstract float Step(float* p, float* q, int stride, float residual, float keep, float rate);
}

/// <summary>Any row length: <see cref="SgdKernel.Dot"/> then <see cref="SgdKernel.Update"/>.</summary>
internal readonly unsafe struct LegacyAnyLengthStep : ILegacySgdRowStep
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

/// <summary>Number of vectors in a row, as a type (so the JIT folds it to a constant).</summary>
internal interface ILegacyCount
{
    static abstract int Count { get; }
}

internal readonly struct LegacyOne : ILegacyCount
{
    public static int Count => 1;
}

internal readonly struct LegacyTwo : ILegacyCount
{
    public static int Count => 2;
}

internal readonly struct LegacyThree : ILegacyCount
{
    public static int Count => 3;
}

internal readonly struct LegacyFour : ILegacyCount
{
    public static int Count => 4;
}

internal readonly struct LegacyFive : ILegacyCount
{
    public static int Count => 5;
}

internal readonly struct LegacySix : ILegacyCount
{
    public static int Count => 6;
}

internal readonly struct LegacySeven : ILegacyCount
{
    public static int Count => 7;
}

internal readonly struct LegacyEight : ILegacyCount
{
    public static int Count => 8;
}

/// <summary>
/// Rows of exactly <c>TCount</c> 512-bit vectors (k ≤ 128): both rows are loaded into registers once,
/// used for the dot product and again for the update, and stored once.
/// </summary>
/// <remarks>
/// Implementation note: this is the hand-unrolled twin of <see cref="LegacyAnyLengthStep"/>. Keeping the rows in
/// registers between the dot product and the update saves the reloads and the loop/tail control of the
/// generic kernels; measured +15% updates/s at k = 64 on MovieLens 100K (in-cache) on this project's
/// AVX-512 machine (see <c>SgdKernelBenchmarks</c>). The unused registers of a smaller count are dead code
/// the JIT removes, because <c>TCount.Count</c> is a constant in each instantiation.
/// </remarks>
internal readonly unsafe struct LegacyFixed512Step<TCount> : ILegacySgdRowStep
    where TCount : struct, ILegacyCount
{
    public static bool Supports(int stride) => Vector512.IsHardwareAccelerated && stride == TCount.Count * Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float* p, float* q, int stride, float residual, float keep, float rate)
    {
        const int W = 16;
        var n = TCount.Count;
        Vector512<float> p0 = Vector512.Load(p), q0 = Vector512.Load(q);
        Vector512<float> p1 = default, q1 = default, p2 = default, q2 = default, p3 = default, q3 = default;
        Vector512<float> p4 = default, q4 = default, p5 = default, q5 = default, p6 = default, q6 = default, p7 = default, q7 = default;
        var acc0 = p0 * q0;
        var acc1 = Vector512<float>.Zero;
        if (n > 1)
        {
            p1 = Vector512.Load(p + W);
            q1 = Vector512.Load(q + W);
            acc1 = p1 * q1;
        }

        if (n > 2)
        {
            p2 = Vector512.Load(p + (2 * W));
            q2 = Vector512.Load(q + (2 * W));
            acc0 = Vector512.MultiplyAddEstimate(p2, q2, acc0);
        }

        if (n > 3)
        {
            p3 = Vector512.Load(p + (3 * W));
            q3 = Vector512.Load(q + (3 * W));
            acc1 = Vector512.MultiplyAddEstimate(p3, q3, acc1);
        }

        if (n > 4)
        {
            p4 = Vector512.Load(p + (4 * W));
            q4 = Vector512.Load(q + (4 * W));
            acc0 = Vector512.MultiplyAddEstimate(p4, q4, acc0);
        }

        if (n > 5)
        {
            p5 = Vector512.Load(p + (5 * W));
            q5 = Vector512.Load(q + (5 * W));
            acc1 = Vector512.MultiplyAddEstimate(p5, q5, acc1);
        }

        if (n > 6)
        {
            p6 = Vector512.Load(p + (6 * W));
            q6 = Vector512.Load(q + (6 * W));
            acc0 = Vector512.MultiplyAddEstimate(p6, q6, acc0);
        }

        if (n > 7)
        {
            p7 = Vector512.Load(p + (7 * W));
            q7 = Vector512.Load(q + (7 * W));
            acc1 = Vector512.MultiplyAddEstimate(p7, q7, acc1);
        }

        var e = residual - SgdKernel.Sum(acc0 + acc1);
        var a = Vector512.Create(keep);
        var g = Vector512.Create(rate * e);
        Vector512.MultiplyAddEstimate(g, q0, a * p0).Store(p);
        Vector512.MultiplyAddEstimate(g, p0, a * q0).Store(q);
        if (n > 1)
        {
            Vector512.MultiplyAddEstimate(g, q1, a * p1).Store(p + W);
            Vector512.MultiplyAddEstimate(g, p1, a * q1).Store(q + W);
        }

        if (n > 2)
        {
            Vector512.MultiplyAddEstimate(g, q2, a * p2).Store(p + (2 * W));
            Vector512.MultiplyAddEstimate(g, p2, a * q2).Store(q + (2 * W));
        }

        if (n > 3)
        {
            Vector512.MultiplyAddEstimate(g, q3, a * p3).Store(p + (3 * W));
            Vector512.MultiplyAddEstimate(g, p3, a * q3).Store(q + (3 * W));
        }

        if (n > 4)
        {
            Vector512.MultiplyAddEstimate(g, q4, a * p4).Store(p + (4 * W));
            Vector512.MultiplyAddEstimate(g, p4, a * q4).Store(q + (4 * W));
        }

        if (n > 5)
        {
            Vector512.MultiplyAddEstimate(g, q5, a * p5).Store(p + (5 * W));
            Vector512.MultiplyAddEstimate(g, p5, a * q5).Store(q + (5 * W));
        }

        if (n > 6)
        {
            Vector512.MultiplyAddEstimate(g, q6, a * p6).Store(p + (6 * W));
            Vector512.MultiplyAddEstimate(g, p6, a * q6).Store(q + (6 * W));
        }

        if (n > 7)
        {
            Vector512.MultiplyAddEstimate(g, q7, a * p7).Store(p + (7 * W));
            Vector512.MultiplyAddEstimate(g, p7, a * q7).Store(q + (7 * W));
        }

        return e;
    }
}

/// <summary>
/// Rows of exactly <c>TCount</c> 256-bit vectors (k ≤ 64): the AVX2 twin of <see cref="LegacyFixed512Step{TCount}"/>
/// for CPUs without AVX-512 (16 vector registers: 8 per row).
/// </summary>
internal readonly unsafe struct LegacyFixed256Step<TCount> : ILegacySgdRowStep
    where TCount : struct, ILegacyCount
{
    public static bool Supports(int stride) =>
        !Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated && stride == TCount.Count * Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Step(float* p, float* q, int stride, float residual, float keep, float rate)
    {
        const int W = 8;
        var n = TCount.Count;
        Vector256<float> p0 = Vector256.Load(p), q0 = Vector256.Load(q);
        Vector256<float> p1 = default, q1 = default, p2 = default, q2 = default, p3 = default, q3 = default;
        Vector256<float> p4 = default, q4 = default, p5 = default, q5 = default, p6 = default, q6 = default, p7 = default, q7 = default;
        var acc0 = p0 * q0;
        var acc1 = Vector256<float>.Zero;
        if (n > 1)
        {
            p1 = Vector256.Load(p + W);
            q1 = Vector256.Load(q + W);
            acc1 = p1 * q1;
        }

        if (n > 2)
        {
            p2 = Vector256.Load(p + (2 * W));
            q2 = Vector256.Load(q + (2 * W));
            acc0 = Vector256.MultiplyAddEstimate(p2, q2, acc0);
        }

        if (n > 3)
        {
            p3 = Vector256.Load(p + (3 * W));
            q3 = Vector256.Load(q + (3 * W));
            acc1 = Vector256.MultiplyAddEstimate(p3, q3, acc1);
        }

        if (n > 4)
        {
            p4 = Vector256.Load(p + (4 * W));
            q4 = Vector256.Load(q + (4 * W));
            acc0 = Vector256.MultiplyAddEstimate(p4, q4, acc0);
        }

        if (n > 5)
        {
            p5 = Vector256.Load(p + (5 * W));
            q5 = Vector256.Load(q + (5 * W));
            acc1 = Vector256.MultiplyAddEstimate(p5, q5, acc1);
        }

        if (n > 6)
        {
            p6 = Vector256.Load(p + (6 * W));
            q6 = Vector256.Load(q + (6 * W));
            acc0 = Vector256.MultiplyAddEstimate(p6, q6, acc0);
        }

        if (n > 7)
        {
            p7 = Vector256.Load(p + (7 * W));
            q7 = Vector256.Load(q + (7 * W));
            acc1 = Vector256.MultiplyAddEstimate(p7, q7, acc1);
        }

        var e = residual - SgdKernel.Sum(acc0 + acc1);
        var a = Vector256.Create(keep);
        var g = Vector256.Create(rate * e);
        Vector256.MultiplyAddEstimate(g, q0, a * p0).Store(p);
        Vector256.MultiplyAddEstimate(g, p0, a * q0).Store(q);
        if (n > 1)
        {
            Vector256.MultiplyAddEstimate(g, q1, a * p1).Store(p + W);
            Vector256.MultiplyAddEstimate(g, p1, a * q1).Store(q + W);
        }

        if (n > 2)
        {
            Vector256.MultiplyAddEstimate(g, q2, a * p2).Store(p + (2 * W));
            Vector256.MultiplyAddEstimate(g, p2, a * q2).Store(q + (2 * W));
        }

        if (n > 3)
        {
            Vector256.MultiplyAddEstimate(g, q3, a * p3).Store(p + (3 * W));
            Vector256.MultiplyAddEstimate(g, p3, a * q3).Store(q + (3 * W));
        }

        if (n > 4)
        {
            Vector256.MultiplyAddEstimate(g, q4, a * p4).Store(p + (4 * W));
            Vector256.MultiplyAddEstimate(g, p4, a * q4).Store(q + (4 * W));
        }

        if (n > 5)
        {
            Vector256.MultiplyAddEstimate(g, q5, a * p5).Store(p + (5 * W));
            Vector256.MultiplyAddEstimate(g, p5, a * q5).Store(q + (5 * W));
        }

        if (n > 6)
        {
            Vector256.MultiplyAddEstimate(g, q6, a * p6).Store(p + (6 * W));
            Vector256.MultiplyAddEstimate(g, p6, a * q6).Store(q + (6 * W));
        }

        if (n > 7)
        {
            Vector256.MultiplyAddEstimate(g, q7, a * p7).Store(p + (7 * W));
            Vector256.MultiplyAddEstimate(g, p7, a * q7).Store(q + (7 * W));
        }

        return e;
    }
}
