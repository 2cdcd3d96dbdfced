// k-means on the CPU (see KMeansTrainer.cs): Elkan's per-centroid lower bounds and the centroid-separation tests.
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu.KMeans;

internal static partial class KMeansTrainer
{
    private sealed partial class State
    {
        /// <summary>Half the distance from each centroid to its nearest other one; with <paramref name="pairs"/>, half of every pairwise distance too (Elkan).</summary>
        private void HalfSeparations(float[] centroids, double[] half, float[]? pairs)
        {
            for (var c = 0; c < _k; c++)
            {
                var nearest = double.PositiveInfinity;
                for (var o = 0; o < _k; o++)
                {
                    if (o != c)
                    {
                        var squared = ExactSquaredDistance(centroids.AsSpan(c * _d, _d), centroids.AsSpan(o * _d, _d));
                        nearest = Math.Min(nearest, squared);
                        if (pairs is not null)
                        {
                            pairs[(c * _k) + o] = (float)(0.5 * Math.Sqrt(squared));
                        }
                    }
                }

                half[c] = _k == 1 ? double.PositiveInfinity : 0.5 * Math.Sqrt(nearest);
            }
        }

        /// <summary>
        /// Elkan's test for a point assigned to <paramref name="a"/> whose distance to it is at most
        /// <paramref name="bound"/> (slack included): true when no other centroid can be nearer, because its lower
        /// bound or half its distance from <paramref name="a"/> already exceeds the bound.
        /// </summary>
        private bool ElkanSettles(float[] lowerAll, float[] pairHalf, int r, int a, float bound)
        {
            var lowers = lowerAll.AsSpan(r * _k, _k);
            var halves = pairHalf.AsSpan(a * _k, _k);
            for (var c = 0; c < _k; c++)
            {
                if (c != a && bound >= lowers[c] && bound >= halves[c])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>After a full comparison: every other centroid is at least the second-nearest distance away.</summary>
        private void ResetElkanBounds(float[] lowerAll, int r, int label, float nearest, float second)
        {
            var lowers = lowerAll.AsSpan(r * _k, _k);
            lowers.Fill(second);
            lowers[label] = nearest;
        }

    }
}
