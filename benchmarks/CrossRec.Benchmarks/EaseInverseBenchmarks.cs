using BenchmarkDotNet.Attributes;

namespace CrossRec.Benchmarks;

/// <summary>
/// EASE's Gram inverse on the CPU engine, float32 (<see cref="EasePrecision.Single"/>, the blocked symmetric sweep)
/// against float64 (<see cref="EasePrecision.Double"/>, the blocked Cholesky), at 8,000 and 16,000 items, every core.
/// The matrix is the binary B·Bᵀ + λI of <c>benchmarks/peers/ease_inverse_peer.py</c> (B n × 256, density 0.1,
/// λ = 5 × the mean diagonal), generated in process; each iteration inverts a fresh copy.
/// Run (ColdStart: seconds-long single invocations without pilot or warm-up, which at 16,000 items would cost minutes each):
/// <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*EaseInverseBenchmarks*' --inProcess --strategy ColdStart --iterationCount 3 --launchCount 1</c>.
/// </summary>
public class EaseInverseBenchmarks
{
    private float[] _matrix = [];
    private float[] _single = [];
    private double[] _double = [];

    [Params(8_000, 16_000)]
    public int Items { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _matrix = Spd(Items, 7);
        _single = new float[_matrix.Length];
        _double = new double[_matrix.Length];
    }

    [IterationSetup]
    public void Copy()
    {
        _matrix.CopyTo(_single, 0);
        for (long p = 0; p < _matrix.LongLength; p++)
        {
            _double[p] = _matrix[p];
        }
    }

    [Benchmark(Baseline = true, Description = "float64 (blocked Cholesky)")]
    public double Float64()
    {
        CpuEngine.Kernel<IGramSolver>().InvertSpd(_double, Items, 0, null, default);
        return _double[0];
    }

    [Benchmark(Description = "float32 (blocked sweep)")]
    public float Float32()
    {
        CpuEngine.Kernel<IGramSolver>().InvertSpd(_single, Items, 0, null, default);
        return _single[0];
    }

    /// <summary>B·Bᵀ + λI, row-major, for a random binary n × 256 matrix B of density 0.1 (λ = 5 × the mean diagonal).</summary>
    internal static float[] Spd(int n, int seed)
    {
        var rng = new Random(seed);
        var members = new List<int>[256];
        for (var k = 0; k < members.Length; k++)
        {
            members[k] = [];
        }

        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < members.Length; k++)
            {
                if (rng.NextDouble() < 0.1)
                {
                    members[k].Add(i);
                }
            }
        }

        var g = new float[(long)n * n];
        foreach (var rows in members)
        {
            foreach (var i in rows)
            {
                foreach (var j in rows)
                {
                    g[((long)i * n) + j] += 1;
                }
            }
        }

        double trace = 0;
        for (var i = 0; i < n; i++)
        {
            trace += g[((long)i * n) + i];
        }

        var lambda = (float)(5 * trace / n);
        for (var i = 0; i < n; i++)
        {
            g[((long)i * n) + i] += lambda;
        }

        return g;
    }
}
