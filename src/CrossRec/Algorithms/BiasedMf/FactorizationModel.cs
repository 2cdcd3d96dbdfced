using System.Numerics.Tensors;
using CrossRec.Persistence;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Algorithms.BiasedMf;

/// <summary>
/// A trained biased matrix factorization model, <c>r̂(u,i) = μ + b_u + b_i + p_u·q_i</c>: engine-agnostic
/// plain arrays plus the id maps of the training data and the items each training user already has.
/// Immutable and safe to share across threads; a model trained by any engine is served by this class.
/// </summary>
/// <remarks>
/// <para><b>Unknown ids.</b> <see cref="Predict(string, string)"/> uses a documented bias-only fallback:
/// an unknown user scores <c>μ + b_i</c>, an unknown item <c>μ + b_u</c>, both unknown <c>μ</c>.
/// <see cref="RecommenderModel.Recommend(string, int, RecommendFilter?)"/> and <see cref="RecommenderModel.SimilarItems(string, int, RecommendFilter?)"/> throw
/// <see cref="KeyNotFoundException"/> naming the id; place a new user with <see cref="FoldIn"/>.</para>
/// <para><b>Clipping.</b> Predictions are clipped to the training data's rating scale; ranking scores are not.</para>
/// </remarks>
public sealed partial class FactorizationModel : RecommenderModel
{
    private const string FileKindTag = "factorization";

    private readonly float[] _userBias;
    private readonly float[] _itemBias;
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;
    private readonly FactorCosine _cosine;

    internal FactorizationModel(
        IdMap userIds,
        IdMap itemIds,
        int factors,
        float globalMean,
        float[] userBias,
        float[] itemBias,
        float[] userFactors,
        float[] itemFactors,
        int[] seenOffsets,
        int[] seenItems,
        float[] seenValues,
        RatingScale? scale,
        IdMap? domains,
        int[]? itemDomains,
        TrainingInfo? info)
        : base(userIds, itemIds, seenOffsets, seenItems, seenValues, domains, itemDomains, ToTrainingInfo(info))
    {
        if (userBias.Length != userIds.Count || itemBias.Length != itemIds.Count
            || userFactors.Length != (long)userIds.Count * factors || itemFactors.Length != (long)itemIds.Count * factors)
        {
            throw new ArgumentException("Inconsistent factorization model arrays.");
        }

        Factors = factors;
        GlobalMean = globalMean;
        _userBias = userBias;
        _itemBias = itemBias;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        _cosine = new FactorCosine(itemFactors, itemIds.Count, factors);
        Scale = scale;
        Info = info;
    }

