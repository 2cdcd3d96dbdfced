namespace CrossRec.Algorithms.ImplicitAls;

/// <summary>How implicit ALS solves each user's (and item's) least-squares problem.</summary>
public enum AlsSolver
{
    /// <summary>
    /// A fixed number of conjugate-gradient steps (<see cref="ImplicitAlsOptions.CgSteps"/>), warm-started
    /// from the previous iteration's factors (Takács, Pilászy and Tikk 2011; the default of the Python
    /// library <c>implicit</c>): O(k·n_u·steps + k²·steps) per user instead of O(k²·n_u + k³).
    /// </summary>
    ConjugateGradient = 0,

    /// <summary>The exact solve of the normal equations by Cholesky factorisation (Hu, Koren and Volinsky 2008).</summary>
    Cholesky = 1,
}

/// <summary>How an interaction value r becomes the confidence c of implicit ALS.</summary>
public enum ConfidenceScaling
{
    /// <summary><c>c = 1 + α·r</c> (Hu, Koren and Volinsky 2008, eq. 1).</summary>
    Linear = 0,

    /// <summary><c>c = 1 + α·log(1 + r/ε)</c> (Hu, Koren and Volinsky 2008, eq. 6): heavy-tailed counts are compressed.</summary>
    Log = 1,
}

/// <summary>
/// Hyperparameters of implicit-feedback ALS (Hu, Koren and Volinsky 2008): minimises
/// <c>Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²)</c> over every user–item pair, with
/// preference p = 1 for observed pairs and 0 otherwise, and confidence c = 1 for unobserved pairs and
/// <see cref="ConfidenceOf"/> of the (summed) value for observed ones. Immutable; use <c>with</c>
/// expressions or the fluent builder from <see cref="Recommenders.ImplicitAls()"/>. Every value is
/// checked by <see cref="Validate"/> when training starts, and a bad value names the option and its
/// allowed range.
/// </summary>
/// <remarks>
/// <para><b>How the defaults were chosen.</b> By validation inside the training parts only: each of
/// ML-100K (ratings 1–5) and Last.fm 2K (play counts up to ~350,000) was split per user 80/20 (seed 42,
/// the accuracy protocol), the 80 % part split again per user 80/20 (seed 7), models trained on the
/// inner 80 % and scored by NDCG@10 on the inner 20 %; a copy of each with every value 1 was scored too.
/// The search is <c>tests/CrossRec.AccuracyTests/TopN/ImplicitAlsDefaultsSearch.cs</c> (explicit test,
/// ten minutes on two shared cores); the figures behind each default are next to it below, as
/// validation NDCG@10 averaged over the four sets (ML-100K, ML-100K binary, Last.fm, Last.fm binary).
/// The defaults reach a mean of 0.2283 (0.2729 / 0.2702 / 0.1859 / 0.1842; popularity: 0.148 on
/// ML-100K, 0.068 on Last.fm), and on the protocol's test parts NDCG@10 0.4514 on ML-100K and 0.2573
/// on Last.fm 2K.</para>
/// <para>What mattered most: the balance between λ and the confidences. Normalising α by the data's
/// mean f(r) (<see cref="NormalizeConfidence"/>) lets one α serve ratings, counts and binary data (without
/// it, α = 7 on Last.fm's counts drops to 0.166 from 0.186), and a penalty growing as √(1 + n) per row
/// (<see cref="RegularizationExponent"/> 0.5) was better than both a flat λ (best 0.2252, and falling off
/// sharply: λ = 100 gives 0.186) and ALS-WR's 1 + n (best 0.2252).</para>
/// </remarks>
public sealed record ImplicitAlsOptions
{
    /// <summary>Number of latent factors k (1..4096).</summary>
    /// <remarks>Validation: k = 32 0.2261, 64 0.2283, 128 0.2266 (mean NDCG@10); 64 is the best and half the cost of 128.</remarks>
    public int Factors { get; init; } = 64;

    /// <summary>ALS iterations; each solves every item, then every user (1..10000).</summary>
    /// <remarks>Validation: 10 iterations 0.2296, 15 0.2283, 25 0.2277: flat; 15 (as <c>implicit</c>) leaves the warm-started conjugate gradient room to converge on larger data.</remarks>
    public int Iterations { get; init; } = 15;

    /// <summary>L2 penalty λ on the factors (0 &lt; λ ≤ 1e6); scaled by (1 + n)^ν per row with <see cref="WeightedRegularization"/>.</summary>
    /// <remarks>
    /// Validation (with the √(1 + n) weighting): λ = 3 0.2168, 4 0.2233, 5 0.2283, 6 0.2298, 7 0.2284,
    /// 10 0.2132. The best λ falls as the training data grows: on ML-100K it is 7 when the training part is
    /// split twice (51 % of the data) and 6 when split once (64 %), on two seeds each; 5 is that trend
    /// carried to the whole training part (80 %), where the model is fitted. (On the test part, measured
    /// afterwards: λ = 5 0.4514, λ = 6 0.4483.)
    /// </remarks>
    public float Regularization { get; init; } = 5f;

