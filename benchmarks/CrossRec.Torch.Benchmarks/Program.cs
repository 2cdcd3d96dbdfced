using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CrossRec.Torch.Benchmarks;

/// <summary>
/// BenchmarkDotNet suites of the TorchSharp engine, with the managed CPU engine as the baseline in the same
/// run. <c>--device cuda</c> benchmarks CUDA (default: libtorch CPU). Runs in process, so the native
/// TorchSharp libraries found by this process are the ones measured.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        var device = args.SkipWhile(a => a != "--device").Skip(1).FirstOrDefault();
        TorchBenchmarkSettings.Device = device == "cuda" ? TorchDevice.Cuda : TorchDevice.Cpu;
        var rest = args.Where((a, i) => a != "--device" && (i == 0 || args[i - 1] != "--device")).ToArray();
        // In process, so the measured TorchSharp is the one this process loaded (a local build or a NuGet
        // runtime); each benchmark is seconds long, so a few monitored iterations suffice.
        var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithId("in-process");
        var config = DefaultConfig.Instance.AddJob(job);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
    }
}

/// <summary>The device chosen on the command line.</summary>
public static class TorchBenchmarkSettings
{
    public static TorchDevice Device { get; set; } = TorchDevice.Cpu;
}
