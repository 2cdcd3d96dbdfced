namespace CrossRec;

/// <summary>
/// A configured recommender trainer: what every algorithm's builder is, so that model selection
/// (<see cref="Recommenders.Auto"/>), cross-validation and the trainer CLI handle any algorithm alike.
/// </summary>
public interface IRecommenderBuilder
{
    /// <summary>Algorithm tag of the models it trains ("ials", "ease", ...).</summary>
    string Algorithm { get; }

    /// <summary>The hyperparameters it will train with, by name (invariant-culture strings).</summary>
    IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Validates the options and trains a model.</summary>
    RecommenderModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}
