namespace CrossRec.Tests.Data;

/// <summary>Item and user feature files and builders: what is read, and every malformed input refused by file, line and column.</summary>
[TestFixture]
public sealed class FeatureSetTests
{
    [Test]
    public void AFileWithCategoricalAndWeightedFeaturesIsRead()
    {
        using var files = new TempFiles();
        var path = files.Write("items.tsv", "# item features\ni1\tgenre:Drama\ni2\tgenre:Comedy\t0.5\n\ni1\tyear:1995\ni2\tgenre:Drama\t2\n");
        var set = FeatureSet.Load(path);
        Assert.That(set.Kind, Is.EqualTo("item"));
        Assert.That(set.Ids, Is.EqualTo(new[] { "i1", "i2" }));
        Assert.That(set.Features, Is.EqualTo(new[] { "genre:Drama", "genre:Comedy", "year:1995" }));
        Assert.That(set.PairCount, Is.EqualTo(4));
        Assert.That(set.FeaturesOf("i1"), Is.EqualTo(new KeyValuePair<string, float>[] { new("genre:Drama", 1f), new("year:1995", 1f) }));
        Assert.That(set.FeaturesOf("i2"), Is.EqualTo(new KeyValuePair<string, float>[] { new("genre:Drama", 2f), new("genre:Comedy", 0.5f) }));
        Assert.That(set.FeatureIndices(1).ToArray(), Is.Ordered.Ascending);
    }

    [TestCase("i1\n", 1, 0, "found 1 field")]
    [TestCase("i1\ta\t1\textra\n", 1, 0, "found 4 fields")]
    [TestCase("i1\ta\n\tb\n", 2, 1, "id is empty")]
    [TestCase("i1\ta\ni2\t \n", 2, 2, "feature is empty")]
    [TestCase("i1\ta\tNaN\n", 1, 3, "not a finite number above 0")]
    [TestCase("i1\ta\t-1\n", 1, 3, "not a finite number above 0")]
    [TestCase("i1\ta\t1e40\n", 1, 3, "not a finite number above 0")]
    [TestCase("i1\ta\ni2\tb\ni1\ta\t2\n", 3, 2, "given twice (first on line 1)")]
    public void AMalformedLineIsRefusedByLineAndColumn(string content, int line, int column, string problem)
    {
        using var files = new TempFiles();
        var path = files.Write("features.tsv", content);
        var ex = Assert.Throws<DataFormatException>(() => FeatureSet.Load(path));
        Assert.That(ex!.SourceName, Is.EqualTo(path));
        Assert.That(ex.Line, Is.EqualTo(line));
        Assert.That(ex.Column, Is.EqualTo(column));
        Assert.That(ex.Message, Does.Contain(problem).And.Contain(path));
    }

    [Test]
    public void AnEmptyFileIsRefused()
    {
        using var files = new TempFiles();
        var path = files.Write("features.tsv", "# nothing\n\n");
        var ex = Assert.Throws<DataFormatException>(() => FeatureSet.Load(path));
        Assert.That(ex!.Message, Does.Contain("no features"));
    }

    [Test]
    public void AnIdOutsideTheKnownIdsIsRefusedByLine()
    {
        using var files = new TempFiles();
        var path = files.Write("users.tsv", "u1\tage:18-24\nu9\tage:25-34\n");
        var known = IdMap.Create("user", ["u1", "u2"]);
        var ex = Assert.Throws<DataFormatException>(() => FeatureSet.Load(path, "user", new FeatureLoadOptions { KnownIds = known }));
        Assert.That((ex!.Line, ex.Column), Is.EqualTo((2L, 1)));
        Assert.That(ex.Message, Does.Contain("unknown user id 'u9'"));
    }

    [Test]
    public void AnotherDelimiterIsHonoured()
    {
        using var files = new TempFiles();
        var path = files.Write("items.csv", "i1,tag:a,0.25\n");
        var set = FeatureSet.Load(path, options: new FeatureLoadOptions { Delimiter = "," });
        Assert.That(set.FeaturesOf("i1"), Is.EqualTo(new KeyValuePair<string, float>[] { new("tag:a", 0.25f) }));
    }

