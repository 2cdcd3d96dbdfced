namespace CrossRec.Engines.Cpu;

/// <summary>
/// The managed CPU engine: multi-threaded, SIMD inner loops (TensorPrimitives / Vector256 with
/// fallbacks), no native dependencies. The default engine of every builder. It is a set of kernels: each
/// algorithm's registration names its managed kernel (<c>Engines/Cpu/&lt;Algorithm&gt;/</c>), and segmentation and
/// conversion scoring, which are not top-N algorithms, add theirs here.
/// </summary>
internal sealed class CpuEngine : IComputeEngine
{
    /// <summary>The engine's name, as models' training info records it.</summary>
    public const string EngineName = "cpu";

    // The kernels of the jobs that are not registered recommenders.
    private static readonly object[] OwnKernels = [new CpuKMeansKernel(), new CpuLogisticKernel()];

    private CpuEngine()
    {
    }

    /// <summary>The shared instance (the engine is stateless).</summary>
    public static CpuEngine Default { get; } = new();

    /// <inheritdoc />
    public string Name => EngineName;

    /// <summary>The managed engine's kernel of type <typeparamref name="T"/> (tests and benchmarks call kernels directly).</summary>
    /// <exception cref="NotSupportedException">No registered algorithm provides <typeparamref name="T"/> on this engine.</exception>
    public static T Kernel<T>()
        where T : class => EngineKernels.Kernel<T>(Default);

    /// <inheritdoc />
    T? IComputeEngine.TryGetKernel<T>()
        where T : class => AlgorithmRegistry.CpuKernel<T>() ?? OwnKernels.OfType<T>().FirstOrDefault();
}
