namespace CrossRec.Metrics;

/// <summary>
/// The content baselines a feature-aware recommender must beat, scoring every item of a training set's catalogue
/// from item features alone, so they score new items (no interactions) as readily as old ones. Immutable and
/// thread-safe. Use them with <see cref="ColdStart.EvaluateItems(FeatureBaseline, ColdItemSplit, ColdItemCandidates, int)"/>.
/// </summary>
public sealed class FeatureBaseline
{
    private readonly Action<int, Span<float>> _score;

    private FeatureBaseline(string name, IdMap users, IdMap items, Action<int, Span<float>> score)
    {
        Name = name;
        UserIds = users;
        ItemIds = items;
        _score = score;
    }

    /// <summary>"feature-cosine" or "feature-popularity".</summary>
    public string Name { get; }

    /// <summary>The users it scores for (the training set's).</summary>
    public IdMap UserIds { get; }

    /// <summary>The items it scores (the training set's catalogue, new items included).</summary>
    public IdMap ItemIds { get; }

    /// <summary>
    /// User-profile content cosine: an item's vector is its feature weights scaled to unit length; a user's profile is
    /// the sum of the vectors of their training items; an item scores the cosine of its vector to the profile. Items
    /// without features, and users without training items, score 0.
    /// </summary>
    /// <param name="train">Training interactions (values unused: every pair counts once).</param>
    /// <param name="itemFeatures">Item features; ids that are not in the training catalogue are ignored.</param>
    public static FeatureBaseline ProfileCosine(InteractionSet train, FeatureSet itemFeatures)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(itemFeatures);
        var rows = Rows(train.ItemIds, itemFeatures, unitLength: true);
        var m = train.ToMatrix();
        var offsets = m.UserOffsetsArray;
        var seen = m.UserItemsArray;
        var featureCount = itemFeatures.Features.Count;
        return new FeatureBaseline("feature-cosine", train.UserIds, train.ItemIds, (u, scores) =>
        {
            var profile = new double[featureCount];
            for (var n = offsets[u]; n < offsets[u + 1]; n++)
            {
                foreach (var (f, w) in rows[seen[n]])
                {
                    profile[f] += w;
                }
            }

            double norm = 0;
            foreach (var p in profile)
            {
                norm += p * p;
            }

            norm = Math.Sqrt(norm);
            for (var i = 0; i < scores.Length; i++)
            {
                double dot = 0;
                foreach (var (f, w) in rows[i])
                {
                    dot += w * profile[f];
                }

                scores[i] = norm > 0 ? (float)(dot / norm) : 0f;
            }
        });
    }

    /// <summary>
    /// Feature popularity: a feature's popularity is the mean number of training interactions of the items that have
    /// it (among items with at least one, weighted by the feature's weight); an item scores the weighted mean of its
    /// features' popularity, the same for every user. Items without features score 0.
    /// </summary>
    /// <param name="train">Training interactions (every row counts once).</param>
    /// <param name="itemFeatures">Item features; ids that are not in the training catalogue are ignored.</param>
    public static FeatureBaseline FeaturePopularity(InteractionSet train, FeatureSet itemFeatures)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(itemFeatures);
        var rows = Rows(train.ItemIds, itemFeatures, unitLength: false);
        var counts = train.CountsPerItem();
        var sum = new double[itemFeatures.Features.Count];
        var weight = new double[sum.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            foreach (var (f, w) in rows[i])
            {
                sum[f] += w * counts[i];
                weight[f] += w;
            }
        }

        var scores = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            double s = 0, total = 0;
            foreach (var (f, w) in rows[i])
            {
                s += weight[f] > 0 ? w * sum[f] / weight[f] : 0;
                total += w;
            }

            scores[i] = total > 0 ? (float)(s / total) : 0f;
        }

        return new FeatureBaseline("feature-popularity", train.UserIds, train.ItemIds, (_, destination) => scores.CopyTo(destination));
    }

    /// <summary>Writes the score of every item of <see cref="ItemIds"/> for user <paramref name="user"/> (an index into <see cref="UserIds"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The user index is out of range.</exception>
    /// <exception cref="ArgumentException">The buffer's length is not the item count.</exception>
    public void ScoreItems(int user, Span<float> scores)
    {
        if ((uint)user >= (uint)UserIds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"User index must be in 0..{UserIds.Count - 1}.");
        }

        if (scores.Length != ItemIds.Count)
        {
            throw new ArgumentException($"The score buffer has {scores.Length} entries; the catalogue has {ItemIds.Count} items.", nameof(scores));
        }

        _score(user, scores);
    }

    /// <inheritdoc />
    public override string ToString() => $"FeatureBaseline({Name}, {ItemIds.Count} items)";

    /// <summary>Each catalogue item's (feature, weight) pairs, optionally scaled to unit length; empty for items without features.</summary>
    private static (int Feature, float Weight)[][] Rows(IdMap items, FeatureSet features, bool unitLength)
    {
        var rows = new (int, float)[items.Count][];
        for (var i = 0; i < items.Count; i++)
        {
            if (!features.Ids.TryGetIndex(items[i], out var r))
            {
                rows[i] = [];
                continue;
            }

            var f = features.FeatureIndices(r);
            var w = features.Weights(r);
            double norm = 0;
            foreach (var x in w)
            {
                norm += (double)x * x;
            }

            var scale = unitLength ? (float)(1 / Math.Sqrt(norm)) : 1f;
            rows[i] = new (int, float)[f.Length];
            for (var n = 0; n < f.Length; n++)
            {
                rows[i][n] = (f[n], w[n] * scale);
            }
        }

        return rows;
    }
}
