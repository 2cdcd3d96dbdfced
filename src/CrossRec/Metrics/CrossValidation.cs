namespace CrossRec.Metrics;

/// <summary>Result of k-fold cross-validation of one configuration.</summary>
/// <param name="Options">The options evaluated.</param>
/// <param name="Folds">Rating accuracy on each fold's test part.</param>
/// <param name="MeanRmse">Mean test RMSE over the folds.</param>
/// <param name="StdRmse">Sample standard deviation of the fold RMSEs (0 for one fold).</param>
/// <param name="MeanMae">Mean test MAE over the folds.</param>
public sealed record CrossValidationResult(FactorizationOptions Options, IReadOnlyList<RatingMetrics> Folds, double MeanRmse, double StdRmse, double MeanMae);

/// <summary>k-fold cross-validation and a small grid search over factorization options.</summary>
public static class CrossValidation
{
    /// <summary>
    /// <see cref="TrainingProgress.Stage"/> of the progress reports: one per trained fold, with the fold in
    /// <see cref="TrainingProgress.Iteration"/> of <see cref="TrainingProgress.TotalIterations"/>, its test RMSE as the loss,
    /// "configuration c of n" as <see cref="TrainingProgress.Candidate"/> and the share of all folds done in <see cref="TrainingProgress.Percent"/>.
    /// </summary>
    public const string Stage = "cross-validation";

    /// <summary>
    /// Trains the builder's configuration on k−1 folds and tests on the remaining one, k times
    /// (seeded folds from <see cref="InteractionSetSplits.KFold"/>).
    /// </summary>
    public static CrossValidationResult Run(BiasedFactorizationBuilder builder, InteractionSet data, int folds = 5, int seed = 42, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(data);
        builder.Options.Validate();
        return RunOne(builder, data, folds, seed, 0, 1, progress, cancellationToken);
    }

    /// <summary>
    /// Cross-validates every combination of the given values (each list replaces one option of the
    /// builder's configuration; null leaves it as is) and returns the results best (lowest mean RMSE) first.
    /// The same folds are used for every combination.
    /// </summary>
    /// <exception cref="ArgumentException">The grid is empty, or a list is empty.</exception>
    public static IReadOnlyList<CrossValidationResult> GridSearch(
        BiasedFactorizationBuilder builder,
        InteractionSet data,
        IReadOnlyList<int>? factors = null,
        IReadOnlyList<float>? learningRates = null,
        IReadOnlyList<float>? regularizations = null,
        IReadOnlyList<int>? epochs = null,
        int folds = 3,
        int seed = 42,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(data);
        var baseOptions = builder.Options;
        static IReadOnlyList<T?> Axis<T>(IReadOnlyList<T>? values, string name)
            where T : struct
        {
            if (values is null)
            {
                return [null];
            }

            if (values.Count == 0)
            {
                throw new ArgumentException($"The {name} list is empty; pass null to keep the builder's value.", name);
            }

            return values.Select(v => (T?)v).ToArray();
        }

        var grid = (from k in Axis(factors, nameof(factors))
                    from lr in Axis(learningRates, nameof(learningRates))
                    from reg in Axis(regularizations, nameof(regularizations))
                    from e in Axis(epochs, nameof(epochs))
                    select baseOptions with
                    {
                        Factors = k ?? baseOptions.Factors,
                        LearningRate = lr ?? baseOptions.LearningRate,
                        Regularization = reg ?? baseOptions.Regularization,
                        Epochs = e ?? baseOptions.Epochs,
                    }).ToArray();
        foreach (var o in grid)
        {
            o.Validate();
        }

        var results = new List<CrossValidationResult>(grid.Length);
        for (var c = 0; c < grid.Length; c++)
        {
            results.Add(RunOne(builder.WithOptions(grid[c]), data, folds, seed, c, grid.Length, progress, cancellationToken));
        }

        return results.OrderBy(r => r.MeanRmse).ToArray();
    }

    private static CrossValidationResult RunOne(BiasedFactorizationBuilder builder, InteractionSet data, int folds, int seed, int configuration, int configurations, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var metrics = new List<RatingMetrics>(folds);
        var f = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (train, test) in data.KFold(folds, seed))
        {
            ct.ThrowIfCancellationRequested();
            var model = builder.Fit(train, null, null, ct);
            var m = model.Evaluate(test);
            metrics.Add(m);
            f++;
            progress?.Report(new TrainingProgress("biased-mf", f, folds, m.Rmse, watch.Elapsed, model.Info?.Device ?? "cpu")
            {
                Stage = Stage,
                Candidate = $"configuration {configuration + 1} of {configurations}",
                Percent = 100.0 * ((configuration * folds) + f) / (configurations * folds),
                Metrics = new Dictionary<string, double>(1, StringComparer.Ordinal) { [TrainingProgress.RmseMetric] = m.Rmse },
            });
        }

        var mean = metrics.Average(m => m.Rmse);
        var std = metrics.Count > 1 ? Math.Sqrt(metrics.Sum(m => (m.Rmse - mean) * (m.Rmse - mean)) / (metrics.Count - 1)) : 0;
        return new CrossValidationResult(builder.Options, metrics, mean, std, metrics.Average(m => m.Mae));
    }
}
