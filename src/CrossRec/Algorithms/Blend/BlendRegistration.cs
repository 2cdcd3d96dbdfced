namespace CrossRec.Algorithms.Blend;

/// <summary>The blend's entry in <see cref="AlgorithmRegistry"/>: loadable, but built from fitted models (<see cref="Recommenders.Blend"/>), not by name.</summary>
internal static class BlendRegistration
{
    public static AlgorithmRegistration Entry { get; } = new(BlendModel.Kind, "blend", null)
    {
        ModelKind = BlendModel.Kind,
        Read = BlendModel.Read,
    };
}
