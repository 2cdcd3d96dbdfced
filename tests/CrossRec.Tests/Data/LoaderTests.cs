using CrossRec.Tests;

namespace CrossRec.Tests.Data;

public class LoaderTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    [Test]
    public void Loads100KFormatWithIdsTimestampsAndScale()
    {
        var path = _files.Write("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t5\t881251000");
        var data = MovieLens.Load100K(path);
        Assert.Multiple(() =>
        {
            Assert.That(data.Count, Is.EqualTo(3));
            Assert.That(data.UserCount, Is.EqualTo(2));
            Assert.That(data.ItemCount, Is.EqualTo(2));
            Assert.That(data.UserIds[data.Users[2]], Is.EqualTo("196"));
            Assert.That(data.ItemIds[data.Items[2]], Is.EqualTo("302"));
            Assert.That(data.Values[2], Is.EqualTo(5f));
            Assert.That(data.Timestamps[1], Is.EqualTo(891717742L));
            Assert.That(data.Scale, Is.EqualTo(RatingScale.FiveStars));
            Assert.That(data.LoadReport!.RowsLoaded, Is.EqualTo(3));
        });
    }

    [Test]
    public void CrlfBomAndTrailingBlankLinesAreAccepted()
    {
        var path = _files.Write("r.csv", "\uFEFFuserId,movieId,rating,timestamp\r\n1,10,4.5,100\r\n2,10,0.5,200\r\n\r\n");
        var data = MovieLens.LoadCsv(path);
        Assert.That(data.Count, Is.EqualTo(2));
        Assert.That(data.Values.ToArray(), Is.EqualTo(new[] { 4.5f, 0.5f }));
        Assert.That(data.UserIds[0], Is.EqualTo("1"));
    }

    [Test]
    public void LoadsDatFormat()
    {
        var path = _files.Write("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n");
        var data = MovieLens.LoadDat(path);
        Assert.That(data.Count, Is.EqualTo(2));
        Assert.That(data.ItemIds[data.Items[1]], Is.EqualTo("661"));
    }

    [Test]
    public void TestFileContinuesTheTrainingIds()
    {
        var train = MovieLens.Load100K(_files.Write("a.base", "1\t10\t4\t1\n2\t20\t3\t2\n"));
        var test = MovieLens.Load100K(_files.Write("a.test", "2\t10\t5\t3\n3\t30\t1\t4\n"), new LoadOptions { IdsFrom = train });
        Assert.Multiple(() =>
        {
            Assert.That(test.UserIds.Extends(train.UserIds), Is.True);
            Assert.That(test.UserIds.GetIndex("2"), Is.EqualTo(train.UserIds.GetIndex("2")));
            Assert.That(test.ItemIds.GetIndex("10"), Is.EqualTo(train.ItemIds.GetIndex("10")));
            Assert.That(test.UserIds.GetIndex("3"), Is.EqualTo(2));
        });
    }

    [Test]
    public void GenericCsvWithQuotedFieldsNamedColumnsAndDomains()
    {
        var path = _files.Write("orders.csv", "when;customer;sku;stars;kind\n2024-01-02T10:00:00Z;\"Smith; J.\";\"A\"\"1\";4;course\n1700000000;bob;B2;2.5;film\n");
        var format = new DelimitedFormat { Delimiter = ";", User = "customer", Item = "SKU", Rating = "stars", Timestamp = "when", Domain = "kind" };
        var data = DelimitedFile.Load(path, format);
        Assert.Multiple(() =>
        {
            Assert.That(data.UserIds[0], Is.EqualTo("Smith; J."));
            Assert.That(data.ItemIds[0], Is.EqualTo("A\"1"));
            Assert.That(data.Timestamps[0], Is.EqualTo(new DateTimeOffset(2024, 1, 2, 10, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()));
            Assert.That(data.Domains![data.ItemDomains[data.ItemIds.GetIndex("B2")]], Is.EqualTo("film"));
        });
    }

    [Test]
    public void HeaderIsDetectedAutomaticallyOrAbsent()
    {
        var withHeader = DelimitedFile.Load(_files.Write("h.csv", "u,i,r\nx,y,3\n"), new DelimitedFormat());
        var without = DelimitedFile.Load(_files.Write("n.csv", "x,y,3\nx,z,4\n"), new DelimitedFormat());
        Assert.That(withHeader.Count, Is.EqualTo(1));
        Assert.That(without.Count, Is.EqualTo(2));
    }

    [Test]
    public void ImplicitFeedbackWithoutRatingColumnCountsOne()
    {
        var data = DelimitedFile.Load(_files.Write("p.tsv", "a\tx\na\ty\n"), new DelimitedFormat { Delimiter = "\t", Rating = null, Header = HeaderMode.Absent });
        Assert.That(data.Values.ToArray(), Is.EqualTo(new[] { 1f, 1f }));
        Assert.That(data.Scale, Is.Null);
    }

    private static readonly object[] MalformedRows =
    [
        new object[] { "1\t10\t4\t5\n2\t20\t3\n", 2, 0, "expected 4 fields" },
        new object[] { "1\t10\tfour\t5\n", 1, 3, "'four' is not a number" },
        new object[] { "1\t10\t\t5\n", 1, 3, "rating is empty" },
        new object[] { "1\t10\tNaN\t5\n", 1, 3, "must be finite" },
        new object[] { "1\t10\t-Infinity\t5\n", 1, 3, "must be finite" },
        new object[] { "1\t10\t4\t5\n1\t11\t7\t5\n", 2, 3, "outside the declared scale [1, 5]" },
        new object[] { "1\t10\t4\tyesterday\n", 1, 4, "timestamp 'yesterday'" },
        new object[] { "\t10\t4\t5\n", 1, 1, "user id is empty" },
        new object[] { "1\t \t4\t5\n", 1, 2, "item id is empty" },
    ];

    [Test]
    public void ARowWithMoreFieldsThanTheHeaderIsReportedByItsFieldCountBeforeAnyValue()
    {
        var withHeader = _files.Write("h.txt", "user item plays\nann the beatles 3\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(withHeader, new DelimitedFormat { Delimiter = " " }))!;
        Assert.That(e.Line, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("found 4 fields separated by ' ' where the header (line 1) has 3").And.Not.Contain("not a number"));

        var noHeader = _files.Write("n.txt", "ann abba 2\nbob the beatles 3\n");
        e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(noHeader, new DelimitedFormat { Delimiter = " ", Header = HeaderMode.Absent }))!;
        Assert.That(e.Line, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("found 4 fields separated by ' ' where line 1 has 3"));

        var lenient = DelimitedFile.Load(noHeader, new DelimitedFormat { Delimiter = " ", Header = HeaderMode.Absent }, new LoadOptions { Lenient = true });
        Assert.That(lenient.Count, Is.EqualTo(1));
        Assert.That(lenient.LoadReport!.RowsSkipped, Is.EqualTo(1));
    }

    [TestCaseSource(nameof(MalformedRows))]
    public void MalformedRowNamesFileLineAndColumn(string content, int line, int column, string expected)
    {
        var path = _files.Write("bad.data", content);
        var e = Assert.Throws<DataFormatException>(() => MovieLens.Load100K(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(line));
            Assert.That(e.Column, Is.EqualTo(column));
            Assert.That(e.Message, Does.StartWith($"{path}, line {line}"));
            if (column > 0)
            {
                Assert.That(e.Message, Does.Contain($"column {column}"));
            }

            Assert.That(e.Message, Does.Contain(expected));
        });
    }

    [Test]
    public void EmptyFileAndHeaderOnlyFileAreErrors()
    {
        var empty = _files.Write("empty.data", "");
        Assert.That(() => MovieLens.Load100K(empty), Throws.TypeOf<DataFormatException>().With.Message.Contains(empty).And.Message.Contains("empty"));
        var headerOnly = _files.Write("h.csv", "userId,movieId,rating,timestamp\n");
        Assert.That(() => MovieLens.LoadCsv(headerOnly), Throws.TypeOf<DataFormatException>().With.Message.Contains("no data rows"));
    }

    [Test]
    public void MissingFileNamesThePath()
    {
        var path = _files.PathOf("nope.data");
        Assert.That(() => MovieLens.Load100K(path), Throws.TypeOf<FileNotFoundException>().With.Message.Contains(path));
    }

    [Test]
    public void HeaderMissingAMappedColumnListsTheColumns()
    {
        var path = _files.Write("h.csv", "user,item,score\na,b,3\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat { User = "user", Item = "item", Rating = "rating" }))!;
        Assert.That(e.Line, Is.EqualTo(1));
        Assert.That(e.Message, Does.Contain("no rating column 'rating'").And.Contain("user, item, score"));
    }

    [Test]
    public void UnterminatedQuoteIsAnError()
    {
        var path = _files.Write("q.csv", "a,b,3\n\"c,d,4\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat { Header = HeaderMode.Absent }))!;
        Assert.That(e.Line, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("quoted field"));
    }

    [Test]
    public void ItemWithTwoDomainsIsAnError()
    {
        var path = _files.Write("d.csv", "a,x,3,film\nb,x,4,course\n");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat { Domain = 3, Header = HeaderMode.Absent }))!;
        Assert.That(e.Line, Is.EqualTo(2));
        Assert.That(e.Column, Is.EqualTo(4));
        Assert.That(e.Message, Does.Contain("already belongs to domain 'film'"));
    }

    [Test]
    public void LenientModeSkipsAndReportsBadRows()
    {
        var path = _files.Write("l.data", "1\t10\t4\t5\n1\t11\tx\t5\n2\t10\t3\t6\n2\t12\t9\t7\n3\t13\t2\n");
        var data = MovieLens.Load100K(path, new LoadOptions { Lenient = true, MaxReportedProblems = 2 });
        var report = data.LoadReport!;
        Assert.Multiple(() =>
        {
            Assert.That(data.Count, Is.EqualTo(2));
            Assert.That(report.RowsSkipped, Is.EqualTo(3));
            Assert.That(report.Problems.Select(p => p.Line), Is.EqualTo(new long[] { 2, 4 }));
            Assert.That(report.ToString(), Does.Contain("3 skipped").And.Contain("line 2"));
            Assert.That(data.ItemIds.Contains("11"), Is.False, "a skipped row must not add ids");
        });
    }

    [Test]
    public void LenientModeStillRefusesAFileWithoutValidRows()
    {
        var path = _files.Write("l.data", "1\t10\tx\t5\n");
        Assert.That(() => MovieLens.Load100K(path, new LoadOptions { Lenient = true }), Throws.TypeOf<DataFormatException>().With.Message.Contains("no data rows").And.Message.Contains("line 1"));
    }

    [Test]
    public void LongLinesAcrossBufferBoundariesParse()
    {
        var id = new string('u', 200_000);
        var rows = string.Concat(Enumerable.Range(0, 3000).Select(i => $"{(i == 1500 ? id : "u" + i)},i{i % 7},{1 + (i % 5)}\n"));
        var data = DelimitedFile.Load(_files.Write("big.csv", rows), new DelimitedFormat { Header = HeaderMode.Absent });
        Assert.That(data.Count, Is.EqualTo(3000));
        Assert.That(data.UserIds.Contains(id), Is.True);
        Assert.That(data.Values[2999], Is.EqualTo(5f));
    }
}
