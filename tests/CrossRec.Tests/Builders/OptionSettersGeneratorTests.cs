using CrossRec.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CrossRec.Tests.Builders;

/// <summary>The generator itself, on small sources: what it emits, what it leaves to hand-written members, and its errors.</summary>
public sealed class OptionSettersGeneratorTests
{
    // The attributes as CrossRec declares them (the generator finds them by their full names).
    private const string Attributes = """
        namespace CrossRec.Internal
        {
            [System.AttributeUsage(System.AttributeTargets.Class)]
            internal sealed class OptionSettersAttribute(System.Type options) : System.Attribute { public System.Type Options { get; } = options; public System.Type? Kernel { get; set; } }

            [System.AttributeUsage(System.AttributeTargets.Property)]
            internal sealed class BuilderSetterAttribute : System.Attribute { public string? Name { get; set; } public bool Skip { get; set; } }
        }
        """;

    private const string Options = """
        namespace Demo
        {
            using CrossRec.Internal;

            /// <summary>Options.</summary>
            public sealed record DemoOptions
            {
                /// <summary>Factors k.</summary>
                public int Factors { get; init; } = 8;
                /// <summary>Alpha.</summary>
                public float Alpha { get; init; } = 1;
                /// <summary>Fast.</summary>
                public bool Fast { get; init; }
                /// <summary>Patience.</summary>
                [BuilderSetter(Name = "EarlyStopping")]
                public int? Patience { get; init; }
                /// <summary>Internal only.</summary>
                [BuilderSetter(Skip = true)]
                public string Tag { get; init; } = "";
                /// <summary>Read-only: no setter.</summary>
                public int Twice => Factors * 2;
            }
        }
        """;

    private static (Compilation Output, IReadOnlyList<Diagnostic> Generator) Run(string builder)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        // The framework only: the demo sources declare the CrossRec types they need.
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => !Path.GetFileName(p).StartsWith("CrossRec", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            "Demo",
            [CSharpSyntaxTree.ParseText(Attributes, parse), CSharpSyntaxTree.ParseText(Options, parse), CSharpSyntaxTree.ParseText(builder, parse)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new OptionSettersGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics);
    }

    private static string[] Signatures(Compilation output) => output.GetTypeByMetadataName("Demo.DemoBuilder")!.GetMembers()
        .OfType<IMethodSymbol>()
        .Where(m => m.MethodKind == MethodKind.Ordinary && m.DeclaredAccessibility == Accessibility.Public)
        .Select(m => m.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat.WithParameterOptions(
            SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeName | SymbolDisplayParameterOptions.IncludeDefaultValue)))
        .OrderBy(s => s, StringComparer.Ordinal)
        .ToArray();

    [Test]
    public void It_emits_one_setter_per_option_and_WithOptions_and_keeps_hand_written_members()
    {
        var (output, diagnostics) = Run("""
            namespace Demo
            {
                /// <summary>Builder.</summary>
                [CrossRec.Internal.OptionSetters(typeof(DemoOptions))]
                public sealed partial class DemoBuilder
                {
                    private DemoBuilder(DemoOptions options) => Options = options;

                    /// <summary>Start.</summary>
                    public static DemoBuilder Create() => new(new DemoOptions());

                    /// <summary>The options.</summary>
                    public DemoOptions Options { get; }

                    /// <summary>Hand-written: validates before it sets.</summary>
                    public DemoBuilder Alpha(float alpha) => alpha > 0 ? With(Options with { Alpha = alpha }) : throw new System.ArgumentOutOfRangeException(nameof(alpha));

                    private DemoBuilder With(DemoOptions options) => new(options);
                }
            }
            """);

        Assert.That(diagnostics, Is.Empty);
        Assert.That(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()), Is.Empty);
        Assert.That(Signatures(output), Is.EqualTo(new[]
        {
            "DemoBuilder.Alpha(float alpha)",
            "DemoBuilder.Create()",
            "DemoBuilder.EarlyStopping(int? patience)",
            "DemoBuilder.Factors(int factors)",
            "DemoBuilder.Fast(bool fast = true)",
            "DemoBuilder.WithOptions(DemoOptions options)",
        }));
        var generated = output.SyntaxTrees.Last().ToString();
        Assert.That(generated, Does.Contain("/// <inheritdoc cref=\"Demo.DemoOptions.Factors\"/>"));
        Assert.That(generated, Does.Contain("public DemoBuilder Factors(int factors) => With(Options with { Factors = factors });"));
    }

    [Test]
    public void With_a_kernel_it_also_writes_the_device_state_constructor_and_OnDevice()
    {
        var (output, diagnostics) = Run("""
            namespace CrossRec { /** <summary>Device.</summary> */ public enum Device { /** <summary>A.</summary> */ Auto, /** <summary>C.</summary> */ Cuda } }
            namespace CrossRec.Engines { /** <summary>Engine.</summary> */ public interface IComputeEngine { } }
            namespace Demo
            {
                /// <summary>Kernel.</summary>
                public interface IDemoKernel { }

                /// <summary>Builder.</summary>
                [CrossRec.Internal.OptionSetters(typeof(DemoOptions), Kernel = typeof(IDemoKernel))]
                public sealed partial class DemoBuilder
                {
                    /// <summary>Start.</summary>
                    public static DemoBuilder Create() => new(new DemoOptions(), CrossRec.Device.Auto, null);

                    internal CrossRec.Device Device => _device;
                }
            }
            """);

        Assert.That(diagnostics, Is.Empty);
        Assert.That(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()), Is.Empty);
        Assert.That(Signatures(output), Does.Contain("DemoBuilder.OnDevice(Device device)").And.Contain("DemoBuilder.Factors(int factors)"));
        var builder = output.GetTypeByMetadataName("Demo.DemoBuilder")!;
        Assert.That(builder.GetMembers("OnEngine").Single().DeclaredAccessibility, Is.EqualTo(Accessibility.Internal));
        Assert.That(builder.InstanceConstructors.Single().Parameters.Select(p => p.Type.ToDisplayString()), Is.EqualTo(new[] { "Demo.DemoOptions", "CrossRec.Device", "CrossRec.Engines.IComputeEngine?" }));
    }

    [Test]
    public void A_builder_that_is_not_partial_is_an_error_naming_it()
    {
        var (_, diagnostics) = Run("""
            namespace Demo
            {
                [CrossRec.Internal.OptionSetters(typeof(DemoOptions))]
                public sealed class DemoBuilder
                {
                    public DemoOptions Options { get; } = new();
                    private DemoBuilder With(DemoOptions options) => this;
                }
            }
            """);

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "CRG001" }));
        Assert.That(diagnostics[0].GetMessage(), Does.Contain("'DemoBuilder'").And.Contain("partial"));
    }

    [Test]
    public void A_builder_without_With_is_an_error_naming_what_is_missing()
    {
        var (_, diagnostics) = Run("""
            namespace Demo
            {
                [CrossRec.Internal.OptionSetters(typeof(DemoOptions))]
                public sealed partial class DemoBuilder
                {
                    public DemoOptions Options { get; } = new();
                }
            }
            """);

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "CRG002" }));
        Assert.That(diagnostics[0].GetMessage(), Does.Contain("With(DemoOptions)"));
    }
}
