namespace CrossRec.Tests.CrossDomain;

public class CrossDomainSplitTests
{
    private static readonly InteractionSet Data = SyntheticCrossDomain.Generate(Small.Options).Ratings;

    [Test]
    public void HeldOutUsersLoseExactlyTheirTargetRows()
    {
        var split = CrossDomainSplit.Create(Data, "course", "film", 0.25, seed: 3);
        var film = Data.Domains!.GetIndex("film");
        var held = split.HeldOutUsers.ToArray().ToHashSet();
        var domains = Data.ItemDomains.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(split.Train.Count + split.HeldOut.Count, Is.EqualTo(Data.Count));
            Assert.That(held, Has.Count.EqualTo((int)Math.Round(0.25 * split.EligibleUsers)));
            for (var r = 0; r < split.HeldOut.Count; r++)
            {
                Assert.That(held, Does.Contain(split.HeldOut.Users[r]));
                Assert.That(domains[split.HeldOut.Items[r]], Is.EqualTo(film));
            }

            for (var r = 0; r < split.Train.Count; r++)
            {
                Assert.That(held.Contains(split.Train.Users[r]) && domains[split.Train.Items[r]] == film, Is.False, $"training row {r} leaks a hidden interaction");
            }

            // Every held-out user was eligible: still has source rows in training and had target rows.
            var trainCounts = split.Train.CountsPerUser();
            var heldCounts = split.HeldOut.CountsPerUser();
            foreach (var u in held)
            {
                Assert.That(trainCounts[u], Is.GreaterThan(0));
                Assert.That(heldCounts[u], Is.GreaterThan(0));
            }
        });
    }

    [Test]
    public void SameSeedSameSplitOtherSeedOtherSplit()
    {
        var a = CrossDomainSplit.Create(Data, "course", "film", 0.2, seed: 5);
        var b = CrossDomainSplit.Create(Data, "course", "film", 0.2, seed: 5);
        var c = CrossDomainSplit.Create(Data, "course", "film", 0.2, seed: 6);
        Assert.That(a.HeldOutUsers.ToArray(), Is.EqualTo(b.HeldOutUsers.ToArray()));
        Assert.That(a.HeldOutUsers.ToArray(), Is.Not.EqualTo(c.HeldOutUsers.ToArray()));
    }

    [Test]
    public void MinimumsRestrictEligibility()
    {
        var loose = CrossDomainSplit.Create(Data, "course", "film", 0.2, seed: 1);
        var strict = CrossDomainSplit.Create(Data, "course", "film", 0.2, seed: 1, minSource: 10, minTarget: 10);
        Assert.That(strict.EligibleUsers, Is.LessThan(loose.EligibleUsers).And.GreaterThan(0));
        var heldCounts = strict.HeldOut.CountsPerUser();
        foreach (var u in strict.HeldOutUsers)
        {
            Assert.That(heldCounts[u], Is.GreaterThanOrEqualTo(10));
        }
    }

    [Test]
    public void BadArgumentsAreNamed()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => CrossDomainSplit.Create(Data, "film", "film"), Throws.ArgumentException.With.Message.Contains("different domains"));
            Assert.That(() => CrossDomainSplit.Create(Data, "course", "book"), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("'book'"));
            Assert.That(() => CrossDomainSplit.Create(Data, "course", "film", 1.0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("holdOutFraction"));
            Assert.That(() => CrossDomainSplit.Create(Data, "course", "film", 0.0), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => CrossDomainSplit.Create(Data, "course", "film", minTarget: 0), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("minTarget"));
            Assert.That(() => CrossDomainSplit.Create(Data, "course", "film", minTarget: 100_000), Throws.InvalidOperationException.With.Message.Contains("no user"));
        });
    }

    [Test]
    public void DataWithoutDomainsIsRejected()
    {
        var b = new InteractionSetBuilder();
        b.Add("u", "i", 1f);
        Assert.That(() => CrossDomainSplit.Create(b.Build(), "a", "b"), Throws.InvalidOperationException.With.Message.Contains("no item domains"));
    }
}

/// <summary>A small generator configuration for fast tests.</summary>
internal static class Small
{
    public static readonly SyntheticCrossDomainOptions Options = new()
    {
        Users = 1200,
        Courses = 60,
        Films = 80,
        Tastes = 4,
        Personas = 4,
        CoursesPerUser = 12,
        FilmsPerUser = 10,
        TasteSharpness = 2.0,
        HistoricalOffers = 3,
        Seed = 11,
    };
}
