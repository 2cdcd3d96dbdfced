// k-means on the CPU (see KMeansTrainer.cs): mini-batch k-means (Sculley 2010).
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu.KMeans;

internal static partial class KMeansTrainer
{
    private sealed partial class State
    {
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

    }
}