    /// <inheritdoc />
    public override string Algorithm => "biased-mf";

    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; }

    /// <summary>Global mean μ.</summary>
    public float GlobalMean { get; }

    /// <summary>Rating scale predictions are clipped to; null when the training data had constant values.</summary>
    public RatingScale? Scale { get; }

    /// <summary>How the model was trained (engine, options, epochs, time); null when unknown.</summary>
    public TrainingInfo? Info { get; }

    /// <summary>User biases b_u, by dense user index.</summary>
    public ReadOnlySpan<float> UserBiases => _userBias;

    /// <summary>Item biases b_i, by dense item index.</summary>
    public ReadOnlySpan<float> ItemBiases => _itemBias;

    /// <summary>User factors P (users × k), rows labelled by <see cref="RecommenderModel.UserIds"/>: the input for segmentation.</summary>
    public ReadOnlyMatrix UserFactors => ReadOnlyMatrix.Wrap(_userFactors, UserIds.Count, Factors, UserIds);

    /// <summary>Item factors Q (items × k), rows labelled by <see cref="RecommenderModel.ItemIds"/>.</summary>
    public ReadOnlyMatrix ItemFactors => ReadOnlyMatrix.Wrap(_itemFactors, ItemIds.Count, Factors, ItemIds);

    /// <summary>
    /// Predicted rating, clipped to <see cref="Scale"/>. Unknown ids use the bias-only fallback described
    /// on the class.
    /// </summary>
    public float Predict(string user, string item)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(item);
        return Clip(RawScore(UserIds.IndexOf(user), ItemIds.IndexOf(item)));
    }

    /// <summary>Predicted rating by dense indices, clipped to <see cref="Scale"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the model.</exception>
    public float Predict(int user, int item)
    {
        CheckUser(user);
        CheckItem(item);
        return Clip(RawScore(user, item));
    }

    /// <summary>
    /// Unclipped score μ + b_u + b_i + p_u·q_i by dense indices: what <see cref="RecommenderModel.Recommend(string, int, RecommendFilter?)"/>
    /// ranks by, and for implicit-feedback models a propensity that can leave 0..1. Use it as a feature (offer
    /// affinity); use <see cref="Predict(int, int)"/> for ratings.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the model.</exception>
    public float Score(int user, int item)
    {
        CheckUser(user);
        CheckItem(item);
        return RawScore(user, item);
    }

    /// <summary>Unclipped score μ + b_u + b_i + p_u·q_i; -1 for a user or item means unknown (its terms are dropped).</summary>
    internal float RawScore(int user, int item)
    {
        var score = GlobalMean;
        if (user >= 0)
        {
            score += _userBias[user];
        }

        if (item >= 0)
        {
            score += _itemBias[item];
        }

        if (user >= 0 && item >= 0)
        {
            score += TensorPrimitives.Dot(UserRow(user), ItemRow(item));
        }

        return score;
    }

    /// <summary>RMSE and MAE of clipped predictions on a test set; test ids are matched to the model's by external id.</summary>
    /// <exception cref="ArgumentException">The test set is empty.</exception>
    public RatingMetrics Evaluate(InteractionSet test)
    {
        ArgumentNullException.ThrowIfNull(test);
        Check.NotEmpty(test, "test");

        var userMap = UserIds.Translate(test.UserIds);
        var itemMap = ItemIds.Translate(test.ItemIds);
        var users = test.Users;
        var items = test.Items;
        var values = test.Values;
        double se = 0, ae = 0;
        int unknownUsers = 0, unknownItems = 0;
        for (var r = 0; r < test.Count; r++)
        {
            var u = userMap[users[r]];
            var i = itemMap[items[r]];
            unknownUsers += u < 0 ? 1 : 0;
            unknownItems += i < 0 ? 1 : 0;
            double e = values[r] - Clip(RawScore(u, i));
            se += e * e;
            ae += Math.Abs(e);
        }

        return new RatingMetrics(Math.Sqrt(se / test.Count), ae / test.Count, test.Count, unknownUsers, unknownItems);
    }

    /// <summary>Top-N ranking metrics on a test set; see <see cref="Evaluation.Ranking"/>.</summary>
    public RankingMetrics EvaluateRanking(InteractionSet test, RankingOptions? options = null, CancellationToken cancellationToken = default)
        => Evaluation.Ranking(this, test, options, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"FactorizationModel({UserIds.Count} users, {ItemIds.Count} items, k={Factors}, μ={GlobalMean:F3})";

    internal override string FileKind => FileKindTag;

    internal override int ModelFormatVersion => 1;

    private static RecommenderTrainingInfo? ToTrainingInfo(TrainingInfo? info)
    {
        if (info is null)
        {
            return null;
        }

        var o = info.Options;
        var parameters = OptionParameters.Of(o);
        var history = new List<TrainingProgress>(info.History.Count);
        foreach (var e in info.History)
        {
            history.Add(ProgressAdapters.FromEpoch(e, "biased-mf"));
        }

        return new RecommenderTrainingInfo("biased-mf", info.Device, parameters, info.EpochsRun, info.TrainSeconds, history, info.Note);
    }

    /// <summary>The same model (arrays shared: both are immutable) with other training information.</summary>
    internal FactorizationModel WithInfo(TrainingInfo info) => new(
        UserIds, ItemIds, Factors, GlobalMean, _userBias, _itemBias, _userFactors, _itemFactors,
        SeenOffsetsArray, SeenItemsArray, SeenValuesArray, Scale, Domains, ItemDomainsArray, info);

    internal ReadOnlySpan<float> UserRow(int user) => _userFactors.AsSpan(user * Factors, Factors);

    internal ReadOnlySpan<float> ItemRow(int item) => _itemFactors.AsSpan(item * Factors, Factors);

    internal float[] UserBiasArray => _userBias;

    internal float[] ItemBiasArray => _itemBias;

    internal float[] UserFactorArray => _userFactors;

    internal float[] ItemFactorArray => _itemFactors;

    private float Clip(float value) => Scale is { } s ? s.Clip(value) : value;

    /// <summary>
    /// Assembles a model from trained parameters. Engines call this with fresh arrays they hand over;
    /// the items each user has are taken from the training data.
    /// </summary>
    internal static FactorizationModel FromTraining(
        InteractionSet train,
        int factors,
        float globalMean,
        float[] userBias,
        float[] itemBias,
        float[] userFactors,
        float[] itemFactors,
        TrainingInfo? info)
    {
        var (offsets, seen, seenValues) = SeenFrom(train);
        return new FactorizationModel(
            train.UserIds,
            train.ItemIds,
            factors,
            globalMean,
            userBias,
            itemBias,
            userFactors,
            itemFactors,
            offsets,
            seen,
            seenValues,
            train.Scale,
            train.Domains,
            train.HasDomains ? train.ItemDomains.ToArray() : null,
            info);
    }
}
