namespace CrossRec.Algorithms.Bpr;

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
    // Validation (stage 4): k = 128 over 64 at the best schedule, NDCG@10 0.2605 against 0.2591 on ML-100K
    // and 0.1681 against 0.1630 on Last.fm (stage 1, constant rate: 128 led too); the step costs about
    // the same at both sizes on these catalogues (memory latency, not arithmetic, bounds it).
    public int Factors { get; init; } = 128;

    /// <summary>Passes over the sampled positives (1..100000).</summary>
    // Validation (stages 1, 2, 4): every constant-rate run still improved at 200 epochs; with linear decay,
    // 200 epochs gave 0.2603 / 0.1685 and 300 gave 0.2589 / 0.1722 (ML-100K had peaked, Last.fm had not):
    // 200 is the robust and cheaper choice.
    public int Epochs { get; init; } = 200;

    /// <summary>SGD step size η of the factors and biases (0 &lt; η ≤ 10).</summary>
    // Validation (stage 3, linear decay, 200 epochs): η = 0.2 ≥ 0.1 on both datasets at k = 128 (0.2605 /
    // 0.1681 against 0.2608 / 0.1648); with a constant rate (stage 1) 0.1 was already too large.
    public float LearningRate { get; init; } = 0.2f;

    /// <summary>How the learning rate changes over the epochs.</summary>
    // Validation (stage 2): linear decay beat the best constant rate on both datasets, 0.2610 against
    // 0.2471 on ML-100K and 0.1608 against 0.1565 on Last.fm.
    public BprLearningRateSchedule Schedule { get; init; } = BprLearningRateSchedule.LinearDecay;

    /// <summary>L2 penalty λ_u on the user factors (0 ≤ λ ≤ 100).</summary>
    // Validation (stage 3): λ = 0.02 for users, items and biases alike, ahead of 0.03 (0.2605 / 0.1653) and
    // 0.05 (0.2428 / 0.1598); a lighter penalty on negatives (λ_j = λ/10, stage 4) did not help.
    public float UserRegularization { get; init; } = 0.02f;

    /// <summary>L2 penalty λ_i on the factors of the positive item of a step (0 ≤ λ ≤ 100).</summary>
    public float PositiveItemRegularization { get; init; } = 0.02f;

    /// <summary>L2 penalty λ_j on the factors of the negative item of a step (0 ≤ λ ≤ 100).</summary>
    public float NegativeItemRegularization { get; init; } = 0.02f;

    /// <summary>L2 penalty λ_b on the item biases (0 ≤ λ ≤ 100).</summary>
    // Validation (stage 4): unpenalised biases collapsed Last.fm (NDCG@10 0.0886 against 0.1630) and 0.2
    // was slightly worse than 0.02 on both.
    public float BiasRegularization { get; init; } = 0.02f;

    /// <summary>Learn item biases b_i (true) or score by p_u·q_i alone.</summary>
    // Validation (stage 4): without biases 0.2559 / 0.1635 against 0.2591 / 0.1630: about even; kept, since
    // they carry popularity for users with few items (and are all a user without items is scored by).
    public bool ItemBiases { get; init; } = true;

    /// <summary>
    /// SGD steps per epoch as a multiple of the number of distinct training pairs (0 &lt; s ≤ 1000): an
    /// epoch walks a fresh shuffle of the positives (wrapping around it when s &gt; 1), one sampled
    /// negative per step.
    /// </summary>
    // Validation (stage 4): two samples per positive in 100 epochs gave 0.2555 / 0.1634 against 0.2591 /
    // 0.1630 for one in 200: the step count matters, not how it is cut into epochs.
    public double SamplesPerEpoch { get; init; } = 1.0;

    /// <summary>Standard deviation of the normal initialisation of the factors (0 &lt; σ ≤ 10); biases start at 0.</summary>
    // Validation (stage 4): σ = 0.01 ahead of 0.1 and 0.3 on both datasets (0.2603 / 0.1685 against 0.2605 /
    // 0.1681 at k = 128, 0.2595 / 0.1651 against 0.2591 / 0.1630 at k = 64).
    public float InitStandardDeviation { get; init; } = 0.01f;

    /// <summary>
    /// When the training data has item domains, draw each step's negative from the positive's domain
    /// (so the model learns to rank within a domain, which is how cross-domain catalogues are served);
    /// ignored without domains.
    /// </summary>
    public bool DomainAwareNegatives { get; init; } = true;

    /// <summary>
    /// Fold-in passes (1..10000): a new user's factors start at 0 and take this many passes of n SGD steps
    /// for n items, each step drawing a positive uniformly from the user's items and a fresh negative, at
    /// <see cref="LearningRate"/> under <see cref="Schedule"/> (spread over the passes) with
    /// <see cref="UserRegularization"/>, item factors and biases fixed. So a user with n items costs
    /// <c>FoldInEpochs × n</c> steps.
    /// </summary>
    // Validation (stage 5): every inner-part user folded in from their own items, scored on the validation
    // part: 20 passes match the trained factors (NDCG@10 0.2598 against 0.2603 on ML-100K, 0.1689 against
    // 0.1685 on Last.fm); 5 passes lose about 2%, 50 gain under 0.5% at 2.5 times the cost.
    public int FoldInEpochs { get; init; } = 20;

    /// <summary>Seed of the initialisation, the shuffles, the negative samples and the fold-in.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to the core count, with a warning in the fitted model's training note. Threads update shared factors without locks (Hogwild).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Single-threaded training in a fixed order: the same seed gives a bit-identical model run to run.
    /// Overrides <see cref="Threads"/>.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>The number of worker threads this configuration will use on this machine.</summary>
    public int EffectiveThreads => Deterministic ? 1 : ThreadCount.Effective(Threads);

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
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));

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
