using System.Buffers;
using System.Numerics.Tensors;
using CrossRec.Persistence;

namespace CrossRec.Algorithms.Ease;

/// <summary>
/// A trained EASE model (Steck 2019): item × item weights B over the kept items, with a zero diagonal, so the
/// score of item j for a user is <c>Σ_i x_ui·B[i, j]</c> over the user's kept items (x_ui = 1, the value, or
/// log(1 + value), as trained). B is stored sparse: each row keeps its <see cref="WeightsPerItem"/> weights of largest
/// magnitude (<see cref="EaseOptions.WeightsPerItem"/>), the others count as 0. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>Items left out of the Gram matrix (fewer training users than <see cref="MinItemSupport"/>) are
/// ranked after every kept item, among themselves by training popularity: their score is
/// <c>min − g·(2 − s/t)</c>, with <c>min</c> the user's lowest kept score, <c>g = 1 + |min|</c>, s the item's
/// training users and t the threshold. A user none of whose items is kept gets every item scored by its
/// training popularity.</para>
/// <para><see cref="RecommenderModel.SimilarItems(string, int, RecommendFilter?)"/> ranks row i of B: what EASE
/// recommends to a user who has only item i (the items whose score item i raises most), which is not
/// symmetric. A left-out item's similar items are the most popular ones.</para>
/// <para>Fold-in is exact: a folded user is scored from its items with the same code as a training user,
/// so folding in a training user's items and values reproduces its scores bit for bit.</para>
/// </remarks>
public sealed class EaseModel : RecommenderModel
{
    private const string Kind = "ease";
    private const int Version = 2;

    private readonly EaseWeights _b;
    private readonly int[] _kept;
    private readonly int[] _keptIndex;
    private readonly int[] _support;

    internal EaseModel(
        IdMap userIds,
        IdMap itemIds,
        EaseWeights weights,
        int weightsPerItem,
        int minItemSupport,
        double lambda,
        EaseValues values,
        int[] seenOffsets,
        int[] seenItems,
        float[] seenValues,
        IdMap? domains,
        int[]? itemDomains,
        RecommenderTrainingInfo? training)
        : base(userIds, itemIds, seenOffsets, seenItems, seenValues, domains, itemDomains, training)
    {
        _support = SupportFrom(seenItems, itemIds.Count);
        (_kept, _keptIndex) = SelectKept(_support, minItemSupport);
        if (_kept.Length != weights.Order)
        {
            throw new ArgumentException($"EASE weights over {weights.Order} items do not match the {_kept.Length} kept items.");
        }

        _b = weights;
        WeightsPerItem = weightsPerItem;
        MinItemSupport = minItemSupport;
        Lambda = lambda;
        Values = values;
    }

    /// <inheritdoc />
    public override string Algorithm => "ease";

    /// <inheritdoc />
    public override bool CanExplain => true;

    /// <summary>The λ the model was trained with (absolute, whichever rule chose it).</summary>
    public double Lambda { get; }

    /// <summary>What X held in training, and what a user's items contribute when scored (never <see cref="EaseValues.Auto"/>: the rule's choice).</summary>
    public EaseValues Values { get; }

    /// <summary>Items with fewer distinct training users were left out of the Gram matrix.</summary>
    public int MinItemSupport { get; }

    /// <summary>
    /// The most weights a row of B keeps (its largest in magnitude; <see cref="EaseOptions.WeightsPerItem"/> at
    /// training); 0 for a model read from a file of format version 1, which kept B whole.
    /// </summary>
    public int WeightsPerItem { get; }

    /// <summary>Number of items in the Gram matrix (m); B is m × m.</summary>
    public int KeptItemCount => _kept.Length;

    /// <summary>Dense item index of each kept item, ascending (kept index → item index).</summary>
    public ReadOnlySpan<int> KeptItems => _kept;

    /// <summary>
    /// The weight <c>B[from, to]</c>: how much having item <paramref name="from"/> (with x = 1) adds to the
    /// score of item <paramref name="to"/>, by dense item index; 0 when either was left out, they are the same, or the
    /// weight was not among the <see cref="WeightsPerItem"/> largest of its row.
    /// </summary>
    public float Weight(int from, int to)
    {
        CheckItem(from);
        CheckItem(to);
        var i = _keptIndex[from];
        var j = _keptIndex[to];
        return i < 0 || j < 0 ? 0f : _b.Weight(i, j);
    }

    /// <summary>Stored (non-zero) weights of B.</summary>
    internal int StoredWeights => _b.Count;

    internal EaseWeights Weights => _b;

    /// <summary>The same model with each row of B cut to its <paramref name="weightsPerItem"/> largest weights (what a fit with that option keeps).</summary>
    internal EaseModel WithWeightsPerItem(int weightsPerItem) => new(
        UserIds, ItemIds, _b.Pruned(weightsPerItem), weightsPerItem, MinItemSupport, Lambda, Values,
        SeenOffsetsArray, SeenItemsArray, SeenValuesArray, Domains, ItemDomainsArray, Training);

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => Version;

