using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CrossRec.Tests.Docs;

/// <summary>
/// The <c>```csharp</c> blocks of the README and of every <c>docs/*.md</c>, each as a program of top-level statements
/// with the SDK's implicit usings: every block compiles against the CrossRec assemblies, and every block is then run
/// and must print exactly the <c>```text</c> block that follows it (after at most one line of prose such as
/// "Prints:"), or nothing when none follows. A block is run in a fresh temporary directory holding a link to each
/// evaluation dataset it names (<c>ml-100k</c>, <c>conversion</c>, <c>lastfm-2k</c>, <c>amazon-cdr</c> under
/// <c>$CROSSREC_DATA</c>); without the data a block that reads it is reported as ignored with a message.
/// A block that cannot run here is marked <c>&lt;!-- readme: compile-only: reason --&gt;</c> on the line before it,
/// and a block that needs the opt-in TorchSharp engine (it has <c>using CrossRec.Torch;</c>) is compiled and run
/// by the Torch suite only.
/// </summary>
[NonParallelizable] // redirects Console.Out and changes the current directory while a block runs
public sealed partial class ReadmeSnippetTests
{
    private const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";

    /// <summary>The evaluation datasets a block may read, each a folder of <c>$CROSSREC_DATA</c> linked into its directory.</summary>
    private static readonly string[] Datasets = ["ml-100k", "conversion", "lastfm-2k", "amazon-cdr"];

    /// <summary>One C# block of a Markdown file.</summary>
    /// <param name="Code">The block's text.</param>
    /// <param name="Line">1-based line of its opening fence.</param>
    /// <param name="ExpectedOutput">The text block after it (its expected standard output), or null.</param>
    /// <param name="CompileOnly">Why it is not run, or null.</param>
    public sealed record Block(string Code, int Line, string? ExpectedOutput, string? CompileOnly)
    {
        /// <summary>The file, relative to the repository root ("README.md", "docs/accuracy.md").</summary>
        public string File { get; init; } = "README.md";

        public bool NeedsTorch => Code.Contains("using CrossRec.Torch;", StringComparison.Ordinal);

        public override string ToString() => $"{File} line {Line}";
    }

    public static IReadOnlyList<Block> Parse(string text, string file = "README.md")
    {
        var blocks = new List<Block>();
        foreach (Match m in BlockPattern().Matches(text))
        {
            var line = text[..m.Index].Count(c => c == '\n') + 1;
            var before = text[..m.Index].TrimEnd();
            var lastLine = before[(before.LastIndexOf('\n') + 1)..];
            var marker = CompileOnlyPattern().Match(lastLine);
            var after = text[(m.Index + m.Length)..];
            var output = OutputPattern().Match(after);
            blocks.Add(new Block(m.Groups[1].Value, line, output.Success ? output.Groups[1].Value : null, marker.Success ? marker.Groups[1].Value.Trim() : null) { File = file });
        }

        return blocks;
    }

    /// <summary>
    /// True in the Torch suite (tests/CrossRec.Torch.Tests links this file): there only the blocks that use
    /// CrossRec.Torch are checked, with its assemblies referenced; the default suite checks the others.
    /// </summary>
    public static bool TorchSuite { get; } = Type.GetType("CrossRec.Torch.TorchEngine, CrossRec.Torch") is not null;

    public static IEnumerable<TestCaseData> Blocks() =>
        AllBlocks().Select(b => new TestCaseData(b).SetName($"{b.File} C# block at line {b.Line} compiles"));

    public static IEnumerable<TestCaseData> RunnableBlocks() =>
        AllBlocks().Where(b => b.CompileOnly is null)
            .Select(b => new TestCaseData(b).SetName($"{b.File} C# block at line {b.Line} prints what it shows"));

    /// <summary>The README's blocks, then those of docs/*.md in name order (the docs are absent where only the README ships, as in the CUDA kit).</summary>
    private static IEnumerable<Block> AllBlocks() => DocFiles().SelectMany(f => Parse(File.ReadAllText(f.Path), f.Name)).Where(b => !TorchSuite || b.NeedsTorch);

    /// <summary>README.md, every docs/*.md beside it and the package readme, with their names relative to the repository root.</summary>
    public static IEnumerable<(string Path, string Name)> DocFiles()
    {
        var readme = FindReadme();
        yield return (readme, "README.md");
        var root = Path.GetDirectoryName(readme)!;
        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
        {
            foreach (var file in Directory.GetFiles(docs, "*.md").Order(StringComparer.Ordinal))
            {
                yield return (file, $"docs/{Path.GetFileName(file)}");
            }
        }

        // The NuGet package's own readme.
        var package = Path.Combine(root, "src", "CrossRec", "PACKAGE.md");
        if (File.Exists(package))
        {
            yield return (package, "src/CrossRec/PACKAGE.md");
        }
    }

    [TestCaseSource(nameof(Blocks))]
    public void ReadmeBlockCompiles(Block block)
    {
        if (block.NeedsTorch && !TorchSuite)
        {
            Assert.Ignore($"{block}: the block uses CrossRec.Torch, which the default build leaves out; the Torch suite (.ci/torch) compiles and runs it.");
        }

        Assert.That(Compile(block, out var errors), Is.Not.Null, $"{block}:\n{string.Join("\n", errors)}\n{block.Code}");
    }

