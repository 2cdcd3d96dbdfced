namespace CrossRec.Tests.Data;

/// <summary>Wide feature tables (<see cref="FeatureSet.LoadWide"/>): named columns become categorical or weighted features; bad input is refused by line and column.</summary>
[TestFixture]
public sealed class WideFeatureSetTests
{
    [Test]
    public void CategoricalListAndNumericColumnsBecomeFeatures()
    {
        using var files = new TempFiles();
        var path = files.Write("films.csv", "film,genres,price,studio\nf1,Action|Comedy,10,\"Big, Inc\"\nf2,Drama,5,\n\nf3,,0,Small\n");
        var set = FeatureSet.LoadWide(path);
        Assert.That(set.Ids, Is.EqualTo(new[] { "f1", "f2", "f3" }));
        Assert.That(set.FeaturesOf("f1"), Is.EquivalentTo(new KeyValuePair<string, float>[] { new("genres=Action", 1f), new("genres=Comedy", 1f), new("price", 1f), new("studio=Big, Inc", 1f) }));
        Assert.That(set.FeaturesOf("f2"), Is.EquivalentTo(new KeyValuePair<string, float>[] { new("genres=Drama", 1f), new("price", 0.5f) }));
        Assert.That(set.FeaturesOf("f3"), Is.EquivalentTo(new KeyValuePair<string, float>[] { new("studio=Small", 1f) }), "a price of 0 and an empty cell add nothing");
    }

    [Test]
    public void TheIdAndNumericColumnsCanBeNamed()
    {
        using var files = new TempFiles();
        var path = files.Write("users.tsv", "age\tuser\tzip\n25\tu1\t10001\n40\tu2\t94110\n");
        var set = FeatureSet.LoadWide(path, "user", new WideFeatureOptions { Delimiter = "\t", IdColumn = "user", NumericColumns = ["age"] });
        Assert.That(set.Kind, Is.EqualTo("user"));
        Assert.That(set.FeaturesOf("u2"), Is.EquivalentTo(new KeyValuePair<string, float>[] { new("age", 1f), new("zip=94110", 1f) }), "zip is categorical when age alone is named numeric");
    }

    [TestCase("", 0, 0, "header row")]
    [TestCase("id,a,a\nx,1,2\n", 1, 3, "named twice")]
    [TestCase("id,a\nx,1,2\n", 2, 0, "3 fields where the header has 2")]
    [TestCase("id,a\nx,1\nx,2\n", 3, 1, "has a row already (line 2)")]
    [TestCase("id,a\n,1\n", 2, 1, "id is empty")]
    [TestCase("id,a\nx,-1\n", 2, 2, "not a finite number of 0 or more")]
    [TestCase("id,a\nx,\n", 0, 0, "no features")]
    [TestCase("id,a\nx,\"open\n", 2, 2, "quoted field")]
    public void AMalformedTableIsRefusedByLineAndColumn(string content, int line, int column, string problem)
    {
        using var files = new TempFiles();
        var path = files.Write("wide.csv", content);
        var ex = Assert.Throws<DataFormatException>(() => FeatureSet.LoadWide(path));
        Assert.That(ex!.Line, Is.EqualTo(line));
        Assert.That(ex.Column, Is.EqualTo(column));
        Assert.That(ex.Message, Does.Contain(problem).And.Contain(path));
    }

    [Test]
    public void ANamedColumnTheHeaderLacksIsNamed()
    {
        using var files = new TempFiles();
        var path = files.Write("wide.csv", "id,a\nx,1\n");
        Assert.That(Assert.Throws<DataFormatException>(() => FeatureSet.LoadWide(path, options: new WideFeatureOptions { IdColumn = "film" }))!.Message, Does.Contain("IdColumn"));
        Assert.That(Assert.Throws<DataFormatException>(() => FeatureSet.LoadWide(path, options: new WideFeatureOptions { NumericColumns = ["b"] }))!.Message, Does.Contain("NumericColumns"));
        Assert.That(Assert.Throws<DataFormatException>(() => FeatureSet.LoadWide(path, options: new WideFeatureOptions { KnownIds = IdMap.Create("item", ["y"]) }))!.Message, Does.Contain("unknown item id 'x'"));
        Assert.Throws<ArgumentException>(() => FeatureSet.LoadWide(path, options: new WideFeatureOptions { ListSeparator = "," }));
    }
}
