namespace CrossRec.Tests.CrossDomain;

public class SyntheticCrossDomainTests
{
    private static readonly SyntheticCrossDomain Data = SyntheticCrossDomain.Generate(Small.Options);

    [Test]
    public void SameSeedGivesTheSameDataBitForBit()
    {
        var again = SyntheticCrossDomain.Generate(Small.Options);
        var other = SyntheticCrossDomain.Generate(Small.Options with { Seed = 12 });
        Assert.Multiple(() =>
        {
            Assert.That(again.Ratings.Users.ToArray(), Is.EqualTo(Data.Ratings.Users.ToArray()));
            Assert.That(again.Ratings.Items.ToArray(), Is.EqualTo(Data.Ratings.Items.ToArray()));
            Assert.That(again.Ratings.Values.ToArray(), Is.EqualTo(Data.Ratings.Values.ToArray()));
            Assert.That(again.OfferHistory, Is.EqualTo(Data.OfferHistory));
            Assert.That(again.UserTastes.ToArray(), Is.EqualTo(Data.UserTastes.ToArray()));
            Assert.That(other.Ratings.Items.ToArray(), Is.Not.EqualTo(Data.Ratings.Items.ToArray()));
        });
    }

    [Test]
    public void SizesIdsAndDomainsFollowTheOptions()
    {
        var o = Small.Options;
        var r = Data.Ratings;
        Assert.Multiple(() =>
        {
            Assert.That(r.UserCount, Is.EqualTo(o.Users));
            Assert.That(r.ItemCount, Is.EqualTo(o.Courses + o.Films));
            Assert.That(r.Domains!.ToArray(), Is.EqualTo(new[] { "course", "film" }));
            Assert.That(r.ItemIds[0], Is.EqualTo("c0001"));
            Assert.That(r.ItemIds[o.Courses], Is.EqualTo("f0001"));
            Assert.That(r.UserIds[0], Is.EqualTo("u000001"));
            Assert.That(r.Scale, Is.EqualTo(RatingScale.FiveStars));
            for (var i = 0; i < r.ItemCount; i++)
            {
                Assert.That(r.ItemDomains[i], Is.EqualTo(i < o.Courses ? 0 : 1));
            }

            Assert.That(Data.UserTastes.Rows, Is.EqualTo(o.Users));
            Assert.That(Data.UserTastes.Columns, Is.EqualTo(o.Tastes));
            Assert.That(Data.ItemAttributes.Rows, Is.EqualTo(r.ItemCount));
            Assert.That(Data.PersonaCentres.Rows, Is.EqualTo(o.Personas));
            Assert.That(Data.ThemeNames, Has.Count.EqualTo(o.Tastes));
        });
    }

    [Test]
    public void EveryUserTakesCoursesAndOnlyFilmActiveUsersWatchFilms()
    {
        var r = Data.Ratings;
        var courses = new int[r.UserCount];
        var films = new int[r.UserCount];
        var pairs = new HashSet<(int, int)>();
        for (var row = 0; row < r.Count; row++)
        {
            (r.ItemDomains[r.Items[row]] == 0 ? courses : films)[r.Users[row]]++;
            Assert.That(pairs.Add((r.Users[row], r.Items[row])), Is.True, "an item is consumed at most once");
            Assert.That(r.Values[row], Is.InRange(1f, 5f));
            Assert.That(r.Values[row], Is.EqualTo(MathF.Round(r.Values[row])));
        }

        var active = 0;
        for (var u = 0; u < r.UserCount; u++)
        {
            Assert.That(courses[u], Is.GreaterThanOrEqualTo(1));
            Assert.That(films[u] > 0, Is.EqualTo(Data.FilmActive[u]));
            active += Data.FilmActive[u] ? 1 : 0;
        }

        // FilmActiveShare 0.6 with curiosity: the share is near 0.6 (binomial spread on 1,200 users is ±0.03).
        Assert.That(active / (double)r.UserCount, Is.InRange(0.5, 0.7));
        var meanCourses = courses.Average();
        Assert.That(meanCourses, Is.InRange(Small.Options.CoursesPerUser * 0.9, Small.Options.CoursesPerUser * 1.1));
    }

    [Test]
    public void ChoicesFollowTaste()
    {
        // Consumed items must have a clearly higher true affinity than the catalogue average (≈ 0).
        var r = Data.Ratings;
        double consumed = 0;
        for (var row = 0; row < r.Count; row++)
        {
            consumed += Data.Affinity(r.Users[row], r.Items[row]);
        }

        Assert.That(consumed / r.Count, Is.GreaterThan(0.8));
    }

    [Test]
    public void OffersSkipWatchedFilmsAndUseTheDocumentedProbability()
    {
        var o = Small.Options;
        Assert.That(Data.OfferHistory, Is.Not.Empty);
        Assert.That(Data.OfferedFilms.ToArray().Distinct().Count(), Is.EqualTo(o.HistoricalOffers));
        foreach (var e in Data.OfferHistory.Take(500))
        {
            Assert.That(Data.HasConsumed(e.User, e.Film), Is.False);
            var logit = o.ConversionIntercept + (o.ConversionTasteWeight * Data.Affinity(e.User, e.Film)) + (Data.FilmActive[e.User] ? o.ConversionFilmActiveEffect : 0);
            Assert.That(e.TrueProbability, Is.EqualTo(1 / (1 + Math.Exp(-logit))).Within(1e-12));
            Assert.That(Data.ConversionProbability(e.User, e.Film), Is.EqualTo(e.TrueProbability));
        }

        // Outcomes are Bernoulli(p): the converted count lies within 4 standard deviations of Σp.
        var expected = Data.OfferHistory.Sum(e => e.TrueProbability);
        var sd = Math.Sqrt(Data.OfferHistory.Sum(e => e.TrueProbability * (1 - e.TrueProbability)));
        Assert.That(Data.OfferHistory.Count(e => e.Converted), Is.InRange(expected - (4 * sd), expected + (4 * sd)));
    }

    [Test]
    public void BadOptionsAndIndicesAreNamed()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { Users = 5 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Users"));
            Assert.That(() => SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { OfferReach = 0 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("OfferReach"));
            Assert.That(() => SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { FilmActiveShare = double.NaN }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("FilmActiveShare"));
            Assert.That(() => SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { Films = 10, HistoricalOffers = 11 }), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("HistoricalOffers"));
            Assert.That(() => Data.ConversionProbability(0, 0), Throws.ArgumentException.With.Message.Contains("course"));
            Assert.That(() => Data.Affinity(-1, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => Data.Affinity(0, Data.Ratings.ItemCount), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }
}
