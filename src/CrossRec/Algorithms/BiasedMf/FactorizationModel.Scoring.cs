// Biased MF model (see FactorizationModel.cs): scoring every item for a user, a folded user or a block of users, and item similarities.
using CrossRec.Persistence;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Algorithms.BiasedMf;

public sealed partial class FactorizationModel
{
    /// <summary>Ranking score μ + b_u + b_i + p_u·q_i of every item (the unclipped predicted rating).</summary>
    internal override void ScoreUser(int user, Span<float> scores)
    {
        ScoreItems(UserRow(user), scores);
        var offset = GlobalMean + _userBias[user];
        for (var j = 0; j < scores.Length; j++)
        {
            scores[j] += offset;
        }
    }

    internal override void ScoreFolded(FoldedUser user, Span<float> scores)
    {
        if (user.Factors.Length != Factors)
        {
            throw new ArgumentException($"The folded user has {user.Factors.Length} factors; this model has {Factors}.", nameof(user));
        }

        ScoreItems(user.Factors, scores);
        var offset = GlobalMean + user.Bias;
        for (var j = 0; j < scores.Length; j++)
        {
            scores[j] += offset;
        }
    }

    /// <summary>Cosine similarity of item factors.</summary>
    internal override void ItemSimilarities(int item, Span<float> scores) => _cosine.Similarities(item, scores);

    /// <inheritdoc />
    internal override FactorScoring? BlockScoring => new(Factors, _userFactors, _itemFactors, _itemBias, GlobalMean, _userBias);

    /// <summary>
    /// Writes b_i + q_i·p for every item into <paramref name="scores"/> (length ItemCount): the ranking
    /// score up to the user's constant μ + b_u. One pass over Q; the dot runs in the fixed order of
    /// <see cref="ServingKernel.Dots"/>, which the blocked batch path of <c>RecommendMany</c> shares.
    /// </summary>
    internal void ScoreItems(ReadOnlySpan<float> userVector, Span<float> scores)
    {
        ServingKernel.Dots(userVector, _itemFactors, scores);
        for (var j = 0; j < scores.Length; j++)
        {
            scores[j] = _itemBias[j] + scores[j];
        }
    }
}
