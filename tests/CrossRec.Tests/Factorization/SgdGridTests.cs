using CrossRec.Engines.Cpu;

namespace CrossRec.Tests.Factorization;

public unsafe class SgdGridTests
{
    [Test]
    public void EveryRatingLandsInTheBlockOfItsBinsExactlyOnce()
    {
        var data = SgdTestData.Planted(300, 200, 0.3, seed: 4);
        using var grid = SgdGrid.Build(data, bins: 5, seed: 9, threads: 2);

        var expected = new List<(int, int, float)>();
        for (var r = 0; r < data.Count; r++)
        {
            expected.Add((grid.UserIndex[data.Users[r]], grid.ItemIndex[data.Items[r]], data.Values[r]));
        }

        var actual = new List<(int, int, float)>();
        for (var b = 0; b < 25; b++)
        {
            for (var j = grid.BlockStart[b]; j < grid.BlockStart[b + 1]; j++)
            {
                var e = grid.Entries[j];
                Assert.That(e.User * 5 / data.UserCount, Is.EqualTo(b / 5), "user bin");
                Assert.That(e.Item * 5 / data.ItemCount, Is.EqualTo(b % 5), "item bin");
                actual.Add((e.User, e.Item, e.Value));
            }
        }

        Assert.That(actual, Is.EquivalentTo(expected));
        Assert.That(grid.UserIndex.Order(), Is.EqualTo(Enumerable.Range(0, data.UserCount)), "users are relabelled by a permutation");
    }

    [Test]
    public void LayoutDependsOnTheSeedNotOnTheThreadCount()
    {
        // 300k ratings: enough for several row ranges to scatter in parallel.
        var data = SgdTestData.Planted(1500, 1000, 0.2, seed: 6);
        using var one = SgdGrid.Build(data, bins: 7, seed: 3, threads: 1);
        using var two = SgdGrid.Build(data, bins: 7, seed: 3, threads: 2);
        using var other = SgdGrid.Build(data, bins: 7, seed: 4, threads: 2);

        Assert.That(Flatten(two), Is.EqualTo(Flatten(one)));
        Assert.That(Flatten(other), Is.Not.EqualTo(Flatten(one)));
    }

    private static List<(int, int, float)> Flatten(SgdGrid grid)
    {
        var list = new List<(int, int, float)>(grid.Count);
        for (var j = 0; j < grid.Count; j++)
        {
            list.Add((grid.Entries[j].User, grid.Entries[j].Item, grid.Entries[j].Value));
        }

        return list;
    }
}
