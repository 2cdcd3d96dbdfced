namespace CrossRec.Algorithms.Popularity;

/// <summary>Builds a <see cref="PopularityModel"/>.</summary>
public sealed class PopularityBuilder : IRecommenderBuilder
{
    internal PopularityBuilder()
    {
    }

    /// <inheritdoc />
    public string Algorithm => "popularity";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters { get; } = new Dictionary<string, string> { ["weighting"] = "distinct-users" };

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, cancellationToken);

    /// <summary>Counts the distinct users of every item.</summary>
    /// <exception cref="ArgumentException">The data has no interactions.</exception>
    public PopularityModel Fit(InteractionSet train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Check.NotEmpty(train, "training");

        cancellationToken.ThrowIfCancellationRequested();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var m = train.ToMatrix();
        var counts = new float[train.ItemCount];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = m.ItemDegree(i);
        }

        var (offsets, items, values) = RecommenderModel.SeenFrom(train);
        var info = new RecommenderTrainingInfo("popularity", "cpu", Parameters, 0, watch.Elapsed.TotalSeconds, [], null);
        return new PopularityModel(train.UserIds, train.ItemIds, counts, offsets, items, values, train.Domains, train.HasDomains ? train.ItemDomains.ToArray() : null, info);
    }
}
