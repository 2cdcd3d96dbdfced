namespace CrossRec;

/// <summary>How the BPR learning rate changes over the epochs.</summary>
public enum BprLearningRateSchedule
{
    /// <summary>The same rate every epoch.</summary>
    Constant = 0,

    /// <summary>Epoch e (0-based) of E runs at η·(1 − e/E): full rate first, η/E in the last epoch.</summary>
    LinearDecay = 1,
}

/// <summary>
/// Hyperparameters of Bayesian personalised ranking (Rendle et al. 2009): the score
/// <c>x̂(u,i) = p_u·q_i + b_i</c> is trained by SGD on <c>ln σ(x̂(u,i) − x̂(u,j))</c> for a positive i of
/// user u and a negative j the user does not have, sampled afresh at every step. Immutable; use
/// <c>with</c> expressions or the fluent builder from <see cref="Recommenders.Bpr()"/>. Every value is
/// checked by <see cref="Validate"/> when training starts, and a bad value names the option and its
/// allowed range.
/// </summary>
/// <remarks>
/// <para>Interaction values are not used: every distinct (user, item) pair of the training data is one
/// positive, whether the value is a 1–5 rating, a play count or 1. So the defaults behave the same on
/// all three kinds of data.</para>
/// <para><b>How the defaults were chosen.</b> By validation inside the training part only, on both
/// MovieLens 100K (ratings) and HetRec Last.fm 2K (play counts): the per-user 80/20 training part of the
/// accuracy protocol (seed 42) was split again per user 80/20 (seed 7), models were trained on the inner
/// part and scored by NDCG@10 on the validation part, and a configuration was ranked by the mean of its
/// two NDCG@10 figures, each relative to the best on that dataset (so neither dataset dominates). The
/// grids and their figures are in <c>tests/CrossRec.AccuracyTests/TopN/BprDefaultsSearch.cs</c>; each
/// default below says what the search showed.</para>
/// </remarks>
public sealed record BprOptions
{
    /// <summary>Number of latent factors k (1..4096).</summary>
    public int Factors { get; init; } = 64;

    /// <summary>Passes over the sampled positives (1..100000).</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>SGD step size η of the factors and biases (0 &lt; η ≤ 10).</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>How the learning rate changes over the epochs.</summary>
    public BprLearningRateSchedule Schedule { get; init; } = BprLearningRateSchedule.Constant;

    /// <summary>L2 penalty λ_u on the user factors (0 ≤ λ ≤ 100).</summary>
    public float UserRegularization { get; init; } = 0.01f;

    /// <summary>L2 penalty λ_i on the factors of the positive item of a step (0 ≤ λ ≤ 100).</summary>
    public float PositiveItemRegularization { get; init; } = 0.01f;

    /// <summary>L2 penalty λ_j on the factors of the negative item of a step (0 ≤ λ ≤ 100).</summary>
    public float NegativeItemRegularization { get; init; } = 0.01f;

    /// <summary>L2 penalty λ_b on the item biases (0 ≤ λ ≤ 100).</summary>
    public float BiasRegularization { get; init; } = 0.01f;

    /// <summary>Learn item biases b_i (true) or score by p_u·q_i alone.</summary>
    public bool ItemBiases { get; init; } = true;

    /// <summary>
    /// SGD steps per epoch as a multiple of the number of distinct training pairs (0 &lt; s ≤ 1000): an
    /// epoch walks a fresh shuffle of the positives (wrapping around it when s &gt; 1), one sampled
    /// negative per step.
    /// </summary>
    public double SamplesPerEpoch { get; init; } = 1.0;

    /// <summary>Standard deviation of the normal initialisation of the factors (0 &lt; σ ≤ 10); biases start at 0.</summary>
    public float InitStandardDeviation { get; init; } = 0.1f;

    /// <summary>
    /// When the training data has item domains, draw each step's negative from the positive's domain
    /// (so the model learns to rank within a domain, which is how cross-domain catalogues are served);
    /// ignored without domains.
    /// </summary>
    public bool DomainAwareNegatives { get; init; } = true;

    /// <summary>
    /// Fold-in passes (1..10000): a new user's factors start at 0 and take this many passes over their
    /// items, one SGD step with a fresh negative per item and pass, at <see cref="LearningRate"/> with
    /// <see cref="UserRegularization"/>, item factors and biases fixed. So a user with n items costs
    /// <c>FoldInEpochs × n</c> steps.
    /// </summary>
    public int FoldInEpochs { get; init; } = 20;

    /// <summary>Seed of the initialisation, the shuffles, the negative samples and the fold-in.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads; 0 uses every core (0..4 × cores). Threads update shared factors without locks (Hogwild).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Single-threaded training in a fixed order: the same seed gives a bit-identical model run to run.
    /// Overrides <see cref="Threads"/>.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>The number of worker threads this configuration will use on this machine.</summary>
    public int EffectiveThreads => Deterministic ? 1 : Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (0-based) under <see cref="Schedule"/>.</summary>
    public float LearningRateAt(int epoch) => RateAt(LearningRate, Schedule, epoch, Epochs);

    /// <summary>The schedule's rate in epoch <paramref name="epoch"/> of <paramref name="epochs"/> (shared with fold-in).</summary>
    internal static float RateAt(float rate, BprLearningRateSchedule schedule, int epoch, int epochs) =>
        schedule == BprLearningRateSchedule.LinearDecay ? (float)(rate * (1.0 - ((double)epoch / epochs))) : rate;

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        Check.Range(Factors, 1, 4096, nameof(Factors));
        Check.Range(Epochs, 1, 100_000, nameof(Epochs));
        Check.OpenClosed(LearningRate, 0, 10, nameof(LearningRate));
        if (!Enum.IsDefined(Schedule))
        {
            throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule, $"{nameof(Schedule)} must be {nameof(BprLearningRateSchedule.Constant)} or {nameof(BprLearningRateSchedule.LinearDecay)}.");
        }

        Check.Closed(UserRegularization, 0, 100, nameof(UserRegularization));
        Check.Closed(PositiveItemRegularization, 0, 100, nameof(PositiveItemRegularization));
        Check.Closed(NegativeItemRegularization, 0, 100, nameof(NegativeItemRegularization));
        Check.Closed(BiasRegularization, 0, 100, nameof(BiasRegularization));
        Check.OpenClosed(SamplesPerEpoch, 0, 1000, nameof(SamplesPerEpoch));
        Check.OpenClosed(InitStandardDeviation, 0, 10, nameof(InitStandardDeviation));
        Check.Range(FoldInEpochs, 1, 10_000, nameof(FoldInEpochs));
        Check.Range(Threads, 0, 4 * Environment.ProcessorCount, nameof(Threads));

        // SGD shrinks a parameter by (1 − η·λ) per step; at η·λ ≥ 1 it flips sign every step, which ends
        // in a divergence far from its cause. Say so up front, naming both options.
        CheckShrink(UserRegularization, nameof(UserRegularization));
        CheckShrink(PositiveItemRegularization, nameof(PositiveItemRegularization));
        CheckShrink(NegativeItemRegularization, nameof(NegativeItemRegularization));
        CheckShrink(BiasRegularization, nameof(BiasRegularization));
    }

    private void CheckShrink(float regularization, string name)
    {
        if ((double)LearningRate * regularization >= 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(LearningRate),
                LearningRate,
                $"{nameof(LearningRate)} × {name} must be below 1 (each step shrinks a parameter by 1 − η·λ); got {LearningRate} × {regularization}.");
        }
    }
}
