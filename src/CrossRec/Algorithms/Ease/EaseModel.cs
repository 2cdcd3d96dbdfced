using System.Buffers;
using System.Numerics.Tensors;
using CrossRec.Persistence;

namespace CrossRec.Algorithms.Ease;

/// <summary>
/// A trained EASE model (Steck 2019): dense item × item weights B over the kept items, with a zero
/// diagonal, so the score of item j for a user is <c>Σ_i x_ui·B[i, j]</c> over the user's kept items
/// (x_ui = 1, the value, or log(1 + value), as trained). Immutable and thread-safe.
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
    private const int Version = 1;

    private readonly float[] _b;
    private readonly int[] _kept;
    private readonly int[] _keptIndex;
    private readonly int[] _support;

    internal EaseModel(
        IdMap userIds,
        IdMap itemIds,
        float[] weights,
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
        if ((long)_kept.Length * _kept.Length != weights.LongLength)
        {
            throw new ArgumentException($"EASE weights for {_kept.Length} kept items need {(long)_kept.Length * _kept.Length} values, not {weights.LongLength}.");
        }

        _b = weights;
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

    /// <summary>Number of items in the Gram matrix (m); B is m × m.</summary>
    public int KeptItemCount => _kept.Length;

    /// <summary>Dense item index of each kept item, ascending (kept index → item index).</summary>
    public ReadOnlySpan<int> KeptItems => _kept;

    /// <summary>
    /// The weight <c>B[from, to]</c>: how much having item <paramref name="from"/> (with x = 1) adds to the
    /// score of item <paramref name="to"/>, by dense item index; 0 when either was left out or they are the same.
    /// </summary>
    public float Weight(int from, int to)
    {
        CheckItem(from);
        CheckItem(to);
        var i = _keptIndex[from];
        var j = _keptIndex[to];
        return i < 0 || j < 0 ? 0f : _b[((long)i * _kept.Length) + j];
    }

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
        var head = file.Section("EASE");
        var valuesCode = head.Int32();
        var threshold = head.Int32();
        var lambda = head.Double();
        var m = head.Int32();
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

        return new EaseModel(c.UserIds, c.ItemIds, b, threshold, lambda, (EaseValues)valuesCode, c.SeenOffsets, c.SeenItems, c.SeenValues, c.Domains, c.ItemDomains, c.Training);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        // The container is read back into one array, so a model file must stay under 2 GiB.
        if ((long)_b.Length * sizeof(float) > int.MaxValue - (64L << 20))
        {
            throw new NotSupportedException($"An EASE model with {_kept.Length:N0} kept items has {(long)_b.Length * sizeof(float) >> 20:N0} MiB of weights; CrossRec model files hold less than 2 GiB. Train with a higher {nameof(EaseOptions.MinItemSupport)} or lower {nameof(EaseOptions.MaxItems)} to save it.");
        }

        file.Add("EASE", new PayloadWriter().Int32((int)Values).Int32(MinItemSupport).Double(Lambda).Int32(_kept.Length));
        file.Add("EASB", new PayloadWriter().Singles(_b));
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
        var row = _b.AsSpan((int)((long)k * m), m);
        if (m == scores.Length)
        {
            row.CopyTo(scores);
            return;
        }

        Scatter(row, scores);
    }

    internal override float ExplainCore(int user, int item, Span<float> contributions)
    {
        var items = SeenItems(user);
        var values = SeenValues(user);
        var target = _keptIndex[item];
        var m = _kept.Length;
        for (var k = 0; k < items.Length; k++)
        {
            var from = _keptIndex[items[k]];
            contributions[k] = target < 0 || from < 0 ? 0f : WeightOf(values[k]) * _b[((long)from * m) + target];
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

    /// <summary>Σ x_ui·B[i, :] over the kept items, then the left-out items below them.</summary>
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
                var row = _b.AsSpan((int)((long)from * m), m);
                if (Values == EaseValues.Binary)
                {
                    TensorPrimitives.Add(acc, row, acc);
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(row, WeightOf(values[k]), acc, acc);
                }
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
