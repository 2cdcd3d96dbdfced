namespace CrossRec;

/// <summary>
/// A recommender that can serve a user known only by attributes (age band, region, sign-up answers): the hybrid
/// model (<see cref="Algorithms.Hybrid.HybridModel"/>) and a mapped collaborative model
/// (<see cref="Algorithms.Mapped.MappedModel"/>). The folded user is recommended for with
/// <see cref="IRecommender.Recommend(FoldedUser, int, RecommendFilter?)"/>.
/// </summary>
public interface IAttributeRecommender : IRecommender
{
    /// <summary>The user attributes the model accepts (empty when it was trained without user features).</summary>
    IdMap UserFeatures { get; }

    /// <summary>Places a user the model has not seen from their attributes (name, weight; 1 for a categorical attribute).</summary>
    /// <exception cref="ArgumentException">No attributes, or a weight that is not finite and above 0.</exception>
    /// <exception cref="KeyNotFoundException">An attribute is unknown to the model (the message names it).</exception>
    FoldedUser FoldInAttributes(IEnumerable<KeyValuePair<string, float>> attributes);
}
