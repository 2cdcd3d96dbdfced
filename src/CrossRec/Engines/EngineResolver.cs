using System.Reflection;
using System.Runtime.InteropServices;

namespace CrossRec.Engines;

/// <summary>
/// Resolves a <see cref="Device"/> to an engine. The Torch engine lives in a separate assembly that the
/// core package does not reference; it is found by name at run time, so referencing the
/// <c>CrossRec.Torch</c> package is all it takes for <see cref="Device.Auto"/> to use a GPU.
/// </summary>
/// <remarks>
/// Where CrossRec.Torch is referenced but cannot run on CUDA (TorchSharp or its native runtime does not load,
/// for example on a system whose libstdc++ is older than the one libtorch was built against, or no GPU is
/// present), <see cref="Device.Auto"/> uses the managed CPU engine and
/// <see cref="Resolve(Device, out string?)"/> says why in one line, the loader's own error included;
/// <see cref="Device.Cuda"/> fails with that line.
/// </remarks>
internal static class EngineResolver
{
    private const string TorchProviderType = "CrossRec.Torch.TorchEngineProvider, CrossRec.Torch";
    private static readonly Lazy<TorchProvider> Torch = new(FindTorchProvider);

    /// <summary>
    /// A way to create the Torch engine: a CUDA engine, or null and why not. Contract with CrossRec.Torch's
    /// <c>TorchEngineProvider.TryCreate(bool requireCuda, out string? reason)</c>.
    /// </summary>
    internal delegate IComputeEngine? TorchFactory(bool requireCuda, out string? reason);

    /// <summary>Returns the engine for a device choice.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Device.Cuda"/> was asked for but CrossRec.Torch or a CUDA GPU is not available; the message says why.</exception>
    public static IComputeEngine Resolve(Device device) => Resolve(device, out _);

    /// <summary>
    /// Returns the engine for a device choice, and for <see cref="Device.Auto"/> why it fell back to the
    /// managed CPU engine.
    /// </summary>
    /// <param name="device">The device asked for.</param>
    /// <param name="fallbackReason">
    /// Null when the device was honoured: <see cref="Device.Cpu"/>, <see cref="Device.Cuda"/>, or
    /// <see cref="Device.Auto"/> on CUDA, or on the managed engine because CrossRec.Torch is not referenced
    /// (the documented default). Otherwise one line for the model's training info and progress reports:
    /// CrossRec.Torch is referenced but cannot run on CUDA, and why (for instance the dynamic loader's error
    /// for <c>libLibTorchSharp.so</c>, such as a missing <c>GLIBCXX_3.4.32</c>, or no CUDA device).
    /// </param>
    /// <exception cref="InvalidOperationException"><see cref="Device.Cuda"/> was asked for but CrossRec.Torch or a CUDA GPU is not available; the message says why.</exception>
    public static IComputeEngine Resolve(Device device, out string? fallbackReason) => Resolve(device, ProviderOverride ?? Torch.Value, out fallbackReason);

    /// <summary>Tests only: a Torch provider to use instead of the one found at run time (null: the real one).</summary>
    internal static TorchProvider? ProviderOverride { get; set; }

    /// <summary>
    /// The engine to run one algorithm's kernel on: the device's engine when it offers
    /// <typeparamref name="TKernel"/>, else (for <see cref="Device.Auto"/>) the managed CPU engine, with a
    /// one-line note saying why, for the model's training info and progress reports. The note also carries
    /// <see cref="Device.Auto"/>'s fallback reason (see <see cref="Resolve(Device, out string?)"/>).
    /// </summary>
    /// <exception cref="NotSupportedException"><see cref="Device.Cuda"/> was asked for and its engine lacks the kernel.</exception>
    public static (IComputeEngine Engine, TKernel Kernel, string? Note) ResolveKernel<TKernel>(Device device, IComputeEngine? explicitEngine, string algorithm)
        where TKernel : class
    {
        string? fallback = null;
        var engine = explicitEngine ?? Resolve(device, out fallback);
        if (engine.TryGetKernel<TKernel>() is { } kernel)
        {
            return (engine, kernel, fallback);
        }

        if (device == Device.Cuda || explicitEngine is not null)
        {
            throw new NotSupportedException($"The {engine.Name} engine has no {algorithm} kernel ({typeof(TKernel).Name}); use Device.Cpu or Device.Auto.");
        }

        return (CpuEngine.Default, ((IComputeEngine)CpuEngine.Default).TryGetKernel<TKernel>()
            ?? throw new InvalidOperationException($"No engine provides {typeof(TKernel).Name}."), $"{engine.Name} has no {algorithm} kernel; trained on the managed CPU engine");
    }

