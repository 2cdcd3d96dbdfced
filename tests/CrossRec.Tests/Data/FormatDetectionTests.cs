namespace CrossRec.Tests.Data;

/// <summary>
/// Issue 19 (API snags): <c>DelimitedFile.Load(path)</c> reads a plain TSV or CSV without a format; the layout is
/// detected from the first lines by the library (it was the trainer's own sniffing), and a file whose layout cannot
/// be told without guessing is refused with a message saying why.
/// </summary>
public class FormatDetectionTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    [TestCase("u1\ti1\t5\nu1\ti2\t3\n", "\t", true, false)]
    [TestCase("user\titem\tvalue\nu1\ti1\t5\n", "\t", true, true)]
    [TestCase("u1 i1\nu2 i1\n", " ", false, false)]
    [TestCase("user,item\n1,2\n", ",", false, true)]
    [TestCase("userId\tmovieId\n1\t2\n", "\t", false, true)]
    [TestCase("1\t2\n3\t4\n", "\t", false, false)]
    [TestCase("alice,book\nbob,film\n", ",", false, false)]
    [TestCase("user_1\titem_1\nuser_2\titem_1\n", "\t", false, false)]
    [TestCase("user_id,item_id\nuser_1,item_1\n", ",", false, true)]
    [TestCase("1::10::4::978300760\n2::20::5::978300761\n", "::", true, false)]
    [TestCase("u1;i1;4\nu2;i2;3\n", ";", true, false)]
    [TestCase("\"smith, john\",i1,4\n\"doe, jane\",i2,3\n", ",", true, false)]
    public void TheDelimiterHeaderAndValueColumnAreDetectedFromTheFirstLines(string content, string delimiter, bool hasValue, bool hasHeader)
    {
        var format = DelimitedFormat.Detect(_files.Write("train.txt", content));
        Assert.Multiple(() =>
        {
            Assert.That(format.Delimiter, Is.EqualTo(delimiter));
            Assert.That(format.Rating is not null, Is.EqualTo(hasValue));
            Assert.That(format.Header, Is.EqualTo(hasHeader ? HeaderMode.Present : HeaderMode.Absent));
        });
    }

    [Test]
    public void APlainTsvLoadsWithoutAFormatAndTheReportSaysWhatWasDetected()
    {
        var path = _files.Write("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n");
        var data = DelimitedFile.Load(path);
        var format = DelimitedFormat.Detect(path);
        Assert.Multiple(() =>
        {
            Assert.That(data.Count, Is.EqualTo(3));
            Assert.That(data.UserIds[0], Is.EqualTo("196"));
            Assert.That(format.Timestamp?.Index, Is.EqualTo(3), "a fourth column of Unix seconds is the timestamp, as in MovieLens");
            Assert.That(data.LoadReport!.Warnings, Has.Some.Contains("detected").And.Some.Contains("delimiter tab, no header, columns 1 user, 2 item, 3 value, 4 timestamp"));
        });
    }

    [Test]
    public void HeaderNamesPlaceTheColumnsInAnyOrder()
    {
        var path = _files.Write("ratings.csv", "timestamp,rating,movieId,userId\n964982703,4.0,1,1\n964981247,4.0,3,1\n964982224,4.5,6,2\n");
        var format = DelimitedFormat.Detect(path);
        var data = DelimitedFile.Load(path);
        Assert.Multiple(() =>
        {
            Assert.That((format.User.Index, format.Item.Index, format.Rating?.Index, format.Timestamp?.Index), Is.EqualTo((3, 2, 1, (int?)0)));
            Assert.That(data.UserCount, Is.EqualTo(2));
            Assert.That(data.ItemIds.Contains("6"), Is.True);
        });
    }

    [TestCase("u1,i1;4\nu2,i2;3\n", 1, "ambiguous", TestName = "Two delimiters that split every line alike are ambiguous")]
    [TestCase("user item plays\nann the beatles 3\n", 2, "4 fields separated by spaces, where line 1 has 3", TestName = "An id holding the delimiter shifts the fields and is named")]
    [TestCase("justonefield\nanother\n", 1, "one field on the line", TestName = "One field per line is not an interactions file")]
    [TestCase("u1,i1,books\nu2,i2,music\n", 1, "not a number", TestName = "A third column of words is not a value column")]
    [TestCase("\n\n", 0, "empty", TestName = "An empty file is named as empty")]
    public void AFileWhoseLayoutCannotBeDetectedIsRefusedSayingWhy(string content, int line, string problem)
    {
        var path = _files.Write("bad.txt", content);
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.SourceName, Is.EqualTo(path));
            Assert.That(e.Line, Is.EqualTo(line));
            Assert.That(e.Problem, Does.Contain(problem));
        });
    }
}
