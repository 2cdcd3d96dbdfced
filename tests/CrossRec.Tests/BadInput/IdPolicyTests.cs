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
    public void ComposedAndDecomposedSpellingsAreOneIdEvenInThisGlobalizationInvariantProcess()
    {
        // This repository's projects run with InvariantGlobalization=true, where string.Normalize returns its
        // input unchanged: the loaders normalise with the library's own tables instead.
        var path = _files.Write("nfc.tsv", "Jos\u00E9\ti1\t1\nJose\u0301\ti2\t1\nJose\u0301\ti3\t1\n\u212Bngstr\u00F6m\ti1\t1\n");
        var data = DelimitedFile.Load(path, Tsv);
        Assert.Multiple(() =>
        {
            Assert.That(data.UserCount, Is.EqualTo(2));
            Assert.That(data.UserIds.Contains("Jos\u00E9"), Is.True);
            Assert.That(data.UserIds.Contains("\u00C5ngstr\u00F6m"), Is.True, "the Angstrom sign U+212B is a singleton: NFC maps it to U+00C5");
            Assert.That(data.LoadReport!.NormalizedIds, Is.EqualTo(2), "distinct ids changed");
            Assert.That(data.LoadReport.Warnings, Has.Some.Contains("2 ids were not in Unicode NFC form"));
        });

        var off = DelimitedFile.Load(path, Tsv, new LoadOptions { NormalizeIds = false });
        Assert.Multiple(() =>
        {
            Assert.That(off.UserCount, Is.EqualTo(3));
            Assert.That(off.LoadReport!.NormalizedIds, Is.EqualTo(0));
            Assert.That(off.LoadReport.Warnings, Has.None.Contains("normalis"));
        });
    }

    [Test]
    public void IdListsAndCrossDomainFilesNormaliseLikeInteractionFiles()
    {
        var ids = DelimitedFile.LoadIds(_files.Write("users.txt", "Jose\u0301\nbob\n"));
        var crossDomain = CrossDomainData.Load(_files.Write("cd-nfc.tsv", "Jos\u00E9\ti1\t1\tbooks\nJose\u0301\ti2\t1\tmusic\n"));
        Assert.Multiple(() =>
        {
            Assert.That(ids[0], Is.EqualTo("Jos\u00E9"));
            Assert.That(crossDomain.UserCount, Is.EqualTo(1));
            Assert.That(crossDomain.LoadReport!.NormalizedIds, Is.EqualTo(1));
        });
    }

    [TestCase("a\u0323\u0302", "\u1EAD", TestName = "Marks in either order compose (canonical ordering): a + dot below + circumflex")]
    [TestCase("a\u0302\u0323", "\u1EAD", TestName = "Marks in either order compose (canonical ordering): a + circumflex + dot below")]
    [TestCase("\u0915\u093C", "\u0915\u093C", TestName = "A composition exclusion stays decomposed (Devanagari qa)")]
    [TestCase("\u0958", "\u0915\u093C", TestName = "An excluded composite is decomposed")]
    [TestCase("\u1100\u1161\u11A8", "\uAC01", TestName = "Hangul jamo compose into a syllable")]
    [TestCase("e\u0301\u0301", "\u00E9\u0301", TestName = "A second identical mark is blocked and stays")]
    [TestCase("\u0301e", "\u0301e", TestName = "A leading mark stays where it is")]
    [TestCase("\U0001D15E", "\U0001D157\U0001D165", TestName = "A supplementary-plane exclusion is decomposed (musical half note)")]
    public void TheLibrarysNfcHandlesOrderingExclusionsHangulAndBlocking(string input, string expected)
    {
        Assert.That(Nfc.Normalize(input), Is.EqualTo(expected));
        Assert.That(Nfc.IsQuickNormalized(input) && input != expected, Is.False, "the quick check never says Yes to a string NFC changes");
    }

    [Test]
    public void TheLibrarysNfcAgreesWithAnIndependentImplementationOnEveryDecomposableCharacter()
    {
        // Vectors from Python's unicodedata (src/CrossRec/Data/Parsing/generate_nfc_tables.py): every character with a canonical
        // decomposition, alone and decomposed; every combining mark after a letter; random sequences of starters and marks.
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "BadInput", "nfc-vectors.txt");
        var wrong = new List<string>();
        var cases = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(';');
            var input = Text(parts[0]);
            var expected = Text(parts[1]);
            cases++;
            var actual = Nfc.Normalize(input);
            if (actual != expected || (Nfc.IsQuickNormalized(input) && input != expected))
            {
                wrong.Add($"{parts[0]} -> {string.Join(" ", actual.EnumerateRunes().Select(r => r.Value.ToString("X")))}, expected {parts[1]}");
            }
        }

        Assert.That(cases, Is.GreaterThan(5000));
        Assert.That(wrong, Is.Empty);

        static string Text(string hex) => string.Concat(hex.Split(' ').Select(h => char.ConvertFromUtf32(Convert.ToInt32(h, 16))));
    }

    [Test]
    public void AUnicodeSpaceAtAnEndIsCountedAndTrimmedOnlyWhenAsked()
    {
        var path = _files.Write("spaces.tsv", "alice\ti1\t1\nalice\u00A0\ti2\t1\n\u3000bob\ti3\t1\n");
        var kept = DelimitedFile.Load(path, Tsv);
        var trimmed = DelimitedFile.Load(path, Tsv, new LoadOptions { TrimUnicodeWhitespace = true });
        Assert.Multiple(() =>
        {
            Assert.That(kept.UserCount, Is.EqualTo(3));
            Assert.That(kept.LoadReport!.UnicodeSpaceIds, Is.EqualTo(2));
            Assert.That(kept.LoadReport.Warnings, Has.Some.Contains("2 ids begin or end with a Unicode space").And.Some.Contains("TrimUnicodeWhitespace"));
            Assert.That(trimmed.UserCount, Is.EqualTo(2), "alice and alice+NBSP merge only when asked");
            Assert.That(trimmed.UserIds.Contains("bob"), Is.True);
            Assert.That(trimmed.LoadReport!.UnicodeSpaceIds, Is.EqualTo(2));
            Assert.That(trimmed.LoadReport.Warnings, Has.Some.Contains("trimmed (LoadOptions.TrimUnicodeWhitespace)"));
        });

        var blank = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(_files.Write("blank.tsv", "alice\ti1\t1\n\u00A0\ti2\t1\n"), Tsv, new LoadOptions { TrimUnicodeWhitespace = true }))!;
        Assert.That(blank.Line, Is.EqualTo(2));
    }

    [Test]
    public void ControlCharactersKeptOnRequestAreCountedInTheReport()
    {
        var path = _files.Write("control.tsv", "alice\ti1\t1\nbob\u200B\ti2\t1\nbob\u200B\ti3\t1\n");
        var kept = DelimitedFile.Load(path, Tsv, new LoadOptions { AllowControlCharactersInIds = true });
        Assert.Multiple(() =>
        {
            Assert.That(kept.LoadReport!.ControlCharacterIds, Is.EqualTo(1));
            Assert.That(kept.LoadReport.Warnings, Has.Some.Contains("1 ids hold control or format characters"));
        });
    }

    [Test]
    public void ABomInMidFileIsRefusedWithItsLineAndColumn()
    {
        // Two UTF-8 files concatenated: the second one's byte-order mark lands at the start of a line.
        var path = _files.PathOf("concatenated.tsv");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "alice\ti1\t1\n"u8, 0xEF, 0xBB, 0xBF, .. "bob\ti2\t1\n"u8]);
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, Tsv))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(2));
            Assert.That(e.Column, Is.EqualTo(1));
            Assert.That(e.Problem, Does.Contain("U+FEFF"));
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
