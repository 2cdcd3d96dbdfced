using System.Runtime.CompilerServices;
using TorchSharp;

namespace CrossRec.Torch;

/// <summary>
/// Found by the core's <c>EngineResolver</c> at run time (by name), so that <see cref="Device.Auto"/> uses
/// CUDA when this package and a GPU are present.
/// </summary>
internal static class TorchEngineProvider
{
    /// <summary>
    /// A CUDA engine when CUDA is available; otherwise null and, in <paramref name="reason"/>, why not in one
    /// line: TorchSharp or its native runtime does not load (the loader's own error, see
    /// <see cref="TorchNativeRuntime.LoadFailure"/>), or it loads but reports no CUDA device.
    /// </summary>
    public static IComputeEngine? TryCreate(bool requireCuda, out string? reason)
    {
        _ = requireCuda; // both Auto and Cuda want a GPU from this package; libtorch-CPU is chosen explicitly
        if (TorchNativeRuntime.LoadFailure is { } failure)
        {
            reason = failure;
            return null;
        }

        return TryCreateCuda(out reason);
    }

    // Separate (and not inlined) so that TryCreate runs even where the TorchSharp assembly is missing.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IComputeEngine? TryCreateCuda(out string? reason)
    {
        try
        {
            if (torch.cuda.is_available())
            {
                reason = null;
                return new TorchEngine(TorchDevice.Cuda);
            }

            reason = $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} loaded libtorch but reports no CUDA device (a CPU-only runtime package such as libtorch-cpu-linux-x64, or no GPU or driver)";
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException)
        {
            reason = $"TorchSharp could not start CUDA ({EngineResolver.FirstLine(e.Message)})";
            return null;
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

    /// <summary>Trains implicit ALS on the TorchSharp engine.</summary>
    public static ImplicitAlsBuilder UseTorch(this ImplicitAlsBuilder builder, TorchDevice device = TorchDevice.Cpu) =>
        builder.OnEngine(new TorchEngine(device));

    /// <summary>Trains BPR on the TorchSharp engine.</summary>
    public static BprBuilder UseTorch(this BprBuilder builder, TorchDevice device = TorchDevice.Cpu) =>
        builder.OnEngine(new TorchEngine(device));

    /// <summary>Inverts EASE's Gram matrix on the TorchSharp engine.</summary>
    public static EaseBuilder UseTorch(this EaseBuilder builder, TorchDevice device = TorchDevice.Cpu) =>
        builder.OnEngine(new TorchEngine(device));

    /// <summary>Computes item-kNN's similarities on the TorchSharp engine.</summary>
    public static ItemKnnBuilder UseTorch(this ItemKnnBuilder builder, TorchDevice device = TorchDevice.Cpu) =>
        builder.OnEngine(new TorchEngine(device));
}
