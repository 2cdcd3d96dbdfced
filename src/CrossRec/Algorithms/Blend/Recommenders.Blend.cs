using System.Diagnostics;

namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// A weighted blend of several recommenders (see <see cref="BlendModel"/>): each is trained on the same data
    /// and their per-user standardised scores are added with the given weights (equal unless
    /// <see cref="BlendBuilder.Weights"/> says otherwise). <see cref="Auto"/> tries blending its two best
    /// candidates and keeps the blend only when its validation NDCG is higher.
    /// </summary>
    /// <param name="components">2..<see cref="BlendModel.MaxComponents"/> recommender builders (no blend among them).</param>
    /// <exception cref="ArgumentException">Too few or too many components, or a blend among them.</exception>
    public static BlendBuilder Blend(params IRecommenderBuilder[] components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var list = components.ToArray();
        if (list.Any(c => c is null))
        {
            throw new ArgumentException("A blend component is null.", nameof(components));
        }

        if (list.Any(c => c is BlendBuilder))
        {
            throw new ArgumentException("A blend cannot hold another blend; list its components instead.", nameof(components));
        }

        var equal = Enumerable.Repeat(1.0 / Math.Max(1, list.Length), list.Length).ToArray();
        _ = BlendModel.CheckWeights(list.Length, equal);
        return new BlendBuilder(list, equal);
    }
}
