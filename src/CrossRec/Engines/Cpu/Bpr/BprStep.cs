using System.Runtime.CompilerServices;
using CrossRec.Internal.Simd;

namespace CrossRec.Engines.Cpu.Bpr;

/// <summary>
/// The vector math of one BPR step on rows of length k: the score difference
/// <c>p·(q_i − q_j)</c> and the fused update of the three rows (all from the old values):
/// <c>p ← a_u·p + g·(q_i − q_j)</c>, <c>q_i ← a_i·q_i + g·p</c>, <c>q_j ← a_j·q_j − g·p</c>, with
/// <c>g = η·σ(−x̂_uij)</c> and <c>a = 1 − η·λ</c> — gradient ascent on
/// <c>ln σ(x̂_uij) − λ_u|p|² − λ_i|q_i|² − λ_j|q_j|²</c> (the factor 2 folded into λ).
/// </summary>
/// <remarks>
/// <para>Hand-written rather than composed from <c>TensorPrimitives</c> for the reason measured for the
/// SGD kernel (<see cref="SgdKernel"/>): the composed update needs a scratch copy of the old p and five
/// passes over the rows plus per-call overhead, against one read and one write of each row here. The
/// difference dot is one pass with two accumulators instead of two <c>Dot</c> calls.</para>
/// <para>Each operation steps down 512 → 256 → 128 bits and ends with a scalar tail, so any k works on
/// any CPU, with or without AVX-512, AVX2 or SIMD at all; each step is one generic method over the vector
/// width (<see cref="IVector{TSelf}"/>), instantiated per width.</para>
/// </remarks>
internal static unsafe class BprStep
{
    /// <summary>Σ p[f]·(qi[f] − qj[f]) for f in 0..length−1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DotDifference(float* p, float* qi, float* qj, int length)
    {
        var f = 0;
        var sum = 0f;
        if (Vec512.IsHardwareAccelerated && length >= Vec512.Count)
        {
            // Two accumulators halve the FMA dependency chain at k ≥ 32 (and at k ≥ 16 on AVX2).
            sum += DotDifference<Vec512, Two>(p, qi, qj, length, ref f);
        }

        if (Vec256.IsHardwareAccelerated && length - f >= Vec256.Count)
        {
            sum += DotDifference<Vec256, Two>(p, qi, qj, length, ref f);
        }

        if (Vec128.IsHardwareAccelerated && length - f >= Vec128.Count)
        {
            sum += DotDifference<Vec128, One>(p, qi, qj, length, ref f);
        }

        for (; f < length; f++)
        {
            sum += p[f] * (qi[f] - qj[f]);
        }

        return sum;
    }

    /// <summary>The fused step on the user row and both item rows (old values on the right).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(float* p, float* qi, float* qj, int length, float g, float au, float ai, float aj)
    {
        var f = 0;
        if (Vec512.IsHardwareAccelerated && length >= Vec512.Count)
        {
            Update<Vec512>(p, qi, qj, length, ref f, g, au, ai, aj);
        }

        if (Vec256.IsHardwareAccelerated && length - f >= Vec256.Count)
        {
            Update<Vec256>(p, qi, qj, length, ref f, g, au, ai, aj);
        }

        if (Vec128.IsHardwareAccelerated && length - f >= Vec128.Count)
        {
            Update<Vec128>(p, qi, qj, length, ref f, g, au, ai, aj);
        }

        for (; f < length; f++)
        {
            var pf = p[f];
            var gp = g * pf;
            p[f] = (au * pf) + (g * (qi[f] - qj[f]));
            qi[f] = (ai * qi[f]) + gp;
            qj[f] = (aj * qj[f]) - gp;
        }
    }

    /// <summary>The user half of the step alone (fold-in: item rows fixed): <c>p ← a_u·p + g·(q_i − q_j)</c>.</summary>
    public static void UpdateUser(float* p, float* qi, float* qj, int length, float g, float au)
    {
        var f = 0;
        if (Vec256.IsHardwareAccelerated && length >= Vec256.Count)
        {
            var vg = Vec256.Create(g);
            var vu = Vec256.Create(au);
            for (; f <= length - Vec256.Count; f += Vec256.Count)
            {
                Vec256.Store(Vec256.MultiplyAddEstimate(vg, Vec256.Load(qi + f) - Vec256.Load(qj + f), vu * Vec256.Load(p + f)), p + f);
            }
        }

        for (; f < length; f++)
        {
            p[f] = (au * p[f]) + (g * (qi[f] - qj[f]));
        }
    }

    /// <summary>
    /// The vectors of <see cref="DotDifference(float*, float*, float*, int)"/> at one width, from <paramref name="f"/> on
    /// (advanced past them), with <c>TAccumulators</c> (1 or 2) accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotDifference<TVec, TAccumulators>(float* p, float* qi, float* qj, int length, ref int f)
        where TVec : unmanaged, IVector<TVec>
        where TAccumulators : struct, ICount
    {
        var w = TVec.Count;
        var acc0 = TVec.Zero;
        var acc1 = TVec.Zero;
        if (TAccumulators.Value > 1)
        {
            for (; f <= length - (2 * w); f += 2 * w)
            {
                acc0 = TVec.MultiplyAddEstimate(TVec.Load(p + f), TVec.Load(qi + f) - TVec.Load(qj + f), acc0);
                acc1 = TVec.MultiplyAddEstimate(TVec.Load(p + f + w), TVec.Load(qi + f + w) - TVec.Load(qj + f + w), acc1);
            }
        }

        for (; f <= length - w; f += w)
        {
            acc0 = TVec.MultiplyAddEstimate(TVec.Load(p + f), TVec.Load(qi + f) - TVec.Load(qj + f), acc0);
        }

        return TVec.Sum(acc0 + acc1);
    }

    /// <summary>The vectors of <see cref="Update(float*, float*, float*, int, float, float, float, float)"/> at one width, from <paramref name="f"/> on (advanced past them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<TVec>(float* p, float* qi, float* qj, int length, ref int f, float g, float au, float ai, float aj)
        where TVec : unmanaged, IVector<TVec>
    {
        var w = TVec.Count;
        var vg = TVec.Create(g);
        var vu = TVec.Create(au);
        var vi = TVec.Create(ai);
        var vj = TVec.Create(aj);
        for (; f <= length - w; f += w)
        {
            var pv = TVec.Load(p + f);
            var iv = TVec.Load(qi + f);
            var jv = TVec.Load(qj + f);
            var gp = vg * pv;
            TVec.Store(TVec.MultiplyAddEstimate(vg, iv - jv, vu * pv), p + f);
            TVec.Store(TVec.MultiplyAddEstimate(vi, iv, gp), qi + f);
            TVec.Store(TVec.MultiplyAddEstimate(vj, jv, -gp), qj + f);
        }
    }

    /// <summary>
    /// σ(−x) and −ln σ(x) from one exponential: with e = exp(−|x|), σ(−x) is e/(1+e) for x ≥ 0 and 1/(1+e)
    /// otherwise, and −ln σ(x) = ln(1+e) + max(−x, 0). Never overflows; NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gradient(float x, out float loss)
    {
        var e = MathF.Exp(-MathF.Abs(x));
        var l = MathF.Log(1f + e);
        var inv = 1f / (1f + e);
        if (x >= 0)
        {
            loss = l;
            return e * inv;
        }

        loss = l - x;
        return inv;
    }
}
