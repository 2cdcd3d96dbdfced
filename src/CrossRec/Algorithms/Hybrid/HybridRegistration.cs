using CrossRec.Engines.Cpu.Hybrid;

namespace CrossRec.Algorithms.Hybrid;

/// <summary>The hybrid recommender's entry in <see cref="AlgorithmRegistry"/> (not an Auto candidate: Auto has no features to give it yet).</summary>
internal static class HybridRegistration
{
    public static AlgorithmRegistration Entry { get; } = new("hybrid", "hybrid (LightFM-style)", (seed, _) => AlgorithmRegistration.Set(Recommenders.Hybrid(), seed, (b, v) => b.Seed(v)))
    {
        ModelKind = HybridModel.Kind,
        Read = HybridModel.Read,
        CpuKernel = new CpuHybridKernel(),
    };
}
