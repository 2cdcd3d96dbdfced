namespace CrossRec.Algorithms.Ease;

/// <summary>What EASE puts into the user × item matrix X.</summary>
public enum EaseValues
{
    /// <summary>1 for every (user, item) pair whatever its value: the form EASE was published in.</summary>
    Binary = 0,

    /// <summary>The summed interaction values as given (ratings, counts). Scale-dependent: a relative λ follows the scale, an absolute one does not.</summary>
    Raw = 1,

    /// <summary><c>log(1 + v)</c> of the summed values, which tames heavy-tailed counts (plays, clicks); values must not be negative.</summary>
    Log = 2,

    /// <summary>
    /// The default: <see cref="Log"/> when every summed training value is non-negative, else <see cref="Binary"/>.
    /// Data without a value column (all 1) is then binary in effect: a constant x scales XᵀX, and λ with it.
    /// </summary>
    Auto = 3,
}

/// <summary>The floating-point precision of EASE's Gram matrix and its inverse.</summary>
public enum EasePrecision
{
    /// <summary>float32 (the default): the Gram matrix in half the memory of <see cref="Double"/>, inverted by the CPU engine's float32 kernel; the weights agree with float64's to float32 rounding on well-regularised data (the figures: <c>docs/decisions/ease-defaults.md</c>).</summary>
    Single = 0,

    /// <summary>float64: for an ill-conditioned Gram matrix (a λ far below the default scale), where float32's rounding, amplified by the condition number, would show in the weights.</summary>
    Double = 1,
}

/// <summary>
/// Hyperparameters of EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item ×
/// item weights <c>B = I − P·diag(1/diag P)</c> with <c>P = (G + Λ)⁻¹</c>, <c>G = XᵀX</c> over the kept
/// items and <c>Λ_ii = λ + α·G_ii</c> (α = 0 is the published EASE; α > 0 the EDLAE regulariser of
/// Steck 2020), a user's scores being <c>x_u·B</c>. Immutable; use <c>with</c> expressions or the fluent
/// builder from <see cref="Recommenders.Ease()"/>. Every value is checked by <see cref="Validate"/> when
/// training starts, and a bad value names the option and its allowed range.
/// </summary>
/// <remarks>How each default was chosen, with the validation figures behind it: <c>docs/decisions/ease-defaults.md</c>.</remarks>
public sealed record EaseOptions
{
    /// <summary>Default of <see cref="LambdaScale"/>.</summary>
    public const double DefaultLambdaScale = 5;

    /// <summary>Default of <see cref="DiagonalPenalty"/>.</summary>
    public const double DefaultDiagonalPenalty = 2;

    /// <summary>Default of <see cref="WeightsPerItem"/>.</summary>
    public const int DefaultWeightsPerItem = 512;

    /// <summary>Default of <see cref="MaxItems"/>.</summary>
    public const int DefaultMaxItems = 8192;

    /// <summary>The largest <see cref="MaxGramBytes"/> allowed: 16 GiB.</summary>
    public const long MaxGramBytesLimit = 16L << 30;

    /// <summary>
    /// L2 penalty λ added to the diagonal of XᵀX, absolute (0 &lt; λ ≤ 1e12); null (the default) derives it
    /// from the data: λ = <see cref="LambdaScale"/> × the mean diagonal of XᵀX over the kept items, which
    /// follows the scale of the values and the density of the data (see the remarks: it transferred between
    /// the two validation datasets, an absolute λ did not).
    /// </summary>
    public double? Lambda { get; init; }

    /// <summary>
    /// λ as a multiple of the mean diagonal of XᵀX over the kept items (for binary X, their mean number of
    /// training users), used when <see cref="Lambda"/> is null (0 &lt; scale ≤ 1e6; default 5, chosen together with
    /// <see cref="DiagonalPenalty"/> = 2).
    /// </summary>
    public double LambdaScale { get; init; } = DefaultLambdaScale;

