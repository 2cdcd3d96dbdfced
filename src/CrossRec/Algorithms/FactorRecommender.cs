using System.Numerics.Tensors;
using CrossRec.Persistence;

namespace CrossRec.Algorithms;

/// <summary>
/// The shared half of the latent-factor recommenders for implicit feedback (implicit ALS, BPR): user
/// factors P (users × k), item factors Q (items × k) and optional item biases b, scoring
/// <c>s(u,i) = p_u·q_i + b_i</c>. Similar items are the cosine of item factors. Immutable.
/// </summary>
public abstract class FactorRecommender : RecommenderModel
{
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;
    private readonly float[]? _itemBias;
    private readonly FactorCosine _cosine;

    private protected FactorRecommender(
        CommonSections common,
        int factors,
        float[] userFactors,
        float[] itemFactors,
        float[]? itemBias)
        : base(common.UserIds, common.ItemIds, common.SeenOffsets, common.SeenItems, common.SeenValues, common.Domains, common.ItemDomains, common.Training)
    {
        if (factors < 1 || userFactors.Length != (long)common.UserIds.Count * factors || itemFactors.Length != (long)common.ItemIds.Count * factors
            || (itemBias is not null && itemBias.Length != common.ItemIds.Count))
        {
            throw new ArgumentException("Inconsistent factor model arrays.");
        }

        Factors = factors;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        _itemBias = itemBias;
        _cosine = new FactorCosine(itemFactors, common.ItemIds.Count, factors);
    }

    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; }

    /// <summary>User factors P (users × k), rows labelled by <see cref="RecommenderModel.UserIds"/>: the input for segmentation.</summary>
    public ReadOnlyMatrix UserFactors => ReadOnlyMatrix.Wrap(_userFactors, UserIds.Count, Factors, UserIds);

    /// <summary>Item factors Q (items × k), rows labelled by <see cref="RecommenderModel.ItemIds"/>.</summary>
    public ReadOnlyMatrix ItemFactors => ReadOnlyMatrix.Wrap(_itemFactors, ItemIds.Count, Factors, ItemIds);

    /// <summary>True when the model has item biases.</summary>
    public bool HasItemBiases => _itemBias is not null;

    /// <summary>Item biases b_i (empty when <see cref="HasItemBiases"/> is false).</summary>
    public ReadOnlySpan<float> ItemBiases => _itemBias;

    internal ReadOnlySpan<float> UserRow(int user) => _userFactors.AsSpan(user * Factors, Factors);

    internal ReadOnlySpan<float> ItemRow(int item) => _itemFactors.AsSpan(item * Factors, Factors);

    internal float[] UserFactorArray => _userFactors;

    internal float[] ItemFactorArray => _itemFactors;

    internal float[]? ItemBiasArray => _itemBias;

    internal override void ScoreUser(int user, Span<float> scores) => ScoreVector(UserRow(user), scores);

    internal override void ScoreFolded(FoldedUser user, Span<float> scores)
    {
        if (user.Factors.Length != Factors)
        {
            throw new ArgumentException($"The folded user has {user.Factors.Length} factors; this model has {Factors}.", nameof(user));
        }

        ScoreVector(user.Factors, scores);
    }

    /// <summary>
    /// Writes p·q_j + b_j for every item: one pass over Q. The dot runs in the fixed order of
    /// <see cref="ServingKernel.Dots"/> (not <c>TensorPrimitives.Dot</c>, whose rounding depends on
    /// the address of its input), so a reloaded model, whose arrays sit elsewhere in memory, scores
    /// bit-identically, and so does the blocked batch path of <c>RecommendMany</c>.
    /// </summary>
    internal void ScoreVector(ReadOnlySpan<float> userVector, Span<float> scores)
    {
        ServingKernel.Dots(userVector, _itemFactors, scores);

        if (_itemBias is not null)
        {
            TensorPrimitives.Add(scores, _itemBias, scores);
        }
    }

    /// <summary>Cosine similarity of item factors.</summary>
    internal override void ItemSimilarities(int item, Span<float> scores) => _cosine.Similarities(item, scores);

    /// <inheritdoc />
    internal override FactorScoring? BlockScoring => new(Factors, _userFactors, _itemFactors, _itemBias, 0f, null);

    /// <summary>Writes the FACT section (k, P, Q) and, with biases, IBIA.</summary>
    internal void WriteFactors(ModelFileWriter file)
    {
        file.Add("FACT", new PayloadWriter().Int32(Factors).Singles(_userFactors).Singles(_itemFactors));
        if (_itemBias is not null)
        {
            file.Add("IBIA", new PayloadWriter().Singles(_itemBias));
        }
    }

    /// <summary>Reads and validates what <see cref="WriteFactors"/> wrote.</summary>
    internal static (int Factors, float[] UserFactors, float[] ItemFactors, float[]? ItemBias) ReadFactors(ModelFileReader file, CommonSections common)
    {
        var fact = file.Section("FACT");
        var k = fact.Int32();
        if (k < 1 || k > 1 << 16 || (long)common.UserIds.Count * k > int.MaxValue || (long)common.ItemIds.Count * k > int.MaxValue)
        {
            throw fact.Fail($"invalid factor count {k} for {common.UserIds.Count} users and {common.ItemIds.Count} items");
        }

        var uf = fact.Singles(common.UserIds.Count * k);
        var itf = fact.Singles(common.ItemIds.Count * k);
        fact.End();
        CheckFinite(uf, fact, "user factors");
        CheckFinite(itf, fact, "item factors");
        float[]? bias = null;
        if (file.Has("IBIA"))
        {
            var b = file.Section("IBIA");
            bias = b.Singles(common.ItemIds.Count);
            b.End();
            CheckFinite(bias, b, "item biases");
        }

        return (k, uf, itf, bias);
    }
}
