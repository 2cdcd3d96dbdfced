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
