using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CrossRec.Torch.Benchmarks;

/// <summary>
/// BenchmarkDotNet suites of the TorchSharp engine, with the managed CPU engine side by side in the same run
/// (categories <c>managed</c> and <c>torch</c>: <c>--anyCategories torch</c> times the Torch engine alone).
/// <c>--device cuda</c> benchmarks CUDA (default: libtorch CPU). <c>--accuracy [--json FILE]</c> instead fits
/// every algorithm once on each engine, on the benchmarks' data with a held-out part, and prints (and writes)
/// the accuracy each reaches and its seconds. CROSSREC_TORCH_BENCH_SCALE (default 1) scales the data sets'
/// users, rows and interactions, e.g. 0.1 for a quick run on a small CPU. Runs in process, so the native
/// TorchSharp libraries found by this process are the ones measured.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var device = Value(args, "--device");
        TorchBenchmarkSettings.Device = device == "cuda" ? TorchDevice.Cuda : TorchDevice.Cpu;
        if (args.Contains("--probe"))
        {
            return Probe.Run(Value(args, "--json"));
        }

        if (args.Contains("--accuracy"))
        {
            return Accuracy.Run(Value(args, "--json"));
        }

        var rest = Without(Without(args, "--device"), "--json");

        // In process, so the measured TorchSharp is the one this process loaded (a local build or a NuGet
        // runtime); each benchmark is seconds long, so a few monitored iterations suffice.
        // In-process runs are cut off after 5 minutes by default; a libtorch-CPU ALS sweep can take longer.
        var job = Job.Default.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(20), logOutput: true)).WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithId("in-process");
        var config = DefaultConfig.Instance.AddJob(job);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
        return 0;
    }

    private static string? Value(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    private static string[] Without(string[] args, string name) => args.Where((a, i) => a != name && (i == 0 || args[i - 1] != name)).ToArray();
}

/// <summary>
/// <c>--probe [--json FILE]</c>: whether TorchSharp and libtorch load here, and whether CUDA can be used (the
/// reason when not), before anything long runs. Exit code 0 when the chosen device can run.
/// </summary>
internal static class Probe
{
    public static int Run(string? json)
    {
        var failure = TorchNativeRuntime.LoadFailure;
        string? cudaReason = null;
        var cuda = failure is null && TorchEngineProvider.TryCreate(true, out cudaReason) is not null;
        var devices = cuda ? CudaDeviceCount() : 0;
        var ok = failure is null && (cuda || TorchBenchmarkSettings.Device == TorchDevice.Cpu);
        var result = new
        {
            torchSharp = typeof(TorchNativeRuntime).Assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == "TorchSharp")?.Version?.ToString(3),
            loads = failure is null,
            loadFailure = failure,
            cuda,
            cudaDevices = devices,
            cudaReason = cuda ? null : cudaReason,
            device = TorchBenchmarkSettings.Device.ToString().ToLowerInvariant(),
            ok,
        };
        Console.WriteLine($"TorchSharp loads: {result.loads}{(failure is null ? string.Empty : $" ({failure})")}; CUDA: {cuda} ({(cuda ? $"{devices} device(s)" : cudaReason)})");
        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        }

        return ok ? 0 : 2;
    }

    // Separate, so that TorchSharp is touched only after it is known to load.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int CudaDeviceCount() => TorchSharp.torch.cuda.device_count();
}

/// <summary>The device and data scale chosen for this process.</summary>
public static class TorchBenchmarkSettings
{
    /// <summary>The Torch engine's device (<c>--device</c>).</summary>
    public static TorchDevice Device { get; set; } = TorchDevice.Cpu;

