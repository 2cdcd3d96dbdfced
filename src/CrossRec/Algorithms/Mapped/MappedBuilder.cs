namespace CrossRec.Algorithms.Mapped;

/// <summary>
/// Immutable fluent builder of a <see cref="MappedModel"/>: trains the base collaborative model, then fits the
/// feature maps. Each call returns a new builder; options are validated by <see cref="Fit"/>.
/// </summary>
[OptionSetters(typeof(MappedOptions))]
public sealed partial class MappedBuilder : IRecommenderBuilder
{
    internal MappedBuilder(IRecommenderBuilder baseBuilder, MappedOptions options, FeatureSet? itemFeatures, FeatureSet? userFeatures)
    {
        BaseBuilder = baseBuilder;
        Options = options;
        ItemFeatureSet = itemFeatures;
        UserFeatureSet = userFeatures;
    }

    /// <summary>The builder of the collaborative model that is mapped.</summary>
    public IRecommenderBuilder BaseBuilder { get; }

    /// <summary>The map's options.</summary>
    public MappedOptions Options { get; }

    /// <summary>The item features given with <see cref="ItemFeatures"/>, or null.</summary>
    public FeatureSet? ItemFeatureSet { get; }

    /// <summary>The user attributes given with <see cref="UserFeatures"/>, or null.</summary>
    public FeatureSet? UserFeatureSet { get; }

    /// <inheritdoc />
    public string Algorithm => MappedModel.Kind;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters
    {
        get
        {
            var parameters = OptionParameters.Of(Options);
            parameters["base"] = BaseBuilder.Algorithm;
            parameters["itemFeatures"] = ItemFeatureSet is null ? "none" : RecommenderModel.Invariant(ItemFeatureSet.Features.Count);
            parameters["userFeatures"] = UserFeatureSet is null ? "none" : RecommenderModel.Invariant(UserFeatureSet.Features.Count);
            foreach (var (key, value) in BaseBuilder.Parameters)
            {
                parameters["base." + key] = value;
            }

            return parameters;
        }
    }

    /// <summary>Item features. Items that appear here but not in the training data join the catalogue, scored through the map.</summary>
    public MappedBuilder ItemFeatures(FeatureSet? features) => new(BaseBuilder, Options, features, UserFeatureSet);

    /// <summary>User attributes, for users known only by them (<see cref="MappedModel.FoldInAttributes"/>).</summary>
    public MappedBuilder UserFeatures(FeatureSet? features) => new(BaseBuilder, Options, ItemFeatureSet, features);

    /// <summary>Trains the base model on <paramref name="train"/> and maps it (<see cref="MappedModel.Create"/>).</summary>
    /// <exception cref="ArgumentException">Neither item nor user features were given, or the base builder's own refusal (named by it).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public MappedModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Options.Validate();
        if (ItemFeatureSet is null && UserFeatureSet is null)
        {
            throw new ArgumentException("A mapped model maps features: give ItemFeatures, UserFeatures or both.", nameof(train));
        }

        var model = BaseBuilder.Fit(train, progress, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return MappedModel.Create(model, ItemFeatureSet, UserFeatureSet, Options);
    }

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);

    private MappedBuilder With(MappedOptions options) => new(BaseBuilder, options, ItemFeatureSet, UserFeatureSet);
}
