using System.Buffers;
using CrossRec.Persistence;

namespace CrossRec.Algorithms.Rp3Beta;

/// <summary>
/// RP3beta (Paudel et al. 2017): every item keeps its K largest three-step random-walk weights W (item → user →
/// item, popularity-penalised by β), and a user's score of item c is <c>Σ_{j∈u} s_uj · W[j, c]</c> over the user's
/// training items j, with s the interaction strength of <see cref="Values"/>. Explanations are exact: each training
/// item's share of a score is its term of that sum.
/// </summary>
/// <remarks>
/// <para>Immutable and thread-safe. Scoring a user costs O(|u| · K) plus clearing the score buffer.</para>
/// <para>W is not symmetric: row j says where a walk from j ends. <see cref="RecommenderModel.SimilarItems(string, int, RecommendFilter?)"/>
/// reads an item's row: items outside its top K score 0 (and follow the kept ones in index order).</para>
/// <para>A folded-in user is scored exactly like a training user with the same items and values (the same strength
/// transform, the same rows of W). Any finite value is accepted, as in training: with <see cref="Rp3BetaValues.Log"/>
/// or <see cref="Rp3BetaValues.Raw"/> a value ≤ 0 weighs 0 (the item is still left out of the user's recommendations).</para>
/// </remarks>
public sealed class Rp3BetaModel : RecommenderModel
{
    private const string Kind = "rp3beta";
    private const int Version = 1;
    private readonly ItemNeighbors _weights;
    private readonly Settings _settings;
    private readonly float[]? _userStrengths;

    internal Rp3BetaModel(IdMap userIds, IdMap itemIds, ItemNeighbors weights, Settings settings, int[] seenOffsets, int[] seenItems, float[] seenValues, IdMap? domains, int[]? itemDomains, RecommenderTrainingInfo? training, float[]? seenStrengths = null)
        : base(userIds, itemIds, seenOffsets, seenItems, seenValues, domains, itemDomains, training)
    {
        if (weights.ItemCount != itemIds.Count)
        {
            throw new ArgumentException("One weight list per item is needed.");
        }

        if (seenStrengths is not null && seenStrengths.Length != seenItems.Length)
        {
            throw new ArgumentException("One strength per seen item is needed.");
        }

        _weights = weights;
        _settings = settings;
        _userStrengths = seenStrengths ?? Rp3BetaStrength.OfAll(settings.Values, seenValues);
    }

    /// <inheritdoc />
    public override string Algorithm => "rp3beta";

    /// <inheritdoc />
    public override bool CanExplain => true;

    /// <summary>The kept walk weights W: up to K per item, by dense index (row j: from item j).</summary>
    public ItemNeighbors Weights => _weights;

    /// <summary>How a training value became an interaction strength.</summary>
    public Rp3BetaValues Values => _settings.Values;

    /// <summary>Exponent α the transition probabilities were raised to.</summary>
    public float Alpha => _settings.Alpha;

    /// <summary>Popularity penalty β the weights were divided by.</summary>
    public float Beta => _settings.Beta;

    /// <summary>Whether each item's kept weights were divided by their sum.</summary>
    public bool NormalizeRows => _settings.NormalizeRows;

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => Version;

    /// <summary>Loads an RP3beta model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static Rp3BetaModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    /// <summary>Loads an RP3beta model from a stream.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or inconsistent.</exception>
    public static Rp3BetaModel Load(Stream stream) => ModelFileReader.Open(stream, Kind).Read(Read);