    /// <summary>Loads an EASE model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static EaseModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    /// <summary>Loads an EASE model from a stream.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or inconsistent.</exception>
    public static EaseModel Load(Stream stream) => ModelFileReader.Open(stream, Kind).Read(Read);

    internal static EaseModel Read(ModelFileReader file)
    {
        var c = ReadCommon(file, Version);
        var kver = file.Section("KVER");
        var version = kver.Int32();
        var head = file.Section("EASE");
        var valuesCode = head.Int32();
        var threshold = head.Int32();
        var lambda = head.Double();
        var m = head.Int32();
        var perItem = version >= 2 ? head.Int32In(1, EaseOptions.MaxOrder, "weights per item") : 0;
        head.End();
        if (valuesCode is < (int)EaseValues.Binary or > (int)EaseValues.Log)
        {
            throw head.Fail($"values mode {valuesCode} is not Binary (0), Raw (1) or Log (2)");
        }

        if (threshold < 1 || !(lambda > 0) || !double.IsFinite(lambda))
        {
            throw head.Fail($"minimum item support {threshold} or λ {lambda} is out of range");
        }

        var support = SupportFrom(c.SeenItems, c.ItemIds.Count);
        var (kept, _) = SelectKept(support, threshold);
        if (m != kept.Length || m > EaseOptions.MaxOrder)
        {
            throw head.Fail($"{m} kept items, but the training items leave {kept.Length} with {threshold} or more users");
        }

        var b = version >= 2 ? ReadSparse(file, m, perItem) : ReadDense(file, m);

        if ((EaseValues)valuesCode == EaseValues.Log)
        {
            foreach (var v in c.SeenValues)
            {
                if (v < 0)
                {
                    throw head.Fail("a Log model has a negative training value");
                }
            }
        }

        return new EaseModel(c.UserIds, c.ItemIds, b, perItem, threshold, lambda, (EaseValues)valuesCode, c.SeenOffsets, c.SeenItems, c.SeenValues, c.Domains, c.ItemDomains, c.Training);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        // A section is read back into arrays of at most 2 GiB.
        if ((long)_b.Count * (sizeof(int) + sizeof(float)) > int.MaxValue - (64L << 20))
        {
            throw new NotSupportedException($"An EASE model with {_kept.Length:N0} kept items stores {_b.Count:N0} weights ({(long)_b.Count * 8 >> 20:N0} MiB); CrossRec model files hold less than 2 GiB. Train with a lower {nameof(EaseOptions.WeightsPerItem)} or {nameof(EaseOptions.MaxItems)} to save it.");
        }

        // Format 1 stored B dense (section EASB); format 2 stores the rows kept (EASW) and the K they were cut to.
        file.Add("EASE", new PayloadWriter().Int32((int)Values).Int32(MinItemSupport).Double(Lambda).Int32(_kept.Length).Int32(Math.Max(1, WeightsPerItem == 0 ? _kept.Length : WeightsPerItem)));
        var (offsets, columns, values) = _b.Compressed();
        file.Add("EASW", new PayloadWriter().Int32s(offsets).Int32s(columns).Singles(values));
    }

    /// <summary>Format 2: the kept rows of B, checked (sorted columns in range, no diagonal, finite non-zero weights, at most K a row).</summary>
    private static EaseWeights ReadSparse(ModelFileReader file, int m, int perItem)
    {
        var s = file.Section("EASW");
        var offsets = s.Int32s(m + 1);
        var columns = s.Int32s();
        var values = s.Singles(columns.Length);
        s.End();
        if (EaseWeights.Problem(offsets, columns, values) is { } problem)
        {
            throw s.Fail(problem);
        }

        for (var i = 0; i < m; i++)
        {
            if (offsets[i + 1] - offsets[i] > perItem)
            {
                throw s.Fail($"row {i} stores {offsets[i + 1] - offsets[i]} weights, more than the {perItem} per item the model keeps");
            }
        }

        return new EaseWeights(offsets, columns, values);
    }

    /// <summary>Format 1: B dense (m² floats), kept whole.</summary>
    private static EaseWeights ReadDense(ModelFileReader file, int m)
    {
        var weights = file.Section("EASB");
        var b = weights.Singles(m * m);
        weights.End();
        CheckFinite(b, weights, "the weights");
        for (var i = 0; i < m; i++)
        {
            if (b[((long)i * m) + i] != 0f)
            {
                throw weights.Fail($"diagonal weight {i} is {b[((long)i * m) + i]}, not 0");
            }
        }

        return EaseWeights.FromDense(b, m);
    }

    internal override void ScoreUser(int user, Span<float> scores) => Score(SeenItems(user), SeenValues(user), scores);

    internal override void ScoreFolded(FoldedUser user, Span<float> scores) => Score(user.SeenItems, user.Values, scores);

