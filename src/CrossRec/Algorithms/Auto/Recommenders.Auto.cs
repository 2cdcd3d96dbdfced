using System.Diagnostics;

namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// The library's default choice for top-N ranking: tries each candidate algorithm with its documented
    /// defaults on a validation split made inside the training data (never on held-out data), keeps
    /// the one with the best NDCG@10, and refits it on all of the training data.
    /// </summary>
    public static AutoRecommenderBuilder Auto() => new();
}
