using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossRec.Engines.Cpu.BiasedMf;

/// <summary>
/// The two vector operations of one SGD step of biased matrix factorization: the dot product
/// <c>p·q</c> and the fused factor update <c>p ← a·p + g·q, q ← a·q + g·p</c> (both from the old values).
/// </summary>
/// <remarks>
/// <para>Implementation note: the update is hand-written rather than composed from
/// <c>TensorPrimitives</c>. Composing it needs three calls and a scratch copy of the old <c>p</c>
/// (<c>Multiply</c>, <c>MultiplyAdd</c> twice), i.e. three passes over each row plus call overhead per
/// rating; at k = 64 a rating costs ~15 ns, so that overhead alone would be a large fraction of the step.
/// The fused loop reads each row once and writes it once. <c>Dot</c> is hand-written for the same reason
/// (it is inlined into the training loop; <see cref="System.Numerics.Tensors.TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// is not), and measured in <c>SgdKernelBenchmarks</c>.</para>
/// <para>Both step down 512 → 256 → 128 bits and finish with a scalar tail, so they run (slower) on a CPU
/// without AVX-512, AVX2 or any SIMD. The trainer pads rows to a multiple of the widest vector it uses,
/// so the tails are cold paths there; they serve the unpadded callers and the fallbacks.</para>
/// <para>Rows are passed as pointers: the trainer keeps its factor matrices in 64-byte-aligned native
/// memory (a 512-bit load that straddles two cache lines costs two loads).</para>
/// </remarks>
internal static unsafe class SgdKernel
{
    /// <summary>Σ p[f]·q[f] for f in 0..length-1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* p, float* q, int length)
    {
        var f = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            // Two accumulators halve the FMA dependency chain (4-cycle latency) at k ≥ 32.
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; f <= length - (2 * Vector512<float>.Count); f += 2 * Vector512<float>.Count)
            {
                acc0 = Vector512.MultiplyAddEstimate(Vector512.Load(p + f), Vector512.Load(q + f), acc0);
                acc1 = Vector512.MultiplyAddEstimate(Vector512.Load(p + f + Vector512<float>.Count), Vector512.Load(q + f + Vector512<float>.Count), acc1);
            }

            if (f <= length - Vector512<float>.Count)
            {
                acc0 = Vector512.MultiplyAddEstimate(Vector512.Load(p + f), Vector512.Load(q + f), acc0);
                f += Vector512<float>.Count;
            }

            sum = Sum(acc0 + acc1);
        }

        if (Vector256.IsHardwareAccelerated && length - f >= Vector256<float>.Count)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; f <= length - (2 * Vector256<float>.Count); f += 2 * Vector256<float>.Count)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.Load(p + f), Vector256.Load(q + f), acc0);
                acc1 = Vector256.MultiplyAddEstimate(Vector256.Load(p + f + Vector256<float>.Count), Vector256.Load(q + f + Vector256<float>.Count), acc1);
            }

            if (f <= length - Vector256<float>.Count)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.Load(p + f), Vector256.Load(q + f), acc0);
                f += Vector256<float>.Count;
            }

            sum += Sum(acc0 + acc1);
        }

        if (Vector128.IsHardwareAccelerated && length - f >= Vector128<float>.Count)
        {
            var acc = Vector128<float>.Zero;
            for (; f <= length - Vector128<float>.Count; f += Vector128<float>.Count)
            {
                acc = Vector128.MultiplyAddEstimate(Vector128.Load(p + f), Vector128.Load(q + f), acc);
            }

            sum += Sum(acc);
        }

        for (; f < length; f++)
        {
            sum += p[f] * q[f];
        }

        return sum;
    }

    /// <summary>
    /// Horizontal sum by halving: 512 → 256 → 128 → 64 → 32 bits, one add per step. The dot product's
    /// reduction is on the critical path of every rating; <c>Vector512.Sum</c> currently reduces each
    /// 128-bit lane separately (about twice the dependent instructions, seen in the JIT's disassembly).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sum(Vector512<float> v) => Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sum(Vector256<float> v) => Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sum(Vector128<float> v)
    {
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }

    /// <summary>
    /// p[f] ← a·p[f] + g·q[f] and q[f] ← a·q[f] + g·p[f] (old values on the right) for f in 0..length-1.
    /// With <c>a = 1 − η·λ</c> and <c>g = η·w·e</c> this is the SGD step on
    /// <c>w·e² + λ(|p|² + |q|²)</c> (the factor 2 folded into η).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(float* p, float* q, int length, float a, float g)
    {
        var f = 0;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            var va = Vector512.Create(a);
            var vg = Vector512.Create(g);
            for (; f <= length - Vector512<float>.Count; f += Vector512<float>.Count)
            {
                var vp = Vector512.Load(p + f);
                var vq = Vector512.Load(q + f);
                Vector512.MultiplyAddEstimate(vg, vq, va * vp).Store(p + f);
                Vector512.MultiplyAddEstimate(vg, vp, va * vq).Store(q + f);
            }
        }

        if (Vector256.IsHardwareAccelerated && length - f >= Vector256<float>.Count)
        {
            var va = Vector256.Create(a);
            var vg = Vector256.Create(g);
            for (; f <= length - Vector256<float>.Count; f += Vector256<float>.Count)
            {
                var vp = Vector256.Load(p + f);
                var vq = Vector256.Load(q + f);
                Vector256.MultiplyAddEstimate(vg, vq, va * vp).Store(p + f);
                Vector256.MultiplyAddEstimate(vg, vp, va * vq).Store(q + f);
            }
        }

        if (Vector128.IsHardwareAccelerated && length - f >= Vector128<float>.Count)
        {
            var va = Vector128.Create(a);
            var vg = Vector128.Create(g);
            for (; f <= length - Vector128<float>.Count; f += Vector128<float>.Count)
            {
                var vp = Vector128.Load(p + f);
                var vq = Vector128.Load(q + f);
                Vector128.MultiplyAddEstimate(vg, vq, va * vp).Store(p + f);
                Vector128.MultiplyAddEstimate(vg, vp, va * vq).Store(q + f);
            }
        }

        for (; f < length; f++)
        {
            var pf = p[f];
            var qf = q[f];
            p[f] = (a * pf) + (g * qf);
            q[f] = (a * qf) + (g * pf);
        }
    }

    /// <summary>
    /// The row stride (floats) the trainer uses for <paramref name="factors"/>: a multiple of the widest
    /// hardware vector (at most 16 floats = one cache line), so the kernels never run a tail and rows of
    /// k ≥ 16 start on cache-line boundaries. Padding lanes start at 0 and stay 0 (their gradient is 0).
    /// </summary>
    public static int Stride(int factors)
    {
        var width = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

        // Small k: pad only to the narrowest vector that covers it, not to a full cache line.
        while (width > 4 && factors <= width / 2)
        {
            width /= 2;
        }

        return checked((factors + width - 1) / width * width);
    }
}
