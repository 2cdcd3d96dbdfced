namespace CrossRec.Algorithms.BiasedMf;

/// <summary>Training algorithm for biased matrix factorization.</summary>
public enum FactorizationAlgorithm
{
    /// <summary>Stochastic gradient descent over shuffled ratings (the default).</summary>
    Sgd = 0,

    /// <summary>Alternating least squares on regularised normal equations (engines that support it).</summary>
    Als = 1,
}

/// <summary>
/// Hyperparameters of biased matrix factorization, <c>r̂(u,i) = μ + b_u + b_i + p_u·q_i</c>.
/// Immutable; use <c>with</c> expressions or the fluent builder from <see cref="Factorization.Biased()"/>.
/// Every value is checked by <see cref="Validate"/> when training starts, and a bad value names the
/// option and its allowed range.
/// </summary>
/// <remarks>How each default was chosen, with the validation figures behind it: <c>docs/decisions/biased-mf-defaults.md</c>.</remarks>
public sealed record FactorizationOptions
{
    /// <summary>Number of latent factors <c>k</c> (1..4096).</summary>
    public int Factors { get; init; } = 128;

    /// <summary>Passes over the training data (1..100000).</summary>
    public int Epochs { get; init; } = 19;

    /// <summary>SGD step size for the factors (0 &lt; η ≤ 1).</summary>
    public float LearningRate { get; init; } = 0.03f;

    /// <summary>SGD step size for the biases (0 &lt; η_b ≤ 1; default 0.005, a sixth of the factor step); null uses <see cref="LearningRate"/>.</summary>
    public float? BiasLearningRate { get; init; } = 0.005f;

    /// <summary>L2 penalty on the factors (0 ≤ λ ≤ 100).</summary>
    public float Regularization { get; init; } = 0.06f;

    /// <summary>L2 penalty on the biases; null uses <see cref="Regularization"/>.</summary>
    public float? BiasRegularization { get; init; }

    /// <summary>Multiplies the learning rates after every epoch (0 &lt; decay ≤ 1; 1 = constant).</summary>
    public float LearningRateDecay { get; init; } = 0.95f;

    /// <summary>Standard deviation of the normal initialisation of the factors (0 &lt; σ ≤ 10).</summary>
    public float InitStandardDeviation { get; init; } = 0.01f;

    /// <summary>Seed of the initialisation and shuffling.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to it (<see cref="EffectiveThreads"/>), with a warning in <see cref="TrainingInfo.Note"/>.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Single-threaded training in a fixed order: the same seed gives a bit-identical model run to run.
    /// Overrides <see cref="Threads"/>.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>
    /// Stop when validation RMSE has not improved for this many epochs and keep the best epoch's model;
    /// null trains all epochs. Needs a validation set (1..1000).
    /// </summary>
    [BuilderSetter(Name = "EarlyStopping")]
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Training algorithm.</summary>
    public FactorizationAlgorithm Algorithm { get; init; } = FactorizationAlgorithm.Sgd;

    /// <summary>
    /// Optional loss weight per domain name (0 &lt; w ≤ 1000): a rating in domain d counts w_d times, so a
    /// small target domain is not drowned by a large source. Domains not named weigh 1.
    /// </summary>
    public IReadOnlyDictionary<string, float>? DomainWeights { get; init; }

    /// <summary>The bias learning rate in effect.</summary>
    public float EffectiveBiasLearningRate => BiasLearningRate ?? LearningRate;

    /// <summary>The bias regularisation in effect.</summary>
    public float EffectiveBiasRegularization => BiasRegularization ?? Regularization;

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        Check.Range(Factors, 1, 4096, nameof(Factors));
        Check.Range(Epochs, 1, 100_000, nameof(Epochs));
        Check.OpenClosed(LearningRate, 0f, 1f, nameof(LearningRate));
        if (BiasLearningRate is { } blr)
        {
            Check.OpenClosed(blr, 0f, 1f, nameof(BiasLearningRate));
        }

        Check.Closed(Regularization, 0f, 100f, nameof(Regularization));
        if (BiasRegularization is { } breg)
        {
            Check.Closed(breg, 0f, 100f, nameof(BiasRegularization));
        }

        Check.OpenClosed(LearningRateDecay, 0f, 1f, nameof(LearningRateDecay));
        Check.OpenClosed(InitStandardDeviation, 0f, 10f, nameof(InitStandardDeviation));
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
        if (EarlyStoppingPatience is { } p)
        {
            Check.Range(p, 1, 1000, nameof(EarlyStoppingPatience));
        }

        if (!Enum.IsDefined(Algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, "Algorithm must be Sgd or Als.");
        }

        if (DomainWeights is not null)
        {
            foreach (var (domain, weight) in DomainWeights)
            {
                Check.OpenClosed(weight, 0f, 1000f, $"{nameof(DomainWeights)}[{domain}]");
            }
        }
    }

    /// <summary>The number of worker threads this configuration will use on this machine (at most <see cref="Environment.ProcessorCount"/>).</summary>
    public int EffectiveThreads => Deterministic ? 1 : ThreadCount.Effective(Threads);
}