    internal override void ItemSimilarities(int item, Span<float> scores)
    {
        var k = _keptIndex[item];
        if (k < 0)
        {
            PopularityScores(scores);
            return;
        }

        var m = _kept.Length;
        if (m == scores.Length)
        {
            _b.CopyRow(k, scores);
            return;
        }

        var buffer = ArrayPool<float>.Shared.Rent(m);
        try
        {
            var row = buffer.AsSpan(0, m);
            _b.CopyRow(k, row);
            Scatter(row, scores);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    internal override float ExplainCore(int user, int item, Span<float> contributions)
    {
        var items = SeenItems(user);
        var values = SeenValues(user);
        var target = _keptIndex[item];
        for (var k = 0; k < items.Length; k++)
        {
            var from = _keptIndex[items[k]];
            contributions[k] = target < 0 || from < 0 ? 0f : WeightOf(values[k]) * _b.Weight(from, target);
        }

        var buffer = ArrayPool<float>.Shared.Rent(ItemIds.Count);
        try
        {
            var scores = buffer.AsSpan(0, ItemIds.Count);
            Score(items, values, scores);
            return scores[item];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    internal override FoldedUser FoldInCore(int[] items, float[] values) => new(this, Algorithm, ItemIds.Count, 0f, [], items, values);

    internal override string? CheckFoldInValue(float value) =>
        Values == EaseValues.Log && value < 0 ? "an EASE model trained with Values = Log takes non-negative values only" : null;

    /// <summary>x for one summed value.</summary>
    internal static float Transform(float value, EaseValues values) => values switch
    {
        EaseValues.Binary => 1f,
        EaseValues.Raw => value,
        _ => MathF.Log(1f + value),
    };

    /// <summary>x for every stored value; refuses a negative value under <see cref="EaseValues.Log"/> by row.</summary>
    internal static float[] Transform(float[] stored, EaseValues values, string source)
    {
        var x = new float[stored.Length];
        for (var k = 0; k < stored.Length; k++)
        {
            if (values == EaseValues.Log && stored[k] < 0)
            {
                throw new ArgumentException($"{source}: a summed interaction value is {stored[k]}; EASE with {nameof(EaseOptions.Values)} = {nameof(EaseValues.Log)} needs non-negative values (use {nameof(EaseValues.Raw)} or {nameof(EaseValues.Binary)}).", "train");
            }

            x[k] = Transform(stored[k], values);
        }

        return x;
    }

    /// <summary>The kept items (support ≥ threshold, and at least one user) and the item → kept index map.</summary>
    internal static (int[] Kept, int[] KeptIndex) SelectKept(int[] support, int threshold)
    {
        var index = new int[support.Length];
        var count = 0;
        for (var i = 0; i < support.Length; i++)
        {
            index[i] = support[i] >= threshold && support[i] > 0 ? count++ : -1;
        }

        var kept = new int[count];
        for (var i = 0; i < support.Length; i++)
        {
            if (index[i] >= 0)
            {
                kept[index[i]] = i;
            }
        }

        return (kept, index);
    }

    private static int[] SupportFrom(int[] seenItems, int itemCount)
    {
        var support = new int[itemCount];
        foreach (var i in seenItems)
        {
            support[i]++;
        }

        return support;
    }

    private float WeightOf(float value) => Transform(value, Values);

    /// <summary>Σ x_ui·B[i, :] over the kept items (a sparse gather of the user's rows), then the left-out items below them.</summary>
    private void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
    {
        var m = _kept.Length;
        var direct = m == scores.Length;
        float[]? rented = direct ? null : ArrayPool<float>.Shared.Rent(m);
        try
        {
            var acc = direct ? scores : rented.AsSpan(0, m);
            acc.Clear();
            var any = false;
            for (var k = 0; k < items.Length; k++)
            {
                var from = _keptIndex[items[k]];
                if (from < 0)
                {
                    continue;
                }

                any = true;
                var binary = Values == EaseValues.Binary;
                _b.AddRow(from, binary ? 1f : WeightOf(values[k]), binary, acc);
            }

            if (!any)
            {
                PopularityScores(scores);
                return;
            }

            if (!direct)
            {
                Scatter(acc, scores);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Kept scores to their items; every left-out item below the lowest, by popularity.</summary>
    private void Scatter(ReadOnlySpan<float> kept, Span<float> scores)
    {
        var min = kept.Length == 0 ? 0f : TensorPrimitives.Min(kept);
        var gap = 1f + MathF.Abs(min);
        var t = (float)MinItemSupport;
        for (var j = 0; j < scores.Length; j++)
        {
            var k = _keptIndex[j];
            scores[j] = k >= 0 ? kept[k] : min - (gap * (2f - (_support[j] / t)));
        }
    }

    private void PopularityScores(Span<float> scores)
    {
        for (var j = 0; j < scores.Length; j++)
        {
            scores[j] = _support[j];
        }
    }
}
