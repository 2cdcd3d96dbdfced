using System.Buffers;
using CrossRec.Persistence;

namespace CrossRec.Algorithms.ItemKnn;

/// <summary>
/// Item-based k-nearest-neighbours: every item keeps its K most similar items (a sparse similarity
/// matrix S), and a user's score of item c is <c>Σ_{j∈u} w_uj · S[j, c]</c> over the user's training
/// items j. Explanations are exact: each training item's share of a score is its term of that sum.
/// </summary>
/// <remarks>
/// <para>Immutable and thread-safe. Scoring a user costs O(|u| · K) plus clearing the score buffer.</para>
/// <para><see cref="RecommenderModel.SimilarItems(string, int, RecommendFilter?)"/> reads an item's
/// neighbour list: items outside its top K score 0 (and follow the neighbours in index order).</para>
/// <para>A folded-in user is scored exactly like a training user with the same items and values: the
/// weights come from the same transform, the training item IDF and the training mean row length. Any
/// finite value is accepted, as in training: with <see cref="ItemKnnValues.Log"/> or <see cref="ItemKnnValues.Raw"/>
/// a value ≤ 0 weighs 0 (the item is still left out of the user's recommendations).</para>
/// </remarks>
public sealed class ItemKnnModel : RecommenderModel
{
    private const string Kind = "itemknn";
    private const int Version = 1;
    private readonly ItemNeighbors _neighbors;
    private readonly ItemKnnWeighter _weighter;
    private readonly float[]? _userWeights;

    internal ItemKnnModel(IdMap userIds, IdMap itemIds, ItemNeighbors neighbors, ItemKnnWeighter weighter, ItemKnnScoring scoring, int[] seenOffsets, int[] seenItems, float[] seenValues, IdMap? domains, int[]? itemDomains, RecommenderTrainingInfo? training, float[]? seenWeights = null)
        : base(userIds, itemIds, seenOffsets, seenItems, seenValues, domains, itemDomains, training)
    {
        if (neighbors.ItemCount != itemIds.Count || (weighter.Idf.Length != 0 && weighter.Idf.Length != itemIds.Count))
        {
            throw new ArgumentException("One neighbour list (and one IDF, when weighted) per item is needed.");
        }

        _neighbors = neighbors;
        _weighter = weighter;
        Scoring = scoring;
        if (seenWeights is not null && seenWeights.Length != seenItems.Length)
        {
            throw new ArgumentException("One weight per seen item is needed.");
        }

        _userWeights = scoring == ItemKnnScoring.Weighted ? seenWeights ?? weighter.WeighAll(seenOffsets, seenItems, seenValues) : null;
    }

    /// <inheritdoc />
    public override string Algorithm => "itemknn";

    /// <inheritdoc />
    public override bool CanExplain => true;

    /// <summary>The kept item-item similarities: up to K neighbours per item, by dense index.</summary>
    public ItemNeighbors Neighbors => _neighbors;

    /// <summary>How a training value became an interaction strength.</summary>
    public ItemKnnValues Values => _weighter.Values;

    /// <summary>How interactions were weighted.</summary>
    public ItemKnnWeighting Weighting => _weighter.Weighting;

    /// <summary>The weight of a user's training item in the score sum.</summary>
    public ItemKnnScoring Scoring { get; }

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => Version;

    /// <summary>Loads an item-kNN model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static ItemKnnModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    /// <summary>Loads an item-kNN model from a stream.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or inconsistent.</exception>
    public static ItemKnnModel Load(Stream stream) => ModelFileReader.Open(stream, Kind).Read(Read);