    /// <summary>The walk weight from <paramref name="item"/> to <paramref name="neighbor"/> (0 when not kept).</summary>
    /// <exception cref="KeyNotFoundException">An item is unknown.</exception>
    public float Weight(string item, string neighbor)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(neighbor);
        return _weights.Weight(ItemIds.GetIndex(item), ItemIds.GetIndex(neighbor));
    }

    /// <inheritdoc />
    public override string ToString() => $"Rp3BetaModel({UserIds.Count} users, {ItemIds.Count} items, {_weights.Count} weights)";

    internal static Rp3BetaModel Read(ModelFileReader file)
    {
        var c = ReadCommon(file, Version);
        var n = c.ItemIds.Count;
        var p = file.Section("RP3P");
        var values = (Rp3BetaValues)p.Int32();
        var alpha = p.Single();
        var beta = p.Single();
        var normalize = p.Int32();
        p.End();
        var problem = !Enum.IsDefined(values) ? $"unknown values code {(int)values}"
            : !(alpha >= 0 && alpha <= 5) ? $"alpha {alpha} outside [0, 5]"
            : !(beta >= 0 && beta <= 5) ? $"beta {beta} outside [0, 5]"
            : normalize is not (0 or 1) ? $"row normalisation flag {normalize} is neither 0 nor 1"
            : null;
        if (problem is not null)
        {
            throw p.Fail(problem);
        }

        var w = file.Section("RP3W");
        var offsets = w.Int32s(n + 1);
        var items = w.Int32s();
        var weights = w.Singles(items.Length);
        w.End();
        if (ItemNeighbors.Problem(offsets, items, weights) is { } rows)
        {
            throw w.Fail(rows);
        }

        if (normalize == 1)
        {
            for (var i = 0; i < n; i++)
            {
                var sum = 0.0;
                for (var q = offsets[i]; q < offsets[i + 1]; q++)
                {
                    sum += weights[q];
                }

                if (offsets[i + 1] > offsets[i] && Math.Abs(sum - 1) > 1e-3)
                {
                    throw w.Fail($"item {i}'s normalised weights sum to {sum}, not 1");
                }
            }
        }

        var settings = new Settings(values, alpha, beta, normalize == 1);
        return new Rp3BetaModel(c.UserIds, c.ItemIds, new ItemNeighbors(offsets, items, weights), settings, c.SeenOffsets, c.SeenItems, c.SeenValues, c.Domains, c.ItemDomains, c.Training);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        file.Add("RP3P", new PayloadWriter().Int32((int)_settings.Values).Single(_settings.Alpha).Single(_settings.Beta).Int32(_settings.NormalizeRows ? 1 : 0));
        file.Add("RP3W", new PayloadWriter().Int32s(_weights.OffsetsArray).Int32s(_weights.ItemsArray).Singles(_weights.WeightsArray));
    }

    internal override void ScoreUser(int user, Span<float> scores)
    {
        var start = SeenOffsetsArray[user];
        var items = SeenItemsArray.AsSpan(start, SeenOffsetsArray[user + 1] - start);
        _weights.ScatterRows(items, _userStrengths is null ? default : _userStrengths.AsSpan(start, items.Length), scores);
    }

    internal override void ScoreFolded(FoldedUser user, Span<float> scores)
    {
        if (_settings.Values == Rp3BetaValues.Binary)
        {
            _weights.ScatterRows(user.SeenItems, default, scores);
            return;
        }

        var n = user.SeenItems.Length;
        var buffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var strengths = buffer.AsSpan(0, n);
            for (var k = 0; k < n; k++)
            {
                strengths[k] = Rp3BetaStrength.Of(_settings.Values, user.Values[k]);
            }

            _weights.ScatterRows(user.SeenItems, strengths, scores);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    internal override void ItemSimilarities(int item, Span<float> scores) => _weights.CopyRow(item, scores);

    /// <summary>The user's items as given; scoring reads the weight rows of those items.</summary>
    internal override FoldedUser FoldInCore(int[] items, float[] values) => new(this, Algorithm, ItemIds.Count, 0f, [], items, values);

    /// <summary>Each training item's term <c>s_uj · W[j, item]</c>, summed in the order <see cref="ScoreUser"/> sums them (so the score is identical).</summary>
    internal override float ExplainCore(int user, int item, Span<float> contributions)
    {
        var start = SeenOffsetsArray[user];
        var items = SeenItemsArray.AsSpan(start, SeenOffsetsArray[user + 1] - start);
        return _weights.Explain(items, _userStrengths is null ? default : _userStrengths.AsSpan(start, items.Length), item, contributions);
    }

    /// <summary>What the model keeps of its options: what scoring, explanations and readers of the file need.</summary>
    internal readonly record struct Settings(Rp3BetaValues Values, float Alpha, float Beta, bool NormalizeRows);
}
