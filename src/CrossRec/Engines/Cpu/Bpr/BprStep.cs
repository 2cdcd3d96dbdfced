using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
/// any CPU, with or without AVX-512, AVX2 or SIMD at all.</para>
/// </remarks>
internal static unsafe class BprStep
{
    /// <summary>Σ p[f]·(qi[f] − qj[f]) for f in 0..length−1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DotDifference(float* p, float* qi, float* qj, int length)
    {
        var f = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            // Two accumulators halve the FMA dependency chain at k ≥ 32.
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            const int w = 16;
            for (; f <= length - (2 * w); f += 2 * w)
            {
                acc0 = Vector512.MultiplyAddEstimate(Vector512.Load(p + f), Vector512.Load(qi + f) - Vector512.Load(qj + f), acc0);
                acc1 = Vector512.MultiplyAddEstimate(Vector512.Load(p + f + w), Vector512.Load(qi + f + w) - Vector512.Load(qj + f + w), acc1);
            }

            if (f <= length - w)
            {
                acc0 = Vector512.MultiplyAddEstimate(Vector512.Load(p + f), Vector512.Load(qi + f) - Vector512.Load(qj + f), acc0);
                f += w;
            }

            sum = SgdKernel.Sum(acc0 + acc1);
        }

        if (Vector256.IsHardwareAccelerated && length - f >= Vector256<float>.Count)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            const int w = 8;
            for (; f <= length - (2 * w); f += 2 * w)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.Load(p + f), Vector256.Load(qi + f) - Vector256.Load(qj + f), acc0);
                acc1 = Vector256.MultiplyAddEstimate(Vector256.Load(p + f + w), Vector256.Load(qi + f + w) - Vector256.Load(qj + f + w), acc1);
            }

            if (f <= length - w)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.Load(p + f), Vector256.Load(qi + f) - Vector256.Load(qj + f), acc0);
                f += w;
            }

            sum += SgdKernel.Sum(acc0 + acc1);
        }

        if (Vector128.IsHardwareAccelerated && length - f >= Vector128<float>.Count)
        {
            var acc = Vector128<float>.Zero;
            for (; f <= length - Vector128<float>.Count; f += Vector128<float>.Count)
            {
                acc = Vector128.MultiplyAddEstimate(Vector128.Load(p + f), Vector128.Load(qi + f) - Vector128.Load(qj + f), acc);
            }

            sum += SgdKernel.Sum(acc);
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
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            var vg = Vector512.Create(g);
            var vu = Vector512.Create(au);
            var vi = Vector512.Create(ai);
            var vj = Vector512.Create(aj);
            for (; f <= length - Vector512<float>.Count; f += Vector512<float>.Count)
            {
                var pv = Vector512.Load(p + f);
                var iv = Vector512.Load(qi + f);
                var jv = Vector512.Load(qj + f);
                var gp = vg * pv;
                Vector512.MultiplyAddEstimate(vg, iv - jv, vu * pv).Store(p + f);
                Vector512.MultiplyAddEstimate(vi, iv, gp).Store(qi + f);
                Vector512.MultiplyAddEstimate(vj, jv, -gp).Store(qj + f);
            }
        }

        if (Vector256.IsHardwareAccelerated && length - f >= Vector256<float>.Count)
        {
            var vg = Vector256.Create(g);
            var vu = Vector256.Create(au);
            var vi = Vector256.Create(ai);
            var vj = Vector256.Create(aj);
            for (; f <= length - Vector256<float>.Count; f += Vector256<float>.Count)
            {
                var pv = Vector256.Load(p + f);
                var iv = Vector256.Load(qi + f);
                var jv = Vector256.Load(qj + f);
                var gp = vg * pv;
                Vector256.MultiplyAddEstimate(vg, iv - jv, vu * pv).Store(p + f);
                Vector256.MultiplyAddEstimate(vi, iv, gp).Store(qi + f);
                Vector256.MultiplyAddEstimate(vj, jv, -gp).Store(qj + f);
            }
        }

        if (Vector128.IsHardwareAccelerated && length - f >= Vector128<float>.Count)
        {
            var vg = Vector128.Create(g);
            var vu = Vector128.Create(au);
            var vi = Vector128.Create(ai);
            var vj = Vector128.Create(aj);
            for (; f <= length - Vector128<float>.Count; f += Vector128<float>.Count)
            {
                var pv = Vector128.Load(p + f);
                var iv = Vector128.Load(qi + f);
                var jv = Vector128.Load(qj + f);
                var gp = vg * pv;
                Vector128.MultiplyAddEstimate(vg, iv - jv, vu * pv).Store(p + f);
                Vector128.MultiplyAddEstimate(vi, iv, gp).Store(qi + f);
                Vector128.MultiplyAddEstimate(vj, jv, -gp).Store(qj + f);
            }
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
        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            var vg = Vector256.Create(g);
            var vu = Vector256.Create(au);
            for (; f <= length - Vector256<float>.Count; f += Vector256<float>.Count)
            {
                Vector256.MultiplyAddEstimate(vg, Vector256.Load(qi + f) - Vector256.Load(qj + f), vu * Vector256.Load(p + f)).Store(p + f);
            }
        }

        for (; f < length; f++)
        {
            p[f] = (au * p[f]) + (g * (qi[f] - qj[f]));
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
