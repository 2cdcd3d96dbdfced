// Implicit ALS's conjugate-gradient row solve as it was before the fused, lockstep rewrite (commit ee74865): one row at a
// time, a separate dot and axpy per observed column, G·p by one matrix-vector product per row, and the row's loss by a
// fifth pass over its columns. Kept only as the side-by-side baseline of AlsConjugateGradientBenchmarks.
using System.Runtime.CompilerServices;

using CrossRec.Engines.Cpu.ImplicitAls;

namespace CrossRec.Benchmarks.Baselines;

/// <summary>The per-row CG solve and loss of commit ee74865.</summary>
internal static class LegacyAlsConjugateGradient
{
    private const float CgTolerance = 1e-20f;

    /// <summary>Steps of CG on one row, then (with <paramref name="withLoss"/>) its loss by another pass; returns the loss or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Solve(ReadOnlySpan<float> gram, ReadOnlySpan<float> fixedFactors, ReadOnlySpan<int> columns, ReadOnlySpan<float> confidence, float lambda, int steps, float[] rBuffer, float[] pBuffer, float[] apBuffer, int kp, Span<float> x, bool withLoss)
    {
        var k = x.Length;
        var r = rBuffer.AsSpan(0, k);
        var p = pBuffer.AsSpan(0, k);
        var ap = apBuffer.AsSpan();
        AlsMath.SymMatVec(gram, k, kp, x, ap);
        for (var f = 0; f < k; f++)
        {
            r[f] = -ap[f] - (lambda * x[f]);
        }

        for (var j = 0; j < columns.Length; j++)
        {
            var y = fixedFactors.Slice(columns[j] * k, k);
            var c = confidence[j];
            AlsMath.Axpy(c - ((c - 1f) * AlsMath.Dot(y, x)), y, r);
        }

        r.CopyTo(p);
        var rs = AlsMath.Dot(r, r);
        for (var step = 0; step < steps && rs >= CgTolerance; step++)
        {
            AlsMath.SymMatVec(gram, k, kp, p, ap);
            var apk = ap[..k];
            AlsMath.Axpy(lambda, p, apk);
            for (var j = 0; j < columns.Length; j++)
            {
                var y = fixedFactors.Slice(columns[j] * k, k);
                AlsMath.Axpy((confidence[j] - 1f) * AlsMath.Dot(y, p), y, apk);
            }

            var pap = AlsMath.Dot(p, apk);
            if (!(pap > 0f))
            {
                break;
            }

            var alpha = rs / pap;
            AlsMath.Axpy(alpha, p, x);
            AlsMath.Axpy(-alpha, apk, r);
            var next = AlsMath.Dot(r, r);
            if (next < CgTolerance)
            {
                break;
            }

            var beta = next / rs;
            for (var f = 0; f < k; f++)
            {
                p[f] = r[f] + (beta * p[f]);
            }

            rs = next;
        }

        if (!withLoss)
        {
            return 0;
        }

        AlsMath.SymMatVec(gram, k, kp, x, ap);
        double loss = AlsMath.Dot(x, ap);
        for (var j = 0; j < columns.Length; j++)
        {
            double score = AlsMath.Dot(fixedFactors.Slice(columns[j] * k, k), x);
            var miss = 1 - score;
            loss += (confidence[j] * miss * miss) - (score * score);
        }

        return loss + (lambda * (double)AlsMath.Dot(x, x));
    }
}
