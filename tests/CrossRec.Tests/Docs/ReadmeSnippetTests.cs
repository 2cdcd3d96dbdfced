using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CrossRec.Tests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of the README compiles against the CrossRec assembly as a program of
/// top-level statements with the SDK's implicit usings. A block that needs the opt-in TorchSharp engine
/// (it starts with <c>using CrossRec.Torch;</c>) is reported as ignored when that engine is not built.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    private const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";

    public static IEnumerable<TestCaseData> Blocks()
    {
        var readme = FindReadme();
        var text = File.ReadAllText(readme);
        var n = 0;
        foreach (Match m in BlockPattern().Matches(text))
        {
            n++;
            var line = text[..m.Index].Count(c => c == '\n') + 1;
            yield return new TestCaseData(m.Groups[1].Value, line).SetName($"README C# block {n} (line {line}) compiles");
        }
    }

    [TestCaseSource(nameof(Blocks))]
    public void ReadmeBlockCompiles(string code, int line)
    {
        if (code.Contains("using CrossRec.Torch;", StringComparison.Ordinal))
        {
            Assert.Ignore($"README line {line}: the block uses CrossRec.Torch, which the default build leaves out (-p:CrossRecTorch=true builds it).");
        }

        var references = new List<MetadataReference>();
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        foreach (var path in platform)
        {
            references.Add(MetadataReference.CreateFromFile(path));
        }

        references.Add(MetadataReference.CreateFromFile(typeof(InteractionSet).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(CrossRec.IO.SparkAls).Assembly.Location)); // "Data in databases, Parquet and Spark"
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            $"readme_block_{line}",
            [CSharpSyntaxTree.ParseText(code, parse, path: $"README.md:{line}"), CSharpSyntaxTree.ParseText(ImplicitUsings, parse)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.That(errors, Is.Empty, $"README block at line {line}:\n{code}");
    }

    [Test]
    public void TheReadmeHasCSharpBlocksToCheck() => Assert.That(Blocks().Count(), Is.GreaterThanOrEqualTo(2));

    private static string FindReadme()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "CrossRec.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("README.md beside CrossRec.sln was not found above the test directory.");
    }

    [GeneratedRegex(@"```csharp\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}