    /// <summary>The similarity of <paramref name="neighbor"/> in the neighbour list of <paramref name="item"/> (0 when not a neighbour).</summary>
    /// <exception cref="KeyNotFoundException">An item is unknown.</exception>
    public float Similarity(string item, string neighbor)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(neighbor);
        return _neighbors.Weight(ItemIds.GetIndex(item), ItemIds.GetIndex(neighbor));
    }

    /// <inheritdoc />
    public override string ToString() => $"ItemKnnModel({UserIds.Count} users, {ItemIds.Count} items, {_neighbors.Count} neighbour pairs)";

    internal static ItemKnnModel Read(ModelFileReader file)
    {
        var c = ReadCommon(file, Version);
        var n = c.ItemIds.Count;
        var p = file.Section("KNNP");
        var values = (ItemKnnValues)p.Int32();
        var weighting = (ItemKnnWeighting)p.Int32();
        var scoring = (ItemKnnScoring)p.Int32();
        var k1 = p.Single();
        var b = p.Single();
        var meanLength = p.Single();
        var scale = p.Single();
        var idf = p.Singles();
        p.End();
        var problem = !Enum.IsDefined(values) ? $"unknown values code {(int)values}"
            : !Enum.IsDefined(weighting) ? $"unknown weighting code {(int)weighting}"
            : !Enum.IsDefined(scoring) ? $"unknown scoring code {(int)scoring}"
            : !(k1 > 0 && k1 <= 10_000) ? $"BM25 K1 {k1} outside (0, 10000]"
            : !(b >= 0 && b <= 1) ? $"BM25 B {b} outside [0, 1]"
            : !(meanLength >= 0 && float.IsFinite(meanLength)) ? $"mean length {meanLength} is not a finite non-negative number"
            : !(scale > 0 && float.IsFinite(scale)) ? $"weight scale {scale} is not a finite positive number"
            : null;
        if (problem is not null)
        {
            throw p.Fail(problem);
        }

        if (idf.Length != (weighting == ItemKnnWeighting.Cosine ? 0 : n))
        {
            throw p.Fail($"{idf.Length} IDF values for {n} items with {weighting} weighting");
        }

        foreach (var v in idf)
        {
            if (!float.IsFinite(v) || v < 0)
            {
                throw p.Fail($"IDF {v} is not a finite non-negative number");
            }
        }

        var s = file.Section("KNNS");
        var offsets = s.Int32s(n + 1);
        var items = s.Int32s();
        var weights = s.Singles(items.Length);
        s.End();
        if (ItemNeighbors.Problem(offsets, items, weights) is { } rows)
        {
            throw s.Fail(rows);
        }

        var weighter = ItemKnnWeighter.Restore(values, weighting, k1, b, idf, meanLength, scale);
        return new ItemKnnModel(c.UserIds, c.ItemIds, new ItemNeighbors(offsets, items, weights), weighter, scoring, c.SeenOffsets, c.SeenItems, c.SeenValues, c.Domains, c.ItemDomains, c.Training);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        file.Add("KNNP", new PayloadWriter()
            .Int32((int)_weighter.Values).Int32((int)_weighter.Weighting).Int32((int)Scoring)
            .Single(_weighter.K1).Single(_weighter.B).Single(_weighter.MeanLength).Single(_weighter.Scale)
            .Singles(_weighter.Idf));
        file.Add("KNNS", new PayloadWriter().Int32s(_neighbors.OffsetsArray).Int32s(_neighbors.ItemsArray).Singles(_neighbors.WeightsArray));
    }

    internal override void ScoreUser(int user, Span<float> scores)
    {
        var start = SeenOffsetsArray[user];
        var items = SeenItemsArray.AsSpan(start, SeenOffsetsArray[user + 1] - start);
        _neighbors.ScatterRows(items, _userWeights is null ? default : _userWeights.AsSpan(start, items.Length), scores);
    }

    internal override void ScoreFolded(FoldedUser user, Span<float> scores)
    {
        if (Scoring == ItemKnnScoring.Binary)
        {
            _neighbors.ScatterRows(user.SeenItems, default, scores);
            return;
        }

        var n = user.SeenItems.Length;
        var buffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var weights = buffer.AsSpan(0, n);
            _weighter.Weigh(user.SeenItems, user.Values, weights);
            _neighbors.ScatterRows(user.SeenItems, weights, scores);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    internal override void ItemSimilarities(int item, Span<float> scores) => _neighbors.CopyRow(item, scores);

    /// <summary>The user's items as given; scoring reads the neighbour lists of those items.</summary>
    internal override FoldedUser FoldInCore(int[] items, float[] values) => new(this, Algorithm, ItemIds.Count, 0f, [], items, values);

    /// <summary>Each training item's term <c>w_uj · S[j, item]</c>, summed in the order <see cref="ScoreUser"/> sums them (so the score is identical).</summary>
    internal override float ExplainCore(int user, int item, Span<float> contributions)
    {
        var start = SeenOffsetsArray[user];
        var items = SeenItemsArray.AsSpan(start, SeenOffsetsArray[user + 1] - start);
        return _neighbors.Explain(items, _userWeights is null ? default : _userWeights.AsSpan(start, items.Length), item, contributions);
    }
}
