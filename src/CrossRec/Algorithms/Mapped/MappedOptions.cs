namespace CrossRec.Algorithms.Mapped;

/// <summary>What the user map of a <see cref="MappedModel"/> regresses on the training users' attributes.</summary>
public enum MappedUserTarget
{
    /// <summary>Each training user's base-model scores of the warm items, standardised per user: a new user gets what the collaborative model would predict for people like them.</summary>
    Scores = 0,

    /// <summary>Each training user's own items (1 each, not standardised): a ridge form of popularity within the user's attribute segments.</summary>
    Interactions = 1,

    /// <summary>
    /// No regression: each attribute's row is the share of each item in the interactions of the training users who have
    /// the attribute (weighted by it), and a new user scores the sum of their attributes' rows, each times its weight:
    /// <see cref="Metrics.FeatureBaseline.SegmentPopularity"/> as a model (the same scores for categorical attributes, up
    /// to the <see cref="MappedOptions.MaxFeatures"/> most frequent), so Auto can weigh it and blend it like the others.
    /// <see cref="MappedOptions.UserRegularization"/> is not used.
    /// </summary>
    Segments = 2,
}

/// <summary>
/// Hyperparameters of the feature→score map that lets a collaborative model serve new items and users known only by
/// attributes (<see cref="MappedModel"/>). Immutable; every value is checked by <see cref="Validate"/>, which names the
/// option and its range.
/// </summary>
/// <remarks>How the defaults were chosen: <c>docs/decisions/mapped.md</c>.</remarks>
public sealed record MappedOptions
{
    /// <summary>Default of <see cref="ItemRegularization"/>.</summary>
    public const float DefaultItemRegularization = 30f;

    /// <summary>Default of <see cref="UserRegularization"/>.</summary>
    public const float DefaultUserRegularization = 10f;

    /// <summary>
    /// Ridge penalty λ of the item map, in items: each feature's coefficient is shrunk towards 0 as if λ more items
    /// with that feature and an average score had been seen (the intercept is not penalised). 0 &lt; λ ≤ 1e6.
    /// </summary>
    public float ItemRegularization { get; init; } = DefaultItemRegularization;

    /// <summary>Ridge penalty λ of the user map, in users (as <see cref="ItemRegularization"/>). 0 &lt; λ ≤ 1e6.</summary>
    public float UserRegularization { get; init; } = DefaultUserRegularization;

    /// <summary>
    /// Where new items stand among the warm ones in a user's list, in standard deviations of the user's scores of the
    /// warm items: 0 (the default) places a new item where a warm item with the same predicted standing would be;
    /// a positive shift promotes new items, a negative one holds them back. −10 ≤ shift ≤ 10. It does not change the
    /// order among new items, nor among warm ones.
    /// </summary>
    public float NewItemShift { get; init; }

    /// <summary>Default of <see cref="MaxFeatures"/>.</summary>
    public const int DefaultMaxFeatures = 1000;

    /// <summary>
    /// The most item features (and, separately, user attributes) a map reads: the most frequent ones are kept, the rest
    /// ignored. A map stores a (features + 1)² matrix and costs (features + 1)² per user scored, so this bounds memory and
    /// time on catalogues with thousands of tags. 1 ≤ value ≤ 20,000.
    /// </summary>
    public int MaxFeatures { get; init; } = DefaultMaxFeatures;

    /// <summary>What the user map regresses on attributes (<see cref="MappedUserTarget.Scores"/> by default).</summary>
    public MappedUserTarget UserTarget { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public void Validate()
    {
        Check.OpenClosed(ItemRegularization, 0, 1e6, nameof(ItemRegularization));
        Check.OpenClosed(UserRegularization, 0, 1e6, nameof(UserRegularization));
        Check.Closed(NewItemShift, -10, 10, nameof(NewItemShift));
        Check.Range(MaxFeatures, 1, 20_000, nameof(MaxFeatures));
        if (!Enum.IsDefined(UserTarget))
        {
            throw new ArgumentOutOfRangeException(nameof(UserTarget), UserTarget, "UserTarget must be Scores, Interactions or Segments.");
        }
    }
}
