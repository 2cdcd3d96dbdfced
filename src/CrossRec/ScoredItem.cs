using System.Globalization;

namespace CrossRec;

/// <summary>An item with a score: a recommendation, a similar item.</summary>
/// <param name="ItemId">External item id.</param>
/// <param name="Index">Dense item index in the model.</param>
/// <param name="Score">Predicted rating (recommendations; not clipped) or cosine similarity (similar items).</param>
public readonly record struct ScoredItem(string ItemId, int Index, float Score);
