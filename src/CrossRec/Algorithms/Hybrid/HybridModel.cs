using CrossRec.Engines.Cpu.Bpr;
using CrossRec.Engines.Cpu.Hybrid;

namespace CrossRec.Algorithms.Hybrid;

/// <summary>
/// A hybrid recommender (Kula 2015, "LightFM"): a user is the weighted sum of the embeddings of its attributes (and
/// of its identity feature), an item the weighted sum of the embeddings of its features (and of its identity
/// feature) plus the sum of their biases; the score is <c>p_u·q_i + b_i</c>, trained for ranking. Items that had no
/// training interactions but have features are part of the catalogue and scored from their features alone, so new
/// items can be recommended; users known only by attributes are served through <see cref="FoldInAttributes"/>.
/// Similar items are the cosine of item representations. Immutable and safe to share across threads; train one with
/// <see cref="Recommenders.Hybrid()"/>.
/// </summary>
/// <remarks>
/// <see cref="RecommenderModel.Explain"/> is not offered (a score here is not a sum over the user's items);
/// <see cref="ExplainFeatures"/> splits a score over pairs of user and item features instead.
/// <para><b>Fold-in.</b> A user given by items gets a free vector, starting at 0 (added to the representation of
/// its attributes with <see cref="FoldInAttributes"/>), trained with the model's loss and Adagrad step for
/// <see cref="FoldInEpochs"/> passes over its items, the item side fixed and seeded by the model's seed, so the same
/// items always give the same user, on the trained model and on one loaded from its file.</para>
/// </remarks>
public sealed class HybridModel : FactorRecommender, IAttributeRecommender
{
    internal const string Kind = "hybrid";
    private const int FormatVersion = 1;
    private const int FoldInStream = -2;
    private readonly FeatureSide _users;
    private readonly FeatureSide _items;
    private readonly FoldInSettings _foldIn;
    private int[]? _candidates;

    private HybridModel(CommonSections common, int factors, FeatureSide users, FeatureSide items, FoldInSettings foldIn, (float[] Vectors, float[]? Biases) userSide, (float[] Vectors, float[]? Biases) itemSide)
        : base(common, factors, userSide.Vectors, itemSide.Vectors, itemSide.Biases)
    {
        _users = users;
        _items = items;
        _foldIn = foldIn;
    }

    /// <inheritdoc />
    public override string Algorithm => "hybrid";

    /// <summary>The loss the model was trained with (fold-in uses it too).</summary>
    public HybridLoss Loss => _foldIn.Loss;

    /// <summary>Fold-in passes over a new user's items (<see cref="HybridOptions.FoldInEpochs"/>).</summary>
    public int FoldInEpochs => _foldIn.Epochs;

    /// <summary>The named user features (attributes) the model has embeddings for.</summary>
    public IdMap UserFeatures => _users.Names;

    /// <summary>The named item features the model has embeddings for.</summary>
    public IdMap ItemFeatures => _items.Names;

    /// <summary>Number of items with their own identity feature (0 when trained without them).</summary>
    public int ItemIdentityCount => _items.IdentityOwner.Length;

    /// <summary>Number of users with their own identity feature (0 when trained without them).</summary>
    public int UserIdentityCount => _users.IdentityOwner.Length;

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => FormatVersion;

    /// <summary>Loads a hybrid model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static HybridModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    /// <summary>Loads a hybrid model from a stream written by <see cref="RecommenderModel.Save(Stream)"/>.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or inconsistent.</exception>
    public static HybridModel Load(Stream stream) => ModelFileReader.Open(stream, Kind).Read(Read);

