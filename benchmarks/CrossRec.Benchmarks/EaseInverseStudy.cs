using System.Diagnostics;
using System.Globalization;

namespace CrossRec.Benchmarks;

/// <summary>
/// The side-by-side run against OpenBLAS: inverts the float32 SPD matrix that <c>benchmarks/peers/ease_inverse_peer.py
/// make N FILE</c> wrote (row-major n × n, the Gram matrix B·Bᵀ + λI) with the CPU engine's EASE kernel in float32 and,
/// with <c>f64</c>, in float64, printing seconds, GFLOPS (n³ flops) and the largest difference of the two inverses
/// relative to the largest entry. A 300 × 300 inverse runs first so the JIT is not timed. Run once per round,
/// alternating with <c>ease_inverse_peer.py time FILE</c>:
/// <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- ease-inverse FILE [f64]</c>.
/// BenchmarkDotNet's figures for the same kernel are <see cref="EaseInverseBenchmarks"/>.
/// </summary>
internal static class EaseInverseStudy
{
    public static void Run(string path, bool wide)
    {
        var bytes = File.ReadAllBytes(path);
        var n = (int)Math.Round(Math.Sqrt(bytes.Length / sizeof(float)));
        if ((long)n * n * sizeof(float) != bytes.Length)
        {
            throw new ArgumentException($"{path}: {bytes.Length} bytes is not a square float32 matrix.");
        }

        var source = new float[(long)n * n];
        Buffer.BlockCopy(bytes, 0, source, 0, bytes.Length);
        bytes = null;
        var solver = CpuEngine.Kernel<IGramSolver>();
        var warm = EaseInverseBenchmarks.Spd(300, 1);
        solver.InvertSpd((float[])warm.Clone(), 300, 0, null, default);
        solver.InvertSpd(warm.Select(v => (double)v).ToArray(), 300, 0, null, default);

        var single = (float[])source.Clone();
        var watch = Stopwatch.StartNew();
        solver.InvertSpd(single, n, 0, null, default);
        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"crossrec-f32 n={n} seconds={seconds:F3} gflops={Math.Pow(n, 3) / seconds / 1e9:F1} diag0={single[0]:G6}"));
        if (!wide)
        {
            return;
        }

        var dbl = new double[(long)n * n];
        for (long p = 0; p < dbl.LongLength; p++)
        {
            dbl[p] = source[p];
        }

        source = null;
        GC.Collect();
        watch.Restart();
        solver.InvertSpd(dbl, n, 0, null, default);
        seconds = watch.Elapsed.TotalSeconds;
        double worst = 0, largest = 0;
        for (long p = 0; p < dbl.LongLength; p++)
        {
            worst = Math.Max(worst, Math.Abs(single[p] - dbl[p]));
            largest = Math.Max(largest, Math.Abs(dbl[p]));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"crossrec-f64 n={n} seconds={seconds:F3} gflops={Math.Pow(n, 3) / seconds / 1e9:F1} diag0={dbl[0]:G6} max|f32-f64|/max|P|={worst / largest:E2}"));
    }
}
