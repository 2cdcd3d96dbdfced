namespace CrossRec.Torch;

/// <summary>Where the TorchSharp engine runs.</summary>
public enum TorchDevice
{
    /// <summary>libtorch on the CPU (useful without a GPU, and to test the engine anywhere).</summary>
    Cpu = 0,

    /// <summary>The first CUDA GPU.</summary>
    Cuda = 1,
}

/// <summary>Settings of the TorchSharp engine. Immutable.</summary>
public sealed record TorchEngineOptions
{
    /// <summary>Device.</summary>
    public TorchDevice Device { get; init; } = TorchDevice.Cpu;

    /// <summary>CUDA device index (0..63).</summary>
    public int DeviceIndex { get; init; }

    /// <summary>
    /// Ratings per SGD minibatch; null picks 65,536 on CUDA and 8,192 on the CPU. Updates of a batch are
    /// summed per row (as Hogwild threads would apply them), which keeps the CPU engine's learning rates
    /// valid: on MovieLens 100K, batches up to 32,768 reach the CPU engine's RMSE (1..16,777,216).
    /// </summary>
    public int? BatchSize { get; init; }

    /// <summary>Rows per k-means distance chunk (bounds GPU memory: chunk × k floats); 1..16,777,216.</summary>
    public int KMeansChunkRows { get; init; } = 65_536;

    /// <summary>
    /// Bytes of device memory the implicit ALS, BPR, EASE and item-kNN kernels may plan with; they choose
    /// their batch sizes from it and refuse, by name and with the size needed, a factor table or Gram matrix
    /// that does not fit. Null: on CUDA, <see cref="TorchMemoryBudget.FreeMemoryShare"/> of the device's free
    /// memory (asked of NVML at each call); on the CPU, half the memory available to this process (1 MiB..2⁶² bytes).
    /// </summary>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>
    /// Positives per BPR minibatch (each with one sampled negative); null picks 1,024 on the CPU and 16,384 on
    /// CUDA. Updates to one row within a batch are summed, as Hogwild threads would apply them (1..16,777,216).
    /// </summary>
    public int? BprBatchSize { get; init; }

    /// <summary>
    /// Positives per hybrid minibatch (each with its sampled negatives); null picks 1,024, or fewer so that an epoch has at least 128 batches (how it was chosen: docs/gpu.md).
    /// The gradients of one feature row within a batch are summed into one Adagrad step (1..16,777,216).
    /// </summary>
    public int? HybridBatchSize { get; init; }

    /// <summary>Checks the settings.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Device))
        {
            throw new ArgumentOutOfRangeException(nameof(Device), Device, "Device must be Cpu or Cuda.");
        }

        if (DeviceIndex is < 0 or > 63)
        {
            throw new ArgumentOutOfRangeException(nameof(DeviceIndex), DeviceIndex, "DeviceIndex must be in 0..63.");
        }

        if (BatchSize is { } b && (b < 1 || b > 16_777_216))
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), b, "BatchSize must be in 1..16777216.");
        }

        if (MemoryBudgetBytes is { } m && (m < 1L << 20 || m > 1L << 62))
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), m, "MemoryBudgetBytes must be in 1 MiB..2^62 bytes.");
        }

        if (BprBatchSize is { } bb && (bb < 1 || bb > 16_777_216))
        {
            throw new ArgumentOutOfRangeException(nameof(BprBatchSize), bb, "BprBatchSize must be in 1..16777216.");
        }

        if (HybridBatchSize is { } hb && (hb < 1 || hb > 16_777_216))
        {
            throw new ArgumentOutOfRangeException(nameof(HybridBatchSize), hb, "HybridBatchSize must be in 1..16777216.");
        }

        if (KMeansChunkRows is < 1 or > 16_777_216)
        {
            throw new ArgumentOutOfRangeException(nameof(KMeansChunkRows), KMeansChunkRows, "KMeansChunkRows must be in 1..16777216.");
        }
    }
}
