namespace CrossRec.Tests.CrossDomain;

public class DomainExtensionsTests
{
    private static InteractionSet Plain()
    {
        var b = new InteractionSetBuilder();
        b.Add("u1", "c1", 4f).Add("u1", "f1", 3f).Add("u2", "c2", 5f).Add("u2", "f1", 2f).Add("u3", "c1", 1f);
        return b.Build("plain");
    }

    private static readonly Dictionary<string, string> Catalogue = new()
    {
        ["c1"] = "course",
        ["c2"] = "course",
        ["f1"] = "film",
        ["f9"] = "film", // not in the data: ignored
    };

    [Test]
    public void WithItemDomainsAssignsEveryItemAndKeepsRows()
    {
        var data = Plain();
        var withDomains = data.WithItemDomains(Catalogue);
        Assert.Multiple(() =>
        {
            Assert.That(withDomains.HasDomains, Is.True);
            Assert.That(withDomains.Count, Is.EqualTo(data.Count));
            Assert.That(withDomains.Values.ToArray(), Is.EqualTo(data.Values.ToArray()));
            Assert.That(withDomains.UserIds, Is.SameAs(data.UserIds));
            Assert.That(withDomains.Domains!.ToArray(), Is.EqualTo(new[] { "course", "film" }));
            for (var i = 0; i < withDomains.ItemCount; i++)
            {
                Assert.That(withDomains.Domains![withDomains.ItemDomains[i]], Is.EqualTo(Catalogue[withDomains.ItemIds[i]]));
            }
        });
    }

    [Test]
    public void FunctionOverloadAssignsDomains()
    {
        var withDomains = Plain().WithItemDomains(id => id.StartsWith('c') ? "course" : "film");
        Assert.That(withDomains.ItemsOfDomain("film").Select(i => withDomains.ItemIds[i]), Is.EqualTo(new[] { "f1" }));
    }

    [Test]
    public void MissingItemIsAnErrorNamingIt()
    {
        var partial = new Dictionary<string, string> { ["c1"] = "course", ["c2"] = "course" };
        var e = Assert.Throws<ArgumentException>(() => Plain().WithItemDomains(partial));
        Assert.That(e!.Message, Does.Contain("'f1'").And.Contain("1 of the 3 items"));
    }

    [Test]
    public void MissingItemIsAllowedWhenNotRequired()
    {
        var partial = new Dictionary<string, string> { ["c1"] = "course", ["c2"] = "course" };
        var data = Plain().WithItemDomains(partial, requireAll: false);
        Assert.That(data.ItemDomains[data.ItemIds.GetIndex("f1")], Is.EqualTo(-1));
        Assert.That(data.OfDomain("course").Count, Is.EqualTo(3));
    }

    [Test]
    public void ConflictingDomainIsAnError()
    {
        var b = new InteractionSetBuilder();
        b.Add("u1", "x", 1f, domain: "course");
        var data = b.Build();
        var e = Assert.Throws<ArgumentException>(() => data.WithItemDomains(new Dictionary<string, string> { ["x"] = "film" }));
        Assert.That(e!.Message, Does.Contain("'x'").And.Contain("'course'").And.Contain("'film'"));
    }

    [Test]
    public void EmptyDomainNameIsAnError()
    {
        Assert.Throws<ArgumentException>(() => Plain().WithItemDomains(_ => string.Empty));
    }

    [Test]
    public void OfDomainKeepsOnlyThatDomainsRows()
    {
        var data = Plain().WithItemDomains(Catalogue);
        var films = data.OfDomain("film");
        Assert.Multiple(() =>
        {
            Assert.That(films.Count, Is.EqualTo(2));
            Assert.That(films.ItemIds, Is.SameAs(data.ItemIds));
            foreach (var i in films.Items)
            {
                Assert.That(films.ItemIds[i], Is.EqualTo("f1"));
            }
        });
    }

    [Test]
    public void SummariesCountRowsUsersAndItems()
    {
        var s = Plain().WithItemDomains(Catalogue).DomainSummaries();
        Assert.Multiple(() =>
        {
            Assert.That(s[0], Is.EqualTo(new DomainSummary("course", 0, 2, 3, 3, 10.0 / 3)));
            Assert.That(s[1], Is.EqualTo(new DomainSummary("film", 1, 1, 2, 2, 2.5)));
        });
    }

    [Test]
    public void DomainHelpersNeedDomains()
    {
        var data = Plain();
        Assert.Multiple(() =>
        {
            Assert.That(() => data.OfDomain("film"), Throws.InvalidOperationException.With.Message.Contains("no item domains"));
            Assert.That(() => data.DomainSummaries(), Throws.InvalidOperationException);
            Assert.That(() => data.WithItemDomains(Catalogue).OfDomain("book"), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("'book'"));
        });
    }
}