    /// <summary>The resolution itself, with the Torch provider given (tests pass their own).</summary>
    internal static IComputeEngine Resolve(Device device, TorchProvider torch, out string? fallbackReason)
    {
        fallbackReason = null;
        switch (device)
        {
            case Device.Cpu:
                return CpuEngine.Default;
            case Device.Auto:
                if (torch.LoadError is { } loadError)
                {
                    fallbackReason = $"Device.Auto chose the managed CPU engine: {loadError}";
                    return CpuEngine.Default;
                }

                if (torch.Factory is null)
                {
                    return CpuEngine.Default;
                }

                if (TryCreate(torch.Factory, requireCuda: false, out var why) is { } auto)
                {
                    return auto;
                }

                fallbackReason = $"Device.Auto chose the managed CPU engine: {why}";
                return CpuEngine.Default;
            case Device.Cuda:
                if (torch.LoadError is { } error)
                {
                    throw new InvalidOperationException($"Device.Cuda was requested but the Torch engine cannot start: {error}");
                }

                if (torch.Factory is null)
                {
                    throw new InvalidOperationException("Device.Cuda needs the CrossRec.Torch package (and TorchSharp-cuda-linux or TorchSharp-cuda-windows for the native runtime); it is not loaded.");
                }

                return TryCreate(torch.Factory, requireCuda: true, out var reason)
                    ?? throw new InvalidOperationException($"Device.Cuda was requested but the Torch engine cannot run on CUDA: {reason}");
            default:
                throw new ArgumentOutOfRangeException(nameof(device), device, "Device must be Auto, Cpu or Cuda.");
        }
    }

    private static IComputeEngine? TryCreate(TorchFactory factory, bool requireCuda, out string reason)
    {
        string? why;
        IComputeEngine? engine;
        try
        {
            engine = factory(requireCuda, out why);
        }
        catch (Exception e) when (e is TargetInvocationException { InnerException: not null } or FileNotFoundException or FileLoadException or TypeLoadException or DllNotFoundException or TypeInitializationException or NotSupportedException or BadImageFormatException)
        {
            var inner = e is TargetInvocationException t ? t.InnerException! : e;
            engine = null;
            why = $"CrossRec.Torch failed to start ({inner.GetType().Name}: {FirstLine(inner.Message)})";
        }

        reason = why ?? "CrossRec.Torch reports no CUDA device";
        return engine;
    }

    internal static string FirstLine(string message)
    {
        var line = message.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end].TrimEnd()).ToString();
    }

    private static TorchProvider FindTorchProvider()
    {
        Type? type;
        try
        {
            type = Type.GetType(TorchProviderType, throwOnError: false);
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException)
        {
            return new TorchProvider(null, $"CrossRec.Torch cannot load ({FirstLine(e.Message)})");
        }

        if (type is null)
        {
            return TorchProvider.Absent;
        }

        // Contract with CrossRec.Torch: static IComputeEngine? TryCreate(bool requireCuda, out string? reason), null (and
        // why) when CUDA is not available. Both assemblies ship together, so there is no older shape to fall back to.
        var method = type.GetMethod("TryCreate", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(bool), typeof(string).MakeByRefType()]);
        if (method is null || method.ReturnType != typeof(IComputeEngine))
        {
            return new TorchProvider(null, "this CrossRec.Torch has no TryCreate(bool, out string?) provider method (a version mismatch with CrossRec)");
        }

        return new TorchProvider((bool requireCuda, out string? reason) =>
        {
            object?[] args = [requireCuda, null];
            var engine = (IComputeEngine?)method.Invoke(null, args);
            reason = (string?)args[1];
            return engine;
        }, null);
    }

    /// <summary>How the Torch engine can be created: a factory, or why the assembly cannot be used; neither when it is absent.</summary>
    internal sealed record TorchProvider(TorchFactory? Factory, string? LoadError)
    {
        public static TorchProvider Absent { get; } = new(null, null);
    }
}

/// <summary>
/// Asks the platform's dynamic loader to load a native library and returns its own error text, so a
/// failure is reported by its real cause (a missing <c>GLIBCXX_3.4.32</c>, say) rather than a guess.
/// </summary>
internal static partial class NativeLibraryProbe
{
    private const int RtldLazy = 1;

    /// <summary>Loads <paramref name="path"/> (left loaded) and returns null, or the loader's one-line error.</summary>
    public static string? TryLoad(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return DlOpen(path, libc: true);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                try
                {
                    return DlOpen(path, libc: false); // glibc before 2.34 keeps dlopen in libdl
                }
                catch (Exception e2) when (e2 is DllNotFoundException or EntryPointNotFoundException)
                {
                    // not glibc: fall through to the runtime's own loader
                }
            }
        }

        try
        {
            NativeLibrary.Load(path);
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            // The runtime's text puts the loader's own message last, after a generic hint.
            var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length == 0 ? e.GetType().Name : lines[^1];
        }
    }

    private static string? DlOpen(string path, bool libc)
    {
        // Bind dlerror first (and clear any pending error), so no lookup by the runtime runs between dlopen and
        // dlerror on this thread.
        _ = libc ? LibC.Error() : LibDl.Error();
        var handle = libc ? LibC.Open(path, RtldLazy) : LibDl.Open(path, RtldLazy);
        if (handle != IntPtr.Zero)
        {
            return null;
        }

        var error = libc ? LibC.Error() : LibDl.Error();
        return error == IntPtr.Zero ? $"{path}: the dynamic loader refused it without a message" : EngineResolver.FirstLine(Marshal.PtrToStringUTF8(error) ?? path);
    }

    private static partial class LibC
    {
        [LibraryImport("libc.so.6", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr Open(string file, int mode);

        [LibraryImport("libc.so.6", EntryPoint = "dlerror")]
        internal static partial IntPtr Error();
    }

    private static partial class LibDl
    {
        [LibraryImport("libdl.so.2", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr Open(string file, int mode);

        [LibraryImport("libdl.so.2", EntryPoint = "dlerror")]
        internal static partial IntPtr Error();
    }
}
