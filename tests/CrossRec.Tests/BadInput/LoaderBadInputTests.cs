using System.Text;

namespace CrossRec.Tests.BadInput;

/// <summary>The inputs issue 13 found accepted silently and wrongly, each pinned to its explicit outcome.</summary>
public class LoaderBadInputTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = _files.PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static readonly DelimitedFormat Csv = new() { Header = HeaderMode.Absent };

    [Test]
    public void Latin1IdsAreRefusedAsInvalidUtf8NamingTheLineInsteadOfMergingTwoUsers()
    {
        var path = WriteBytes("latin1.csv", Encoding.Latin1.GetBytes("a,x,3\ncafé,x,4\ncafè,y,5\n"));
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, Csv))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(2));
            Assert.That(e.Column, Is.EqualTo(1));
            Assert.That(e.Problem, Does.Contain("invalid UTF-8").And.Contain("E9").And.Contain("LoadOptions.Encoding"));
        });

        var latin1 = DelimitedFile.Load(path, Csv, new LoadOptions { Encoding = Encoding.Latin1 });
        Assert.That(latin1.UserCount, Is.EqualTo(3), "café and cafè stay two users when the encoding is declared");
        Assert.That(latin1.UserIds.AsSpan().ToArray(), Does.Contain("café").And.Contain("cafè"));
    }

    [Test]
    public void InvalidUtf8LinesAreSkippedAndReportedInLenientMode()
    {
        var path = WriteBytes("mixed.csv", [.. "a,x,3\n"u8, .. Encoding.Latin1.GetBytes("caf\u00e9,x,4\n"), .. "b,y,5\n"u8]);
        var data = DelimitedFile.Load(path, Csv, new LoadOptions { Lenient = true });
        Assert.That(data.Count, Is.EqualTo(2));
        Assert.That(data.LoadReport!.RowsSkipped, Is.EqualTo(1));
        Assert.That(data.LoadReport.Problems[0].Line, Is.EqualTo(2));
    }

    [Test]
    public void ValidUtf8AndBomStillLoad()
    {
        var path = WriteBytes("utf8.csv", [0xEF, 0xBB, 0xBF, .. "café,x,3\ncafè,x,4\n"u8]);
        var data = DelimitedFile.Load(path, Csv);
        Assert.That(data.UserIds.AsSpan().ToArray(), Is.EqualTo(new[] { "café", "cafè" }));
    }

    [Test]
    public void HeaderlessFirstRowWithBadRatingIsAnErrorNotASwallowedHeader()
    {
        var path = _files.Write("bad-first.csv", "1,10,abc\n2,10,4\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat()))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(1));
            Assert.That(e.Column, Is.EqualTo(3));
            Assert.That(e.Problem, Does.Contain("HasHeader"));
        });
    }

    [Test]
    public void AGuessedHeaderIsReportedAndHasHeaderBeatsTheGuess()
    {
        var path = _files.Write("guess.csv", "u,i,r\nx,y,3\n");
        var guessed = DelimitedFile.Load(path, new DelimitedFormat());
        Assert.Multiple(() =>
        {
            Assert.That(guessed.Count, Is.EqualTo(1));
            Assert.That(guessed.LoadReport!.HeaderGuessed, Is.True);
            Assert.That(guessed.LoadReport.Header, Is.EqualTo("u,i,r"));
            Assert.That(guessed.LoadReport.Warnings, Has.Some.Contains("taken as a header"));
        });

        var told = DelimitedFile.Load(_files.Write("told.csv", "1,10,3\n2,10,4\n"), new DelimitedFormat(), new LoadOptions { HasHeader = true });
        Assert.That(told.Count, Is.EqualTo(1));
        Assert.That(told.LoadReport!.HeaderGuessed, Is.False);
        Assert.That(() => DelimitedFile.Load(path, new DelimitedFormat(), new LoadOptions { HasHeader = false }), Throws.TypeOf<DataFormatException>().With.Property(nameof(DataFormatException.Line)).EqualTo(1));
    }

    [Test]
    public void ImplicitDataWithAUserItemHeaderDoesNotLoadTheHeaderAsAnInteraction()
    {
        var implicitFormat = new DelimitedFormat { Rating = null };
        var data = DelimitedFile.Load(_files.Write("implicit.csv", "user,item\nalice,x\nbob,y\n"), implicitFormat);
        Assert.Multiple(() =>
        {
            Assert.That(data.Count, Is.EqualTo(2));
            Assert.That(data.UserIds.AsSpan().ToArray(), Does.Not.Contain("user"));
            Assert.That(data.LoadReport!.HeaderGuessed, Is.True);
        });

        var noHeader = DelimitedFile.Load(_files.Write("implicit2.csv", "alice,x\nbob,y\n"), implicitFormat);
        Assert.That(noHeader.Count, Is.EqualTo(2));
        Assert.That(noHeader.LoadReport!.HeaderGuessed, Is.False);
        Assert.That(noHeader.LoadReport.Header, Is.Null);
    }

    [Test]
    public void DuplicatePairsAreRefusedByDefaultNamingBothLines()
    {
        var path = _files.Write("dups.csv", "a,x,3\nb,x,4\na,x,5\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, Csv))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(3));
            Assert.That(e.Problem, Does.Contain("line 1").And.Contain("LoadOptions.Duplicates"));
        });
    }

    [Test]
    public void RepeatedRowsAreNamedByTheirLinesAcrossBlankLinesAndAHeader()
    {
        var path = _files.Write("gaps.csv", "user,item,rating\n\na,x,3\n\n\nb,x,4\na,x,5\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat { User = "user", Item = "item", Rating = "rating" }))!;
        Assert.That(e.Line, Is.EqualTo(7));
        Assert.That(e.Problem, Does.Contain("line 3"));
    }

    [TestCase(DuplicatePolicy.Sum, 8f, 30L)]
    [TestCase(DuplicatePolicy.Last, 5f, 30L)]
    [TestCase(DuplicatePolicy.Max, 5f, 30L)]
    public void DuplicatePoliciesMergeAndCount(DuplicatePolicy policy, float expected, long expectedTime)
    {
        var path = _files.Write("dups.csv", "a,x,3,10\nb,x,4,20\na,x,5,30\n");
        var data = DelimitedFile.Load(path, Csv with { Timestamp = 3 }, new LoadOptions { Duplicates = policy });
        var row = Enumerable.Range(0, data.Count).Single(r => data.UserIds[data.Users[r]] == "a");
        Assert.Multiple(() =>
        {
            Assert.That(data.Count, Is.EqualTo(2));
            Assert.That(data.Values[row], Is.EqualTo(expected));
            Assert.That(data.Timestamps[row], Is.EqualTo(expectedTime));
            Assert.That(data.LoadReport!.DuplicateRows, Is.EqualTo(1));
            Assert.That(data.LoadReport.Duplicates, Is.EqualTo(policy));
            Assert.That(data.LoadReport.Warnings, Has.Some.Contains("merged"));
        });
    }

    [Test]
    public void ASumThatOverflowsIsADataErrorNotAnArgumentException()
    {
        var path = _files.Write("big.csv", "a,x,3e38\na,x,3e38\n");
        Assert.That(() => DelimitedFile.Load(path, Csv, new LoadOptions { Duplicates = DuplicatePolicy.Sum }), Throws.TypeOf<DataFormatException>().With.Message.Contains("not finite"));
    }

    [Test]
    public void MaxKeepsTheLargerEarlierValue()
    {
        var data = DelimitedFile.Load(_files.Write("m.csv", "a,x,5\na,x,2\n"), Csv, new LoadOptions { Duplicates = DuplicatePolicy.Max });
        Assert.That(data.Values.ToArray(), Is.EqualTo(new[] { 5f }));
    }

    [Test]
    public void KeepAllKeepsRepeatsAndLenientRefuseSkipsThem()
    {
        var path = _files.Write("dups.csv", "a,x,3\nb,x,4\na,x,5\na,x,1\n");
        Assert.That(DelimitedFile.Load(path, Csv, new LoadOptions { Duplicates = DuplicatePolicy.KeepAll }).Count, Is.EqualTo(4));
        var lenient = DelimitedFile.Load(path, Csv, new LoadOptions { Lenient = true });
        Assert.Multiple(() =>
        {
            Assert.That(lenient.Count, Is.EqualTo(2));
            Assert.That(lenient.LoadReport!.RowsSkipped, Is.EqualTo(2));
            Assert.That(lenient.LoadReport.DuplicateRows, Is.EqualTo(2));
            Assert.That(lenient.LoadReport.Problems.Select(p => p.Line), Is.EqualTo(new long[] { 3, 4 }));
        });
    }

    [Test]
    public void BuilderRefusePolicyNamesTheIdsAndKeepAllIsItsDefault()
    {
        var keep = new InteractionSetBuilder().Add("a", "x", 1).Add("a", "x", 2).Build();
        Assert.That(keep.Count, Is.EqualTo(2));
        var refuse = new InteractionSetBuilder().WithDuplicates(DuplicatePolicy.Refuse).Add("a", "x", 1).Add("a", "x", 2);
        Assert.That(() => refuse.Build(), Throws.InvalidOperationException.With.Message.Contains("'a'").And.Message.Contains("'x'"));
    }

    [Test]
    public void OutOfScaleRatingsAreRefusedWhenAScaleIsDeclaredAndAnInferredScaleIsReported()
    {
        var path = _files.Write("wild.csv", "a,x,500\nb,x,-3\nc,y,3e10\nd,y,4\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, Csv, new LoadOptions { Scale = RatingScale.FiveStars }))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(1));
            Assert.That(e.Column, Is.EqualTo(3));
            Assert.That(e.Problem, Does.Contain("outside the declared scale"));
        });

        var inferred = DelimitedFile.Load(path, Csv);
        Assert.That(inferred.LoadReport!.ScaleSource, Is.EqualTo(ScaleSource.Inferred));
        Assert.That(inferred.LoadReport.Warnings, Has.Some.Contains("inferred").And.Some.Contains("LoadOptions.Scale"));
        var declared = DelimitedFile.Load(_files.Write("ok.csv", "a,x,5\n"), Csv, new LoadOptions { Scale = RatingScale.FiveStars });
        Assert.That(declared.LoadReport!.ScaleSource, Is.EqualTo(ScaleSource.Declared));
        Assert.That(declared.LoadReport.Warnings, Is.Empty);
    }

    [Test]
    public void AHugeBadFieldIsQuotedInAtMostAboutEightyCharacters()
    {
        var huge = new string('z', 10 << 20);
        var path = _files.Write("huge.csv", $"a,x,{huge}\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, Csv, new LoadOptions { MaxLineBytes = 16 << 20 }))!;
        Assert.That(e.Message.Length, Is.LessThan(300));
        Assert.That(e.Message, Does.Contain("10,485,760 characters"));
    }

    [Test]
    public void APandasIndexColumnIsADataErrorNotAnArgumentException()
    {
        var path = _files.Write("ratings.csv", ",userId,movieId,rating,timestamp\n0,1,10,4.5,100\n");
        var e = Assert.Throws<DataFormatException>(() => MovieLens.LoadCsv(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(1));
            Assert.That(e.Problem, Does.Contain("5 columns").And.Contain("index"));
        });
    }
}
