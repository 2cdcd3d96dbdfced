// k-means on the CPU (see KMeansTrainer.cs): greedy k-means++ seeding, sampled through per-stripe totals.
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu.KMeans;

internal static partial class KMeansTrainer
{
    private sealed partial class State
    {
        /// <summary>Greedy k-means++ (Arthur &amp; Vassilvitskii; 2 + ⌊ln k⌋ candidates per step, as scikit-learn).</summary>
        /// <remarks>
        /// Each step samples the candidates in proportion to the squared distance to the nearest centre so
        /// far (through per-stripe totals, then a scan inside one stripe, instead of a prefix sum over all rows),
        /// computes every candidate's distances in one narrow kernel pass, and keeps the candidate that lowers
        /// the potential most. Sums run per stripe in row order and merge in stripe order: deterministic.
        /// </remarks>
        public float[] SeedPlusPlus(Random rng)
        {
            var centroids = new float[_k * _d];
            var closest = new float[_n];
            var first = rng.Next(_n);
            _x.AsSpan(first * _d, _d).CopyTo(centroids);
            DistancesTo(centroids.AsSpan(0, _d), 1, closest, null);
            var trials = 2 + (int)Math.Log(_k);
            var candidates = new float[trials * _d];
            var kPad = KPadOf(trials);
            var candidateDistances = new float[_n * kPad];
            var stripeTotal = new double[Stripes];
            var stripePotential = new double[Stripes * trials];
            Parallel.For(0, Stripes, _parallel, s => stripeTotal[s] = SumRange(closest, StripeRange(s)));
            for (var c = 1; c < _k; c++)
            {
                _ct.ThrowIfCancellationRequested();
                var total = 0.0;
                foreach (var t in stripeTotal)
                {
                    total += t;
                }

                for (var t = 0; t < trials; t++)
                {
                    var pick = total > 0 ? Sample(closest, stripeTotal, rng.NextDouble() * total) : rng.Next(_n);
                    _x.AsSpan(pick * _d, _d).CopyTo(candidates.AsSpan(t * _d));
                }

                // Distances to every candidate and, per stripe, the potential each candidate would leave.
                var block = new CentroidBlock(trials, _d);
                block.Load(candidates);
                Parallel.For(0, Stripes, _parallel, s =>
                {
                    var (start, end) = StripeRange(s);
                    if (start == end)
                    {
                        stripePotential.AsSpan(s * trials, trials).Clear();
                        return;
                    }

                    var distances = candidateDistances.AsSpan(start * kPad, (end - start) * kPad);
                    KMeansKernel.AllDistances(_x.AsSpan(start * _d, (end - start) * _d), _norms.AsSpan(start, end - start), block, distances);
                    Span<double> potential = stackalloc double[trials];
                    potential.Clear();
                    for (var r = start; r < end; r++)
                    {
                        var row = candidateDistances.AsSpan(r * kPad, trials);
                        for (var t = 0; t < trials; t++)
                        {
                            potential[t] += Math.Min(closest[r], row[t]);
                        }
                    }

                    potential.CopyTo(stripePotential.AsSpan(s * trials, trials));
                });

                var bestTrial = 0;
                var bestPotential = double.PositiveInfinity;
                for (var t = 0; t < trials; t++)
                {
                    var p = 0.0;
                    for (var s = 0; s < Stripes; s++)
                    {
                        p += stripePotential[(s * trials) + t];
                    }

                    if (p < bestPotential)
                    {
                        bestPotential = p;
                        bestTrial = t;
                    }
                }

                candidates.AsSpan(bestTrial * _d, _d).CopyTo(centroids.AsSpan(c * _d));
                Parallel.For(0, Stripes, _parallel, s =>
                {
                    var (start, end) = StripeRange(s);
                    double sum = 0;
                    for (var r = start; r < end; r++)
                    {
                        var v = Math.Min(closest[r], candidateDistances[(r * kPad) + bestTrial]);
                        closest[r] = v;
                        sum += v;
                    }

                    stripeTotal[s] = sum;
                });
            }

            return centroids;
        }

        /// <summary>The row where the running sum of <paramref name="weights"/> passes <paramref name="target"/>.</summary>
        private int Sample(float[] weights, double[] stripeTotal, double target)
        {
            var s = 0;
            for (; s < Stripes - 1 && target >= stripeTotal[s]; s++)
            {
                target -= stripeTotal[s];
            }

            var (start, end) = StripeRange(s);
            for (var r = start; r < end; r++)
            {
                target -= weights[r];
                if (target < 0)
                {
                    return r;
                }
            }

            // Rounding left a sliver: take the last row with weight in this stripe (or any row).
            for (var r = end - 1; r >= start; r--)
            {
                if (weights[r] > 0)
                {
                    return r;
                }
            }

            return Math.Max(0, end - 1);
        }

        private static double SumRange(float[] values, (int Start, int End) range)
        {
            double sum = 0;
            for (var r = range.Start; r < range.End; r++)
            {
                sum += values[r];
            }

            return sum;
        }

    }
}
