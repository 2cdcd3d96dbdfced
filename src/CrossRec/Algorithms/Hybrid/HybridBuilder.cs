using System.Diagnostics;

namespace CrossRec.Algorithms.Hybrid;

/// <summary>
/// Immutable fluent builder of a <see cref="HybridModel"/>: each call returns a new builder. Options are validated
/// by <see cref="Fit"/>. Without features it is a pure collaborative model (identity features only).
/// </summary>
[OptionSetters(typeof(HybridOptions))]
public sealed partial class HybridBuilder : IRecommenderBuilder
{
    private readonly Device _device;
    private readonly IComputeEngine? _engine;

    internal HybridBuilder(HybridOptions options, FeatureSet? itemFeatures, FeatureSet? userFeatures, Device device, IComputeEngine? engine)
    {
        Options = options;
        ItemFeatureSet = itemFeatures;
        UserFeatureSet = userFeatures;
        _device = device;
        _engine = engine;
    }

    /// <summary>The options collected so far.</summary>
    public HybridOptions Options { get; }

    /// <summary>The item features given with <see cref="ItemFeatures"/>, or null.</summary>
    public FeatureSet? ItemFeatureSet { get; }

    /// <summary>The user features given with <see cref="UserFeatures"/>, or null.</summary>
    public FeatureSet? UserFeatureSet { get; }

    /// <inheritdoc />
    public string Algorithm => "hybrid";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters => ParametersOf(Options, ItemFeatureSet, UserFeatureSet);

    /// <summary>
    /// Item features. Items that appear here but not in the training interactions join the catalogue and are
    /// scored from their features; training items absent from here are represented by their identity feature only.
    /// </summary>
    public HybridBuilder ItemFeatures(FeatureSet? features) => new(Options, features, UserFeatureSet, _device, _engine);

    /// <summary>User attributes. Training users absent from here are represented by their identity feature only; users only here are not part of the model (serve them with <see cref="HybridModel.FoldInAttributes"/>).</summary>
    public HybridBuilder UserFeatures(FeatureSet? features) => new(Options, ItemFeatureSet, features, _device, _engine);

    /// <summary>One L2 penalty for the item and the user side.</summary>
    public HybridBuilder Regularization(float regularization) => With(Options with { ItemRegularization = regularization, UserRegularization = regularization });

    /// <summary>Chooses the device; <see cref="Device.Auto"/> (the default) uses an engine with a hybrid kernel and otherwise the CPU engine, saying so in the training info.</summary>
    public HybridBuilder OnDevice(Device device) => new(Options, ItemFeatureSet, UserFeatureSet, device, null);

    /// <summary>Runs on a specific engine instance; it must offer <see cref="IHybridKernel"/>.</summary>
    internal HybridBuilder OnEngine(IComputeEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return new HybridBuilder(Options, ItemFeatureSet, UserFeatureSet, _device, engine);
    }