    /// <summary>CROSSREC_TORCH_BENCH_SCALE in (0, 1], default 1.</summary>
    public static double Scale { get; } =
        double.TryParse(Environment.GetEnvironmentVariable("CROSSREC_TORCH_BENCH_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 1 ? s : 1.0;

    /// <summary>A size at the chosen scale (at least 100).</summary>
    public static int Scaled(int size) => Math.Max(100, (int)(size * Scale));

    /// <summary>The Torch engine on the chosen device.</summary>
    internal static TorchEngine CreateEngine() => new(Device);
}

/// <summary>
/// The accuracy side of the figures: each algorithm fitted once per engine on the benchmarks' data (a held-out
/// part set aside), its accuracy and seconds. Timings here are single fits, for orientation; the speed figures
/// are BenchmarkDotNet's.
/// </summary>
internal static class Accuracy
{
    public static int Run(string? json)
    {
        var torch = TorchBenchmarkSettings.CreateEngine();
        var rows = new List<Row>();
        Console.WriteLine($"scale {TorchBenchmarkSettings.Scale.ToString(CultureInfo.InvariantCulture)}, Torch engine {torch.Name}");
        Console.WriteLine("| algorithm | data | metric | managed | Torch | managed s (fit + evaluation) | Torch s (fit + evaluation) |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|");

        var (ratingsTrain, ratingsTest) = TenMillionRatingsBenchmarks.Data.Value.SplitRandom(0.1, 1);
        var sgd = new FactorizationOptions { Factors = 128, Epochs = 5, Seed = 3 };
        Add(rows, "SGD MF (k 128, 5 epochs)", ratingsTrain, "test RMSE", e =>
        {
            var model = e.Factorize(ratingsTrain, null, sgd, null, default);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   SGD in-epoch rating updates/s on {e.Name}: {model.Info!.UpdatesPerSecond:E3} (k 128, {ratingsTrain.Count} ratings)"));
            return model.Evaluate(ratingsTest).Rmse;
        }, torch);

        var (implicitTrain, implicitTest) = CrossRec.Benchmarks.ImplicitAlsBenchmarks.Data(TorchBenchmarkSettings.Scale).SplitPerUser(0.2, 42);
        foreach (var k in new[] { 64, 128 })
        {
            Add(rows, $"implicit ALS (k {k}, 15 it, CG)", implicitTrain, "NDCG@10", e =>
            {
                var model = Recommenders.ImplicitAls().Factors(k).OnEngine(e).Fit(implicitTrain);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   implicit ALS k {k} on {e.Name}: {model.Training!.Seconds / 15:F3} s per iteration (fit seconds / 15)"));
                return Ndcg(model, implicitTest);
            }, torch);
        }

        var (train, test) = TorchRecommenderBenchmarks.Data.Value.SplitPerUser(0.2, 42);
        Add(rows, "BPR (k 64, 20 epochs)", train, "NDCG@10", e => Ndcg(Recommenders.Bpr().Factors(64).Epochs(20).OnEngine(e).Fit(train), test), torch);
        Add(rows, "EASE (defaults)", train, "NDCG@10", e => Ndcg(Recommenders.Ease().OnEngine(e).Fit(train), test), torch);
        Add(rows, "item-kNN (defaults)", train, "NDCG@10", e => Ndcg(Recommenders.ItemKnn().OnEngine(e).Fit(train), test), torch);

        var (points, init, x, y) = KMeansAndLogisticData.Create();
        var kmeans = new KMeansOptions { Clusters = 32, InitialCentroids = init, MaxIterations = 10, Tolerance = 0, Algorithm = KMeansAlgorithm.Lloyd };
        Add(rows, "k-means (k 32, 10 Lloyd it)", null, "inertia", e => e.Cluster(points, kmeans, null, default).Inertia, torch, $"{points.Rows} × {points.Columns}");
        Add(rows, "logistic (Newton)", null, "objective", e => e.FitLogistic(x, y, new LogisticOptions(), default).Objective, torch, $"{x.Rows} × {x.Columns}");

        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(new { scale = TorchBenchmarkSettings.Scale, engine = torch.Name, rows }, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static double Ndcg(RecommenderModel model, InteractionSet test) => Evaluation.Ranking(model, test, new RankingOptions { K = 10 }).Ndcg;

    private static void Add(List<Row> rows, string algorithm, InteractionSet? data, string metric, Func<IComputeEngine, double> fit, TorchEngine torch, string? shape = null)
    {
        var size = shape ?? $"{data!.UserCount} × {data.ItemCount}, {data.Count} train";
        var (managed, managedSeconds) = Time(() => fit(CpuEngine.Default));
        var (onTorch, torchSeconds) = Time(() => fit(torch));
        var row = new Row(algorithm, size, metric, managed, onTorch, managedSeconds, torchSeconds);
        rows.Add(row);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {algorithm} | {size} | {metric} | {managed:G6} | {onTorch:G6} | {managedSeconds:F2} | {torchSeconds:F2} |"));
    }

    private static (double Value, double Seconds) Time(Func<double> run)
    {
        var watch = Stopwatch.StartNew();
        var value = run();
        return (value, watch.Elapsed.TotalSeconds);
    }

    private sealed record Row(string Algorithm, string Data, string Metric, double Managed, double Torch, double ManagedSeconds, double TorchSeconds);
}
