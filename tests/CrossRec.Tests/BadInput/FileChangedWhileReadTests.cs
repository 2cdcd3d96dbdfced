namespace CrossRec.Tests.BadInput;

/// <summary>
/// Issue 21, finding 7: a load taken while another process appends to the file accepted a half-written last
/// line (<c>1</c> of <c>1x.5</c>) without a word. Now every text loader refuses a file whose length or
/// last-write time changed between opening it and reaching its end, and reports a last line without a line
/// end (what a half-written row in a file whose writer has paused looks like). The writer is made to act at
/// exactly the worst moment (when the reader meets the end of the file, before it returns the cut line)
/// through <see cref="LineReader.EndOfFileReached"/>, so the race is reproduced on every run.
/// </summary>
public class FileChangedWhileReadTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown()
    {
        LineReader.EndOfFileReached.Value = null;
        _files.Dispose();
    }

    /// <summary>Each text loader with a file of its format whose last row is cut short, and the rest of that row.</summary>
    private static IEnumerable<TestCaseData> Loaders()
    {
        yield return Case("DelimitedFile", "growing.csv", "u1,i1,4\nu2,i2,1", ".5\nu3,i3,2\n",
            p => DelimitedFile.Load(p, new DelimitedFormat { Header = HeaderMode.Absent }).LoadReport!.Warnings);
        yield return Case("MovieLens", "u.data", "1\t10\t4\t881250949\n2\t20\t1\t88125", "0950\n", p => MovieLens.Load100K(p).LoadReport!.Warnings);
        yield return Case("CrossDomainData", "cd.tsv", "u1\ti1\t4\tbooks\nu2\ti2\t1\tmus", "ic\n", p => CrossDomainData.Load(p).LoadReport!.Warnings);
        yield return Case("TabularData", "table.csv", "age,spend\n31,4\n40,1", ".5\n52,3\n", p => TabularData.LoadCsv(p).LoadReport!.Warnings);

        static TestCaseData Case(string name, string file, string cut, string rest, Func<string, IReadOnlyList<string>> load) =>
            new TestCaseData(file, cut, rest, load).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(Loaders))]
    public void EveryLoaderRefusesAFileAppendedWhileItIsReadNamingTheFileAndTheBytes(string file, string cut, string rest, Func<string, IReadOnlyList<string>> load)
    {
        var path = _files.Write(file, cut);
        var appended = 0;
        LineReader.EndOfFileReached.Value = p =>
        {
            File.AppendAllText(p, rest); // the writer finishes the half-written row just as the reader meets the end
            appended++;
        };

        var e = Assert.Throws<DataFormatException>(() => load(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(appended, Is.EqualTo(1));
            Assert.That(e.SourceName, Is.EqualTo(path));
            Assert.That(e.Problem, Does.Contain("changed while it was read (grew").And.Contain($"{cut.Length} bytes read").And.Contain($"{cut.Length + rest.Length} bytes now"));
        });
    }

    [TestCaseSource(nameof(Loaders))]
    public void EveryLoaderNamesALastLineWithoutALineEndInItsReport(string file, string cut, string rest, Func<string, IReadOnlyList<string>> load)
    {
        // The writer paused after the cut and nothing changes during the read: the load goes through (a file may
        // simply lack its final newline), but the report says the last row may be incomplete.
        var cutWarnings = load(_files.Write(file, cut));
        var whole = load(_files.Write("whole-" + file, cut + rest));
        Assert.Multiple(() =>
        {
            Assert.That(cutWarnings, Has.Some.Contains("has no line end").And.Some.Contains(file));
            Assert.That(whole, Has.None.Contains("no line end"));
        });
    }

    [Test]
    public void TheLoadReportFlagsTheUnterminatedLastLineForProgramsThatRefuseIt()
    {
        var format = new DelimitedFormat { Header = HeaderMode.Absent };
        var cut = DelimitedFile.Load(_files.Write("cut.csv", "u1,i1,4\nu2,i2,1"), format).LoadReport!;
        var whole = DelimitedFile.Load(_files.Write("whole.csv", "u1,i1,4\nu2,i2,1\n"), format).LoadReport!;
        var crossDomain = CrossDomainData.Load(_files.Write("cd.tsv", "u1\ti1\t4\tbooks\nu2\ti2\t1\tmusic")).LoadReport!;
        Assert.Multiple(() =>
        {
            Assert.That(cut.LastLineUnterminated, Is.True);
            Assert.That(whole.LastLineUnterminated, Is.False);
            Assert.That(crossDomain.LastLineUnterminated, Is.True);
        });
    }

    [Test]
    public void AFileRewrittenInPlaceToTheSameLengthWhileItIsReadIsRefused()
    {
        var path = _files.Write("rewritten.csv", "u1,i1,4\nu2,i2,1\n");
        File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // so the rewrite surely moves the time
        LineReader.EndOfFileReached.Value = p => File.WriteAllText(p, "u9,i9,5\nu8,i8,5\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat { Header = HeaderMode.Absent }))!;
        Assert.That(e.Problem, Does.Contain("changed while it was read (was rewritten").And.Contain("after it was opened"));
    }

    [Test]
    public void AFileTruncatedWhileItIsReadIsRefused()
    {
        var path = _files.Write("truncated.csv", "u1,i1,4\nu2,i2,1\n");
        LineReader.EndOfFileReached.Value = p => File.WriteAllText(p, "");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat { Header = HeaderMode.Absent }))!;
        Assert.That(e.Problem, Does.Contain("changed while it was read (shrank"));
    }

    [Test]
    public void AWriterThreadAppendingWhileTheLoaderReadsIsRefusedNotHalfAccepted()
    {
        // The same race with a real second writer: the reader, at the end of the file, lets the writer append
        // the rest of the row and waits until it has, so the outcome does not depend on timing.
        var path = _files.Write("threaded.csv", "u1,i1,4\nu2,i2,1");
        using var atEnd = new SemaphoreSlim(0);
        using var written = new SemaphoreSlim(0);
        var writer = Task.Run(async () =>
        {
            await atEnd.WaitAsync();
            await using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                await stream.WriteAsync("x.5\nu3,i3,2\n"u8.ToArray());
            }

            written.Release();
        });
        LineReader.EndOfFileReached.Value = _ =>
        {
            atEnd.Release();
            written.Wait();
        };

        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat { Header = HeaderMode.Absent }))!;
        writer.Wait();
        Assert.That(e.Problem, Does.Contain("changed while it was read (grew"));
    }
}
