namespace CrossRec.Transfer;

/// <summary>What the values of the training interactions mean to joint training.</summary>
public enum FeedbackKind
{
    /// <summary>Values are ratings; the model predicts the rating (the factorization's usual loss).</summary>
    Explicit = 0,

    /// <summary>
    /// Every interaction is a positive (target 1) whatever its value, and sampled unobserved items of the
    /// same domain are negatives (target 0); the model's score estimates how likely the user is to
    /// interact with an item. Usually the better choice for top-N recommendation and for users who have
    /// never seen the target domain.
    /// </summary>
    Implicit = 1,
}

/// <summary>Options of joint cross-domain training beyond the factorization's own. Immutable.</summary>
public sealed record JointTrainingOptions
{
    /// <summary>
    /// How interaction values are used. The default, <see cref="FeedbackKind.Implicit"/>, is the one that
    /// ranks well for users new to a domain; choose <see cref="FeedbackKind.Explicit"/> to predict ratings.
    /// </summary>
    public FeedbackKind Feedback { get; init; } = FeedbackKind.Implicit;

    /// <summary>
    /// With <see cref="FeedbackKind.Implicit"/>: unobserved items sampled per positive, from the same domain
    /// and only in domains the user is active in (1..1000).
    /// </summary>
    public int NegativesPerPositive { get; init; } = 4;

    /// <summary>
    /// With <see cref="FeedbackKind.Explicit"/>: give every domain its own item-bias baseline, so the item
    /// biases of a domain are shrunk toward that domain's mean offset <c>μ_d − μ</c> instead of toward 0
    /// (default true). Prediction is then <c>μ + (μ_d − μ) + b_u + b_i + p_u·q_i</c>: a film with few ratings
    /// starts at the mean film rating, not at the mean over courses and films. The offset is folded into the
    /// returned model's item biases, so the model needs nothing beyond the usual parameters and every engine
    /// trains it the same way. Implicit feedback samples negatives per domain, which already balances them.
    /// </summary>
    public bool DomainBaselines { get; init; } = true;

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Feedback))
        {
            throw new ArgumentOutOfRangeException(nameof(Feedback), Feedback, $"{nameof(Feedback)} must be {nameof(FeedbackKind.Explicit)} or {nameof(FeedbackKind.Implicit)}.");
        }

        Check.Range(NegativesPerPositive, 1, 1000, nameof(NegativesPerPositive));
    }
}

/// <summary>
/// Immutable fluent builder of joint cross-domain training: one biased factorization over the
/// interactions of every domain, so users and items of all domains share one latent space and a user
/// known only from courses gets film recommendations from the same factors.
/// </summary>
/// <remarks>
/// The per-domain loss weights (<see cref="DomainWeight"/>) are
/// <see cref="FactorizationOptions.DomainWeights"/>: a rating of domain d counts w_d times, so a small
/// target domain is not drowned by a large source.
/// </remarks>
[OptionSetters(typeof(JointTrainingOptions))]
public sealed partial class JointFactorizationBuilder
{
    internal JointFactorizationBuilder(BiasedFactorizationBuilder factorization, JointTrainingOptions options)
    {
        Factorization = factorization;
        Options = options;
    }

    /// <summary>The factorization that will be trained (options, device or engine).</summary>
    public BiasedFactorizationBuilder Factorization { get; }

    /// <summary>The joint-training options.</summary>
    public JointTrainingOptions Options { get; }

    private JointFactorizationBuilder With(JointTrainingOptions options) => new(Factorization, options);

    /// <summary>Trains on ratings: the model predicts ratings (per-domain biases apply).</summary>
    public JointFactorizationBuilder Explicit() => With(Options with { Feedback = FeedbackKind.Explicit });

    /// <summary>Trains on interactions as positives with sampled same-domain negatives (the default, with 4).</summary>
    /// <param name="negativesPerPositive">Negatives sampled per positive (1..1000; validated by <c>Fit</c>).</param>
    public JointFactorizationBuilder Implicit(int negativesPerPositive = 4) =>
        With(Options with { Feedback = FeedbackKind.Implicit, NegativesPerPositive = negativesPerPositive });

    /// <summary>Replaces the factorization (keeps the joint-training options).</summary>
    public JointFactorizationBuilder WithFactorization(BiasedFactorizationBuilder factorization)
    {
        ArgumentNullException.ThrowIfNull(factorization);
        return new(factorization, Options);
    }

    /// <summary>Adjusts the factorization, for example <c>Configure(f =&gt; f.Seed(7).Factors(64))</c>.</summary>
    public JointFactorizationBuilder Configure(Func<BiasedFactorizationBuilder, BiasedFactorizationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return new(configure(Factorization) ?? throw new InvalidOperationException("The configure function returned null."), Options);
    }

