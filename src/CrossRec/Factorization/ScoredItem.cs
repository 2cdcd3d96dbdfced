namespace CrossRec;

/// <summary>An item with a score: a recommendation, a similar item.</summary>
/// <param name="ItemId">External item id.</param>
/// <param name="Index">Dense item index in the model.</param>
/// <param name="Score">Predicted rating (recommendations; not clipped) or cosine similarity (similar items).</param>
public readonly record struct ScoredItem(string ItemId, int Index, float Score);

/// <summary>Accuracy of rating predictions on a test set.</summary>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="Count">Test interactions scored.</param>
/// <param name="UnknownUsers">Test rows whose user the model has never seen (scored with the bias-only fallback).</param>
/// <param name="UnknownItems">Test rows whose item the model has never seen (scored with the bias-only fallback).</param>
public sealed record RatingMetrics(double Rmse, double Mae, int Count, int UnknownUsers, int UnknownItems);
