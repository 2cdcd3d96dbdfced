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
/// <remarks>How each default was chosen, with the validation figures behind it: <c>docs/decisions/implicit-als-defaults.md</c>.</remarks>
public sealed record ImplicitAlsOptions
{
    /// <summary>Number of latent factors k (1..4096).</summary>
    public int Factors { get; init; } = 64;

    /// <summary>ALS iterations; each solves every item, then every user (1..10000).</summary>
    public int Iterations { get; init; } = 15;

    /// <summary>L2 penalty λ on the factors (0 &lt; λ ≤ 1e6); scaled by (1 + n)^ν per row with <see cref="WeightedRegularization"/>.</summary>
    public float Regularization { get; init; } = 5f;

    /// <summary>Confidence slope α (0 &lt; α ≤ 1e6): c = 1 + α·r (linear) or 1 + α·log(1 + r/ε) (log); divided by the data's mean f(r) with <see cref="NormalizeConfidence"/>.</summary>
    public float Alpha { get; init; } = 7f;

    /// <summary>
    /// Divides α by the mean of f(r) over the training pairs (f(r) = r for linear, log(1 + r/ε) for log
    /// confidence), so the observed pairs have mean confidence 1 + α whatever the scale of the values:
    /// ratings, play counts and all-1 data get the same balance between observed and unobserved pairs.
    /// The α actually used is recorded in the model (<see cref="ImplicitAlsModel.Alpha"/>) and serves fold-in.
    /// </summary>
    public bool NormalizeConfidence { get; init; } = true;

    /// <summary>How values become confidences: linear 1 + α·r or log 1 + α·log(1 + r/ε).</summary>
    public ConfidenceScaling Confidence { get; init; } = ConfidenceScaling.Log;

    /// <summary>ε of the log confidence, in units of the values (0 &lt; ε ≤ 1e9): 1 + α·log(1 + r/ε).</summary>
    public float Epsilon { get; init; } = 1f;

    /// <summary>How each row's least-squares problem is solved: conjugate gradient (fast, warm-started) or Cholesky (exact).</summary>
    public AlsSolver Solver { get; init; } = AlsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row and iteration (1..1000); used with <see cref="AlsSolver.ConjugateGradient"/>.</summary>
    public int CgSteps { get; init; } = 3;

    /// <summary>
    /// Scales the penalty of each user and item with its number of interactions n:
    /// λ·(1 + n_u)^ν‖x_u‖² and λ·(1 + n_i)^ν‖y_i‖², ν = <see cref="RegularizationExponent"/>. With ν = 1
    /// this is "ALS-WR" (Zhou et al. 2008) as Spark MLlib does it; off, every row has the same λ.
    /// </summary>
    public bool WeightedRegularization { get; init; } = true;

    /// <summary>The exponent ν of <see cref="WeightedRegularization"/> (0 ≤ ν ≤ 2; 1 = ALS-WR).</summary>
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