    [TestCaseSource(nameof(RunnableBlocks))]
    public void ReadmeBlockPrintsWhatTheReadmeSays(Block block)
    {
        if (block.NeedsTorch && !TorchSuite)
        {
            Assert.Ignore($"{block}: the block uses CrossRec.Torch, which the default build leaves out; the Torch suite (.ci/torch) runs it.");
        }

        var output = Run(block);
        if (block.ExpectedOutput is null)
        {
            Assert.That(output, Is.Empty, $"{block}: the block prints this but shows no ```text block of its output after it.");
        }
        else
        {
            Assert.That(output, Is.EqualTo(Normalise(block.ExpectedOutput)), $"{block}: the block's output differs from the ```text block after it. It printed:\n{output}\n");
        }
    }

    [Test]
    public void TheReadmeHasCSharpBlocksToCheck()
    {
        var blocks = Parse(File.ReadAllText(FindReadme()));
        Assert.That(blocks, Has.Count.GreaterThanOrEqualTo(2));
        Assert.That(blocks.Where(b => b.ExpectedOutput is not null), Is.Not.Empty, "no README block shows its output");
        Assert.That(blocks.Where(b => b.CompileOnly is not null).Select(b => b.CompileOnly), Has.All.Length.GreaterThan(10), "a compile-only block must say why it is not run");
    }

    /// <summary>Compiles a block, or returns null with the errors.</summary>
    public static byte[]? Compile(Block block, out IReadOnlyList<string> errors)
    {
        var references = new List<MetadataReference>();
        foreach (var path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
        {
            references.Add(MetadataReference.CreateFromFile(path));
        }

        references.Add(MetadataReference.CreateFromFile(typeof(InteractionSet).Assembly.Location));
        // CrossRec.IO ("Data in databases, Parquet and Spark") in the default suite; CrossRec.Torch and TorchSharp in the Torch suite.
        foreach (var name in new[] { "CrossRec.IO.SparkAls, CrossRec.IO", "CrossRec.Torch.TorchEngine, CrossRec.Torch", "TorchSharp.torch, TorchSharp" })
        {
            if (Type.GetType(name) is { } type)
            {
                references.Add(MetadataReference.CreateFromFile(type.Assembly.Location));
            }
        }

        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            $"readme_block_{block.Line}",
            [CSharpSyntaxTree.ParseText(block.Code, parse, path: $"README.md:{block.Line}"), CSharpSyntaxTree.ParseText(ImplicitUsings, parse)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        return result.Success ? image.ToArray() : null;
    }

    /// <summary>Compiles and runs a block in a fresh directory and returns what it printed, line ends normalised.</summary>
    public static string Run(Block block)
    {
        var image = Compile(block, out var errors) ?? throw new AssertionException($"{block} does not compile:\n{string.Join("\n", errors)}");
        var work = Directory.CreateTempSubdirectory("crossrec-readme-");
        var previousDirectory = Environment.CurrentDirectory;
        var previousOut = Console.Out;
        try
        {
            foreach (var dataset in Datasets.Where(d => block.Code.Contains('"' + d, StringComparison.Ordinal) || block.Code.Contains(d + "/", StringComparison.Ordinal)))
            {
                var root = Environment.GetEnvironmentVariable("CROSSREC_DATA");
                var data = root is null ? null : Path.Combine(root, dataset);
                if (data is null || !Directory.Exists(data))
                {
                    Assert.Ignore($"{block} reads {dataset}/: set CROSSREC_DATA to the folder holding {dataset}/ to run it (CI does; docs/data.md says where each dataset comes from).");
                }

                Directory.CreateSymbolicLink(Path.Combine(work.FullName, dataset), data!);
            }

            var entry = Assembly.Load(image).EntryPoint ?? throw new AssertionException($"{block} has no entry point.");
            var captured = new StringWriter { NewLine = "\n" };
            Environment.CurrentDirectory = work.FullName;
            Console.SetOut(captured);
            try
            {
                var result = entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
                if (result is Task task)
                {
                    task.GetAwaiter().GetResult();
                }
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new AssertionException($"{block} threw {e.InnerException.GetType().Name}: {e.InnerException.Message}\nIt had printed:\n{captured}", e.InnerException);
            }

            return Normalise(captured.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Environment.CurrentDirectory = previousDirectory;
            work.Delete(recursive: true);
        }
    }

    private static string Normalise(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return string.Join("\n", lines);
    }

    public static string FindReadme()
    {
        // The CUDA kit (benchmarks/cuda/prepare.sh) ships the README beside the published Torch suite.
        var shipped = Path.Combine(TestContext.CurrentContext.TestDirectory, "README.md");
        if (File.Exists(shipped))
        {
            return shipped;
        }

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

    // The block's output: right after its closing fence, blank lines, at most one line of prose, blank lines, a text block.
    [GeneratedRegex(@"\A[ \t]*\r?\n(?:[ \t]*\r?\n)*(?:[^`\r\n][^\r\n]*\r?\n(?:[ \t]*\r?\n)*)?```text\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex OutputPattern();

    [GeneratedRegex(@"^<!--\s*readme:\s*compile-only:(.*?)-->\s*$")]
    private static partial Regex CompileOnlyPattern();
}
