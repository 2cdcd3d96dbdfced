using System.Diagnostics;

namespace CrossRec.Algorithms.Bpr;

/// <summary>
/// Immutable fluent builder of a <see cref="BprModel"/>: each call returns a new builder, so a configured
/// builder can be shared and reused. Options are validated by <see cref="Fit"/>.
/// </summary>
[OptionSetters(typeof(BprOptions), Kernel = typeof(IBprKernel))]
public sealed partial class BprBuilder : IRecommenderBuilder
{
    /// <summary>One L2 penalty for the user, positive-item and negative-item factors.</summary>
    public BprBuilder Regularization(float regularization) => With(Options with
    {
        UserRegularization = regularization,
        PositiveItemRegularization = regularization,
        NegativeItemRegularization = regularization,
    });

    /// <summary>Validates the options and trains a model.</summary>
    /// <param name="train">Training interactions; every distinct (user, item) pair is a positive and the values are not used (they must not be negative).</param>
    /// <param name="progress">Receives one report per epoch; its loss is the epoch's mean −ln σ(x̂_ui − x̂_uj).</param>
    /// <param name="cancellationToken">Checked before and inside every epoch.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">The training set is empty or has a negative value.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a parameter became NaN/∞ (the message names <see cref="BprOptions.LearningRate"/>).</exception>
    /// <exception cref="NotSupportedException">The engine chosen with <see cref="OnEngine"/> or <see cref="Device.Cuda"/> has no BPR kernel.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public BprModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = Options;
        o.Validate();
        Check.NotEmpty(train, "training");

        var values = train.Values;
        for (var r = 0; r < values.Length; r++)
        {
            if (values[r] < 0)
            {
                throw new ArgumentException($"{train.SourceName}: row {r} has value {values[r]}; BPR treats every interaction as a positive, so values must not be negative.", nameof(train));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var watch = Stopwatch.StartNew();
        var (engine, kernel, note) = EngineResolver.ResolveKernel<IBprKernel>(_device, _engine, "bpr");
        using var session = kernel.Start(train, o);
        var auc = new List<double>(Math.Min(o.Epochs, 4096));
        var lastLoss = 0.0;
        var lastSteps = 0L;
        var (history, _) = TrainingLoop.Run(
            "bpr",
            engine.Name,
            o.Epochs,
            (epoch, ct) =>
            {
                var r = session.RunEpoch(epoch, o.LearningRateAt(epoch), ct);
                auc.Add(r.SampledAuc);
                lastLoss = r.Loss;
                lastSteps = r.Steps;
                return (r.Loss, new Dictionary<string, double>(1, StringComparer.Ordinal) { ["sampled-auc"] = r.SampledAuc });
            },
            $"learning rate {RecommenderModel.Invariant(o.LearningRate)} ({nameof(BprOptions.LearningRate)})",
            () => (lastSteps == 0 || double.IsFinite(lastLoss)) && session.ParametersFinite(),
            progress,
            cancellationToken);
        var k = o.Factors;
        var userFactors = new float[train.UserCount * k];
        var itemFactors = new float[train.ItemCount * k];
        var itemBias = o.ItemBiases ? new float[train.ItemCount] : null;
        session.CopyParameters(userFactors, itemFactors, itemBias);
        // The options as given, then what this fit decided or measured.
        var parameters = OptionParameters.Of(o);
        parameters["domainAwareNegatives"] = o.DomainAwareNegatives && train.HasDomains ? "true" : "false";
        parameters["finalLoss"] = RecommenderModel.Invariant(lastLoss);
        parameters["finalSampledAuc"] = RecommenderModel.Invariant(auc[^1]);
        var info = new RecommenderTrainingInfo("bpr", engine.Name, parameters, o.Epochs, watch.Elapsed.TotalSeconds, history, ThreadCount.Join(note, o.Deterministic ? null : ThreadCount.ClampWarning(o.Threads, "BprOptions.Threads")));
        var foldIn = new BprModel.FoldInSettings(o.Seed, o.LearningRate, o.Schedule, o.UserRegularization, o.FoldInEpochs, o.DomainAwareNegatives && train.HasDomains);
        return new BprModel(RecommenderModel.CommonFrom(train, info), k, userFactors, itemFactors, itemBias, foldIn, auc);
    }

    /// <inheritdoc />
    public string Algorithm => "bpr";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters => OptionParameters.Of(Options);

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);
}
