using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossRec.Torch;

/// <summary>
/// Whether TorchSharp and its native runtime load in this process, and if not, why, in one line. Checked once.
/// </summary>
/// <remarks>
/// TorchSharp's own message for a native library that exists but does not load blames a missing runtime package
/// ("missing libtorch-cpu-linux-x64 reference"); the real cause is usually the dynamic loader's, for example
/// <c>libLibTorchSharp.so</c> of TorchSharp 0.107 needing <c>GLIBCXX_3.4.32</c> (libstdc++ of GCC 13+) on a
/// system with an older one (Debian 12 has 3.4.30). So this loads the library itself first and reports the
/// loader's error. Nothing here references a TorchSharp type before the TorchSharp assembly is known to load,
/// so even a missing TorchSharp.dll gives a reason instead of an exception.
/// </remarks>
public static class TorchNativeRuntime
{
    private static readonly Lazy<string?> Failure = new(FindFailure);

    /// <summary>
    /// Null when TorchSharp and libtorch load; otherwise why not, in one line (the loader's error for
    /// <c>LibTorchSharp</c>, a missing native library, or TorchSharp's initialisation error).
    /// </summary>
    public static string? LoadFailure => Failure.Value;

    /// <summary>The native library file TorchSharp binds to on this platform.</summary>
    public static string LibraryFileName =>
        OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";

    private static string? FindFailure()
    {
        Assembly torchSharp;
        try
        {
            torchSharp = Assembly.Load(new AssemblyName("TorchSharp"));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return $"the TorchSharp assembly does not load ({EngineResolver.FirstLine(e.Message)})";
        }

        var version = torchSharp.GetName().Version;
        var name = version is null ? "TorchSharp" : $"TorchSharp {version.ToString(3)}";
        if (!NativeLibrary.TryLoad("LibTorchSharp", torchSharp, null, out _))
        {
            // The runtime's probing (the paths TorchSharp's own P/Invokes use) failed: find the file it looked
            // for and let the loader say why it does not load.
            var file = FindNativeFile(torchSharp);
            if (file is null)
            {
                return $"{name}: {LibraryFileName} is not among the application's native libraries (reference libtorch-cpu-linux-x64, TorchSharp-cpu or TorchSharp-cuda-*)";
            }

            return $"{name}: cannot load {LibraryFileName}: {NativeLibraryProbe.TryLoad(file) ?? "it loads by path but not by name (check the native search paths)"}";
        }

        try
        {
            InitialiseCpu();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or NotSupportedException or InvalidOperationException or TypeInitializationException)
        {
            var inner = e is TypeInitializationException { InnerException: { } i } ? i : e;
            return $"{name} did not initialise libtorch ({EngineResolver.FirstLine(inner.Message)})";
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void InitialiseCpu() => TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);

    private static string? FindNativeFile(Assembly torchSharp)
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchPaths)
        {
            directories.AddRange(searchPaths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }

        directories.Add(AppContext.BaseDirectory);
        if (Path.GetDirectoryName(torchSharp.Location) is { Length: > 0 } assemblyDirectory)
        {
            directories.Add(assemblyDirectory);
        }

        var rid = RuntimeInformation.RuntimeIdentifier;
        foreach (var directory in directories.ToList())
        {
            directories.Add(Path.Combine(directory, "runtimes", rid, "native"));
        }

        return directories.Select(d => Path.Combine(d, LibraryFileName)).FirstOrDefault(File.Exists);
    }
}
