using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu.KMeans;

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
internal static partial class KMeansTrainer
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

    /// <summary>One clustering run: the points, stripe layout and scratch buffers; seeding, Lloyd/Hamerly/Elkan, mini-batch and the shared kernels are in the KMeansTrainer.*.cs files.</summary>
    private sealed partial class State
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
            _parallel = new ParallelOptions { MaxDegreeOfParallelism = ThreadCount.Effective(o.Threads), CancellationToken = ct };
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

    }
}
