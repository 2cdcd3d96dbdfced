using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CrossRec.Generators;

/// <summary>
/// Derives a fluent builder's setters from its options record. For a <c>partial</c> class marked
/// <c>[OptionSetters(typeof(XOptions))]</c> it emits, for every public <c>init</c> (or <c>set</c>) instance property
/// <c>P</c> of <c>XOptions</c>, <c>public TBuilder P(T p) =&gt; With(Options with { P = p });</c> documented by
/// <c>&lt;inheritdoc cref="XOptions.P"/&gt;</c> (a bool gets <c>= true</c> as its default), and
/// <c>WithOptions(XOptions)</c>. A member the class already declares under the same name is hand-written and is left
/// alone; <c>[BuilderSetter(Name = ...)]</c> on the property renames the setter and <c>[BuilderSetter(Skip = true)]</c>
/// leaves it out. The class supplies <c>Options</c> and a <c>With(XOptions)</c> that returns a new builder, unless the
/// attribute names the engine kernel it trains with (<c>Kernel = typeof(IXKernel)</c>): then the generator also writes
/// the state such builders share (options, device, explicit engine), their constructor, <c>Options</c>, <c>With</c>,
/// <c>OnDevice</c> and <c>OnEngine</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class OptionSettersGenerator : IIncrementalGenerator
{
    private const string AttributeName = "CrossRec.Internal.OptionSettersAttribute";
    private const string SetterAttributeName = "CrossRec.Internal.BuilderSetterAttribute";

    private static readonly DiagnosticDescriptor NotPartial = new(
        "CRG001",
        "Builder must be partial",
        "'{0}' has [OptionSetters] and must be a partial top-level class so that its setters can be generated",
        "CrossRec.Generators",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor MissingWith = new(
        "CRG002",
        "Builder lacks Options or With",
        "'{0}' has [OptionSetters(typeof({1}))] but no property 'Options' of type {1} and method 'With({1})' returning '{0}' for the generated setters to use",
        "CrossRec.Generators",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat CrefFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters);

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var builders = context.SyntaxProvider.ForAttributeWithMetadataName(
            AttributeName,
            static (node, _) => node is ClassDeclarationSyntax,
            static (ctx, token) => Build(ctx, token));

        context.RegisterSourceOutput(builders, static (spc, result) =>
        {
            if (result.Error is { } error)
            {
                spc.ReportDiagnostic(Diagnostic.Create(
                    error.Id == NotPartial.Id ? NotPartial : MissingWith,
                    Location.Create(error.Path, error.Span, error.Lines),
                    error.Arguments.Split('|')));
            }

            if (result.Source is { } source)
            {
                spc.AddSource(result.HintName, SourceText.From(source, Encoding.UTF8));
            }
        });
    }

    private static Result Build(GeneratorAttributeSyntaxContext ctx, System.Threading.CancellationToken token)
    {
        var builder = (INamedTypeSymbol)ctx.TargetSymbol;
        var syntax = (ClassDeclarationSyntax)ctx.TargetNode;
        var hint = builder.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "") + ".OptionSetters.g.cs";
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword) || builder.ContainingType is not null)
        {
            return new Result(hint, null, ErrorInfo.At(NotPartial.Id, syntax.Identifier.GetLocation(), builder.Name));
        }

        var attribute = ctx.Attributes[0];
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol options)
        {
            return new Result(hint, null, null);
        }

        var kernel = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Kernel").Value.Value as INamedTypeSymbol;
        var hasOptions = kernel is not null || builder.GetMembers("Options").OfType<IPropertySymbol>()
            .Any(p => !p.IsStatic && SymbolEqualityComparer.Default.Equals(p.Type, options));
        var hasWith = kernel is not null || builder.GetMembers("With").OfType<IMethodSymbol>()
            .Any(m => !m.IsStatic && m.Parameters.Length == 1
                && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, options)
                && SymbolEqualityComparer.Default.Equals(m.ReturnType, builder));
        if (!hasOptions || !hasWith)
        {
            return new Result(hint, null, ErrorInfo.At(MissingWith.Id, syntax.Identifier.GetLocation(), builder.Name + "|" + options.Name));
        }

        var name = builder.Name;
        var optionsType = options.ToDisplayString(TypeFormat);
        var optionsCref = options.ToDisplayString(CrefFormat);
        var text = new StringBuilder();
        text.AppendLine("// <auto-generated>CrossRec.Generators.OptionSettersGenerator: one setter per option of " + options.Name + ".</auto-generated>");
        text.AppendLine("#nullable enable");
        text.AppendLine();
        if (!builder.ContainingNamespace.IsGlobalNamespace)
        {
            text.Append("namespace ").Append(builder.ContainingNamespace.ToDisplayString()).AppendLine(";");
            text.AppendLine();
        }

        text.Append("partial class ").AppendLine(name);
        text.AppendLine("{");
        if (kernel is not null)
        {
            AppendDeviceCore(text, name, optionsType, kernel.ToDisplayString(CrefFormat));
        }

        foreach (var property in options.GetMembers().OfType<IPropertySymbol>())
        {
            token.ThrowIfCancellationRequested();
            if (property.IsStatic || property.IsIndexer || property.DeclaredAccessibility != Accessibility.Public
                || property.SetMethod is not { DeclaredAccessibility: Accessibility.Public })
            {
                continue;
            }

            var (setter, skip) = SetterOf(property);
            if (skip || builder.GetMembers(setter).Length > 0)
            {
                continue;
            }

            var parameter = Parameter(property.Name);
            var type = property.Type.ToDisplayString(TypeFormat);
            var boolDefault = property.Type.SpecialType == SpecialType.System_Boolean ? " = true" : "";
            text.AppendLine();
            text.Append("    /// <inheritdoc cref=\"").Append(optionsCref).Append('.').Append(property.Name).AppendLine("\"/>");
            text.Append("    public ").Append(name).Append(' ').Append(setter).Append('(').Append(type).Append(' ').Append(parameter).Append(boolDefault)
                .Append(") => With(Options with { ").Append(property.Name).Append(" = ").Append(parameter).AppendLine(" });");
        }

        if (builder.GetMembers("WithOptions").Length == 0)
        {
            text.AppendLine();
            text.AppendLine("    /// <summary>Replaces all options; everything else the builder holds is kept.</summary>");
            text.AppendLine("    /// <exception cref=\"System.ArgumentNullException\"><paramref name=\"options\"/> is null.</exception>");
            text.Append("    public ").Append(name).Append(" WithOptions(").Append(optionsType).AppendLine(" options)");
            text.AppendLine("    {");
            text.AppendLine("        global::System.ArgumentNullException.ThrowIfNull(options);");
            text.AppendLine("        return With(options);");
            text.AppendLine("    }");
        }

        text.AppendLine("}");
        return new Result(hint, text.ToString(), null);
    }

    /// <summary>
    /// The state and members every builder of one engine kernel has alike: the options, the device and an explicit
    /// engine, the constructor, <c>Options</c>, <c>With</c>, <c>OnDevice</c> and <c>OnEngine</c>.
    /// </summary>
    private static void AppendDeviceCore(StringBuilder text, string name, string optionsType, string kernel)
    {
        const string Device = "global::CrossRec.Device";
        const string Engine = "global::CrossRec.Engines.IComputeEngine";
        text.Append("    private readonly ").Append(Device).AppendLine(" _device;");
        text.Append("    private readonly ").Append(Engine).AppendLine("? _engine;");
        text.AppendLine();
        text.Append("    internal ").Append(name).Append('(').Append(optionsType).Append(" options, ").Append(Device).Append(" device, ").Append(Engine).AppendLine("? engine)");
        text.AppendLine("    {");
        text.AppendLine("        Options = options;");
        text.AppendLine("        _device = device;");
        text.AppendLine("        _engine = engine;");
        text.AppendLine("    }");
        text.AppendLine();
        text.AppendLine("    /// <summary>The options collected so far.</summary>");
        text.Append("    public ").Append(optionsType).AppendLine(" Options { get; }");
        text.AppendLine();
        text.AppendLine("    /// <summary>");
        text.Append("    /// Chooses the device. <see cref=\"CrossRec.Device.Auto\"/> (the default) uses an engine that offers <see cref=\"").Append(kernel).AppendLine("\"/>");
        text.AppendLine("    /// (the GPU engine when CrossRec.Torch and CUDA are available) and otherwise the managed CPU engine, saying why in the");
        text.AppendLine("    /// fitted model's training note; with <see cref=\"CrossRec.Device.Cuda\"/>, training fails when that engine lacks the kernel.");
        text.AppendLine("    /// </summary>");
        text.Append("    public ").Append(name).Append(" OnDevice(").Append(Device).AppendLine(" device) => new(Options, device, null);");
        text.AppendLine();
        text.Append("    /// <summary>Runs on a specific engine instance; it must offer <see cref=\"").Append(kernel).AppendLine("\"/>.</summary>");
        text.Append("    internal ").Append(name).Append(" OnEngine(").Append(Engine).AppendLine(" engine)");
        text.AppendLine("    {");
        text.AppendLine("        global::System.ArgumentNullException.ThrowIfNull(engine);");
        text.AppendLine("        return new(Options, _device, engine);");
        text.AppendLine("    }");
        text.AppendLine();
        text.Append("    private ").Append(name).Append(" With(").Append(optionsType).AppendLine(" options) => new(options, _device, _engine);");
    }

    /// <summary>The setter's name and whether it is left out, from [BuilderSetter] on the property.</summary>
    private static (string Name, bool Skip) SetterOf(IPropertySymbol property)
    {
        var name = property.Name;
        var skip = false;
        foreach (var attribute in property.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != SetterAttributeName)
            {
                continue;
            }

            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Name" && argument.Value.Value is string renamed && renamed.Length > 0)
                {
                    name = renamed;
                }
                else if (argument.Key == "Skip" && argument.Value.Value is bool b)
                {
                    skip = b;
                }
            }
        }

        return (name, skip);
    }

    /// <summary>"LearningRate" → "learningRate" ("@checked" where that is a keyword).</summary>
    private static string Parameter(string property)
    {
        var camel = char.ToLowerInvariant(property[0]) + property.Substring(1);
        return SyntaxFacts.GetKeywordKind(camel) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(camel) != SyntaxKind.None
            ? "@" + camel
            : camel;
    }

    /// <summary>What one builder produced: its source, or the error that stopped it (plain values, so the pipeline caches).</summary>
    private sealed record Result(string HintName, string? Source, ErrorInfo? Error);

    private sealed record ErrorInfo(string Id, string Path, TextSpan Span, LinePositionSpan Lines, string Arguments)
    {
        public static ErrorInfo At(string id, Location location, string arguments)
        {
            var lines = location.GetLineSpan();
            return new ErrorInfo(id, lines.Path, location.SourceSpan, lines.Span, arguments);
        }
    }
}
