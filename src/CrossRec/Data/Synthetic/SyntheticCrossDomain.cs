using System.Numerics.Tensors;
using MathNet.Numerics.Distributions;

namespace CrossRec.Data.Synthetic;

/// <summary>
/// A synthetic cross-domain platform with known ground truth: users with latent tastes, a course
/// catalogue (domain <c>"course"</c>, the source) and a film catalogue (domain <c>"film"</c>, the target)
/// whose items live in the same taste space, explicit ratings, and the outcomes of past film offers.
/// Deterministic by <see cref="SyntheticCrossDomainOptions.Seed"/>; immutable.
/// </summary>
/// <remarks>
/// <para><b>Generative model</b> (T = <see cref="SyntheticCrossDomainOptions.Tastes"/>):</para>
/// <list type="number">
/// <item>Persona centres <c>c_s ~ N(0, I_T)</c>. A user draws a persona uniformly and a taste
/// <c>t_u = (c_s + σ·z) / √(1 + σ²)</c>, <c>z ~ N(0, I_T)</c>, σ = <see cref="SyntheticCrossDomainOptions.PersonaSpread"/>.</item>
/// <item>Every item (course or film) has attributes <c>a_i ~ N(0, I_T)</c> and a log-popularity
/// <c>π_i ~ N(0, PopularitySpread²)</c>. The standardised affinity is <c>α(u,i) = t_u·a_i / √T</c> (variance ≈ 1).</item>
/// <item>Activity <c>v_u ~ LogNormal(0, 0.5²)</c>, scaled to mean 1. A user takes
/// <c>1 + Poisson((CoursesPerUser − 1)·v_u)</c> courses. The user watches films at all with probability
/// <c>σ(logit(FilmActiveShare) + FilmCuriosity·t_u[0])</c>, and then <c>1 + Poisson((FilmsPerUser − 1)·v_u)</c> films.</item>
/// <item>Items of a domain are drawn without replacement with weights <c>exp(TasteSharpness·α(u,i) + π_i)</c>
/// (an exponential race), so both taste and popularity drive what a user consumes.</item>
/// <item>Each consumed item is rated <c>round(m_d + b_u + b_ud + o_i + RatingTasteWeight·α(u,i) + ε)</c> clipped to 1..5, with the
/// domain baseline <c>m_d</c>, <c>b_u ~ N(0, 0.35²)</c>, a per-domain user bias <c>b_ud ~ N(0, UserDomainBiasSpread²)</c>, an item offset <c>o_i</c> correlated with popularity
/// (<c>0.25·π_i/PopularitySpread + N(0, 0.25²)</c>) and <c>ε ~ N(0, RatingNoise²)</c>.</item>
/// <item>Past offers: <see cref="SyntheticCrossDomainOptions.HistoricalOffers"/> distinct films, each sent to every
/// user who has not watched it with probability <see cref="SyntheticCrossDomainOptions.OfferReach"/>. The user
/// converts with the true probability <see cref="ConversionProbability"/> =
/// <c>σ(ConversionIntercept + ConversionTasteWeight·α(u,f) + ConversionFilmActiveEffect·[film-active])</c>.</item>
/// </list>
/// <para>Ids are <c>u000001…</c> for users, <c>c0001…</c> for courses and <c>f0001…</c> for films; dense indices of
/// <see cref="Ratings"/> follow generation order (every catalogue item is in the item map, courses first,
/// even if nobody consumed it).</para>
/// </remarks>
public sealed class SyntheticCrossDomain
{
    /// <summary>Name of the source domain.</summary>
    public const string CourseDomain = "course";

    /// <summary>Name of the target domain.</summary>
    public const string FilmDomain = "film";

    private static readonly string[] Themes = ["technology", "business", "arts", "science", "wellness", "languages", "history", "family"];

    private readonly float[] _tastes;
    private readonly float[] _attributes;
    private readonly float[] _popularity;
    private readonly int[] _persona;
    private readonly bool[] _filmActive;
    private readonly float[] _personaCentres;
    private readonly OfferEvent[] _offers;
    private readonly int[] _offerFilms;
    private readonly string[] _themeNames;

