// k-means on the CPU (see KMeansTrainer.cs): Lloyd / Hamerly / Elkan iterations, the moves between clusters and the centroid update.
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu.KMeans;

internal static partial class KMeansTrainer
{
    private sealed partial class State
    {
        /// <summary>
        /// Lloyd (bounded = false), Hamerly (bounded = true) or Elkan (bounded and elkan) from the given centroids.
        /// Elkan keeps one lower bound per (point, centroid), each lowered by its own centroid's move rather than
        /// by the largest move, and adds the centroid-to-centroid test; a point its bounds cannot settle is
        /// reassigned by the same kernel as Lloyd's, so all three give identical assignments.
        /// </summary>
        public KMeansResult Iterate(float[] centroids, int restart, bool bounded, bool elkan = false)
        {
            var block = new CentroidBlock(_k, _d);
            var labels = new int[_n];
            Array.Fill(labels, -1);
            var upper = new float[_n];   // Hamerly: upper bound on the distance to the assigned centroid
            var lower = new float[_n];   // Hamerly: lower bound on the distance to the second-nearest centroid
            var sums = new double[Stripes][];
            var counts = new long[Stripes][];
            var inertia = new double[Stripes];
            var changed = new int[Stripes];
            for (var s = 0; s < Stripes; s++)
            {
                sums[s] = new double[_k * _d];
                counts[s] = new long[_k];
            }

            var half = new double[_k];       // Hamerly: half the distance from each centroid to its nearest other centroid
            var lowerAll = elkan ? new float[(long)_n * _k] : []; // Elkan: lower bound on the distance to every centroid
            var pairHalf = elkan ? new float[_k * _k] : [];       // Elkan: half the distance between every two centroids
            var shift = new double[_k];      // how far each centroid moved in the last update
            var history = new List<double>();
            var converged = false;
            var iteration = 0;
            while (true)
            {
                _ct.ThrowIfCancellationRequested();
                block.Load(centroids);
                var maxCentroidNorm = 0f;
                for (var c = 0; c < _k; c++)
                {
                    maxCentroidNorm = Math.Max(maxCentroidNorm, block.Norms[c]);
                }

                var full = iteration == 0 || !bounded;
                if (!full)
                {
                    HalfSeparations(centroids, half, elkan ? pairHalf : null);
                }

                Parallel.For(0, Stripes, _parallel, s =>
                {
                    var (start, end) = StripeRange(s);
                    double stripeInertia = 0;
                    var stripeChanged = 0;
                    var gathered = full ? [] : new float[ChunkRows * _d];
                    var gatheredNorms = full ? [] : new float[ChunkRows];
                    var gatheredRows = full ? [] : new int[ChunkRows];
                    var chunkLabels = new int[ChunkRows];
                    var chunkBest = new float[ChunkRows];
                    var chunkSecond = new float[ChunkRows];
                    for (var c0 = start; c0 < end; c0 += ChunkRows)
                    {
                        var rows = Math.Min(ChunkRows, end - c0);
                        if (full)
                        {
                            KMeansKernel.Assign(_x.AsSpan(c0 * _d, rows * _d), _norms.AsSpan(c0, rows), block, chunkLabels.AsSpan(0, rows), chunkBest.AsSpan(0, rows), bounded ? chunkSecond.AsSpan(0, rows) : default);
                            for (var i = 0; i < rows; i++)
                            {
                                var r = c0 + i;
                                if (bounded)
                                {
                                    upper[r] = MathF.Sqrt(chunkBest[i]);
                                    lower[r] = MathF.Sqrt(chunkSecond[i]);
                                    if (elkan)
                                    {
                                        ResetElkanBounds(lowerAll, r, chunkLabels[i], upper[r], lower[r]);
                                    }
                                }

                                stripeChanged += Move(s, r, chunkLabels[i], labels, sums, counts);
                            }
                        }
                        else
                        {
                            // Check the bounds; gather the rows they cannot settle and reassign those
                            // together with the 4-point kernel, applying the moves in row order.
                            var pending = 0;
                            for (var r = c0; r < c0 + rows; r++)
                            {
                                var a = labels[r];
                                var m = elkan ? (float)half[a] : Math.Max((float)half[a], lower[r]);

                                // The bounds hold in real arithmetic; the slack covers the float32 rounding of ‖x‖² − 2x·c + ‖c‖²,
                                // so a point is skipped only when Lloyd's full comparison would certainly keep its label.
                                var slack = MathF.Sqrt(1e-6f * (_norms[r] + maxCentroidNorm)) + 1e-30f;
                                if (upper[r] + slack < m)
                                {
                                    continue;
                                }

                                upper[r] = MathF.Sqrt(KMeansKernel.SquaredDistance(_x.AsSpan(r * _d, _d), _norms[r], block, a));
                                if (upper[r] + slack < m || (elkan && ElkanSettles(lowerAll, pairHalf, r, a, upper[r] + slack)))
                                {
                                    continue;
                                }

                                _x.AsSpan(r * _d, _d).CopyTo(gathered.AsSpan(pending * _d, _d));
                                gatheredNorms[pending] = _norms[r];
                                gatheredRows[pending++] = r;
                            }

                            if (pending > 0)
                            {
                                KMeansKernel.Assign(gathered.AsSpan(0, pending * _d), gatheredNorms.AsSpan(0, pending), block, chunkLabels.AsSpan(0, pending), chunkBest.AsSpan(0, pending), chunkSecond.AsSpan(0, pending));
                                for (var g = 0; g < pending; g++)
                                {
                                    var r = gatheredRows[g];
                                    upper[r] = MathF.Sqrt(chunkBest[g]);
                                    lower[r] = MathF.Sqrt(chunkSecond[g]);
                                    if (elkan)
                                    {
                                        ResetElkanBounds(lowerAll, r, chunkLabels[g], upper[r], lower[r]);
                                    }

                                    stripeChanged += Move(s, r, chunkLabels[g], labels, sums, counts);
                                }
                            }
                        }

                        if (_trackInertia)
                        {
                            for (var r = c0; r < c0 + rows; r++)
                            {
                                stripeInertia += SquaredEuclidean(_x.AsSpan(r * _d, _d), centroids.AsSpan(labels[r] * _d, _d));
                            }
                        }
                    }

                    inertia[s] = stripeInertia;
                    changed[s] = stripeChanged;
                });

                iteration++;
                var totalInertia = _trackInertia ? inertia.Sum() : double.NaN;
                var totalChanged = changed.Sum();
                if (_trackInertia)
                {
                    history.Add(totalInertia);
                }

                if (totalChanged == 0)
                {
                    converged = true; // labels are stable: the centroids are already their means
                    _progress?.Report(new IterationReport(restart, iteration, totalInertia, 0, _watch.Elapsed, _device));
                    break;
                }

                var moved = Update(centroids, sums, counts, labels, shift, lower, bounded, lowerAll);
                _progress?.Report(new IterationReport(restart, iteration, totalInertia, moved, _watch.Elapsed, _device));
                if (elkan)
                {
                    // Centroid c moved by shift[c]: every distance to it changed by at most that much.
                    var moves = Array.ConvertAll(shift, v => (float)v);
                    Parallel.For(0, Stripes, _parallel, s =>
                    {
                        var (start, end) = StripeRange(s);
                        for (var r = start; r < end; r++)
                        {
                            upper[r] += moves[labels[r]];
                            System.Numerics.Tensors.TensorPrimitives.Subtract(lowerAll.AsSpan(r * _k, _k), moves, lowerAll.AsSpan(r * _k, _k));
                        }
                    });
                }
                else if (bounded)
                {
                    // Centroid c moved by shift[c]: a point's distance to its centroid grew by at most that
                    // much, and its distance to any other centroid shrank by at most the largest other move.
                    var (maxShift, maxIndex, secondShift) = Largest(shift);
                    for (var r = 0; r < _n; r++)
                    {
                        var a = labels[r];
                        upper[r] += (float)shift[a];
                        lower[r] -= (float)(a == maxIndex ? secondShift : maxShift);
                    }
                }

                if (moved <= _tolerance)
                {
                    converged = true;
                    break;
                }

                if (iteration >= _o.MaxIterations)
                {
                    break;
                }
            }

            // Final labels and inertia against the final centroids (as scikit-learn does after a tolerance stop).
            var (finalLabels, finalInertia) = FinalAssignment(centroids);
            return new KMeansResult(ReadOnlyMatrix.Wrap(centroids, _k, _d, null, _columnNames), finalLabels, finalInertia, iteration, converged, history.ToArray(), _device);
        }