    /// <summary>
    /// Places a user the model has not seen from their attributes (feature name, weight), optionally with items they
    /// have: the representation is the weighted mean (when the model normalises features) of the attributes'
    /// embeddings, plus a free vector fitted to the items as <see cref="RecommenderModel.FoldIn"/> does.
    /// </summary>
    /// <param name="attributes">User features and weights (1 for a categorical attribute); names the model does not know are refused.</param>
    /// <param name="interactions">The user's items and values, or null for a user known by attributes alone.</param>
    /// <exception cref="ArgumentException">No attributes, a weight that is not finite and above 0, or a bad interaction value.</exception>
    /// <exception cref="KeyNotFoundException">An attribute or an item is unknown to the model (the message names it).</exception>
    public FoldedUser FoldInAttributes(IEnumerable<KeyValuePair<string, float>> attributes, IEnumerable<KeyValuePair<string, float>>? interactions = null)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var columns = new SortedDictionary<int, float>();
        foreach (var (name, weight) in attributes)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(attributes));
            if (!float.IsFinite(weight) || weight <= 0)
            {
                throw new ArgumentException($"The weight of attribute '{name}' is {weight}; weights must be finite and above 0.", nameof(attributes));
            }

            if (!_users.Names.TryGetIndex(name, out var f))
            {
                throw new KeyNotFoundException($"Unknown user feature '{name}': the model knows {_users.Names.Count} user features{(_users.Names.Count == 0 ? " (it was trained without user features)" : "")}.");
            }

            columns[f] = columns.TryGetValue(f, out var w) ? w + weight : weight;
        }

        if (columns.Count == 0)
        {
            throw new ArgumentException("A user known by attributes needs at least one attribute.", nameof(attributes));
        }

        var total = columns.Values.Sum();
        var scale = _foldIn.Normalize ? 1f / total : 1f;
        var p = new float[Factors];
        HybridMath.Represent([.. columns.Keys], [.. columns.Values.Select(w => w * scale)], _users.Embeddings, [], p);
        if (interactions is null)
        {
            return new FoldedUser(this, Algorithm, ItemIds.Count, 0f, p, [], []);
        }

        var (items, values) = ResolveFoldIn(interactions);
        return Fold(p, items, values);
    }

    /// <inheritdoc />
    FoldedUser IAttributeRecommender.FoldInAttributes(IEnumerable<KeyValuePair<string, float>> attributes) => FoldInAttributes(attributes);

    /// <summary>
    /// Why the model scored an item for a known user: the score split over every (user feature, item feature) pair,
    /// <c>a_f·w_g·(e_f·e_g)</c>, and every item feature's bias share <c>w_g·b_g</c>, largest first. Identity features
    /// are named <c>identity:&lt;id&gt;</c>. The contributions sum to the score (up to float rounding).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The user or the item is unknown.</exception>
    public FeatureExplanation ExplainFeatures(string user, string item, int count = 10)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(item);
        Check.Range(count, 1, int.MaxValue, nameof(count));
        var u = UserIds.GetIndex(user);
        var i = ItemIds.GetIndex(item);
        var k = Factors;
        var parts = new List<FeatureContribution>();
        var uf = _users.RowFeatures(u);
        var uw = _users.RowWeights(u);
        var itf = _items.RowFeatures(i);
        var itw = _items.RowWeights(i);
        for (var g = 0; g < itf.Length; g++)
        {
            var itemName = _items.ColumnName(itf[g], ItemIds);
            var eg = _items.Embeddings.AsSpan(itf[g] * k, k);
            for (var f = 0; f < uf.Length; f++)
            {
                var value = uw[f] * itw[g] * HybridMath.Dot(_users.Embeddings.AsSpan(uf[f] * k, k), eg);
                parts.Add(new FeatureContribution(_users.ColumnName(uf[f], UserIds), itemName, value));
            }

            parts.Add(new FeatureContribution(null, itemName, itw[g] * _items.Biases![itf[g]]));
        }

        var score = 0f;
        foreach (var part in parts)
        {
            score += part.Contribution;
        }

        var top = parts.OrderByDescending(c => c.Contribution).Take(count).ToList();
        return new FeatureExplanation(user, item, score, top);
    }

    internal static HybridModel Create(CommonSections common, int factors, FeatureSide users, FeatureSide items, FoldInSettings foldIn) =>
        new(common, factors, users, items, foldIn, users.Represent(factors), items.Represent(factors));

    internal static HybridModel Read(ModelFileReader file)
    {
        var common = ReadCommon(file, FormatVersion);
        var o = file.Section("HYBO");
        var k = o.Int32In(1, 1024, "factors");
        var loss = (HybridLoss)o.Int32();
        var rate = o.FiniteSingle("learning rate");
        var maxSampled = o.Int32In(1, 10_000, "max sampled");
        var epochs = o.Int32In(1, 10_000, "fold-in epochs");
        var seed = o.Int32();
        var userReg = o.FiniteSingle("user regularization");
        var normalize = o.Boolean();
        o.End();
        if (!Enum.IsDefined(loss))
        {
            throw o.Fail($"unknown loss {(int)loss}");
        }

        if (rate <= 0 || rate > 10 || userReg < 0 || userReg > 10)
        {
            throw o.Fail($"learning rate {rate} or user regularization {userReg} out of range");
        }

        var users = FeatureSide.Read(file.Section("HYUS"), "user", common.UserIds.Count, k);
        var items = FeatureSide.Read(file.Section("HYIT"), "item", common.ItemIds.Count, k);
        if (items.Biases is null || users.Biases is not null)
        {
            throw new ModelFormatException(file.Path, "the item side of a hybrid model must have biases and the user side none.");
        }

        return Create(common, k, users, items, new FoldInSettings(loss, rate, maxSampled, epochs, seed, userReg, normalize));
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        var f = _foldIn;
        file.Add("HYBO", new PayloadWriter().Int32(Factors).Int32((int)f.Loss).Single(f.LearningRate).Int32(f.MaxSampled).Int32(f.Epochs).Int32(f.Seed).Single(f.UserRegularization).Boolean(f.Normalize));
        var users = new PayloadWriter();
        _users.Write(users);
        file.Add("HYUS", users);
        var items = new PayloadWriter();
        _items.Write(items);
        file.Add("HYIT", items);
    }

    /// <summary>A ranking model of implicit feedback: a negative value has no meaning as an interaction.</summary>
    internal override string? CheckFoldInValue(float value) => value < 0 ? "the hybrid model treats every interaction as a positive; values must not be negative." : null;

    internal override FoldedUser FoldInCore(int[] items, float[] values) => Fold(new float[Factors], items, values);

    /// <summary>Fits a free vector x, added to <paramref name="start"/>, to the user's items with the training loss (item side fixed).</summary>
    private FoldedUser Fold(float[] start, int[] items, float[] values)
    {
        var k = Factors;
        var f = _foldIn;
        var candidates = Candidates();
        var p = (float[])start.Clone();
        var accumulated = new float[k];
        Array.Fill(accumulated, 1f);
        var difference = new float[k];
        var x = new float[k];
        var q = ItemFactorArray;
        var bias = ItemBiasArray!;
        var rng = BprRandom.For(f.Seed, FoldInStream);
        var warp = f.Loss == HybridLoss.Warp;
        for (var e = 0; e < f.Epochs && candidates.Length > 0; e++)
        {
            for (var t = 0; t < items.Length; t++)
            {
                var i = items[rng.NextInt(items.Length)];
                var si = HybridMath.Dot(p, q.AsSpan(i * k, k)) + bias[i];
                var j = -1;
                var sj = 0f;
                var draws = 0;
                while (draws < (warp ? f.MaxSampled : 32))
                {
                    var c = candidates[rng.NextInt(candidates.Length)];
                    draws++;
                    if (HybridMath.Contains(items, c))
                    {
                        continue;
                    }

                    var s = HybridMath.Dot(p, q.AsSpan(c * k, k)) + bias[c];
                    if (!warp || s > si - 1f)
                    {
                        j = c;
                        sj = s;
                        break;
                    }
                }

                if (j < 0)
                {
                    continue;
                }

                var coefficient = warp ? HybridMath.WarpWeight(candidates.Length, draws) : HybridMath.BprCoefficient(si - sj, out _);
                if (coefficient <= 0)
                {
                    continue;
                }

                for (var n = 0; n < k; n++)
                {
                    difference[n] = q[(j * k) + n] - q[(i * k) + n];
                }

                HybridMath.AdagradStep(x, accumulated, coefficient, difference, f.LearningRate, f.UserRegularization);
                for (var n = 0; n < k; n++)
                {
                    p[n] = start[n] + x[n];
                }
            }
        }

        return new FoldedUser(this, Algorithm, ItemIds.Count, 0f, p, items, values);
    }

    /// <summary>The items negatives are drawn from in fold-in: those some training user has, as in training.</summary>
    private int[] Candidates()
    {
        var candidates = Volatile.Read(ref _candidates);
        if (candidates is null)
        {
            var has = new bool[ItemIds.Count];
            foreach (var i in SeenItemsArray)
            {
                has[i] = true;
            }

            var list = new List<int>();
            for (var i = 0; i < has.Length; i++)
            {
                if (has[i])
                {
                    list.Add(i);
                }
            }

            Interlocked.CompareExchange(ref _candidates, [.. list], null);
            candidates = _candidates!;
        }

        return candidates;
    }

    /// <summary>What fold-in needs from training.</summary>
    internal readonly record struct FoldInSettings(HybridLoss Loss, float LearningRate, int MaxSampled, int Epochs, int Seed, float UserRegularization, bool Normalize);
}

/// <summary>Why a hybrid model scored an item for a user: the score and its largest shares by feature pair.</summary>
/// <param name="UserId">External user id.</param>
/// <param name="ItemId">External item id.</param>
/// <param name="Score">The score, as the sum of every share (not only the listed ones).</param>
/// <param name="Contributions">The largest shares, largest first.</param>
public sealed record FeatureExplanation(string UserId, string ItemId, float Score, IReadOnlyList<FeatureContribution> Contributions);

/// <summary>One share of a hybrid score.</summary>
/// <param name="UserFeature">The user feature (<c>identity:&lt;id&gt;</c> for the user's identity), or null for the item feature's bias.</param>
/// <param name="ItemFeature">The item feature (<c>identity:&lt;id&gt;</c> for the item's identity).</param>
/// <param name="Contribution">Its additive share of the score.</param>
public readonly record struct FeatureContribution(string? UserFeature, string ItemFeature, float Contribution);
