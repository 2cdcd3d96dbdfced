namespace CrossRec.Algorithms.BiasedMf;

/// <summary>
/// Immutable fluent builder of a biased matrix factorization: each call returns a new builder, so a
/// configured builder can be shared and reused. Options are validated by <c>Fit</c>.
/// </summary>
[OptionSetters(typeof(FactorizationOptions), Kernel = typeof(IFactorizationKernel))]
public sealed partial class BiasedFactorizationBuilder : IRecommenderBuilder
{
    /// <summary>Loss weight per domain name (<see cref="FactorizationOptions.DomainWeights"/>); the builder keeps a copy of <paramref name="weights"/>.</summary>
    public BiasedFactorizationBuilder DomainWeights(IReadOnlyDictionary<string, float> weights) => With(Options with { DomainWeights = new Dictionary<string, float>(weights) });

    /// <summary>The engine <c>Fit</c> will use.</summary>
    internal IComputeEngine ResolveEngine() => _engine ?? EngineResolver.Resolve(_device);

    /// <summary>The name of the engine <c>Fit</c> will use ("cpu", "cuda:0", "libtorch-cpu").</summary>
    /// <exception cref="InvalidOperationException"><see cref="Device.Cuda"/> was asked for but is not available; the message says why.</exception>
    public string EngineName => ResolveEngine().Name;

    /// <summary>
    /// Trains on implicit feedback, the better choice for top-N recommendation from purchases, views or
    /// ratings alike: every (user, item) interaction is a positive with target 1 whatever its value, and
    /// <paramref name="negativesPerPositive"/> of the user's unobserved items (of the same domain, when the data
    /// has domains) are sampled once as negatives with target 0. Scores estimate how likely the user is to
    /// interact with an item; <see cref="RecommenderModel.SeenItems"/> are the observed items only.
    /// </summary>
    /// <param name="interactions">Observed interactions (values are ignored).</param>
    /// <param name="negativesPerPositive">Sampled negatives per positive (1..1000).</param>
    /// <param name="progress">Optional per-epoch progress (RMSE, learning rate and throughput in <see cref="TrainingProgress.Metrics"/>).</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public FactorizationModel FitImplicit(InteractionSet interactions, int negativesPerPositive = 4, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        return new JointFactorizationBuilder(this, new JointTrainingOptions { Feedback = FeedbackKind.Implicit, NegativesPerPositive = negativesPerPositive })
            .FitUnchecked(interactions, progress, cancellationToken);
    }

    /// <summary>Validates the options and trains a model.</summary>
    /// <param name="train">Training interactions.</param>
    /// <param name="progress">Optional per-epoch progress (RMSE, learning rate and throughput in <see cref="TrainingProgress.Metrics"/>).</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN/∞ (learning rate too large).</exception>
    public FactorizationModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        => Fit(train, null, progress, cancellationToken);

    /// <summary>Validates the options and trains a model, reporting validation RMSE (and early stopping when configured).</summary>
    public FactorizationModel Fit(InteractionSet train, InteractionSet? validation, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Options.Validate();
        var (_, kernel, fallback) = EngineResolver.ResolveKernel<IFactorizationKernel>(_device, _engine, "biased MF");
        var model = kernel.Factorize(train, validation, Options, ProgressAdapters.Epochs(progress, "biased-mf"), cancellationToken);
        var note = ThreadCount.Join(fallback, Options.Deterministic ? null : ThreadCount.ClampWarning(Options.Threads, "FactorizationOptions.Threads"));
        return note is not null && model.Info is { } info ? model.WithInfo(info with { Note = ThreadCount.Join(info.Note, note) }) : model;
    }

    /// <inheritdoc />
    string IRecommenderBuilder.Algorithm => "biased-mf";

    /// <inheritdoc />
    IReadOnlyDictionary<string, string> IRecommenderBuilder.Parameters => OptionParameters.Of(Options);

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
        => Fit(train, progress, cancellationToken);
}
