using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;

namespace CrossRec.Benchmarks;

/// <summary>
/// The JIT tax: a whole short fit timed in a fresh process (BenchmarkDotNet's cold start: one launch = one
/// process, one invocation, no warm-up), so the first iteration runs whatever code the JIT gives a method on
/// its first calls. Two jobs side by side: the runtime's defaults (tiered compilation) and
/// <c>DOTNET_TieredCompilation=0</c> (every method fully optimised before its first call). When the two are
/// equal, the hot kernels carry no warm-up cost. Data: the MovieLens-20M-like set of
/// <see cref="ImplicitAlsBenchmarks"/> at scale 0.25 (about 5M interactions), built in the global setup (not timed).
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*ColdFitBenchmarks*'</c>.
/// </summary>
[Config(typeof(Jobs))]
public class ColdFitBenchmarks
{
    private InteractionSet? _data;

    /// <summary>Latent factors k.</summary>
    [Params(64, 128)]
    public int Factors { get; set; }

    [GlobalSetup]
    public void Setup() => _data = ImplicitAlsBenchmarks.Data(0.25);

    /// <summary>Implicit ALS, 4 iterations, defaults otherwise.</summary>
    [Benchmark(Description = "implicit ALS fit, 4 iterations")]
    public object ImplicitAls() => Recommenders.ImplicitAls().Factors(Factors).Iterations(4).Fit(_data!);

    private sealed class Jobs : ManualConfig
    {
        public Jobs()
        {
            var cold = Job.Default.WithStrategy(RunStrategy.ColdStart).WithLaunchCount(3).WithWarmupCount(0).WithIterationCount(1);
            AddJob(cold.WithId("tiered (default)").AsBaseline());
            AddJob(cold.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TieredCompilation", "0")).WithId("TieredCompilation=0"));
        }
    }
}
