using System.Globalization;
using System.Reflection;

namespace CrossRec.Internal;

/// <summary>
/// The hyperparameter dictionary of an options record, derived from the record itself: every public property with an
/// <c>init</c> accessor, in declaration order, named in camelCase, formatted culture-invariantly (null: "auto", the
/// documented automatic choice). Builders' <c>Parameters</c>, the training info saved with models and the trainer's
/// JSON all come from here, so adding an option adds its parameter with no second list to keep.
/// </summary>
internal static class OptionParameters
{
    /// <summary>The options' parameters.</summary>
    public static Dictionary<string, string> Of<TOptions>(TOptions options)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, property) in Properties<TOptions>.All)
        {
            parameters[name] = Format(property.GetValue(options));
        }

        return parameters;
    }

    /// <summary>One value as the dictionaries write it.</summary>
    public static string Format(object? value) => value switch
    {
        null => "auto",
        bool b => b ? "true" : "false",
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>"LearningRate" → "learningRate".</summary>
    public static string CamelCase(string name) => name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];

    private static class Properties<TOptions>
    {
        // Reflection once per options type; declaration order is metadata order.
        public static readonly (string Name, PropertyInfo Property)[] All = typeof(TOptions)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.SetMethod is { IsPublic: true } set && set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit"))
            .Where(p => p.Name != "EqualityContract")
            .OrderBy(p => p.MetadataToken)
            .Select(p => (CamelCase(p.Name), p))
            .ToArray();
    }
}
