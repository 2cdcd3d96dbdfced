using System.Diagnostics;

namespace CrossRec.Algorithms.ItemKnn;

/// <summary>
/// Immutable fluent builder of an <see cref="ItemKnnModel"/>: each call returns a new builder, so a
/// configured builder can be shared and reused. Options are validated by <see cref="Fit"/>.
/// </summary>
[OptionSetters(typeof(ItemKnnOptions), Kernel = typeof(IItemSimilarityKernel))]
public sealed partial class ItemKnnBuilder : IRecommenderBuilder
{
    /// <summary>BM25 weighting with saturation <paramref name="k1"/> and length normalisation <paramref name="b"/>.</summary>
    public ItemKnnBuilder Bm25(float k1, float b) => With(Options with { Weighting = ItemKnnWeighting.Bm25, Bm25K1 = k1, Bm25B = b });

    /// <summary>Validates the options and builds the model.</summary>
    /// <param name="train">Training interactions; values are used as <see cref="ItemKnnOptions.Values"/> says.</param>
    /// <param name="progress">Receives one report when the similarity is built.</param>
    /// <param name="cancellationToken">Checked between blocks of items.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">The training set is empty.</exception>
    /// <exception cref="NotSupportedException">The requested engine has no item-kNN kernel.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ItemKnnModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = Options;
        o.Validate();
        Check.NotEmpty(train, "training");

        cancellationToken.ThrowIfCancellationRequested();
        var (engine, kernel, note) = EngineResolver.ResolveKernel<IItemSimilarityKernel>(_device, _engine, "itemknn");
        var watch = Stopwatch.StartNew();
        var m = train.ToMatrix();
        var (weighter, weights) = ItemKnnWeighter.Fit(m, o);
        var similarity = new ItemSimilarityOptions
        {
            Neighbors = o.Neighbors,
            Shrinkage = o.Shrinkage,
            Asymmetry = o.Asymmetry,
            Threads = o.Threads,
            Deterministic = o.Deterministic,
        };
        var neighbors = kernel.TopNeighbors(m, weights, similarity, cancellationToken);
        if (neighbors.ItemCount != m.ItemCount)
        {
            throw new InvalidOperationException($"The {engine.Name} engine returned neighbour lists for {neighbors.ItemCount} items; the data has {m.ItemCount}.");
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var report = new TrainingProgress("itemknn", 1, 1, double.NaN, watch.Elapsed, engine.Name);
        progress?.Report(report);
        var parameters = Parameters;
        var info = new RecommenderTrainingInfo("itemknn", engine.Name, parameters, 0, seconds, [], ThreadCount.Join(note, ThreadCount.ClampWarning(o.Threads, "ItemKnnOptions.Threads")));

        // The seen items are the matrix's own rows, so the weights just computed are the users' score weights.
        var (offsets, items, values) = RecommenderModel.SeenFrom(train);
        return new ItemKnnModel(train.UserIds, train.ItemIds, neighbors, weighter, o.Scoring, offsets, items, values, train.Domains, train.HasDomains ? train.ItemDomains.ToArray() : null, info, weights);
    }

    /// <inheritdoc />
    public string Algorithm => "itemknn";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters => OptionParameters.Of(Options);

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);
}