    [Test]
    public void TheBuilderRefusesBadPairsByName()
    {
        var builder = FeatureSet.CreateBuilder("item").Add("i1", "a");
        Assert.That(Assert.Throws<ArgumentException>(() => builder.Add("i1", "a"))!.Message, Does.Contain("'a' of item 'i1' is added twice"));
        Assert.That(Assert.Throws<ArgumentException>(() => builder.Add("i1", "b", float.NaN))!.Message, Does.Contain("finite and above 0"));
        Assert.That(Assert.Throws<ArgumentException>(() => builder.Add("i1", "b", 0f))!.Message, Does.Contain("finite and above 0"));
        Assert.Throws<ArgumentException>(() => builder.Add("i1", ""));
        Assert.Throws<ArgumentException>(() => builder.Add("", "b"));
        Assert.Throws<InvalidOperationException>(() => FeatureSet.CreateBuilder("user").Build());
        var first = builder.Build();
        var set = builder.Add("i2", ["b", "a"]).Build();
        Assert.That(first.Ids, Is.EqualTo(new[] { "i1" }), "a set built earlier is not changed by later additions");
        Assert.That(set.FeaturesOf("i2").Select(p => p.Key), Is.EquivalentTo(new[] { "a", "b" }));
    }

    [Test]
    public void ASubsetKeepsTheVocabularyAndTheRows()
    {
        var set = FeatureSet.CreateBuilder().Add("i1", ["a", "b"]).Add("i2", ["c"]).Build();
        var sub = set.Subset(["i2"]);
        Assert.That(sub.Ids, Is.EqualTo(new[] { "i2" }));
        Assert.That(sub.Features.Count, Is.EqualTo(3));
        Assert.That(sub.FeaturesOf("i2").Single().Key, Is.EqualTo("c"));
        Assert.Throws<KeyNotFoundException>(() => set.Subset(["i9"]));
    }

    [Test]
    public void MovieLensUserFileLinesAreValidated()
    {
        using var files = new TempFiles();
        var good = files.Write("u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n");
        var users = MovieLens.LoadUserFeatures100K(good);
        Assert.That(users.FeaturesOf("2").Select(p => p.Key), Is.EquivalentTo(new[] { "age:50-55", "gender:F", "occupation:other" }));
        var badAge = files.Write("bad-age.user", "1|24|M|technician|85711\n2|old|F|other|94043\n");
        var ex = Assert.Throws<DataFormatException>(() => MovieLens.LoadUserFeatures100K(badAge));
        Assert.That((ex!.Line, ex.Column), Is.EqualTo((2L, 2)));
        var twice = files.Write("twice.user", "1|24|M|technician|85711\n1|25|M|technician|85711\n");
        Assert.That(Assert.Throws<DataFormatException>(() => MovieLens.LoadUserFeatures100K(twice))!.Message, Does.Contain("listed twice"));
        var fields = files.Write("fields.user", "1|24|M|technician\n");
        Assert.That(Assert.Throws<DataFormatException>(() => MovieLens.LoadUserFeatures100K(fields))!.Line, Is.EqualTo(1));
    }

    [TestCase(1993, "1993")]
    [TestCase(1989, "1980s")]
    [TestCase(1922, "1920s")]
    [TestCase(null, "unknown")]
    public void ReleaseYearBands(int? year, string band) => Assert.That(MovieLens.ReleaseYearBand(year), Is.EqualTo(band));

    [TestCase(17, "under-18")]
    [TestCase(18, "18-24")]
    [TestCase(34, "25-34")]
    [TestCase(49, "45-49")]
    [TestCase(56, "56+")]
    public void AgeBands(int age, string band) => Assert.That(MovieLens.AgeBand(age), Is.EqualTo(band));
}
