namespace CrossRec.Tests.Docs;

/// <summary>
/// What <see cref="ReadmeSnippetTests"/> covers beyond the README, in the default suite only (the Torch suite links
/// ReadmeSnippetTests for the README's Torch block, and the CUDA kit ships the README alone).
/// </summary>
public sealed class DocsCoverageTests
{
    [Test]
    public void TheDocsAreCheckedToo()
    {
        var files = ReadmeSnippetTests.DocFiles().ToList();
        Assert.That(files.Select(f => f.Name), Does.Contain("docs/data.md").And.Contain("src/CrossRec/PACKAGE.md"));
        var blocks = files.Skip(1).Where(f => f.Name.StartsWith("docs/", StringComparison.Ordinal)).SelectMany(f => ReadmeSnippetTests.Parse(File.ReadAllText(f.Path), f.Name)).ToList();
        Assert.That(blocks.Where(b => b.CompileOnly is null && b.ExpectedOutput is not null), Is.Not.Empty, "no docs/ block is run against its output");
        Assert.That(blocks.Where(b => b.CompileOnly is not null).Select(b => b.CompileOnly), Has.All.Length.GreaterThan(10), "a compile-only block must say why it is not run");
    }

    /// <summary>
    /// The <c>&lt;example&gt;&lt;code&gt;</c> of <see cref="Conversion"/> (the entry point of conversion scoring) compiles
    /// as written, read from the documentation file the build writes beside CrossRec.dll.
    /// </summary>
    [Test]
    public void TheConversionXmlDocExampleCompiles()
    {
        var xml = Path.ChangeExtension(typeof(InteractionSet).Assembly.Location, ".xml");
        Assert.That(File.Exists(xml), Is.True, $"{xml}: CrossRec builds with GenerateDocumentationFile");
        var member = System.Xml.Linq.XDocument.Load(xml).Descendants("member").Single(m => (string?)m.Attribute("name") == "T:CrossRec.Conversion");
        var code = member.Element("example")?.Element("code")?.Value;
        Assert.That(code, Is.Not.Null.And.Contains("Conversion.SplitStratified"));
        var block = new ReadmeSnippetTests.Block("using CrossRec;\nusing CrossRec.Data;\n" + code, 0, null, "an XML-doc example that reads a file") { File = "src/CrossRec/Conversion/Conversion.cs" };
        Assert.That(ReadmeSnippetTests.Compile(block, out var errors), Is.Not.Null, $"{block}:\n{string.Join("\n", errors)}\n{block.Code}");
    }

    [Test]
    public void TheParserPairsABlockWithItsOutputAndMarker()
    {
        const string text = "intro\n```csharp\nConsole.WriteLine(1);\n```\n\nPrints:\n\n```text\n1\n```\n\n<!-- readme: compile-only: needs a database server -->\n```csharp\nvar x = 2;\n```\n\nSome prose.\n\nMore prose.\n\n```text\nnot an output\n```\n";
        var blocks = ReadmeSnippetTests.Parse(text);
        Assert.That(blocks, Has.Count.EqualTo(2));
        Assert.That(blocks[0].ExpectedOutput, Is.EqualTo("1\n"));
        Assert.That(blocks[0].CompileOnly, Is.Null);
        Assert.That(blocks[1].ExpectedOutput, Is.Null, "a text block two paragraphs later is not the block's output");
        Assert.That(blocks[1].CompileOnly, Is.EqualTo("needs a database server"));
        Assert.That(blocks[1].Line, Is.EqualTo(13));
    }
}