    private SyntheticCrossDomain(
        SyntheticCrossDomainOptions options,
        InteractionSet ratings,
        float[] tastes,
        float[] attributes,
        float[] popularity,
        int[] persona,
        bool[] filmActive,
        float[] personaCentres,
        OfferEvent[] offers,
        int[] offerFilms,
        string[] themeNames)
    {
        Options = options;
        Ratings = ratings;
        _tastes = tastes;
        _attributes = attributes;
        _popularity = popularity;
        _persona = persona;
        _filmActive = filmActive;
        _personaCentres = personaCentres;
        _offers = offers;
        _offerFilms = offerFilms;
        _themeNames = themeNames;
    }

    /// <summary>The options the data was generated with.</summary>
    public SyntheticCrossDomainOptions Options { get; }

    /// <summary>Explicit 1..5 ratings of both domains; items carry the domains <c>"course"</c> and <c>"film"</c>.</summary>
    public InteractionSet Ratings { get; }

    /// <summary>Names of the taste dimensions (themes), length T.</summary>
    public IReadOnlyList<string> ThemeNames => _themeNames;

    /// <summary>True tastes t_u (users × T), rows labelled by the user ids.</summary>
    public ReadOnlyMatrix UserTastes => ReadOnlyMatrix.Wrap(_tastes, Ratings.UserCount, Options.Tastes, Ratings.UserIds, _themeNames);

    /// <summary>True item attributes a_i (items × T), rows labelled by the item ids.</summary>
    public ReadOnlyMatrix ItemAttributes => ReadOnlyMatrix.Wrap(_attributes, Ratings.ItemCount, Options.Tastes, Ratings.ItemIds, _themeNames);

    /// <summary>Persona centres (personas × T).</summary>
    public ReadOnlyMatrix PersonaCentres => ReadOnlyMatrix.Wrap(_personaCentres, Options.Personas, Options.Tastes, null, _themeNames);

    /// <summary>The persona (0..Personas−1) each user was drawn from, by dense user index.</summary>
    public ReadOnlySpan<int> Personas => _persona;

    /// <summary>Whether each user watches films at all (has film ratings), by dense user index.</summary>
    public ReadOnlySpan<bool> FilmActive => _filmActive;

    /// <summary>True log-popularity π_i of each item, by dense item index.</summary>
    public ReadOnlySpan<float> Popularity => _popularity;

    /// <summary>Outcomes of the past film offers, offer by offer, users in index order.</summary>
    public IReadOnlyList<OfferEvent> OfferHistory => _offers;

    /// <summary>Dense item indices of the films that past offers promoted.</summary>
    public ReadOnlySpan<int> OfferedFilms => _offerFilms;

    /// <summary>Generates the data set; the same options give the same data.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public static SyntheticCrossDomain Generate(SyntheticCrossDomainOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SyntheticCrossDomainOptions();
        options.Validate();
        var o = options;
        var rng = new Random(o.Seed);
        var t = o.Tastes;
        var nu = o.Users;
        var nc = o.Courses;
        var ni = o.Courses + o.Films;
        var themeNames = Enumerable.Range(0, t).Select(d => d < Themes.Length ? Themes[d] : $"theme{d + 1}").ToArray();

        var centres = new float[o.Personas * t];
        FillNormal(centres, 1.0, rng);
        var tastes = new float[checked(nu * t)];
        var persona = new int[nu];
        var norm = 1.0 / Math.Sqrt(1 + (o.PersonaSpread * o.PersonaSpread));
        for (var u = 0; u < nu; u++)
        {
            var s = rng.Next(o.Personas);
            persona[u] = s;
            for (var d = 0; d < t; d++)
            {
                tastes[(u * t) + d] = (float)((centres[(s * t) + d] + (o.PersonaSpread * Normal(rng))) * norm);
            }
        }

