namespace CrossRec.Tests.Data;

/// <summary>The numeric-id cache of <see cref="IdMap.Builder"/> must behave exactly like the dictionary alone.</summary>
public class IdMapNumericTests
{
    [Test]
    public void NumericAndTextIdsKeepTheirOwnIndices()
    {
        var b = new IdMap.Builder("user");
        string[] ids = ["7", "007", "0", "00", "16777216", "16777215", "123456789", "1234567890", "-1", "7a", "7"];
        var first = new Dictionary<string, int>();
        foreach (var id in ids)
        {
            var index = b.GetOrAdd(id.AsSpan());
            if (first.TryGetValue(id, out var before))
            {
                Assert.That(index, Is.EqualTo(before), id);
            }
            else
            {
                first[id] = index;
            }
        }

        var map = b.Build();
        Assert.That(map, Has.Count.EqualTo(first.Count));
        foreach (var (id, index) in first)
        {
            Assert.That(map.IndexOf(id), Is.EqualTo(index), id);
            Assert.That(map[index], Is.EqualTo(id));
        }
    }

    [Test]
    public void ABuilderFromAnExistingMapFindsItsNumericIds()
    {
        var parent = IdMap.Create("item", ["10", "20", "x"]);
        var b = parent.ToBuilder();
        Assert.Multiple(() =>
        {
            Assert.That(b.GetOrAdd("20".AsSpan()), Is.EqualTo(1));
            Assert.That(b.GetOrAdd("20".AsSpan()), Is.EqualTo(1), "second lookup comes from the cache");
            Assert.That(b.GetOrAdd("10".AsSpan()), Is.EqualTo(0));
            Assert.That(b.GetOrAdd("30".AsSpan()), Is.EqualTo(3));
            Assert.That(b.GetOrAdd("x".AsSpan()), Is.EqualTo(2));
        });
    }

    [Test]
    public void ManyNumericIdsRoundTrip()
    {
        var rng = new Random(5);
        var b = new IdMap.Builder("item");
        var expected = new Dictionary<string, int>();
        for (var n = 0; n < 50_000; n++)
        {
            var id = rng.Next(3) == 0 ? rng.Next(0, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture) : rng.Next(0, 5000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var index = b.GetOrAdd(id.AsSpan());
            if (!expected.TryAdd(id, index))
            {
                Assert.That(index, Is.EqualTo(expected[id]));
            }
        }

        var map = b.Build();
        Assert.That(expected.All(p => map.IndexOf(p.Key) == p.Value && map[p.Value] == p.Key), Is.True);
    }
}
