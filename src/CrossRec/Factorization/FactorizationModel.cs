using System.Numerics.Tensors;
using CrossRec.Persistence;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec;

/// <summary>
/// A trained biased matrix factorization model, <c>r̂(u,i) = μ + b_u + b_i + p_u·q_i</c>: engine-agnostic
/// plain arrays plus the id maps of the training data and the items each training user already has.
/// Immutable and safe to share across threads; a model trained by any engine is served by this class.
/// </summary>
/// <remarks>
/// <para><b>Unknown ids.</b> <see cref="Predict(string, string)"/> uses a documented bias-only fallback:
/// an unknown user scores <c>μ + b_i</c>, an unknown item <c>μ + b_u</c>, both unknown <c>μ</c>.
/// <see cref="Recommend(string, int, string?, bool)"/> and <see cref="SimilarItems"/> throw
/// <see cref="KeyNotFoundException"/> naming the id; place a new user with <see cref="FoldIn"/>.</para>
/// <para><b>Clipping.</b> Predictions are clipped to the training data's rating scale; ranking scores are not.</para>
/// </remarks>
public sealed partial class FactorizationModel
{
    private const string FileKind = "factorization";

    private readonly float[] _userBias;
    private readonly float[] _itemBias;
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;
    private readonly int[] _seenOffsets;
    private readonly int[] _seenItems;
    private readonly int[]? _itemDomains;
    private float[]? _itemNorms;

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
        RatingScale? scale,
        IdMap? domains,
        int[]? itemDomains,
        TrainingInfo? info)
    {
        if (userBias.Length != userIds.Count || itemBias.Length != itemIds.Count
            || userFactors.Length != (long)userIds.Count * factors || itemFactors.Length != (long)itemIds.Count * factors
            || seenOffsets.Length != userIds.Count + 1 || (domains is null) != (itemDomains is null)
            || (itemDomains is not null && itemDomains.Length != itemIds.Count))
        {
            throw new ArgumentException("Inconsistent factorization model arrays.");
        }

        UserIds = userIds;
        ItemIds = itemIds;
        Factors = factors;
        GlobalMean = globalMean;
        _userBias = userBias;
        _itemBias = itemBias;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        _seenOffsets = seenOffsets;
        _seenItems = seenItems;
        Scale = scale;
        Domains = domains;
        _itemDomains = itemDomains;
        Info = info;
    }

    /// <summary>Users the model knows (row ids of <see cref="UserFactors"/>).</summary>
    public IdMap UserIds { get; }

    /// <summary>Items the model knows (row ids of <see cref="ItemFactors"/>).</summary>
    public IdMap ItemIds { get; }

    /// <summary>Item domains, or null when the training data had none.</summary>
    public IdMap? Domains { get; }

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

    /// <summary>User factors P (users × k), rows labelled by <see cref="UserIds"/>: the input for segmentation.</summary>
    public ReadOnlyMatrix UserFactors => ReadOnlyMatrix.Wrap(_userFactors, UserIds.Count, Factors, UserIds);

    /// <summary>Item factors Q (items × k), rows labelled by <see cref="ItemIds"/>.</summary>
    public ReadOnlyMatrix ItemFactors => ReadOnlyMatrix.Wrap(_itemFactors, ItemIds.Count, Factors, ItemIds);

    /// <summary>Domain index of each item (-1 for none); empty without domains.</summary>
    public ReadOnlySpan<int> ItemDomains => _itemDomains;

    /// <summary>Dense indices of the items a training user already has (sorted, distinct).</summary>
    public ReadOnlySpan<int> SeenItems(int user)
    {
        CheckUser(user);
        return _seenItems.AsSpan(_seenOffsets[user], _seenOffsets[user + 1] - _seenOffsets[user]);
    }

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
    /// Unclipped score μ + b_u + b_i + p_u·q_i by dense indices: what <see cref="Recommend(string, int, string?, bool)"/>
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
        if (test.Count == 0)
        {
            throw new ArgumentException($"{test.SourceName}: the test set is empty.", nameof(test));
        }

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

    /// <summary>
    /// The <paramref name="count"/> items with the highest predicted rating for a known user, best first,
    /// excluding (by default) the items the user already had in training.
    /// </summary>
    /// <param name="user">External user id.</param>
    /// <param name="count">How many items (≥ 1); fewer come back when fewer qualify.</param>
    /// <param name="domain">Rank only items of this domain (cross-domain recommendation); null for all.</param>
    /// <param name="excludeSeen">Leave out the user's training items.</param>
    /// <exception cref="KeyNotFoundException">The user (or domain) is unknown.</exception>
    public IReadOnlyList<ScoredItem> Recommend(string user, int count, string? domain = null, bool excludeSeen = true)
    {
        var u = UserIds.GetIndex(user);
        return Rank(UserRow(u), _userBias[u], excludeSeen ? SeenItems(u) : ReadOnlySpan<int>.Empty, count, domain);
    }

    /// <summary>Recommendations for a folded-in user; the items used for fold-in are excluded.</summary>
    public IReadOnlyList<ScoredItem> Recommend(FoldedUser user, int count, string? domain = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Factors.Length != Factors)
        {
            throw new ArgumentException($"The folded user has {user.Factors.Length} factors; this model has {Factors}.", nameof(user));
        }

        return Rank(user.Factors, user.Bias, user.SeenItems, count, domain);
    }

    /// <summary>
    /// Items most similar to an item by cosine similarity of their factors, most similar first, the item
    /// itself excluded.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The item (or domain) is unknown.</exception>
    public IReadOnlyList<ScoredItem> SimilarItems(string item, int count, string? domain = null)
    {
        var target = ItemIds.GetIndex(item);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var domainIndex = ResolveDomain(domain);
        var norms = ItemNorms();
        var q = ItemRow(target);
        var qn = norms[target];
        var n = Math.Min(count, ItemIds.Count);
        var idx = new int[n];
        var sc = new float[n];
        var top = new TopK(idx, sc);
        for (var j = 0; j < ItemIds.Count; j++)
        {
            if (j == target || (domainIndex >= 0 && _itemDomains![j] != domainIndex))
            {
                continue;
            }

            var denom = qn * norms[j];
            top.Offer(j, denom > 0 ? TensorPrimitives.Dot(q, ItemRow(j)) / denom : 0f);
        }

        return ToList(ref top, idx, sc);
    }

    /// <summary>
    /// Places a new user in the latent space from a few ratings without retraining: item parameters stay
    /// fixed and the user's bias and factors solve the ridge problem
    /// <c>min Σ (r_j − μ − b_j − b_u − p·q_j)² + n·λ_b·b_u² + n·λ·‖p‖²</c>
    /// (the same per-rating penalties SGD applies), by Cholesky on the (k+1)×(k+1) normal equations.
    /// </summary>
    /// <param name="ratings">The user's (item id, rating) pairs; at least one.</param>
    /// <param name="regularization">Factor penalty λ; null uses the training value (or 0.05 when unknown).</param>
    /// <exception cref="ArgumentException">No ratings, or a rating is NaN/∞.</exception>
    /// <exception cref="KeyNotFoundException">An item is unknown to the model.</exception>
    public FoldedUser FoldIn(IEnumerable<KeyValuePair<string, float>> ratings, float? regularization = null)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var items = new List<int>();
        var residuals = new List<double>();
        foreach (var (item, rating) in ratings)
        {
            if (!float.IsFinite(rating))
            {
                throw new ArgumentException($"The rating of item '{item}' is {rating}; ratings must be finite.", nameof(ratings));
            }

            var i = ItemIds.GetIndex(item);
            items.Add(i);
            residuals.Add(rating - GlobalMean - _itemBias[i]);
        }

        if (items.Count == 0)
        {
            throw new ArgumentException("Fold-in needs at least one rating.", nameof(ratings));
        }

        var lambda = regularization ?? Info?.Options.Regularization ?? 0.05f;
        Check.Closed(lambda, 0, 100, nameof(regularization));
        var lambdaBias = Info?.Options.EffectiveBiasRegularization ?? lambda;
        var n = items.Count;
        var dim = Factors + 1;

        // Design row j = [1, q_j]; normal equations (XᵀX + Λ) w = Xᵀy with Λ = n·diag(λ_b, λ, …, λ).
        // A tiny ridge keeps the system positive definite when both penalties are 0.
        var a = Matrix<double>.Build.Dense(dim, dim);
        var b = Vector<double>.Build.Dense(dim);
        var row = new double[dim];
        for (var r = 0; r < n; r++)
        {
            row[0] = 1;
            var q = ItemRow(items[r]);
            for (var f = 0; f < Factors; f++)
            {
                row[f + 1] = q[f];
            }

            for (var x = 0; x < dim; x++)
            {
                b[x] += row[x] * residuals[r];
                for (var y = 0; y <= x; y++)
                {
                    a[x, y] += row[x] * row[y];
                }
            }
        }

        for (var x = 0; x < dim; x++)
        {
            for (var y = 0; y < x; y++)
            {
                a[y, x] = a[x, y];
            }

            a[x, x] += (n * (x == 0 ? lambdaBias : lambda)) + 1e-9;
        }

        var w = a.Cholesky().Solve(b);
        var factors = new float[Factors];
        for (var f = 0; f < Factors; f++)
        {
            factors[f] = (float)w[f + 1];
        }

        var seen = items.Distinct().Order().ToArray();
        return new FoldedUser((float)w[0], factors, seen);
    }

    /// <inheritdoc />
    public override string ToString() => $"FactorizationModel({UserIds.Count} users, {ItemIds.Count} items, k={Factors}, μ={GlobalMean:F3})";

    internal ReadOnlySpan<float> UserRow(int user) => _userFactors.AsSpan(user * Factors, Factors);

    internal ReadOnlySpan<float> ItemRow(int item) => _itemFactors.AsSpan(item * Factors, Factors);

    internal float[] UserBiasArray => _userBias;

    internal float[] ItemBiasArray => _itemBias;

    internal float[] UserFactorArray => _userFactors;

    internal float[] ItemFactorArray => _itemFactors;

    /// <summary>
    /// Writes b_i + q_i·p for every item into <paramref name="scores"/> (length ItemCount): the ranking
    /// score up to the user's constant μ + b_u. One pass over Q, SIMD dot per row.
    /// </summary>
    internal void ScoreItems(ReadOnlySpan<float> userVector, Span<float> scores)
    {
        var k = Factors;
        var q = _itemFactors.AsSpan();
        for (var j = 0; j < scores.Length; j++)
        {
            scores[j] = _itemBias[j] + TensorPrimitives.Dot(userVector, q.Slice(j * k, k));
        }
    }

    private IReadOnlyList<ScoredItem> Rank(ReadOnlySpan<float> userVector, float userBias, ReadOnlySpan<int> exclude, int count, string? domain)
    {
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var domainIndex = ResolveDomain(domain);
        var scores = new float[ItemIds.Count];
        ScoreItems(userVector, scores);
        foreach (var j in exclude)
        {
            scores[j] = float.NaN; // TopK skips NaN
        }

        if (domainIndex >= 0)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (_itemDomains![j] != domainIndex)
                {
                    scores[j] = float.NaN;
                }
            }
        }

        var n = Math.Min(count, ItemIds.Count);
        var idx = new int[n];
        var sc = new float[n];
        var top = new TopK(idx, sc);
        var offset = GlobalMean + userBias;
        for (var j = 0; j < scores.Length; j++)
        {
            top.Offer(j, scores[j] + offset);
        }

        return ToList(ref top, idx, sc);
    }

    private List<ScoredItem> ToList(ref TopK top, int[] idx, float[] sc)
    {
        var kept = top.SortDescending();
        var result = new List<ScoredItem>(kept);
        for (var r = 0; r < kept; r++)
        {
            result.Add(new ScoredItem(ItemIds[idx[r]], idx[r], sc[r]));
        }

        return result;
    }

    private int ResolveDomain(string? domain)
    {
        if (domain is null)
        {
            return -1;
        }

        if (Domains is null)
        {
            throw new KeyNotFoundException($"Unknown domain '{domain}': this model was trained on data without domains.");
        }

        return Domains.GetIndex(domain);
    }

    private float[] ItemNorms()
    {
        var norms = Volatile.Read(ref _itemNorms);
        if (norms is null)
        {
            norms = new float[ItemIds.Count];
            for (var j = 0; j < norms.Length; j++)
            {
                norms[j] = TensorPrimitives.Norm(ItemRow(j));
            }

            Interlocked.CompareExchange(ref _itemNorms, norms, null);
            norms = _itemNorms!;
        }

        return norms;
    }

    private float Clip(float value) => Scale is { } s ? s.Clip(value) : value;

    private void CheckUser(int user)
    {
        if ((uint)user >= (uint)UserIds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"User index must be in 0..{UserIds.Count - 1}.");
        }
    }

    private void CheckItem(int item)
    {
        if ((uint)item >= (uint)ItemIds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, $"Item index must be in 0..{ItemIds.Count - 1}.");
        }
    }

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
        var index = train.GetUserIndex();
        var items = train.ItemsArray;
        var offsets = new int[train.UserCount + 1];
        var seen = new List<int>(train.Count);
        var buffer = new List<int>();
        for (var u = 0; u < train.UserCount; u++)
        {
            buffer.Clear();
            foreach (var r in index.Rows(u))
            {
                buffer.Add(items[r]);
            }

            buffer.Sort();
            var last = -1;
            foreach (var i in buffer)
            {
                if (i != last)
                {
                    seen.Add(i);
                    last = i;
                }
            }

            offsets[u + 1] = seen.Count;
        }

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
            seen.ToArray(),
            train.Scale,
            train.Domains,
            train.HasDomains ? train.ItemDomains.ToArray() : null,
            info);
    }
}
