namespace CrossRec;

/// <summary>Where a builder should run its work.</summary>
public enum Device
{
    /// <summary>
    /// CUDA through the TorchSharp engine when the <c>CrossRec.Torch</c> package is referenced and a GPU
    /// is present; otherwise the managed CPU engine. The chosen engine is recorded in the model's
    /// training info and progress reports.
    /// </summary>
    Auto = 0,

    /// <summary>The managed, multi-threaded SIMD CPU engine (no native dependencies).</summary>
    Cpu = 1,

    /// <summary>CUDA through <c>CrossRec.Torch</c>; fails with a clear message when unavailable.</summary>
    Cuda = 2,
}
