namespace CrossRec.Internal;

/// <summary>
/// Marks a <c>partial</c> fluent builder whose setters are derived from its options record by the source generator
/// in <c>src/CrossRec.Generators</c>: for every public <c>init</c> property <c>P</c> of <see cref="Options"/> the
/// builder gets <c>P(value)</c>, which returns <c>With(Options with { P = value })</c> and inherits the property's
/// documentation (a bool setter's argument defaults to true), and <c>WithOptions(options)</c>. A member the builder
/// declares itself under the same name is kept instead, for setters that validate, convert or set several options.
/// The builder supplies <c>Options</c> and a private <c>With(options)</c> returning a new builder.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class OptionSettersAttribute(Type options) : Attribute
{
    /// <summary>The options record the setters are derived from.</summary>
    public Type Options { get; } = options;

    /// <summary>
    /// The engine kernel the builder trains with, for builders whose only state is the options, a <see cref="Device"/>
    /// and an explicit engine: the generator then also writes that state, the constructor
    /// <c>(options, device, engine)</c>, <c>Options</c>, <c>With</c>, <c>OnDevice</c> and <c>OnEngine</c>.
    /// </summary>
    public Type? Kernel { get; set; }
}

/// <summary>
/// On an options property: how the builder's generated setter for it differs from the default (the property's name).
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
internal sealed class BuilderSetterAttribute : Attribute
{
    /// <summary>The setter's name, where it differs from the property's.</summary>
    public string? Name { get; set; }

    /// <summary>No setter is generated for the property (it is set by other members of the builder).</summary>
    public bool Skip { get; set; }
}
