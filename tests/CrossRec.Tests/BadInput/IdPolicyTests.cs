namespace CrossRec.Tests.BadInput;

/// <summary>
/// Issue 21, finding 11: one id policy for every loader. Look-alike ids (control and format characters,
/// a no-break space trimmed away, composed and decomposed accents) are refused, kept distinct or
/// normalised, and the load report says what was done.
/// </summary>
public class IdPolicyTests
{
    private static readonly DelimitedFormat Tsv = new() { Delimiter = "\t", Header = HeaderMode.Absent };
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    [TestCase("a\u200Bb", "U+200B", "zero-width space")]
    [TestCase("a\u0000b", "U+0000", "NUL")]
    [TestCase("evil\u202Egnp", "U+202E", "bidirectional")]
    [TestCase("\uFEFFbob", "U+FEFF", "byte-order mark")]
    public void ControlAndFormatCharactersInAnIdAreRefusedNamingTheCharacter(string user, string codePoint, string name)
    {
        var path = _files.Write("ids.tsv", $"alice\ti1\t1\n{user}\ti2\t1\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, Tsv))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(2));
            Assert.That(e.Column, Is.EqualTo(1));
            Assert.That(e.Problem, Does.Contain(codePoint).And.Contain(name).And.Contain("AllowControlCharactersInIds"));
        });

        var kept = DelimitedFile.Load(path, Tsv, new LoadOptions { AllowControlCharactersInIds = true });
        Assert.That(kept.UserIds.Contains(user), Is.True, "the option keeps the id exactly");
    }

    [Test]
    public void AByteOrderMarkAtTheStartOfTheFileIsStillAccepted()
    {
        var path = _files.PathOf("bom.tsv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "alice\ti1\t1\n"u8]);
        Assert.That(DelimitedFile.Load(path, Tsv).UserIds[0], Is.EqualTo("alice"));
    }

    [Test]
    public void ANoBreakSpaceIsPartOfTheIdNotTrimmedIntoAnotherUser()
    {
        var path = _files.Write("nbsp.tsv", "alice\ti1\t1\nalice\u00A0\ti2\t1\n  bob \ti3\t1\n");
        var data = DelimitedFile.Load(path, Tsv);
        Assert.Multiple(() =>
        {
            Assert.That(data.UserCount, Is.EqualTo(3), "alice and alice+NBSP stay two users");
            Assert.That(data.UserIds.Contains("alice\u00A0"), Is.True);
            Assert.That(data.UserIds.Contains("bob"), Is.True, "ASCII spaces are still trimmed");
        });
    }

    [Test]
    public void ComposedAndDecomposedSpellingsAreOneIdWhereTheRuntimeCanNormaliseAndAWarningOtherwise()
    {
        var path = _files.Write("nfc.tsv", "Jos\u00E9\ti1\t1\nJose\u0301\ti2\t1\n");
        var data = DelimitedFile.Load(path, Tsv);
        if (IdPolicy.CanNormalize)
        {
            Assert.Multiple(() =>
            {
                Assert.That(data.UserCount, Is.EqualTo(1));
                Assert.That(data.UserIds[0], Is.EqualTo("Jos\u00E9"));
                Assert.That(data.LoadReport!.NormalizedIds, Is.EqualTo(1));
                Assert.That(data.LoadReport.Warnings, Has.Some.Contains("normalised"));
            });
        }
        else
        {
            // Globalization-invariant mode (this repository's default) has no normalisation data: the
            // decomposed id is kept, and the report says so instead of staying silent.
            Assert.Multiple(() =>
            {
                Assert.That(data.UserCount, Is.EqualTo(2));
                Assert.That(data.LoadReport!.NormalizedIds, Is.EqualTo(0));
                Assert.That(data.LoadReport.Warnings, Has.Some.Contains("1 ids hold combining marks and were NOT normalised"));
            });
        }

        var off = DelimitedFile.Load(path, Tsv, new LoadOptions { NormalizeIds = false });
        Assert.Multiple(() =>
        {
            Assert.That(off.UserCount, Is.EqualTo(2));
            Assert.That(off.LoadReport!.Warnings, Has.None.Contains("normalis"));
        });
    }

    [Test]
    public void CrossDomainFilesApplyTheSameIdPolicy()
    {
        var path = _files.Write("cd.tsv", "alice\ti1\t1\tbooks\nalice\u200B\ti2\t1\tmusic\n");
        var e = Assert.Throws<DataFormatException>(() => CrossDomainData.Load(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(2));
            Assert.That(e.Problem, Does.Contain("U+200B"));
        });

        var nbsp = CrossDomainData.Load(_files.Write("cd2.tsv", "alice\ti1\t1\tbooks\nalice\u00A0\ti2\t1\tmusic\n"));
        Assert.That(nbsp.UserCount, Is.EqualTo(2));
    }

    [Test]
    public void TheControlCharacterRefusalIsARowProblemThatLenientModeSkipsAndCounts()
    {
        var path = _files.Write("lenient.tsv", "alice\ti1\t1\nbob\u200B\ti2\t1\ncarol\ti3\t1\n");
        var data = DelimitedFile.Load(path, Tsv, new LoadOptions { Lenient = true });
        Assert.Multiple(() =>
        {
            Assert.That(data.UserCount, Is.EqualTo(2));
            Assert.That(data.LoadReport!.RowsSkipped, Is.EqualTo(1));
            Assert.That(data.LoadReport.Problems[0].Line, Is.EqualTo(2));
        });
    }
}
