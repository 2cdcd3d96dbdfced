using BenchmarkDotNet.Configs;
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
        var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithId("in-process"));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
    }
}

/// <summary>The device chosen on the command line.</summary>
public static class TorchBenchmarkSettings
{
    public static TorchDevice Device { get; set; } = TorchDevice.Cpu;
}
