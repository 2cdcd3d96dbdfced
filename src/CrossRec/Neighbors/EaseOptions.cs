namespace CrossRec;

/// <summary>What EASE puts into the user × item matrix X.</summary>
public enum EaseValues
{
    /// <summary>1 for every (user, item) pair whatever its value: the form EASE was published and tuned in, and the default.</summary>
    Binary = 0,

    /// <summary>The summed interaction values as given (ratings, counts). Scale-dependent: a relative λ follows the scale, an absolute one does not.</summary>
    Raw = 1,

    /// <summary><c>log(1 + v)</c> of the summed values, which tames heavy-tailed counts (plays, clicks); values must not be negative.</summary>
    Log = 2,
}

/// <summary>
/// Hyperparameters of EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item ×
/// item weights <c>B = I − P·diag(1/diag P)</c> with <c>P = (XᵀX + λI)⁻¹</c>, a user's scores being
/// <c>x_u·B</c>. Immutable; use <c>with</c> expressions or the fluent builder from <see cref="Recommenders.Ease()"/>.
/// Every value is checked by <see cref="Validate"/> when training starts, and a bad value names the option
/// and its allowed range.
/// </summary>
/// <remarks>
/// Cost: the Gram matrix of the m kept items takes m² × 8 bytes and its inverse about m³ floating-point
/// operations (about 1 s for m = 1,651 and 20 s for m = 5,958 on two cores); the model keeps m² × 4 bytes.
/// That is why items with few training users can be left out (<see cref="MinItemSupport"/>): they are
/// ranked after every kept item, by popularity, and never feed the scores of others.
/// </remarks>
public sealed record EaseOptions
{
    /// <summary>Default of <see cref="LambdaScale"/>.</summary>
    public const double DefaultLambdaScale = 10;

    /// <summary>Default of <see cref="MaxItems"/>.</summary>
    public const int DefaultMaxItems = 8192;

    /// <summary>Default of <see cref="MaxGramBytes"/>: 2 GiB.</summary>
    public const long DefaultMaxGramBytes = 2L << 30;

    /// <summary>
    /// L2 penalty λ added to the diagonal of XᵀX, absolute (0 &lt; λ ≤ 1e12); null (the default) derives it
    /// from the data: λ = <see cref="LambdaScale"/> × the mean diagonal of XᵀX over the kept items.
    /// </summary>
    public double? Lambda { get; init; }

    /// <summary>
    /// λ as a multiple of the mean diagonal of XᵀX over the kept items (for binary X, their mean number of
    /// training users), used when <see cref="Lambda"/> is null (0 &lt; scale ≤ 1e6).
    /// </summary>
    public double LambdaScale { get; init; } = DefaultLambdaScale;

    /// <summary>
    /// α ≥ 0: the penalty of item i becomes <c>λ + α·G_ii</c>, popular items more penalised than rare ones
    /// (Steck 2020, EDLAE: α = p/(1 − p) for a dropout rate p) (0..1000).
    /// </summary>
    public double DiagonalPenalty { get; init; }

    /// <summary>What X holds (default <see cref="EaseValues.Binary"/>).</summary>
    public EaseValues Values { get; init; } = EaseValues.Binary;

    /// <summary>
    /// Items with fewer distinct training users are left out of the Gram matrix (1..1,000,000; items with no
    /// training user always are). Null (the default) keeps every item while at most <see cref="MaxItems"/>
    /// have a training user, and otherwise uses the smallest threshold that leaves at most that many.
    /// </summary>
    public int? MinItemSupport { get; init; }

    /// <summary>The most items the automatic <see cref="MinItemSupport"/> keeps (1..46,340; default 8,192).</summary>
    public int MaxItems { get; init; } = DefaultMaxItems;

    /// <summary>
    /// The most memory the float64 Gram matrix may take, m² × 8 bytes (1 KiB..16 GiB; default 2 GiB). Training
    /// needs about 1.5 times this at its peak (the float32 weights are built before the Gram matrix is
    /// released). An explicit <see cref="MinItemSupport"/> that keeps more items is refused by name; the
    /// automatic one raises its threshold until the matrix fits.
    /// </summary>
    public long MaxGramBytes { get; init; } = DefaultMaxGramBytes;

    /// <summary>Worker threads; 0 uses every core (0..4 × cores). The model is bit-identical at any thread count.</summary>
    public int Threads { get; init; }

    /// <summary>Checks every option; the message names the first bad one and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (Lambda is { } lambda)
        {
            Check.OpenClosed(lambda, 0, 1e12, nameof(Lambda));
        }

        Check.OpenClosed(LambdaScale, 0, 1e6, nameof(LambdaScale));
        Check.Closed(DiagonalPenalty, 0, 1000, nameof(DiagonalPenalty));
        if (!Enum.IsDefined(Values))
        {
            throw new ArgumentOutOfRangeException(nameof(Values), Values, $"{nameof(Values)} must be Binary, Raw or Log; got {(int)Values}.");
        }

        if (MinItemSupport is { } support)
        {
            Check.Range(support, 1, 1_000_000, nameof(MinItemSupport));
        }

        Check.Range(MaxItems, 1, MaxOrder, nameof(MaxItems));
        Check.Range(MaxGramBytes, 1L << 10, 16L << 30, nameof(MaxGramBytes));
        Check.Range(Threads, 0, Environment.ProcessorCount * 4, nameof(Threads));
    }

    /// <summary>The largest Gram order a .NET array holds (m² elements).</summary>
    internal const int MaxOrder = 46_340;
}
