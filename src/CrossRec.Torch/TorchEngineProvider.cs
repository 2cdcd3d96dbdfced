using TorchSharp;

namespace CrossRec.Torch;

/// <summary>
/// Found by the core's <c>EngineResolver</c> at run time (by name), so that <see cref="Device.Auto"/> uses
/// CUDA when this package and a GPU are present.
/// </summary>
public static class TorchEngineProvider
{
    /// <summary>
    /// A CUDA engine when CUDA is available; otherwise null, so <see cref="Device.Auto"/> falls back to the
    /// managed CPU engine and <see cref="Device.Cuda"/> fails with a clear message.
    /// </summary>
    public static IComputeEngine? TryCreate(bool requireCuda)
    {
        _ = requireCuda; // both Auto and Cuda want a GPU from this package; libtorch-CPU is chosen explicitly
        try
        {
            return torch.cuda.is_available() ? new TorchEngine(TorchDevice.Cuda) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            return null; // TorchSharp without a native runtime package: behave as if no GPU were present
        }
    }
}

/// <summary>Fluent shortcuts for running CrossRec builders on the TorchSharp engine.</summary>
public static class TorchBuilderExtensions
{
    /// <summary>Trains on the TorchSharp engine (libtorch CPU by default).</summary>
    public static BiasedFactorizationBuilder UseTorch(this BiasedFactorizationBuilder builder, TorchDevice device = TorchDevice.Cpu) =>
        builder.OnEngine(new TorchEngine(device));

    /// <summary>Clusters on the TorchSharp engine.</summary>
    public static KMeansBuilder UseTorch(this KMeansBuilder builder, TorchDevice device = TorchDevice.Cpu) =>
        builder.OnEngine(new TorchEngine(device));

    /// <summary>Fits on the TorchSharp engine.</summary>
    public static LogisticBuilder UseTorch(this LogisticBuilder builder, TorchDevice device = TorchDevice.Cpu) =>
        builder.OnEngine(new TorchEngine(device));
}
