namespace CrossRec.Data.Synthetic;

/// <summary>
/// Sizes and ground-truth parameters of <see cref="SyntheticCrossDomain.Generate"/>: a platform selling
/// paid courses that wants to sell films. Immutable; use <c>with</c> expressions. Every value is checked
/// by <see cref="Validate"/> and a bad value names the option and its allowed range.
/// </summary>
/// <remarks>
/// The defaults produce about 200,000 ratings from 8,000 users over 300 courses and 500 films in well under a
/// second; they are the campaign sample's embedded dataset. See <see cref="SyntheticCrossDomain"/> for the
/// generative model the parameters enter.
/// </remarks>
public sealed record SyntheticCrossDomainOptions
{
    /// <summary>Users (10..10,000,000).</summary>
    public int Users { get; init; } = 8000;

    /// <summary>Courses in the catalogue (the source domain, 10..1,000,000).</summary>
    public int Courses { get; init; } = 300;

    /// <summary>Films in the catalogue (the target domain, 10..1,000,000).</summary>
    public int Films { get; init; } = 500;

    /// <summary>Dimensions of the shared taste space (1..256); the themes of <see cref="SyntheticCrossDomain.ThemeNames"/>.</summary>
    public int Tastes { get; init; } = 8;

    /// <summary>Personas: clusters the users' tastes are drawn around (1..1000); the segments a segmentation should find.</summary>
    public int Personas { get; init; } = 6;

    /// <summary>Spread of a user's taste around the persona centre, relative to the spread of the centres (0..10).</summary>
    public double PersonaSpread { get; init; } = 0.5;

    /// <summary>Mean number of courses a user has taken (every user takes at least one; 1..10,000).</summary>
    public double CoursesPerUser { get; init; } = 16;

    /// <summary>Mean number of films a film-active user has watched (at least one; 1..10,000).</summary>
    public double FilmsPerUser { get; init; } = 14;

    /// <summary>
    /// Baseline share of users who have watched films at all (0..1); the rest know the platform only from
    /// courses and are the cross-domain audience. The actual probability rises with
    /// <see cref="FilmCuriosity"/> for users whose tastes lean towards film-heavy themes.
    /// </summary>
    public double FilmActiveShare { get; init; } = 0.6;

    /// <summary>How strongly the taste for the first theme raises the chance of being film-active, on the logit scale (0..10).</summary>
    public double FilmCuriosity { get; init; } = 0.5;

    /// <summary>How strongly choices follow taste: item weight ∝ exp(sharpness·affinity + popularity) (0..20).</summary>
    public double TasteSharpness { get; init; } = 1.5;

    /// <summary>Standard deviation of an item's log-popularity (0..5); larger makes popularity a stronger baseline.</summary>
    public double PopularitySpread { get; init; } = 1.0;

    /// <summary>
    /// Baseline m_d of course ratings (1..5). Observed means are higher (about +1 star with the defaults)
    /// because users pick the items they like.
    /// </summary>
    public double CourseMeanRating { get; init; } = 3.0;

    /// <summary>Baseline m_d of film ratings (1..5); differs from courses so per-domain offsets matter.</summary>
    public double FilmMeanRating { get; init; } = 2.5;

    /// <summary>Weight of the standardised affinity in a rating (0..5).</summary>
    public double RatingTasteWeight { get; init; } = 0.6;

    /// <summary>
    /// Standard deviation of a user's extra rating bias in each domain (0..5), on top of their overall
    /// bias: some users rate films more generously than courses.
    /// </summary>
    public double UserDomainBiasSpread { get; init; } = 0.3;

    /// <summary>Standard deviation of the rating noise before rounding to whole stars (0..5).</summary>
    public double RatingNoise { get; init; } = 0.6;

    /// <summary>Past film offers in <see cref="SyntheticCrossDomain.OfferHistory"/> (0..1000).</summary>
    public int HistoricalOffers { get; init; } = 8;

    /// <summary>Share of the users contacted by each past offer, at random (0 &lt; reach ≤ 1).</summary>
    public double OfferReach { get; init; } = 0.25;

    /// <summary>Intercept of the true conversion logit (-20..20); sets the base conversion rate.</summary>
    public double ConversionIntercept { get; init; } = -3.0;

    /// <summary>Weight of the standardised user–film affinity in the true conversion logit (0..10).</summary>
    public double ConversionTasteWeight { get; init; } = 1.2;

    /// <summary>Added to the conversion logit of users who already watch films (-10..10).</summary>
    public double ConversionFilmActiveEffect { get; init; } = 0.6;

    /// <summary>Seed of every random draw: the same options give the same data, bit for bit.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        Check.Range(Users, 10, 10_000_000, nameof(Users));
        Check.Range(Courses, 10, 1_000_000, nameof(Courses));
        Check.Range(Films, 10, 1_000_000, nameof(Films));
        Check.Range(Tastes, 1, 256, nameof(Tastes));
        Check.Range(Personas, 1, 1000, nameof(Personas));
        Check.Closed(PersonaSpread, 0, 10, nameof(PersonaSpread));
        Check.Closed(CoursesPerUser, 1, 10_000, nameof(CoursesPerUser));
        Check.Closed(FilmsPerUser, 1, 10_000, nameof(FilmsPerUser));
        Check.Closed(FilmActiveShare, 0, 1, nameof(FilmActiveShare));
        Check.Closed(FilmCuriosity, 0, 10, nameof(FilmCuriosity));
        Check.Closed(TasteSharpness, 0, 20, nameof(TasteSharpness));
        Check.Closed(PopularitySpread, 0, 5, nameof(PopularitySpread));
        Check.Closed(CourseMeanRating, 1, 5, nameof(CourseMeanRating));
        Check.Closed(FilmMeanRating, 1, 5, nameof(FilmMeanRating));
        Check.Closed(RatingTasteWeight, 0, 5, nameof(RatingTasteWeight));
        Check.Closed(RatingNoise, 0, 5, nameof(RatingNoise));
        Check.Closed(UserDomainBiasSpread, 0, 5, nameof(UserDomainBiasSpread));
        Check.Range(HistoricalOffers, 0, 1000, nameof(HistoricalOffers));
        Check.OpenClosed(OfferReach, 0, 1, nameof(OfferReach));
        Check.Closed(ConversionIntercept, -20, 20, nameof(ConversionIntercept));
        Check.Closed(ConversionTasteWeight, 0, 10, nameof(ConversionTasteWeight));
        Check.Closed(ConversionFilmActiveEffect, -10, 10, nameof(ConversionFilmActiveEffect));
        if (HistoricalOffers > Films)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoricalOffers), HistoricalOffers, $"{nameof(HistoricalOffers)} must be at most {nameof(Films)} ({Films}); got {HistoricalOffers}.");
        }
    }
}