    /// <summary>Validates the options and trains a model.</summary>
    /// <param name="train">Training interactions; every distinct (user, item) pair is a positive and values are not used (they must not be negative).</param>
    /// <param name="progress">Receives one report per epoch; its loss is the epoch's mean step loss.</param>
    /// <param name="cancellationToken">Checked before and inside every epoch.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">The training set is empty or has a negative value, or a side has neither features nor identity features.</exception>
    /// <exception cref="TrainingDivergedException">A parameter became NaN/∞ (the message names the learning rate).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public HybridModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
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
                throw new ArgumentException($"{train.SourceName}: row {r} has value {values[r]}; the hybrid model treats every interaction as a positive, so values must not be negative.", nameof(train));
            }
        }

        if (ItemFeatureSet is null && !o.ItemIdentity)
        {
            throw new ArgumentException("Items need features or identity features: give ItemFeatures or keep ItemIdentity on.", nameof(train));
        }

        if (UserFeatureSet is null && !o.UserIdentity)
        {
            throw new ArgumentException("Users need attributes or identity features: give UserFeatures or keep UserIdentity on.", nameof(train));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var watch = Stopwatch.StartNew();
        var common = RecommenderModel.CommonFrom(train, null);
        var itemIds = Catalogue(train.ItemIds, ItemFeatureSet);
        var seenOffsets = common.SeenOffsets;
        var seenItems = common.SeenItems;
        var hasItem = new bool[itemIds.Count];
        foreach (var i in seenItems)
        {
            hasItem[i] = true;
        }

        var hasUser = new bool[train.UserCount];
        for (var u = 0; u < hasUser.Length; u++)
        {
            hasUser[u] = seenOffsets[u + 1] > seenOffsets[u];
        }

        var users = Side(train.UserIds, UserFeatureSet, "user", hasUser, o.UserIdentity, o.NormalizeFeatures);
        var items = Side(itemIds, ItemFeatureSet, "item", hasItem, o.ItemIdentity, o.NormalizeFeatures);
        var candidates = new List<int>();
        for (var i = 0; i < hasItem.Length; i++)
        {
            if (hasItem[i])
            {
                candidates.Add(i);
            }
        }

        var problem = new HybridProblem(
            users.Columns, users.Offsets, users.Features, users.Weights,
            items.Columns, items.Names.Count, items.Offsets, items.Features, items.Weights,
            seenOffsets, seenItems, [.. candidates]);
        var (engine, kernel, note) = EngineResolver.ResolveKernel<IHybridKernel>(_device, _engine, "hybrid");
        using var session = kernel.Start(problem, o);
        var lastLoss = 0.0;
        var lastAuc = double.NaN;
        var (history, _) = TrainingLoop.Run(
            "hybrid",
            engine.Name,
            o.Epochs,
            (epoch, ct) =>
            {
                var r = session.RunEpoch(epoch, ct);
                lastLoss = r.Loss;
                lastAuc = r.SampledAuc;
                return (r.Loss, new Dictionary<string, double>(2, StringComparer.Ordinal) { ["sampled-auc"] = r.SampledAuc, ["updates"] = r.Updates });
            },
            $"learning rate {RecommenderModel.Invariant(o.LearningRate)} ({nameof(HybridOptions.LearningRate)})",
            session.ParametersFinite,
            progress,
            cancellationToken);
        var k = o.Factors;
        var userEmbeddings = new float[(long)users.Columns * k];
        var itemEmbeddings = new float[(long)items.Columns * k];
        var itemBiases = new float[items.Columns];
        session.CopyParameters(userEmbeddings, itemEmbeddings, itemBiases);
        var parameters = new Dictionary<string, string>(ParametersOf(o, ItemFeatureSet, UserFeatureSet), StringComparer.Ordinal)
        {
            ["final-loss"] = RecommenderModel.Invariant(lastLoss),
            ["final-sampled-auc"] = RecommenderModel.Invariant(lastAuc),
            ["new-items"] = RecommenderModel.Invariant(itemIds.Count - train.ItemCount),
        };
        var info = new RecommenderTrainingInfo("hybrid", engine.Name, parameters, o.Epochs, watch.Elapsed.TotalSeconds, history, note);
        var itemDomains = common.ItemDomains;
        if (itemDomains is not null && itemDomains.Length != itemIds.Count)
        {
            var extended = new int[itemIds.Count];
            Array.Fill(extended, -1);
            itemDomains.CopyTo(extended, 0);
            itemDomains = extended;
        }

        var modelCommon = common with { ItemIds = itemIds, ItemDomains = itemDomains, Training = info };
        return HybridModel.Create(
            modelCommon,
            k,
            users with { Embeddings = userEmbeddings },
            items with { Embeddings = itemEmbeddings, Biases = itemBiases },
            new HybridModel.FoldInSettings(o.Loss, o.LearningRate, o.MaxSampled, o.FoldInEpochs, o.Seed, o.UserRegularization, o.NormalizeFeatures));
    }

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);

    /// <summary>The training items, then the items that have features only, in the feature set's order.</summary>
    private static IdMap Catalogue(IdMap trainItems, FeatureSet? features)
    {
        if (features is null)
        {
            return trainItems;
        }

        var builder = trainItems.ToBuilder();
        foreach (var id in features.Ids)
        {
            builder.GetOrAdd(id);
        }

        return builder.Count == trainItems.Count ? trainItems : builder.Build();
    }

    /// <summary>The sparse rows of one side: named features from the set, then an identity column for each entity that has interactions (when asked), weights normalised per row.</summary>
    private static FeatureSide Side(IdMap entities, FeatureSet? features, string kind, bool[] hasInteractions, bool identity, bool normalize)
    {
        var names = features?.Features ?? IdMap.Empty(kind + " feature");
        var owners = new List<int>();
        var offsets = new int[entities.Count + 1];
        var columns = new List<int>();
        var weights = new List<float>();
        for (var e = 0; e < entities.Count; e++)
        {
            var start = columns.Count;
            if (features is not null && features.Ids.TryGetIndex(entities[e], out var row))
            {
                columns.AddRange(features.FeatureIndices(row));
                weights.AddRange(features.Weights(row));
            }

            if (identity && hasInteractions[e])
            {
                columns.Add(names.Count + owners.Count);
                weights.Add(1f);
                owners.Add(e);
            }

            if (normalize)
            {
                var sum = 0f;
                for (var n = start; n < weights.Count; n++)
                {
                    sum += weights[n];
                }

                for (var n = start; n < weights.Count; n++)
                {
                    weights[n] /= sum;
                }
            }

            offsets[e + 1] = columns.Count;
        }

        return new FeatureSide(names, [.. owners], offsets, [.. columns], [.. weights], [], null);
    }

    private static Dictionary<string, string> ParametersOf(HybridOptions o, FeatureSet? items, FeatureSet? users)
    {
        var parameters = OptionParameters.Of(o);
        parameters["itemFeatures"] = items is null ? "none" : RecommenderModel.Invariant(items.Features.Count);
        parameters["userFeatures"] = users is null ? "none" : RecommenderModel.Invariant(users.Features.Count);
        return parameters;
    }

    private HybridBuilder With(HybridOptions options) => new(options, ItemFeatureSet, UserFeatureSet, _device, _engine);
}
