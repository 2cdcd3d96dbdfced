using System.Reflection;

namespace CrossRec;

/// <summary>
/// Resolves a <see cref="Device"/> to an engine. The Torch engine lives in a separate assembly that the
/// core package does not reference; it is found by name at run time, so referencing the
/// <c>CrossRec.Torch</c> package is all it takes for <see cref="Device.Auto"/> to use a GPU.
/// </summary>
public static class EngineResolver
{
    private const string TorchProviderType = "CrossRec.Torch.TorchEngineProvider, CrossRec.Torch";
    private static readonly Lazy<Func<bool, IComputeEngine?>?> TorchFactory = new(FindTorchFactory);

    /// <summary>Returns the engine for a device choice.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Device.Cuda"/> was asked for but CrossRec.Torch or a CUDA GPU is not available.</exception>
    public static IComputeEngine Resolve(Device device)
    {
        switch (device)
        {
            case Device.Cpu:
                return CpuEngine.Default;
            case Device.Auto:
                return TorchFactory.Value?.Invoke(false) ?? CpuEngine.Default;
            case Device.Cuda:
                var factory = TorchFactory.Value
                    ?? throw new InvalidOperationException("Device.Cuda needs the CrossRec.Torch package (and TorchSharp-cuda-linux or TorchSharp-cuda-windows for the native runtime); it is not loaded.");
                return factory(true)
                    ?? throw new InvalidOperationException("Device.Cuda was requested but TorchSharp reports no CUDA device.");
            default:
                throw new ArgumentOutOfRangeException(nameof(device), device, "Device must be Auto, Cpu or Cuda.");
        }
    }

    /// <summary>
    /// The engine to run one algorithm's kernel on: the device's engine when it offers
    /// <typeparamref name="TKernel"/>, else (for <see cref="Device.Auto"/>) the managed CPU engine, with a
    /// one-line note saying why, for the model's training info and progress reports.
    /// </summary>
    /// <exception cref="NotSupportedException"><see cref="Device.Cuda"/> was asked for and its engine lacks the kernel.</exception>
    public static (IComputeEngine Engine, TKernel Kernel, string? Note) ResolveKernel<TKernel>(Device device, IComputeEngine? explicitEngine, string algorithm)
        where TKernel : class
    {
        var engine = explicitEngine ?? Resolve(device);
        if (engine.TryGetKernel<TKernel>() is { } kernel)
        {
            return (engine, kernel, null);
        }

        if (device == Device.Cuda || explicitEngine is not null)
        {
            throw new NotSupportedException($"The {engine.Name} engine has no {algorithm} kernel ({typeof(TKernel).Name}); use Device.Cpu or Device.Auto.");
        }

        return (CpuEngine.Default, ((IComputeEngine)CpuEngine.Default).TryGetKernel<TKernel>()
            ?? throw new InvalidOperationException($"No engine provides {typeof(TKernel).Name}."), $"{engine.Name} has no {algorithm} kernel; trained on the managed CPU engine");
    }

    private static Func<bool, IComputeEngine?>? FindTorchFactory()
    {
        Type? type;
        try
        {
            type = Type.GetType(TorchProviderType, throwOnError: false);
        }
        catch (FileLoadException)
        {
            return null;
        }
        catch (BadImageFormatException)
        {
            return null;
        }

        // Contract with CrossRec.Torch: public static IComputeEngine? TryCreate(bool requireCuda),
        // returning null when the requested device is not available.
        var method = type?.GetMethod("TryCreate", BindingFlags.Public | BindingFlags.Static, [typeof(bool)]);
        if (method is null || method.ReturnType != typeof(IComputeEngine))
        {
            return null;
        }

        return requireCuda => (IComputeEngine?)method.Invoke(null, [requireCuda]);
    }
}