    /// <summary>Sets the loss weight of one domain (0 &lt; w ≤ 1000, validated by <c>Fit</c>); other domains keep theirs (default 1).</summary>
    public JointFactorizationBuilder DomainWeight(string domain, float weight)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var weights = Factorization.Options.DomainWeights is { } w ? new Dictionary<string, float>(w) : new Dictionary<string, float>();
        weights[domain] = weight;
        return new(Factorization.DomainWeights(weights), Options);
    }

    /// <summary>
    /// Validates the options and trains one model over all domains. With <see cref="FeedbackKind.Implicit"/>
    /// the model's <see cref="RecommenderModel.SeenItems"/> are the observed items only (sampled negatives
    /// stay recommendable) and its scores lie on a 0..1 propensity scale.
    /// </summary>
    /// <param name="data">Interactions of every domain; items must carry domains.</param>
    /// <param name="progress">Per-epoch progress of the factorization (algorithm "biased-mf"; RMSE and learning rate in <see cref="TrainingProgress.Metrics"/>).</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <exception cref="InvalidOperationException">The data has no item domains.</exception>
    /// <exception cref="ArgumentException">A domain weight names a domain the data does not have.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public FactorizationModel Fit(InteractionSet data, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var domains = DomainExtensions.RequireDomains(data);
        Options.Validate();
        Factorization.Options.Validate();
        if (Factorization.Options.DomainWeights is { } weights)
        {
            foreach (var name in weights.Keys)
            {
                if (!domains.Contains(name))
                {
                    throw new ArgumentException(
                        $"{nameof(FactorizationOptions.DomainWeights)} names domain '{name}', which {data.SourceName} does not have; its domains are {string.Join(", ", domains.Select(d => $"'{d}'"))}.",
                        nameof(data));
                }
            }
        }

        return FitUnchecked(data, progress, cancellationToken);
    }

    /// <summary>Trains without the domain checks (the protocol's single-domain baseline uses it).</summary>
    internal FactorizationModel FitUnchecked(InteractionSet data, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        Options.Validate();
        if (Options.Feedback == FeedbackKind.Explicit)
        {
            return Options.DomainBaselines && data.HasDomains
                ? FitWithDomainBaselines(data, progress, cancellationToken)
                : Factorization.Fit(data, progress, cancellationToken);
        }

        var (positives, training) = ImplicitFeedback.Build(data, Options.NegativesPerPositive, Factorization.Options.Seed);
        cancellationToken.ThrowIfCancellationRequested();
        var model = Factorization.Fit(training, progress, cancellationToken);
        return FactorizationModel.FromTraining(
            positives,
            model.Factors,
            model.GlobalMean,
            model.UserBiasArray,
            model.ItemBiasArray,
            model.UserFactorArray,
            model.ItemFactorArray,
            model.Info);
    }

    /// <summary>
    /// Explicit joint training with per-domain item-bias baselines: trains on values centred per domain
    /// (<c>r − (μ_d − μ)</c>, whose overall mean is still μ), then adds each domain's offset back onto the
    /// item biases of its items. Centring rather than a separate trained term keeps the engines unchanged.
    /// </summary>
    private FactorizationModel FitWithDomainBaselines(InteractionSet data, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var offsets = DomainOffsets(data);
        var itemDomains = data.ItemDomainsArray!;
        var items = data.ItemsArray;
        var values = data.ValuesArray;
        var centred = new float[values.Length];
        for (var r = 0; r < values.Length; r++)
        {
            var d = itemDomains[items[r]];
            centred[r] = d >= 0 ? values[r] - (float)offsets[d] : values[r];
        }

        var shifted = new InteractionSet(
            data.UserIds, data.ItemIds, data.UsersArray, items, centred, data.TimestampsArray, data.Domains, itemDomains, data.Scale, data.SourceName);
        var model = Factorization.Fit(shifted, progress, cancellationToken);
        var itemBias = (float[])model.ItemBiasArray.Clone();
        for (var i = 0; i < itemBias.Length; i++)
        {
            var d = itemDomains[i];
            if (d >= 0)
            {
                itemBias[i] += (float)offsets[d];
            }
        }

        return FactorizationModel.FromTraining(
            data, model.Factors, model.GlobalMean, model.UserBiasArray, itemBias, model.UserFactorArray, model.ItemFactorArray, model.Info);
    }

    /// <summary>Mean value of each domain's interactions minus the overall mean (0 for a domain without any), in double.</summary>
    internal static double[] DomainOffsets(InteractionSet data)
    {
        var domainCount = data.Domains!.Count;
        var sums = new double[domainCount];
        var counts = new long[domainCount];
        var itemDomains = data.ItemDomains;
        var items = data.Items;
        var values = data.Values;
        double total = 0;
        for (var r = 0; r < values.Length; r++)
        {
            total += values[r];
            var d = itemDomains[items[r]];
            if (d >= 0)
            {
                sums[d] += values[r];
                counts[d]++;
            }
        }

        var mean = values.Length == 0 ? 0 : total / values.Length;
        var offsets = new double[domainCount];
        for (var d = 0; d < domainCount; d++)
        {
            offsets[d] = counts[d] == 0 ? 0 : (sums[d] / counts[d]) - mean;
        }

        return offsets;
    }
}
