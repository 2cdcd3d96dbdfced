namespace CrossRec.AccuracyTests.Segmentation;

/// <summary>Segments of MovieLens 100K users, clustered on their factors, should prefer visibly different genres.</summary>
public class MovieLensSegmentsTests
{
    [Test]
    public void SegmentsOverRepresentDifferentGenres()
    {
        var dir = TestData.Require("ml-100k");
        var ratings = MovieLens.Load100K(dir);
        var genres = MovieLens.LoadItems100K(dir).ToDictionary(i => i.Id, i => i.Genres);
        var model = CrossRec.Factorization.Biased().Seed(7).Deterministic().Fit(ratings); // reproducible factors, so the segments are too
        var segments = CrossRec.Segmentation.KMeans(6).Seed(7).Restarts(3).Fit(model.UserFactors);
        var profiles = segments.Profile(ratings, genres, top: 3, minCount: 20);
        foreach (var p in profiles)
        {
            TestContext.Out.WriteLine(p.Describe());
        }

        Assert.That(profiles.Sum(p => p.Size), Is.EqualTo(943));
        Assert.That(profiles, Has.All.Matches<SegmentProfile>(p => p!.OverRepresented.Count > 0));
        var topGenres = profiles.Select(p => p.OverRepresented[0].Label).Distinct().Count();
        Assert.That(topGenres, Is.GreaterThanOrEqualTo(4), "most segments should lead with a different genre");
        Assert.That(profiles.Max(p => p.OverRepresented[0].Lift), Is.GreaterThan(1.3));
    }

    [Test]
    public void ItemCatalogueReadsAllFilms()
    {
        var items = MovieLens.LoadItems100K(TestData.Require("ml-100k"));
        Assert.That(items, Has.Count.EqualTo(1682));
        var starWars = items.Single(i => i.Id == "50");
        Assert.That(starWars.Title, Is.EqualTo("Star Wars (1977)"));
        Assert.That(starWars.Genres, Is.EquivalentTo(new[] { "Action", "Adventure", "Romance", "Sci-Fi", "War" }));
    }
}
