using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu;

/// <summary>
/// k-means on the CPU: greedy k-means++ seeding, Lloyd iterations, Hamerly's bounded variant (exact:
/// same assignments as Lloyd, far fewer distance computations once centroids settle) and mini-batch
/// k-means for data too large to iterate fully.
/// </summary>
/// <remarks>
/// <para>Implementation note — reproducibility: rows are split into a fixed number of stripes (independent
/// of the thread count); each stripe accumulates its centroid sums and inertia in double precision in row
/// order and stripes are merged in order. A seed therefore gives the same clustering on any machine with
/// any number of threads, and Lloyd and Hamerly compute bit-identical centroids from the same labels.</para>
/// <para>Distances use ‖x‖² − 2x·c + ‖c‖² in float32 (the GEMM-like <see cref="KMeansKernel"/>); the
/// reported inertia is recomputed in double from the exact differences.</para>
/// </remarks>
internal static class KMeansTrainer
{
    private const int Stripes = 32;
    private const int ChunkRows = 1024;

    public static KMeansResult Fit(ReadOnlyMatrix points, KMeansOptions o, IProgress<IterationReport>? progress, string device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        var n = points.Rows;
        var d = points.Columns;
        if (n == 0 || d == 0)
        {
            throw new ArgumentException($"k-means needs a non-empty matrix; got {n} x {d}.", nameof(points));
        }

        if (o.Clusters > n)
        {
            throw new ArgumentOutOfRangeException(nameof(o.Clusters), o.Clusters, $"Clusters (k = {o.Clusters}) exceeds the number of points ({n}).");
        }

        foreach (var v in points.AsSpan())
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The matrix holds NaN or infinite values; clean or impute them before clustering.", nameof(points));
            }
        }

        if (o.Algorithm == KMeansAlgorithm.Elkan && (long)n * o.Clusters > MaxElkanBounds)
        {
            throw new ArgumentException(
                $"Elkan keeps {o.Clusters} lower bounds for each of the {n} points ({(long)n * o.Clusters * 4 / (1 << 20)} MB), over the {MaxElkanBounds * 4 / (1 << 20)} MB it may use; choose Algorithm = Hamerly or Auto.",
                nameof(o.Algorithm));
        }

        if (o.InitialCentroids is { } init && (init.Rows != o.Clusters || init.Columns != d))
        {
            throw new ArgumentException($"InitialCentroids is {init.Rows} x {init.Columns}; expected {o.Clusters} x {d}.", nameof(o.InitialCentroids));
        }

        var state = new State(points, o, progress, device, ct);
        KMeansResult? best = null;
        for (var restart = 0; restart < o.Restarts; restart++)
        {
            ct.ThrowIfCancellationRequested();
            // Not HashCode.Combine: it is randomised per process, and a seed must mean the same run everywhere.
            var rng = new Random(unchecked((o.Seed * 1_000_003) + (restart * 7919) + 0x6B6D));
            var centroids = o.InitialCentroids is { } given && restart == 0 ? given.ToArray() : state.SeedPlusPlus(rng);
            var result = o.Algorithm switch
            {
                KMeansAlgorithm.MiniBatch => state.MiniBatch(centroids, rng, restart),
                KMeansAlgorithm.Lloyd => state.Iterate(centroids, restart, bounded: false),
                KMeansAlgorithm.Hamerly => state.Iterate(centroids, restart, bounded: true),
                KMeansAlgorithm.Elkan => state.Iterate(centroids, restart, bounded: true, elkan: true),
                _ => state.Iterate(centroids, restart, bounded: ChooseBounded(o.Clusters, d)),
            };
            if (best is null || result.Inertia < best.Inertia)
            {
                best = result;
            }
        }

        return best!;
    }

    /// <summary>
    /// What <see cref="KMeansAlgorithm.Auto"/> runs. Measured in KMeansVariantBenchmarks (50,000 rows,
    /// k = 8…256, d = 8…128, same start): Hamerly's bounds win from d = 32 up (0.56–0.80 of Lloyd's time);
    /// at d = 8 a full assignment costs little more than checking the bounds and Lloyd is as fast or faster.
    /// Elkan never wins here (rerun with it: 1.03–2.09 of Lloyd's time against Hamerly's 0.71–0.95 for k ≥ 32):
    /// keeping and lowering n × k bounds costs more than the blocked distance kernel it saves, so Auto never
    /// picks it.
    /// </summary>
    internal static bool ChooseBounded(int k, int d) => k >= 4 && d >= 16;

    /// <summary>Most lower bounds Elkan may keep (n × k floats: 1 GB).</summary>
    private const long MaxElkanBounds = 1L << 28;

    private sealed class State
    {
        private readonly float[] _x;
        private readonly float[] _norms;
        private readonly int _n;
        private readonly int _d;
        private readonly int _k;
        private readonly KMeansOptions _o;
        private readonly IProgress<IterationReport>? _progress;
        private readonly string _device;
        private readonly CancellationToken _ct;
        private readonly ParallelOptions _parallel;
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly double _tolerance;
        private readonly IReadOnlyList<string>? _columnNames;
        private readonly bool _trackInertia;

        public State(ReadOnlyMatrix points, KMeansOptions o, IProgress<IterationReport>? progress, string device, CancellationToken ct)
        {
            _x = points.Data;
            _n = points.Rows;
            _d = points.Columns;
            _k = o.Clusters;
            _o = o;
            _progress = progress;
            _device = device;
            _ct = ct;
            _columnNames = points.ColumnNames;
            _trackInertia = o.TrackInertia || progress is not null;
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Threads > 0 ? Math.Min(o.Threads, Environment.ProcessorCount) : Environment.ProcessorCount, CancellationToken = ct };
            _norms = new float[_n];
            Parallel.For(0, Stripes, _parallel, s =>
            {
                var (start, end) = StripeRange(s);
                KMeansKernel.RowNorms(_x.AsSpan(start * _d, (end - start) * _d), _d, _norms.AsSpan(start, end - start));
            });

            // scikit-learn's tolerance: relative to the mean per-feature variance of the data.
            var mean = new double[_d];
            var sq = new double[_d];
            for (var r = 0; r < _n; r++)
            {
                for (var f = 0; f < _d; f++)
                {
                    double v = _x[(r * _d) + f];
                    mean[f] += v;
                    sq[f] += v * v;
                }
            }

            double variance = 0;
            for (var f = 0; f < _d; f++)
            {
                var m = mean[f] / _n;
                variance += Math.Max(0, (sq[f] / _n) - (m * m));
            }

            _tolerance = o.Tolerance * variance / _d;
        }

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

        /// <summary>Mini-batch k-means (Sculley 2010): per-centroid learning rates 1/count over random batches.</summary>
        public KMeansResult MiniBatch(float[] centroids, Random rng, int restart)
        {
            var batch = Math.Min(_o.BatchSize, _n);
            var block = new CentroidBlock(_k, _d);
            var seen = new long[_k];
            var rowsBuffer = new float[batch * _d];
            var normBuffer = new float[batch];
            var labels = new int[batch];
            var dist = new float[batch];
            var history = new List<double>();
            var converged = false;
            var iteration = 0;
            var quiet = 0;
            var previous = new float[_k * _d];
            while (iteration < _o.MaxIterations)
            {
                _ct.ThrowIfCancellationRequested();
                iteration++;
                for (var b = 0; b < batch; b++)
                {
                    var r = rng.Next(_n);
                    _x.AsSpan(r * _d, _d).CopyTo(rowsBuffer.AsSpan(b * _d));
                    normBuffer[b] = _norms[r];
                }

                block.Load(centroids);
                KMeansKernel.Assign(rowsBuffer, normBuffer, block, labels, dist, default);
                centroids.CopyTo(previous, 0);
                double batchInertia = 0;
                for (var b = 0; b < batch; b++)
                {
                    var c = labels[b];
                    batchInertia += dist[b];
                    var eta = 1f / ++seen[c];
                    var centre = centroids.AsSpan(c * _d, _d);
                    var x = rowsBuffer.AsSpan(b * _d, _d);
                    for (var f = 0; f < _d; f++)
                    {
                        centre[f] += eta * (x[f] - centre[f]);
                    }
                }

                double moved = 0;
                for (var j = 0; j < centroids.Length; j++)
                {
                    double delta = centroids[j] - previous[j];
                    moved += delta * delta;
                }

                history.Add(batchInertia * _n / batch);
                _progress?.Report(new IterationReport(restart, iteration, history[^1], moved, _watch.Elapsed, _device));

                // Stop after 10 consecutive batches that move the centroids less than the tolerance.
                quiet = moved <= _tolerance ? quiet + 1 : 0;
                if (quiet >= 10)
                {
                    converged = true;
                    break;
                }
            }

            var (finalLabels, finalInertia) = FinalAssignment(centroids);
            return new KMeansResult(ReadOnlyMatrix.Wrap(centroids, _k, _d, null, _columnNames), finalLabels, finalInertia, iteration, converged, history.ToArray(), _device);
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
