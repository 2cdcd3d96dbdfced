namespace CrossRec.Algorithms.Mapped;

/// <summary>The mapped model's entry in <see cref="AlgorithmRegistry"/>: loadable, but built from a base builder and features (<see cref="Recommenders.Mapped"/>), not by name.</summary>
internal static class MappedRegistration
{
    public static AlgorithmRegistration Entry { get; } = new(MappedModel.Kind, "mapped (feature→score map over a collaborative model)", null)
    {
        ModelKind = MappedModel.Kind,
        Read = MappedModel.Read,
    };
}
