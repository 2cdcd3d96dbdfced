using CrossRec.Serving.Approximate;

namespace CrossRec;

/// <summary>
/// Approximate top-N serving for large catalogues: a factor model (implicit ALS, BPR, biased MF, the hybrid model)
/// with an HNSW index over its item vectors serves its lists from a graph search instead of scoring every item.
/// </summary>
/// <remarks>
/// <para>Lists of known users (<see cref="IRecommender.Recommend(string, int, RecommendFilter?)"/>,
/// <see cref="IRecommender.RecommendMany"/>) and of folded-in users come from the search; every candidate it finds is
/// re-scored by the model's own scoring (the score in a list is the score the exact path gives that item), and every
/// <see cref="RecommendFilter"/> is honoured: filtered and seen items are walked through but never listed, the search is
/// widened in proportion when a filter narrows the catalogue, and a filter that allows at most 1/16 of the catalogue is
/// served exactly over the allowed items. What is approximate is only which items make the list: an item of the exact
/// list may be missing (recall below 1), never an item the filter forbids. Scores (<c>ScoreItems</c>), similar items and
/// explanations stay exact.</para>
/// <para>The index is saved with the model (a section of the same checksummed file) and comes back with
/// <c>Recommender.Load</c> or the model type's <c>Load</c>.</para>
/// </remarks>
public static class ApproximateServing
{
    /// <summary>
    /// A copy of <paramref name="model"/> that serves approximately from an HNSW index over its items, built on
    /// <paramref name="options"/>' worker threads (the same model, options and seed give the same index). When
    /// <see cref="ApproximateServingOptions.EfSearch"/> is null (the default), the build then chooses it by measuring
    /// recall@10 on a seeded sample of the model's own users (<see cref="RecommenderModel.ApproximateCalibration"/>).
    /// When the model already has an index built with the same <see cref="ApproximateServingOptions.M"/>,
    /// <see cref="ApproximateServingOptions.EfConstruction"/> and <see cref="ApproximateServingOptions.Seed"/>, the graph
    /// is reused and only the search options change; its calibration is reused too when every other option is equal
    /// (<see cref="ApproximateServingOptions.Threads"/> aside). The original model is unchanged and still serves exactly.
    /// </summary>
    /// <param name="model">A factor model: implicit ALS, BPR, biased MF or the hybrid model.</param>
    /// <param name="options">Index and search options (null: the defaults).</param>
    /// <param name="progress">Receives the items inserted so far (<see cref="TrainingProgress.Iteration"/> of
    /// <see cref="TrainingProgress.TotalIterations"/>, algorithm "hnsw") about every 1% of the build, then one report per
    /// setting that calibration tries (<see cref="TrainingProgress.Stage"/> "calibration", the setting in
    /// <see cref="TrainingProgress.Candidate"/>, its recall as <see cref="TrainingProgress.RecallMetric"/>; the
    /// iteration count is at most the total, since settings that cannot win are not tried).</param>
    /// <param name="cancellationToken">Stops the build and the calibration.</param>
    /// <exception cref="NotSupportedException">The model has no item vectors (item-kNN, EASE, RP3beta, popularity, blends); the message names it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static TModel WithApproximateServing<TModel>(this TModel model, ApproximateServingOptions? options = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        where TModel : RecommenderModel
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new ApproximateServingOptions();
        options.Validate();
        if (model.BlockScoring is not { } scoring)
        {
            throw new NotSupportedException($"The {model.Algorithm} model has no item vectors to index; approximate serving covers implicit ALS, BPR, biased MF and hybrid models.");
        }

        var existing = model.Approximate?.Index is { } index && index.BuiltWith(options) ? index : null;
        if (options.EfSearch is not null)
        {
            return (TModel)model.WithIndex((existing ?? MipsIndex.Build(scoring, options, options.EfSearch.Value, progress, cancellationToken)).WithSearch(options));
        }

        if (existing?.Calibration is { } calibration && existing.Options == options with { Threads = existing.Options.Threads })
        {
            return (TModel)model.WithIndex(existing.WithSearch(options, calibration));
        }

        var graphs = existing ?? MipsIndex.Build(scoring, options, EfSearchCalibration.Ladder[0], progress, cancellationToken);
        return (TModel)model.WithIndex(graphs.WithSearch(options, EfSearchCalibration.Run(model, graphs, options, progress, cancellationToken)));
    }

    /// <summary>A copy of <paramref name="model"/> that serves every list exactly (its approximate index dropped).</summary>
    public static TModel WithExactServing<TModel>(this TModel model)
        where TModel : RecommenderModel
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Approximate is null ? model : (TModel)model.WithIndex(null);
    }
}
