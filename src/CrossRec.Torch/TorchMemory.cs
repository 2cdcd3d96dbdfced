using System.Globalization;
using System.Runtime.InteropServices;

namespace CrossRec.Torch;

/// <summary>
/// The device memory a Torch kernel may plan with, and where the figure came from, so a refusal can say both.
/// </summary>
/// <param name="Bytes">Bytes the kernel may allocate at once.</param>
/// <param name="Source">Where <paramref name="Bytes"/> came from, for messages ("TorchEngineOptions.MemoryBudgetBytes", "free memory of cuda:0 by NVML", ...).</param>
public readonly record struct TorchMemoryBudget(long Bytes, string Source)
{
    /// <summary>Share of the free device memory a kernel plans with (the rest is left to libtorch's caching allocator, fragmentation and other processes).</summary>
    public const double FreeMemoryShare = 0.8;

    /// <summary>"1.23 GiB" style size for messages.</summary>
    public static string Format(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB");

    /// <summary>Throws <see cref="InsufficientMemoryException"/> naming <paramref name="what"/> and the size it needs when it exceeds the budget.</summary>
    /// <param name="what">What does not fit, by name ("the implicit ALS factor tables (users × k + items × k floats)").</param>
    /// <param name="needed">Bytes it needs.</param>
    /// <param name="device">The engine's name.</param>
    public void Require(string what, long needed, string device)
    {
        if (needed > Bytes)
        {
            throw new InsufficientMemoryException(
                $"{what} needs {Format(needed)} ({needed.ToString(CultureInfo.InvariantCulture)} bytes) on {device}, more than the {Format(Bytes)} it may use ({Source}); " +
                $"use a smaller problem, or set {nameof(TorchEngineOptions)}.{nameof(TorchEngineOptions.MemoryBudgetBytes)} if more memory is really free.");
        }
    }

    /// <summary>How many units of <paramref name="bytesPerUnit"/> fit in what is left after <paramref name="reserved"/> bytes, between 1 and <paramref name="max"/>.</summary>
    public long Units(long bytesPerUnit, long reserved, long max) =>
        Math.Clamp((Bytes - reserved) / Math.Max(1, bytesPerUnit), 1, Math.Max(1, max));
}

/// <summary>Free memory of a CUDA device from NVML (<c>libnvidia-ml.so.1</c>, part of the NVIDIA driver), which needs no CUDA context.</summary>
internal static partial class Nvml
{
    private static readonly Lock Gate = new();
    private static bool _initialised;

    /// <summary>Free bytes of device <paramref name="index"/>, or null and why not.</summary>
    public static long? FreeBytes(int index, out string? why)
    {
        try
        {
            lock (Gate)
            {
                if (!_initialised)
                {
                    var init = NativeMethods.Init();
                    if (init != 0)
                    {
                        why = $"nvmlInit_v2 returned {init}";
                        return null;
                    }

                    _initialised = true;
                }

                // CUDA_VISIBLE_DEVICES renumbers devices for CUDA but not for NVML: map the index through it when it lists plain numbers.
                var nvmlIndex = index;
                if (Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES") is { Length: > 0 } visible)
                {
                    var ids = visible.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    if (index < ids.Length && int.TryParse(ids[index], NumberStyles.None, CultureInfo.InvariantCulture, out var mapped))
                    {
                        nvmlIndex = mapped;
                    }
                }

                var status = NativeMethods.DeviceByIndex((uint)nvmlIndex, out var device);
                if (status != 0)
                {
                    why = $"nvmlDeviceGetHandleByIndex_v2({nvmlIndex}) returned {status}";
                    return null;
                }

                status = NativeMethods.MemoryInfo(device, out var memory);
                if (status != 0)
                {
                    why = $"nvmlDeviceGetMemoryInfo returned {status}";
                    return null;
                }

                why = null;
                return (long)memory.Free;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            why = $"NVML is not available ({EngineResolver.FirstLine(e.Message)})";
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryInfoV1
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libnvidia-ml.so.1", EntryPoint = "nvmlInit_v2")]
        internal static partial int Init();

        [LibraryImport("libnvidia-ml.so.1", EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
        internal static partial int DeviceByIndex(uint index, out IntPtr device);

        [LibraryImport("libnvidia-ml.so.1", EntryPoint = "nvmlDeviceGetMemoryInfo")]
        internal static partial int MemoryInfo(IntPtr device, out MemoryInfoV1 memory);
    }
}
