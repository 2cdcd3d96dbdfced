using System.Collections;
using System.Reflection;
using CrossRec.Algorithms.Hybrid;
using CrossRec.Algorithms.Mapped;
using CrossRec.Algorithms.Rp3Beta;

namespace CrossRec.Tests.Builders;

/// <summary>
/// The fluent builders are derived from their options records (src/CrossRec.Generators, [OptionSetters]): every settable
/// option has a setter of the same name (or the name its [BuilderSetter] gives) that sets exactly that option, so an
/// option added to a record without a way to set it from the builder fails here.
/// </summary>
public sealed class OptionSetterTests
{
    /// <summary>One fresh builder of every public builder type, from its public entry point.</summary>
    private static readonly Func<object>[] Factories =
    [
        () => Recommenders.ImplicitAls(),
        () => Recommenders.Bpr(),
        () => Recommenders.Ease(),
        () => Recommenders.ItemKnn(),
        () => Recommenders.Rp3Beta(),
        () => Recommenders.Hybrid(),
        () => Recommenders.Mapped(Recommenders.ImplicitAls()),
        () => CrossRec.Factorization.Biased(),
        () => CrossRec.Segmentation.KMeans(4),
        () => CrossRec.Conversion.Logistic(),
        () => CrossRec.CrossDomain.Joint(),
        () => CrossRec.CrossDomain.Protocol("books", "films"),
    ];

    /// <summary>Public classes that hold an options record in a public <c>Options</c> property and are named builders.</summary>
    private static IEnumerable<Type> BuilderTypes() => typeof(Recommenders).Assembly.GetExportedTypes()
        .Where(t => t.IsClass && t.Name.EndsWith("Builder", StringComparison.Ordinal))
        .Where(t => t.GetProperty("Options", BindingFlags.Public | BindingFlags.Instance)?.PropertyType is { } o && IsRecord(o))
        .OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null;

    private static IEnumerable<TestCaseData> Builders() => Factories.Select(f => new TestCaseData(f).SetArgDisplayNames(f().GetType().Name));

