namespace CrossRec.Metrics;

/// <summary>
/// The content baselines a feature-aware recommender must beat. <see cref="ProfileCosine"/> and
/// <see cref="FeaturePopularity"/> score every item of a training set's catalogue from item features alone, so they
/// score new items (no interactions) as readily as old ones; use them with
/// <see cref="ColdStart.EvaluateItems(FeatureBaseline, ColdItemSplit, ColdItemCandidates, int)"/>.
/// <see cref="SegmentPopularity"/> scores the catalogue for a user from their attributes alone, so it serves users
/// with no interactions (<see cref="ScoreAttributes"/>, with <see cref="ColdStart.EvaluateUsers"/>). Immutable and thread-safe.
/// </summary>
public sealed class FeatureBaseline
{
    private readonly Action<int, Span<float>> _score;
    private readonly Action<IReadOnlyList<KeyValuePair<string, float>>, Span<float>>? _scoreAttributes;

    private FeatureBaseline(string name, IdMap users, IdMap items, Action<int, Span<float>> score, Action<IReadOnlyList<KeyValuePair<string, float>>, Span<float>>? scoreAttributes = null)
    {
        Name = name;
        UserIds = users;
        ItemIds = items;
        _score = score;
        _scoreAttributes = scoreAttributes;
    }

    /// <summary>"feature-cosine", "feature-popularity" or "segment-popularity".</summary>
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

    /// <summary>
    /// Popularity within the user's attribute segments: for each attribute, an item's share of the training
    /// interactions of the users who have that attribute; an item scores the sum of those shares over the user's
    /// attributes, each times the attribute's weight. A user with no known attribute scores 0 everywhere. Training users
    /// are scored from their attributes too (<see cref="ScoreItems"/>); users known only by attributes through
    /// <see cref="ScoreAttributes"/>.
    /// </summary>
    /// <param name="train">Training interactions (every row counts once).</param>
    /// <param name="userFeatures">User attributes; ids that are not in the training set are ignored here.</param>
    public static FeatureBaseline SegmentPopularity(InteractionSet train, FeatureSet userFeatures)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(userFeatures);
        var attributes = userFeatures.Features.Count;
        var itemCount = train.ItemCount;
        var counts = new float[(long)attributes * itemCount];
        var totals = new double[attributes];
        var rowOf = new int[train.UserCount];
        for (var u = 0; u < rowOf.Length; u++)
        {
            rowOf[u] = userFeatures.Ids.TryGetIndex(train.UserIds[u], out var r) ? r : -1;
        }

        for (var n = 0; n < train.Count; n++)
        {
            var row = rowOf[train.Users[n]];
            if (row < 0)
            {
                continue;
            }

            foreach (var f in userFeatures.FeatureIndices(row))
            {
                counts[((long)f * itemCount) + train.Items[n]]++;
                totals[f]++;
            }
        }

        void Score(ReadOnlySpan<int> features, ReadOnlySpan<float> weights, Span<float> scores)
        {
            scores.Clear();
            for (var e = 0; e < features.Length; e++)
            {
                var f = features[e];
                if (totals[f] == 0)
                {
                    continue;
                }

                var scale = (float)(weights[e] / totals[f]);
                var share = counts.AsSpan((int)((long)f * itemCount), itemCount);
                for (var i = 0; i < scores.Length; i++)
                {
                    scores[i] += share[i] * scale;
                }
            }
        }

        return new FeatureBaseline(
            "segment-popularity",
            train.UserIds,
            train.ItemIds,
            (u, scores) =>
            {
                if (rowOf[u] < 0)
                {
                    scores.Clear();
                    return;
                }

                Score(userFeatures.FeatureIndices(rowOf[u]), userFeatures.Weights(rowOf[u]), scores);
            },
            (known, scores) =>
            {
                var features = new List<int>(known.Count);
                var weights = new List<float>(known.Count);
                foreach (var (name, weight) in known)
                {
                    if (!float.IsFinite(weight))
                    {
                        throw new ArgumentException($"Attribute '{name}' has weight {weight}; weights must be finite.", nameof(known));
                    }

                    if (userFeatures.Features.TryGetIndex(name, out var f))
                    {
                        features.Add(f);
                        weights.Add(weight);
                    }
                }

                Score(features.ToArray(), weights.ToArray(), scores);
            });
    }

    /// <summary>
    /// Writes the score of every item of <see cref="ItemIds"/> for a user known only by <paramref name="attributes"/>
    /// (name, weight); attributes the baseline never saw are ignored.
    /// </summary>
    /// <exception cref="NotSupportedException">This baseline scores from item features, not user attributes (only <see cref="SegmentPopularity"/> does).</exception>
    /// <exception cref="ArgumentException">The buffer's length is not the item count, or a weight is NaN or infinite.</exception>
    public void ScoreAttributes(IReadOnlyList<KeyValuePair<string, float>> attributes, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (_scoreAttributes is null)
        {
            throw new NotSupportedException($"The {Name} baseline scores from item features and a user's history, not from user attributes; use FeatureBaseline.SegmentPopularity.");
        }

        if (scores.Length != ItemIds.Count)
        {
            throw new ArgumentException($"The score buffer has {scores.Length} entries; the catalogue has {ItemIds.Count} items.", nameof(scores));
        }

        _scoreAttributes(attributes, scores);
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
