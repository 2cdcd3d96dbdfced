namespace CrossRec;

/// <summary>Where a builder should run its work.</summary>
public enum Device
{
    /// <summary>
    /// CUDA through the TorchSharp engine when the <c>CrossRec.Torch</c> package is referenced and a GPU
    /// is present; otherwise the managed CPU engine. The chosen engine is recorded in the model's
    /// training info and progress reports; where CrossRec.Torch is referenced but cannot run (TorchSharp's
    /// native runtime does not load, or there is no GPU), the one-line reason is too
    /// (<see cref="EngineResolver.Resolve(Device, out string?)"/>).
    /// </summary>
    Auto = 0,

    /// <summary>The managed, multi-threaded SIMD CPU engine (no native dependencies).</summary>
    Cpu = 1,

    /// <summary>
    /// CUDA through <c>CrossRec.Torch</c>; fails with a clear message when unavailable, naming the cause (the
    /// package is not referenced, the native runtime's loader error, or no CUDA device).
    /// </summary>
    Cuda = 2,
}