    /// <summary>
    /// α ≥ 0: the penalty of item i becomes <c>λ + α·G_ii</c>, popular items more penalised than rare ones
    /// (Steck 2020, EDLAE: α = p/(1 − p) for a dropout rate p) (0..1000; default 2; 0 is the published EASE).
    /// </summary>
    public double DiagonalPenalty { get; init; } = DefaultDiagonalPenalty;

    /// <summary>
    /// What X holds (default <see cref="EaseValues.Auto"/>: log(1 + value) for non-negative data, else binary;
    /// on data without values the two are the same).
    /// </summary>
    public EaseValues Values { get; init; } = EaseValues.Auto;

    /// <summary>
    /// Items with fewer distinct training users are left out of the Gram matrix (1..1,000,000; items with no
    /// training user always are). Null (the default) keeps every item while at most <see cref="MaxItems"/>
    /// have a training user, and otherwise uses the smallest threshold that leaves at most that many.
    /// </summary>
    public int? MinItemSupport { get; init; }

    /// <summary>
    /// The most items the automatic <see cref="MinItemSupport"/> keeps (1..46,340; default 8,192: a Gram
    /// matrix of 512 MiB).
    /// </summary>
    public int MaxItems { get; init; } = DefaultMaxItems;

    /// <summary>
    /// The most memory the Gram matrix may take, m² × 4 bytes with <see cref="Precision"/> <see cref="EasePrecision.Single"/> and m² × 8 bytes with <see cref="EasePrecision.Double"/> (1 KiB..16 GiB). Null (the default) sizes it from
    /// the memory this process may still use when training starts: half of <see cref="GC.GetGCMemoryInfo()"/>'s
    /// <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/> less the managed heap in use, at most 16 GiB. Training's peak is
    /// the Gram matrix plus m × <see cref="WeightsPerItem"/> × 8 bytes of kept weights. An explicit
    /// <see cref="MinItemSupport"/> that keeps more items is refused by name; the automatic one raises its threshold until
    /// the matrix fits. The item cap this gives and the rule that set it are in the fitted model's training parameters
    /// (<c>itemCap</c>, <c>itemCapRule</c>) and, when items were left out, in its training note.
    /// </summary>
    public long? MaxGramBytes { get; init; }

    /// <summary>
    /// How many weights each kept item's row of B keeps: the ones of largest magnitude (ties: the smaller item index),
    /// the rest are dropped, so the model file holds m × K weights instead of m² (1..46,340; default 512; a value of m − 1
    /// or more keeps B whole). Scoring a user then gathers K weights per item they have, not m (rows that fill a quarter
    /// of B or more are held dense in memory, where that is faster).
    /// </summary>
    public int WeightsPerItem { get; init; } = DefaultWeightsPerItem;

    /// <summary>
    /// The precision of the Gram matrix and its inverse (default <see cref="EasePrecision.Single"/>, chosen by measurement:
    /// <c>docs/decisions/ease-defaults.md</c>); the stored weights are float32 either way.
    /// </summary>
    public EasePrecision Precision { get; init; } = EasePrecision.Single;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to the core count, with a warning in the fitted model's training note. The model is bit-identical at any thread count.</summary>
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
            throw new ArgumentOutOfRangeException(nameof(Values), Values, $"{nameof(Values)} must be Binary, Raw, Log or Auto; got {(int)Values}.");
        }

        if (!Enum.IsDefined(Precision))
        {
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, $"{nameof(Precision)} must be Single or Double; got {(int)Precision}.");
        }

        if (MinItemSupport is { } support)
        {
            Check.Range(support, 1, 1_000_000, nameof(MinItemSupport));
        }

        Check.Range(MaxItems, 1, MaxOrder, nameof(MaxItems));
        Check.Range(WeightsPerItem, 1, MaxOrder, nameof(WeightsPerItem));
        if (MaxGramBytes is { } gramBytes)
        {
            Check.Range(gramBytes, 1L << 10, MaxGramBytesLimit, nameof(MaxGramBytes));
        }
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
    }

    /// <summary>The largest Gram order a .NET array holds (m² elements).</summary>
    internal const int MaxOrder = 46_340;
}
