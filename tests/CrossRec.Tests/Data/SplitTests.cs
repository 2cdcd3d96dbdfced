namespace CrossRec.Tests.Data;

public class SplitTests
{
    private static readonly InteractionSet Data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 300, Items = 200, Ratings = 6000, Seed = 3 });

    private static void AssertPartition(InteractionSet train, InteractionSet test)
    {
        var seen = new HashSet<(int, int, long)>();
        foreach (var part in new[] { train, test })
        {
            for (var r = 0; r < part.Count; r++)
            {
                Assert.That(seen.Add((part.Users[r], part.Items[r], part.Timestamps[r])), Is.True, "a row appears twice");
            }
        }

        Assert.That(seen, Has.Count.EqualTo(Data.Count));
        Assert.That(train.UserIds, Is.SameAs(Data.UserIds));
        Assert.That(test.ItemIds, Is.SameAs(Data.ItemIds));
    }

    [Test]
    public void RandomSplitPartitionsAndIsReproducible()
    {
        var (train, test) = Data.SplitRandom(0.2, seed: 5);
        AssertPartition(train, test);
        Assert.That(test.Count, Is.EqualTo(1200));
        var (_, again) = Data.SplitRandom(0.2, seed: 5);
        var (_, other) = Data.SplitRandom(0.2, seed: 6);
        Assert.That(again.Users.ToArray(), Is.EqualTo(test.Users.ToArray()));
        Assert.That(again.Items.ToArray(), Is.EqualTo(test.Items.ToArray()));
        Assert.That(other.Items.ToArray(), Is.Not.EqualTo(test.Items.ToArray()));
    }

    [Test]
    public void KFoldTestPartsPartitionTheRows()
    {
        var folds = Data.KFold(5, seed: 1).ToList();
        Assert.That(folds, Has.Count.EqualTo(5));
        var covered = new HashSet<(int, int)>();
        foreach (var (train, test) in folds)
        {
            AssertPartition(train, test);
            Assert.That(test.Count, Is.EqualTo(1200));
            for (var r = 0; r < test.Count; r++)
            {
                Assert.That(covered.Add((test.Users[r], test.Items[r])), Is.True);
            }
        }

        Assert.That(covered, Has.Count.EqualTo(Data.Count));
    }

    [Test]
    public void LeaveKOutTakesKRowsOfEveryUserWithEnough()
    {
        var (train, test) = Data.SplitLeaveKOut(2, seed: 4);
        AssertPartition(train, test);
        var trainCounts = train.CountsPerUser();
        var testCounts = test.CountsPerUser();
        var all = Data.CountsPerUser();
        for (var u = 0; u < all.Length; u++)
        {
            Assert.That(testCounts[u], Is.EqualTo(all[u] > 2 ? 2 : 0));
            Assert.That(trainCounts[u], Is.GreaterThanOrEqualTo(1));
        }
    }

    [Test]
    public void TemporalSplitPutsTheLatestRowsInTest()
    {
        var (train, test) = Data.SplitTemporal(0.25);
        AssertPartition(train, test);
        Assert.That(test.Timestamps.ToArray().Min(), Is.GreaterThanOrEqualTo(train.Timestamps.ToArray().Max()));
    }

    [Test]
    public void BadArgumentsNameTheArgument()
    {
        Assert.That(() => Data.SplitRandom(1.5, 1), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("testFraction"));
        Assert.That(() => Data.KFold(1, 1), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("folds"));
        Assert.That(() => Data.SplitLeaveKOut(0, 1), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("perUser"));
        Assert.That(() => Data.SplitLeaveKOut(10_000, 1), Throws.ArgumentException.With.Message.Contains("no user has more than"));
        var noTime = new InteractionSetBuilder().Add("a", "x", 1).Add("b", "y", 2).Build();
        Assert.That(() => noTime.SplitTemporal(0.5), Throws.InvalidOperationException.With.Message.Contains("timestamps"));
    }
}