        /// <summary>
        /// Moves row r to cluster <paramref name="to"/>, updating its stripe's running sums. Lloyd and
        /// Hamerly apply the same moves in the same order, so their centroids stay bit-identical.
        /// </summary>
        private int Move(int stripe, int r, int to, int[] labels, double[][] sums, long[][] counts)
        {
            var from = labels[r];
            if (from == to)
            {
                return 0;
            }

            var x = _x.AsSpan(r * _d, _d);
            if (from >= 0)
            {
                Accumulate(x, sums[stripe].AsSpan(from * _d, _d), -1);
                counts[stripe][from]--;
            }

            Accumulate(x, sums[stripe].AsSpan(to * _d, _d), +1);
            counts[stripe][to]++;
            labels[r] = to;
            return 1;
        }


        /// <summary>Nearest centroid of every point and the exact (double) inertia.</summary>
        private (int[] Labels, double Inertia) FinalAssignment(float[] centroids)
        {
            var block = new CentroidBlock(_k, _d);
            block.Load(centroids);
            var labels = new int[_n];
            var inertia = new double[Stripes];
            Parallel.For(0, Stripes, _parallel, s =>
            {
                var (start, end) = StripeRange(s);
                var chunkBest = new float[ChunkRows];
                double e = 0;
                for (var c0 = start; c0 < end; c0 += ChunkRows)
                {
                    var rows = Math.Min(ChunkRows, end - c0);
                    KMeansKernel.Assign(_x.AsSpan(c0 * _d, rows * _d), _norms.AsSpan(c0, rows), block, labels.AsSpan(c0, rows), chunkBest.AsSpan(0, rows), default);
                    for (var i = 0; i < rows; i++)
                    {
                        e += ExactSquaredDistance(_x.AsSpan((c0 + i) * _d, _d), centroids.AsSpan(labels[c0 + i] * _d, _d));
                    }
                }

                inertia[s] = e;
            });

            return (labels, inertia.Sum());
        }

