namespace CrossRec.Data.Synthetic;

/// <summary>Size and shape of a <see cref="SyntheticRatings"/> dataset. Immutable; validated by <see cref="SyntheticRatings.Generate"/>.</summary>
public sealed record SyntheticRatingsOptions
{
    /// <summary>Number of users (1..50,000,000).</summary>
    public int Users { get; init; } = 5_000;

    /// <summary>Number of items (2..10,000,000).</summary>
    public int Items { get; init; } = 2_000;

    /// <summary>Number of ratings (1..1,000,000,000); at most half of users × items.</summary>
    public long Ratings { get; init; } = 200_000;

    /// <summary>Dimension of the planted tastes and attributes (1..512).</summary>
    public int LatentDimension { get; init; } = 8;

    /// <summary>Standard deviation of the planted taste term p_u·q_i, in rating units (0..10).</summary>
    public double TasteStrength { get; init; } = 0.9;

    /// <summary>Standard deviation of the Gaussian noise added to every rating (0..10).</summary>
    public double Noise { get; init; } = 0.5;

    /// <summary>Zipf exponent of item popularity (0 = uniform; 0..3).</summary>
    public double PopularitySkew { get; init; } = 0.8;

    /// <summary>Zipf exponent of user activity (0 = everyone rates equally often; 0..3).</summary>
    public double ActivitySkew { get; init; } = 0.6;

    /// <summary>
    /// Number of taste clusters (0..1000; 0 = every user's taste drawn on its own). With k ≥ 1 every user belongs to one
    /// of k groups (drawn at random, equal odds) and their taste is 0.8 × the group's centre + 0.6 × an individual part,
    /// so tastes cluster as audiences do (fans of a genre) while each user still differs.
    /// </summary>
    public int TasteClusters { get; init; }

    /// <summary>
    /// How strongly taste decides <em>which</em> items a user rates (0..10; 0 = by popularity alone, the taste only shaping
    /// the rating). With β &gt; 0 a user of cluster c picks item i with odds popularity(i) × exp(β · centre_c · a_i), so
    /// the interactions themselves carry the tastes, as in real implicit feedback. Needs <see cref="TasteClusters"/> ≥ 1.
    /// </summary>
    public double ChoiceStrength { get; init; }

    /// <summary>Rating scale; ratings are clipped to it.</summary>
    public RatingScale Scale { get; init; } = RatingScale.FiveStars;

    /// <summary>Round ratings to whole stars (true) or keep them continuous.</summary>
    public bool RoundToStars { get; init; } = true;

    /// <summary>Seed: the same options give the same dataset on every machine and thread count.</summary>
    public int Seed { get; init; } = 7;

    internal void Validate()
    {
        Check.Range(Users, 1, 50_000_000, nameof(Users));
        Check.Range(Items, 2, 10_000_000, nameof(Items));
        Check.Range(Ratings, 1, Math.Min(1_000_000_000L, (long)Users * Items / 2), nameof(Ratings));
        Check.Range(LatentDimension, 1, 512, nameof(LatentDimension));
        Check.Closed(TasteStrength, 0, 10, nameof(TasteStrength));
        Check.Closed(Noise, 0, 10, nameof(Noise));
        Check.Closed(PopularitySkew, 0, 3, nameof(PopularitySkew));
        Check.Closed(ActivitySkew, 0, 3, nameof(ActivitySkew));
        Check.Range(TasteClusters, 0, 1000, nameof(TasteClusters));
        Check.Closed(ChoiceStrength, 0, 10, nameof(ChoiceStrength));
        if (ChoiceStrength > 0 && TasteClusters == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ChoiceStrength), ChoiceStrength, $"{nameof(ChoiceStrength)} needs {nameof(TasteClusters)} ≥ 1 (the choice follows the user's cluster).");
        }

        Scale.Validate(nameof(Scale));
        if (Ratings > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Ratings), Ratings, $"{nameof(Ratings)} must fit an interaction set (at most {int.MaxValue}).");
        }
    }
}
