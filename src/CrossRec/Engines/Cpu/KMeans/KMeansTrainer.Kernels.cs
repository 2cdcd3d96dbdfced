// k-means on the CPU (see KMeansTrainer.cs): distances to centres through KMeansKernel, stripe ranges and the vectorised helpers.
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu.KMeans;

internal static partial class KMeansTrainer
{
    private sealed partial class State
    {
        /// <summary>Squared distances from every point to <paramref name="count"/> centres: the closest (into <paramref name="closest"/>) or all (into <paramref name="all"/>, rows × KPad).</summary>
        private void DistancesTo(ReadOnlySpan<float> centres, int count, float[]? closest, float[]? all)
        {
            var block = new CentroidBlock(count, _d);
            block.Load(centres);
            Parallel.For(0, Stripes, _parallel, s =>
            {
                var (start, end) = StripeRange(s);
                if (start == end)
                {
                    return;
                }

                if (all is not null)
                {
                    KMeansKernel.AllDistances(_x.AsSpan(start * _d, (end - start) * _d), _norms.AsSpan(start, end - start), block, all.AsSpan(start * block.KPad, (end - start) * block.KPad));
                }
                else
                {
                    var labels = new int[end - start];
                    KMeansKernel.Assign(_x.AsSpan(start * _d, (end - start) * _d), _norms.AsSpan(start, end - start), block, labels, closest.AsSpan(start, end - start), default);
                }
            });
        }

        private static int KPadOf(int count) => new CentroidBlock(count, 1).KPad;

        private (int Start, int End) StripeRange(int stripe) => ((int)((long)_n * stripe / Stripes), (int)((long)_n * (stripe + 1) / Stripes));

        private static (double Max, int MaxIndex, double Second) Largest(double[] values)
        {
            double max = double.NegativeInfinity, second = 0;
            var index = -1;
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] > max)
                {
                    second = Math.Max(second, max);
                    max = values[i];
                    index = i;
                }
                else if (values[i] > second)
                {
                    second = values[i];
                }
            }

            return (max, index, second);
        }

        /// <summary>sum += sign · x, widening float to double, vectorised.</summary>
        private static void Accumulate(ReadOnlySpan<float> x, Span<double> sum, int sign)
        {
            var f = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var w = Vector<float>.Count;
                var sg = new Vector<double>(sign);
                for (; f <= x.Length - w; f += w)
                {
                    Vector.Widen(new Vector<float>(x[f..]), out var lo, out var hi);
                    var s0 = new Vector<double>(sum[f..]) + (sg * lo);
                    var s1 = new Vector<double>(sum[(f + Vector<double>.Count)..]) + (sg * hi);
                    s0.CopyTo(sum[f..]);
                    s1.CopyTo(sum[(f + Vector<double>.Count)..]);
                }
            }

            for (; f < x.Length; f++)
            {
                sum[f] += sign * (double)x[f];
            }
        }

        /// <summary>‖a − b‖² in float (vectorised), returned as double; used for the inertia history.</summary>
        private static double SquaredEuclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            var distance = TensorPrimitives.Distance(a, b);
            return (double)distance * distance;
        }

        private static double ExactSquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            double s = 0;
            for (var f = 0; f < a.Length; f++)
            {
                double diff = a[f] - b[f];
                s += diff * diff;
            }

            return s;
        }
    }
}