    /// <summary>Public instance properties of an options record that have a public set or init accessor.</summary>
    private static IEnumerable<PropertyInfo> SettableOptions(Type options) => options
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0);

    [Test]
    public void Every_public_builder_over_an_options_record_is_covered_and_generated()
    {
        var covered = Factories.Select(f => f().GetType()).OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();
        Assert.That(covered, Is.EqualTo(BuilderTypes().ToArray()), "a builder type over an options record is missing from Factories (or Factories lists one that is not)");
        foreach (var type in covered)
        {
            var attribute = type.GetCustomAttribute<OptionSettersAttribute>();
            Assert.That(attribute, Is.Not.Null, $"{type.Name} has no [OptionSetters]: its setters are not derived from its options");
            Assert.That(attribute!.Options, Is.EqualTo(type.GetProperty("Options")!.PropertyType), $"{type.Name}'s [OptionSetters] names another record than its Options");
        }
    }

    [TestCaseSource(nameof(Builders))]
    public void Every_settable_option_has_a_setter_that_sets_that_option_alone(Func<object> factory)
    {
        var builder = factory();
        var type = builder.GetType();
        var optionsProperty = type.GetProperty("Options")!;
        var before = optionsProperty.GetValue(builder)!;
        var checkedOptions = 0;
        foreach (var option in SettableOptions(optionsProperty.PropertyType))
        {
            var attribute = option.GetCustomAttribute<BuilderSetterAttribute>();
            if (attribute?.Skip == true)
            {
                continue;
            }

            var name = attribute?.Name ?? option.Name;
            var setter = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .SingleOrDefault(m => m.Name == name && m.ReturnType == type && m.GetParameters() is [var p] && Accepts(p.ParameterType, option.PropertyType));
            Assert.That(setter, Is.Not.Null, $"{type.Name} has no setter {name}({option.PropertyType.Name}) for {optionsProperty.PropertyType.Name}.{option.Name}");

            foreach (var value in Samples(option.PropertyType, option.GetValue(before)))
            {
                var after = optionsProperty.GetValue(setter!.Invoke(builder, [value]))!;
                Assert.That(option.GetValue(after), Is.EqualTo(value), $"{type.Name}.{name}({Show(value)}) did not set {option.Name}");
                foreach (var other in SettableOptions(optionsProperty.PropertyType).Where(o => o != option))
                {
                    Assert.That(other.GetValue(after), Is.EqualTo(other.GetValue(before)), $"{type.Name}.{name}({Show(value)}) changed {other.Name} too");
                }
            }

            checkedOptions++;
        }

        Assert.That(optionsProperty.GetValue(builder), Is.SameAs(before), "a setter changed the builder it was called on");
        Assert.That(checkedOptions, Is.GreaterThan(0));
    }

    [TestCaseSource(nameof(Builders))]
    public void WithOptions_replaces_the_options_and_refuses_null(Func<object> factory)
    {
        var builder = factory();
        var type = builder.GetType();
        var optionsProperty = type.GetProperty("Options")!;
        var withOptions = type.GetMethod("WithOptions", [optionsProperty.PropertyType]);
        Assert.That(withOptions, Is.Not.Null, $"{type.Name} has no WithOptions({optionsProperty.PropertyType.Name})");

        // A copy that differs in one option (the record's own clone, then one setter's worth of change).
        var first = SettableOptions(optionsProperty.PropertyType).First();
        var current = optionsProperty.GetValue(builder)!;
        var replacement = optionsProperty.PropertyType.GetMethod("<Clone>$")!.Invoke(current, null)!;
        first.SetValue(replacement, Samples(first.PropertyType, first.GetValue(current)).First());
        Assert.That(optionsProperty.GetValue(withOptions!.Invoke(builder, [replacement])), Is.SameAs(replacement));
        var thrown = Assert.Throws<TargetInvocationException>(() => withOptions.Invoke(builder, [null]));
        Assert.That(thrown!.InnerException, Is.TypeOf<ArgumentNullException>());
    }

    [Test]
    public void The_generated_setters_keep_the_builders_other_state()
    {
        var device = Recommenders.ImplicitAls().OnDevice(Device.Cpu).Factors(8);
        Assert.That(device.Factors(16).Options.Factors, Is.EqualTo(16));
        Assert.That(Recommenders.Hybrid().ItemFeatures(null).Seed(3).Options.Seed, Is.EqualTo(3));
        var mapped = Recommenders.Mapped(Recommenders.Ease()).NewItemShift(1.5f);
        Assert.That(mapped.BaseBuilder, Is.InstanceOf<EaseBuilder>());
        Assert.That(mapped.Options.NewItemShift, Is.EqualTo(1.5f));
        var joint = CrossRec.CrossDomain.Joint(CrossRec.Factorization.Biased().Factors(12)).NegativesPerPositive(2);
        Assert.That((joint.Factorization.Options.Factors, joint.Options.NegativesPerPositive), Is.EqualTo((12, 2)));
    }

    /// <summary>The parameter takes the option's type (or, for a nullable value option, its underlying type).</summary>
    private static bool Accepts(Type parameter, Type option) => parameter == option || Nullable.GetUnderlyingType(option) == parameter;

    /// <summary>Values other than <paramref name="current"/> (and null too, for a nullable option that is not null).</summary>
    private static IEnumerable<object?> Samples(Type type, object? current)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            yield return Samples(underlying, current ?? Activator.CreateInstance(underlying)).First();
            if (current is not null)
            {
                yield return null;
            }

            yield break;
        }

        yield return current switch
        {
            bool b => !b,
            int i => i == int.MaxValue ? i - 1 : i + 1,
            long l => l == long.MaxValue ? l - 1 : l + 1,
            float f => f + 0.5f,
            double d => d + 0.5,
            Enum e => Enum.GetValues(type).Cast<object>().First(v => !v.Equals(e)),
            string s => s + "-other",
            _ when type == typeof(IReadOnlyDictionary<string, float>) => new Dictionary<string, float> { ["books"] = 2f },
            _ when type == typeof(ReadOnlyMatrix) => ReadOnlyMatrix.Create([1f, 2f, 3f, 4f], 2, 2),
            _ => throw new NotSupportedException($"Add a sample value of {type} to {nameof(OptionSetterTests)}.{nameof(Samples)}."),
        };
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        IEnumerable and not string => value.GetType().Name,
        _ => value.ToString() ?? "",
    };
}