        var attributes = new float[checked(ni * t)];
        FillNormal(attributes, 1.0, rng);
        var popularity = new float[ni];
        FillNormal(popularity, o.PopularitySpread, rng);
        var itemOffset = new float[ni];
        for (var i = 0; i < ni; i++)
        {
            var z = o.PopularitySpread > 0 ? popularity[i] / o.PopularitySpread : 0;
            itemOffset[i] = (float)((0.25 * z) + (0.25 * Normal(rng)));
        }

        var builder = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        var userIds = new string[nu];
        for (var u = 0; u < nu; u++)
        {
            userIds[u] = $"u{u + 1:D6}";
        }

        var itemIds = new string[ni];
        for (var i = 0; i < ni; i++)
        {
            itemIds[i] = i < nc ? $"c{i + 1:D4}" : $"f{i - nc + 1:D4}";
            builder.SetItemDomain(itemIds[i], i < nc ? CourseDomain : FilmDomain);
        }

        var filmActive = new bool[nu];
        var baseLogit = o.FilmActiveShare is > 0 and < 1 ? Math.Log(o.FilmActiveShare / (1 - o.FilmActiveShare)) : 0;
        var invSqrtT = 1 / Math.Sqrt(t);
        var keys = new double[Math.Max(nc, o.Films)];
        var order = new int[keys.Length];
        for (var u = 0; u < nu; u++)
        {
            if ((u & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var activity = Math.Exp((0.5 * Normal(rng)) - 0.125); // LogNormal(0, 0.5²) / its mean
            var userBias = 0.35 * Normal(rng);
            var courseBias = userBias + (o.UserDomainBiasSpread * Normal(rng));
            var filmBias = userBias + (o.UserDomainBiasSpread * Normal(rng));
            filmActive[u] = o.FilmActiveShare switch
            {
                <= 0 => false,
                >= 1 => true,
                _ => rng.NextDouble() < Logistic(baseLogit + (o.FilmCuriosity * tastes[u * t])),
            };

            var courses = Math.Min(nc, 1 + Poisson.Sample(rng, Math.Max(1e-9, (o.CoursesPerUser - 1) * activity)));
            Consume(0, nc, courses, o.CourseMeanRating, courseBias);
            if (filmActive[u])
            {
                var films = Math.Min(o.Films, 1 + Poisson.Sample(rng, Math.Max(1e-9, (o.FilmsPerUser - 1) * activity)));
                Consume(nc, o.Films, films, o.FilmMeanRating, filmBias);
            }

            void Consume(int first, int count, int take, double meanRating, double bias)
            {
                // Exponential race: item j finishes at E_j / w_j; the `take` earliest are a weighted sample
                // without replacement. Log-space keys avoid overflow of exp(weights).
                for (var j = 0; j < count; j++)
                {
                    var i = first + j;
                    var logWeight = (o.TasteSharpness * Affinity(tastes.AsSpan(u * t, t), attributes.AsSpan(i * t, t), invSqrtT)) + popularity[i];
                    keys[j] = Math.Log(-Math.Log(1 - rng.NextDouble())) - logWeight;
                    order[j] = i;
                }

                Array.Sort(keys, order, 0, count);
                for (var j = 0; j < take; j++)
                {
                    var i = order[j];
                    var affinity = Affinity(tastes.AsSpan(u * t, t), attributes.AsSpan(i * t, t), invSqrtT);
                    var raw = meanRating + bias + itemOffset[i] + (o.RatingTasteWeight * affinity) + (o.RatingNoise * Normal(rng));
                    builder.Add(userIds[u], itemIds[i], (float)Math.Clamp(Math.Round(raw), 1, 5));
                }
            }
        }

        var ratings = builder.Build($"synthetic-cross-domain(users={nu}, courses={nc}, films={o.Films}, seed={o.Seed})");

        // Past offers: distinct films, each to a random share of the users who have not watched it.
        var offerFilms = new int[o.HistoricalOffers];
        var filmPool = Enumerable.Range(nc, o.Films).ToArray();
        rng.Shuffle(filmPool);
        Array.Copy(filmPool, offerFilms, offerFilms.Length);
        var offers = new List<OfferEvent>();
        var model = new SyntheticCrossDomain(options, ratings, tastes, attributes, popularity, persona, filmActive, centres, [], offerFilms, themeNames);
        foreach (var film in offerFilms)
        {
            for (var u = 0; u < nu; u++)
            {
                if (rng.NextDouble() >= o.OfferReach || model.HasConsumed(u, film))
                {
                    continue;
                }

                var p = model.ConversionProbability(u, film);
                offers.Add(new OfferEvent(u, film, rng.NextDouble() < p, p));
            }
        }

        return new SyntheticCrossDomain(options, ratings, tastes, attributes, popularity, persona, filmActive, centres, offers.ToArray(), offerFilms, themeNames);
    }

    /// <summary>The true standardised affinity α(u,i) = t_u·a_i / √T of a user for an item (dense indices).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double Affinity(int user, int item)
    {
        CheckUser(user);
        CheckItem(item);
        var t = Options.Tastes;
        return Affinity(_tastes.AsSpan(user * t, t), _attributes.AsSpan(item * t, t), 1 / Math.Sqrt(t));
    }

    /// <summary>
    /// The true probability that the user accepts an offer of the film:
    /// σ(ConversionIntercept + ConversionTasteWeight·α(u,f) + ConversionFilmActiveEffect·[user watches films]).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    /// <exception cref="ArgumentException">The item is not a film.</exception>
    public double ConversionProbability(int user, int film)
    {
        CheckUser(user);
        CheckItem(film);
        if (film < Options.Courses)
        {
            throw new ArgumentException($"Item {film} ('{Ratings.ItemIds[film]}') is a course; offers are films (indices {Options.Courses}..{Ratings.ItemCount - 1}).", nameof(film));
        }

        var logit = Options.ConversionIntercept + (Options.ConversionTasteWeight * Affinity(user, film)) + (_filmActive[user] ? Options.ConversionFilmActiveEffect : 0);
        return Logistic(logit);
    }

    /// <summary>True when the user has a rating of the item.</summary>
    public bool HasConsumed(int user, int item)
    {
        CheckUser(user);
        CheckItem(item);
        var items = Ratings.Items;
        foreach (var r in Ratings.RowsOfUser(user))
        {
            if (items[r] == item)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => $"SyntheticCrossDomain({Ratings}, {_offers.Length} offer events)";

    private static double Affinity(ReadOnlySpan<float> taste, ReadOnlySpan<float> attributes, double invSqrtT) => TensorPrimitives.Dot(taste, attributes) * invSqrtT;

    private static double Logistic(double x) => 1 / (1 + Math.Exp(-x));

    private static double Normal(Random rng)
    {
        // Box–Muller, one draw per call: simple and deterministic for a given Random.
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static void FillNormal(float[] values, double sd, Random rng)
    {
        for (var j = 0; j < values.Length; j++)
        {
            values[j] = (float)(sd * Normal(rng));
        }
    }

    private void CheckUser(int user)
    {
        if ((uint)user >= (uint)Ratings.UserCount)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"User index must be in 0..{Ratings.UserCount - 1}.");
        }
    }

    private void CheckItem(int item)
    {
        if ((uint)item >= (uint)Ratings.ItemCount)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, $"Item index must be in 0..{Ratings.ItemCount - 1}.");
        }
    }
}

/// <summary>One contact of a past offer and its outcome, with the ground-truth probability behind it.</summary>
/// <param name="User">Dense user index (in <see cref="SyntheticCrossDomain.Ratings"/>).</param>
/// <param name="Film">Dense item index of the offered film.</param>
/// <param name="Converted">Whether the user accepted (paid for) the offer.</param>
/// <param name="TrueProbability">The probability the outcome was drawn with.</param>
public readonly record struct OfferEvent(int User, int Film, bool Converted, double TrueProbability);
