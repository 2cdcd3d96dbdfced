namespace CrossRec.Engines;

/// <summary>
/// The seam between CrossRec's models and the hardware that trains them. The managed
/// <see cref="CpuEngine"/> ships in the core package; <c>CrossRec.Torch</c> adds a TorchSharp engine for
/// CUDA and libtorch CPU. Every engine returns the same engine-agnostic model types, so a model trained
/// on a GPU is saved, loaded and served by the core package alone.
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once (each call owns its buffers).</remarks>
internal interface IComputeEngine
{
    /// <summary>Where the work runs: "cpu", "cuda:0", "libtorch-cpu", ...</summary>
    string Name { get; }

    /// <summary>
    /// The engine's implementation of a capability kernel (<c>IFactorizationKernel</c>, <c>IImplicitAlsKernel</c>, <c>IKMeansKernel</c>, ...),
    /// or null when the engine lacks it. Known before training starts, so <see cref="Device.Auto"/> can fall
    /// back per algorithm and say so, and tests skip what an engine lacks.
    /// </summary>
    T? TryGetKernel<T>()
        where T : class => this as T;
}
