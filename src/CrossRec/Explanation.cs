namespace CrossRec;

/// <summary>
/// Why a model scored an item for a user: the item's score and the user's training items that
/// contributed most to it, largest contribution first.
/// </summary>
/// <param name="UserId">External user id.</param>
/// <param name="ItemId">External id of the explained item.</param>
/// <param name="Score">The item's ranking score for the user.</param>
/// <param name="Contributions">The user's items with their share of <paramref name="Score"/>, largest first.</param>
public sealed record Explanation(string UserId, string ItemId, float Score, IReadOnlyList<ItemContribution> Contributions);

/// <summary>One of the user's items and how much it added to an explained score.</summary>
/// <param name="ItemId">External item id.</param>
/// <param name="Index">Dense item index.</param>
/// <param name="Contribution">Its additive share of the score (for ALS, the share under the user's implicit linear model).</param>
public readonly record struct ItemContribution(string ItemId, int Index, float Contribution);