    /// <summary>Confidence slope α (0 &lt; α ≤ 1e6): c = 1 + α·r (linear) or 1 + α·log(1 + r/ε) (log); divided by the data's mean f(r) with <see cref="NormalizeConfidence"/>.</summary>
    /// <remarks>Validation: α = 3.5 0.2258, 7 0.2283, 14 0.2178 (normalised, so the mean confidence of an observed pair is 8).</remarks>
    public float Alpha { get; init; } = 7f;

    /// <summary>
    /// Divides α by the mean of f(r) over the training pairs (f(r) = r for linear, log(1 + r/ε) for log
    /// confidence), so the observed pairs have mean confidence 1 + α whatever the scale of the values:
    /// ratings, play counts and all-1 data get the same balance between observed and unobserved pairs.
    /// The α actually used is recorded in the model (<see cref="ImplicitAlsModel.Alpha"/>) and serves fold-in.
    /// </summary>
    /// <remarks>Validation: on 0.2283, off 0.2232 (α = 7 raw: Last.fm counts 0.1660 against 0.1859).</remarks>
    public bool NormalizeConfidence { get; init; } = true;

    /// <summary>How values become confidences.</summary>
    /// <remarks>Validation: log 0.2283, linear 0.2257; on ratings the two tie (0.2729 against 0.2727), on Last.fm's counts log wins (0.1859 against 0.1758).</remarks>
    public ConfidenceScaling Confidence { get; init; } = ConfidenceScaling.Log;

    /// <summary>ε of the log confidence, in units of the values (0 &lt; ε ≤ 1e9): 1 + α·log(1 + r/ε).</summary>
    /// <remarks>Validation: ε = 0.3 0.2279, 1 0.2283, 3 0.2284: flat.</remarks>
    public float Epsilon { get; init; } = 1f;

    /// <summary>How each row's least-squares problem is solved.</summary>
    /// <remarks>Validation: conjugate gradient (3 steps) 0.2283, Cholesky 0.2282, at a fraction of the cost for k ≥ 64.</remarks>
    public AlsSolver Solver { get; init; } = AlsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row and iteration (1..1000); used with <see cref="AlsSolver.ConjugateGradient"/>.</summary>
    /// <remarks>Validation: 3 steps 0.2283, 6 steps 0.2282.</remarks>
    public int CgSteps { get; init; } = 3;

    /// <summary>
    /// Scales the penalty of each user and item with its number of interactions n:
    /// λ·(1 + n_u)^ν‖x_u‖² and λ·(1 + n_i)^ν‖y_i‖², ν = <see cref="RegularizationExponent"/>. With ν = 1
    /// this is "ALS-WR" (Zhou et al. 2008) as Spark MLlib does it; off, every row has the same λ.
    /// </summary>
    /// <remarks>Validation: off (best flat λ = 50) 0.2252; on with ν = 0.5 (λ = 5) 0.2283; ALS-WR ν = 1 (best λ = 0.6) 0.2252.</remarks>
    public bool WeightedRegularization { get; init; } = true;

    /// <summary>The exponent ν of <see cref="WeightedRegularization"/> (0 ≤ ν ≤ 2; 1 = ALS-WR).</summary>
    /// <remarks>Validation: ν = 0.5 beat both ends on Last.fm (0.1859 against 0.1799 flat and 0.1872 ALS-WR) without ALS-WR's loss on ML-100K (0.2729 against 0.2645).</remarks>
    public float RegularizationExponent { get; init; } = 0.5f;

    /// <summary>Seed of the factor initialisation (uniform in [0, 0.01)).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to the core count, with a warning in the fitted model's training note. The model is identical for any count.</summary>
    public int Threads { get; init; }

    /// <summary>The confidence c of an observed pair with summed value <paramref name="value"/> (≥ 0).</summary>
    public float ConfidenceOf(float value) => Confidence == ConfidenceScaling.Log
        ? 1f + (Alpha * MathF.Log(1f + (value / Epsilon)))
        : 1f + (Alpha * value);

    /// <summary>The penalty of a row (user or item) with <paramref name="interactions"/> observed pairs.</summary>
    public float RegularizationOf(int interactions) => !WeightedRegularization ? Regularization
        : RegularizationExponent == 1f ? Regularization * (1f + interactions)
        : Regularization * MathF.Pow(1f + interactions, RegularizationExponent);

    /// <summary>The number of worker threads this configuration will use on this machine.</summary>
    public int EffectiveThreads => ThreadCount.Effective(Threads);

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        Check.Range(Factors, 1, 4096, nameof(Factors));
        Check.Range(Iterations, 1, 10_000, nameof(Iterations));
        Check.OpenClosed(Regularization, 0, 1e6, nameof(Regularization));
        Check.OpenClosed(Alpha, 0, 1e6, nameof(Alpha));
        Check.OpenClosed(Epsilon, 0, 1e9, nameof(Epsilon));
        if (!Enum.IsDefined(Confidence))
        {
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "Confidence must be Linear or Log.");
        }

        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Solver must be ConjugateGradient or Cholesky.");
        }

        Check.Range(CgSteps, 1, 1000, nameof(CgSteps));
        Check.Closed(RegularizationExponent, 0, 2, nameof(RegularizationExponent));
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
    }
}