        /// <summary>New centroids from the stripe sums; empty clusters move to the points farthest from their centroids.</summary>
        private double Update(float[] centroids, double[][] sums, long[][] counts, int[] labels, double[] shift, float[] lower, bool bounded, float[] lowerAll)
        {
            var total = new double[_d];
            var empty = new List<int>();
            double moved = 0;
            for (var c = 0; c < _k; c++)
            {
                Array.Clear(total);
                long count = 0;
                for (var s = 0; s < Stripes; s++)
                {
                    count += counts[s][c];
                    var part = sums[s].AsSpan(c * _d, _d);
                    for (var f = 0; f < _d; f++)
                    {
                        total[f] += part[f];
                    }
                }

                if (count == 0)
                {
                    empty.Add(c);
                    continue;
                }

                double delta = 0;
                for (var f = 0; f < _d; f++)
                {
                    var value = (float)(total[f] / count);
                    double diff = value - centroids[(c * _d) + f];
                    delta += diff * diff;
                    centroids[(c * _d) + f] = value;
                }

                shift[c] = Math.Sqrt(delta);
                moved += delta;
            }

            if (empty.Count > 0)
            {
                // Relocate each empty centroid onto one of the points farthest from their current centroid.
                var block = new CentroidBlock(_k, _d);
                block.Load(centroids);
                var far = Enumerable.Range(0, _n)
                    .Select(r => (Row: r, Distance: KMeansKernel.SquaredDistance(_x.AsSpan(r * _d, _d), _norms[r], block, labels[r])))
                    .OrderByDescending(p => p.Distance).ThenBy(p => p.Row)
                    .Take(empty.Count).ToArray();
                for (var e = 0; e < empty.Count; e++)
                {
                    var c = empty[e];
                    double delta = 0;
                    for (var f = 0; f < _d; f++)
                    {
                        double diff = _x[(far[e].Row * _d) + f] - centroids[(c * _d) + f];
                        delta += diff * diff;
                    }

                    _x.AsSpan(far[e].Row * _d, _d).CopyTo(centroids.AsSpan(c * _d, _d));
                    shift[c] = Math.Sqrt(delta);
                    moved += delta;
                }

                if (bounded)
                {
                    Array.Clear(lower); // a relocated centroid may now be anyone's nearest: recheck every point
                    Array.Clear(lowerAll);
                }
            }

            return moved;
        }

    }
}
