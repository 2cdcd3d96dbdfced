namespace CrossRec;

/// <summary>
/// What every trained CrossRec recommender offers, whatever the algorithm (explicit biased MF, implicit
/// ALS, BPR, item-kNN, EASE, popularity): top-N for one user or many, similar items, fold-in of a new
/// user, explanations where the model allows them, and persistence. Implementations are immutable and
/// safe to share across threads. All of them derive from <see cref="RecommenderModel"/>.
/// </summary>
public interface IRecommender
{
    /// <summary>Short algorithm tag: "biased-mf", "ials", "bpr", "itemknn", "ease", "popularity".</summary>
    string Algorithm { get; }

    /// <summary>Users the model knows.</summary>
    IdMap UserIds { get; }

    /// <summary>Items the model can recommend.</summary>
    IdMap ItemIds { get; }

    /// <summary>Item domains, or null when the training data had none.</summary>
    IdMap? Domains { get; }

    /// <summary>Domain index of each item (-1 for none); empty without domains.</summary>
    ReadOnlySpan<int> ItemDomains { get; }

    /// <summary>How the model was trained; null for a model that does not record it.</summary>
    RecommenderTrainingInfo? Training { get; }

    /// <summary>True when <see cref="Explain"/> is available for this model.</summary>
    bool CanExplain { get; }

    /// <summary>Dense indices of a training user's items (sorted, distinct).</summary>
    ReadOnlySpan<int> SeenItems(int user);

    /// <summary>Writes the ranking score of every item for a known user (by dense index) into <paramref name="scores"/> (length <see cref="IdMap.Count"/> of <see cref="ItemIds"/>).</summary>
    void ScoreItems(int user, Span<float> scores);

    /// <summary>Writes the ranking score of every item for a folded-in user into <paramref name="scores"/>.</summary>
    void ScoreItems(FoldedUser user, Span<float> scores);

    /// <summary>The top <paramref name="count"/> items (10 by default) for a known user, best first; by default the user's training items are left out.</summary>
    IReadOnlyList<ScoredItem> Recommend(string user, int count = 10, RecommendFilter? filter = null);

    /// <summary>Top-N for a folded-in user; the items it was folded in from are left out by default.</summary>
    IReadOnlyList<ScoredItem> Recommend(FoldedUser user, int count = 10, RecommendFilter? filter = null);

    /// <summary>The top <paramref name="count"/> items (10 by default) for many known users at once, multi-threaded; one list per user, in input order, each as <see cref="Recommend(string, int, RecommendFilter?)"/> would return it.</summary>
    IReadOnlyList<IReadOnlyList<ScoredItem>> RecommendMany(IReadOnlyList<string> users, int count = 10, RecommendFilter? filter = null, int threads = 0, CancellationToken cancellationToken = default);

    /// <summary>Items most similar to an item (the item itself left out), most similar first.</summary>
    IReadOnlyList<ScoredItem> SimilarItems(string item, int count, RecommendFilter? filter = null);

    /// <summary>Which of the user's training items contributed most to the score of an item.</summary>
    Explanation Explain(string user, string item, int count = 10);

    /// <summary>Places a user the model has not seen from (item id, value) pairs without retraining.</summary>
    FoldedUser FoldIn(IEnumerable<KeyValuePair<string, float>> interactions);

    /// <summary>Saves the model in the checksummed container (atomic replace).</summary>
    void Save(string path);

    /// <summary>Writes the model to a stream (not atomic).</summary>
    void Save(Stream stream);
}
