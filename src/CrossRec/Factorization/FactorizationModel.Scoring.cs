// Biased MF model (see FactorizationModel.cs): scoring every item for a user, a folded user or a block of users, and item similarities.
using System.Numerics.Tensors;
using CrossRec.Persistence;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec;

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

    /// <summary>
    /// Writes b_i + q_i·p for every item into <paramref name="scores"/> (length ItemCount): the ranking
    /// score up to the user's constant μ + b_u. One pass over Q, SIMD dot per row.
    /// </summary>
    /// <summary>Scores a block of items for several users, each item's factors read once for all of them (the same arithmetic as <see cref="ScoreUser"/>).</summary>
    internal override bool ScoreUsersBlock(ReadOnlySpan<int> users, int start, int length, Span<float> scores)
    {
        var k = Factors;
        var q = _itemFactors.AsSpan();
        for (var j = 0; j < length; j++)
        {
            var item = q.Slice((start + j) * k, k);
            var bias = _itemBias[start + j];
            for (var b = 0; b < users.Length; b++)
            {
                scores[(b * length) + j] = bias + TensorPrimitives.Dot(UserRow(users[b]), item);
            }
        }

        for (var b = 0; b < users.Length; b++)
        {
            var offset = GlobalMean + _userBias[users[b]];
            var row = scores.Slice(b * length, length);
            for (var j = 0; j < row.Length; j++)
            {
                row[j] += offset;
            }
        }

        return true;
    }

    internal void ScoreItems(ReadOnlySpan<float> userVector, Span<float> scores)
    {
        var k = Factors;
        var q = _itemFactors.AsSpan();
        for (var j = 0; j < scores.Length; j++)
        {
            scores[j] = _itemBias[j] + TensorPrimitives.Dot(userVector, q.Slice(j * k, k));
        }
    }
}
