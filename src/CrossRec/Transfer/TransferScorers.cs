namespace CrossRec.Transfer;

/// <summary>
/// How a trained cross-domain method scores the items for one user. Implementations are immutable and
/// thread-safe; the caller masks everything outside the target domain and the user's seen items.
/// </summary>
internal abstract partial class TransferScorer : IItemScorer
{
    /// <summary>
    /// The factor arrays of a plain factor model whose scores are <see cref="Score"/>'s, for the blocked batch path
    /// (<see cref="IItemScorer.BlockScoring"/>); null for other methods.
    /// </summary>
    public virtual FactorScoring? BlockScoring => null;

    /// <summary>Scores every item for a training user (dense index of the joint training set).</summary>
    public abstract void Score(int user, Span<float> scores);

    /// <summary>Scores every item for a user the model was not trained on, from distinct sorted items and their values.</summary>
    public abstract void ScoreNew(int[] items, float[] values, Span<float> scores);

    void IItemScorer.ScoreUser(int user, Span<float> scores) => Score(user, scores);
}

/// <summary>A recommender trained on every domain at once: its own user representation (trained, or folded in) scores the target items.</summary>
internal sealed partial class JointScorer(RecommenderModel model) : TransferScorer
{
    public RecommenderModel Model { get; } = model;

    public override FactorScoring? BlockScoring => Model.BlockScoring;

    public override void Score(int user, Span<float> scores) => Model.ScoreUser(user, scores);

    public override void ScoreNew(int[] items, float[] values, Span<float> scores) => Model.ScoreFolded(Model.FoldInCore(items, values), scores);
}

/// <summary>
/// Cross-domain item-kNN: the score of a target item is the sum, over the user's items (of any domain),
/// of the cosine between that item and the target item over the training users' binary interactions.
/// Every co-occurring pair is kept (no neighbour cut-off). Ties (items nobody co-occurs with) are broken
/// by target popularity, with a weight far below any non-zero cosine.
/// </summary>
internal sealed partial class CrossItemKnnScorer : TransferScorer
{
    private readonly int[] _offsets;      // per item: range into _targets/_weights
    private readonly int[] _targets;
    private readonly float[] _weights;
    private readonly float[] _tieBreak;
    private readonly int[] _userOffsets;  // the training users' items (CSR)
    private readonly int[] _userItems;

    private CrossItemKnnScorer(int[] offsets, int[] targets, float[] weights, float[] tieBreak, int[] userOffsets, int[] userItems)
    {
        _offsets = offsets;
        _targets = targets;
        _weights = weights;
        _tieBreak = tieBreak;
        _userOffsets = userOffsets;
        _userItems = userItems;
    }

    /// <summary>The most (item, target item) pairs stored (8 bytes each: about 1.6 GB).</summary>
    internal const int MaxPairs = 200_000_000;

    /// <summary>Counts co-occurrences of every item with every target item and normalises them to cosines.</summary>
    public static CrossItemKnnScorer Build(InteractionSet train, int target, CancellationToken ct)
    {
        var m = train.ToMatrix();
        var itemDomains = train.ItemDomainsArray!;
        var itemCount = train.ItemCount;
        var degree = new float[itemCount];
        var maxDegree = 1f;
        for (var j = 0; j < itemCount; j++)
        {
            degree[j] = m.ItemDegree(j);
            maxDegree = Math.Max(maxDegree, degree[j]);
        }

        var offsets = new int[itemCount + 1];
        var targets = new List<int>();
        var weights = new List<float>();
        var acc = new float[itemCount];
        var touched = new List<int>();
        for (var s = 0; s < itemCount; s++)
        {
            if ((s & 255) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            foreach (var u in m.UsersOf(s))
            {
                foreach (var t in m.ItemsOf(u))
                {
                    if (itemDomains[t] != target || t == s)
                    {
                        continue;
                    }

                    if (acc[t] == 0)
                    {
                        touched.Add(t);
                    }

                    acc[t] += 1;
                }
            }

            touched.Sort();
            if (targets.Count + touched.Count > MaxPairs)
            {
                throw new InsufficientMemoryException($"{train.SourceName}: cross-domain item-kNN would store more than {MaxPairs:N0} co-occurring (item, target item) pairs; the data is too dense for an uncut item-item table.");
            }

            foreach (var t in touched)
            {
                targets.Add(t);
                weights.Add(acc[t] / MathF.Sqrt(degree[s] * degree[t]));
                acc[t] = 0;
            }

            touched.Clear();
            offsets[s + 1] = targets.Count;
        }

        // Far below the smallest non-zero cosine 1/maxDegree, so it only orders items that tie.
        var tie = new float[itemCount];
        for (var j = 0; j < itemCount; j++)
        {
            tie[j] = itemDomains[j] == target ? 1e-3f * degree[j] / (maxDegree * maxDegree) : 0f;
        }

        return new CrossItemKnnScorer(offsets, [.. targets], [.. weights], tie, m.UserOffsetsArray, m.UserItemsArray);
    }

    /// <summary>Stored (item, target item) pairs.</summary>
    public int Pairs => _targets.Length;

    public override void Score(int user, Span<float> scores) =>
        Accumulate(_userItems.AsSpan(_userOffsets[user], _userOffsets[user + 1] - _userOffsets[user]), scores);

    public override void ScoreNew(int[] items, float[] values, Span<float> scores) => Accumulate(items, scores);

    /// <summary>Scores from a set of items (the user's training items or fold-in items).</summary>
    public void Accumulate(ReadOnlySpan<int> items, Span<float> scores)
    {
        _tieBreak.CopyTo(scores);
        foreach (var s in items)
        {
            for (var p = _offsets[s]; p < _offsets[s + 1]; p++)
            {
                scores[_targets[p]] += _weights[p];
            }
        }
    }
}

/// <summary>
/// EMCDR (Man et al., IJCAI 2017) with its linear baseline map: one factor model trained on the non-target
/// domains, one on the target domain, and a ridge-regularised linear map (with intercept) from a user's
/// source factors to their target factors, fitted on the users the training data has in both. A user
/// with target history keeps their own target factors; a target-cold user gets the mapped ones.
/// </summary>
internal sealed partial class EmcdrScorer : TransferScorer
{
    private readonly FactorRecommender _source;
    private readonly FactorRecommender _target;
    private readonly float[] _map;        // (ks + 1) × kt, row-major; the last row is the intercept
    private readonly bool[] _hasTarget;   // training users with target rows
    private readonly int[] _itemDomains;
    private readonly int _targetDomain;

    private EmcdrScorer(FactorRecommender source, FactorRecommender target, float[] map, bool[] hasTarget, int[] itemDomains, int targetDomain)
    {
        _source = source;
        _target = target;
        _map = map;
        _hasTarget = hasTarget;
        _itemDomains = itemDomains;
        _targetDomain = targetDomain;
    }

    /// <summary>Users the map was fitted on.</summary>
    public int MappedUsers { get; private init; }

    public static EmcdrScorer Build(InteractionSet train, int target, IRecommenderBuilder factors, double ridge, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var itemDomains = train.ItemDomainsArray!;
        var sourceRows = new List<int>();
        var targetRows = new List<int>();
        var users = train.Users;
        var items = train.Items;
        var hasSource = new bool[train.UserCount];
        var hasTarget = new bool[train.UserCount];
        for (var r = 0; r < items.Length; r++)
        {
            if (itemDomains[items[r]] == target)
            {
                targetRows.Add(r);
                hasTarget[users[r]] = true;
            }
            else
            {
                sourceRows.Add(r);
                hasSource[users[r]] = true;
            }
        }

        if (sourceRows.Count == 0 || targetRows.Count == 0)
        {
            throw new ArgumentException($"{train.SourceName}: EMCDR needs training rows in the target domain and in at least one other domain.", nameof(train));
        }

        var sourceSet = train.Subset(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sourceRows), $"{train.SourceName} [source domains]");
        var targetSet = train.Subset(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(targetRows), $"{train.SourceName} [target domain]");
        var source = factors.Fit(sourceSet, progress, ct) as FactorRecommender
            ?? throw new ArgumentException($"EMCDR maps user factors, so it needs a factor model (implicit ALS, BPR); '{factors.Algorithm}' is not one.", nameof(factors));
        var targetModel = (FactorRecommender)factors.Fit(targetSet, progress, ct);

        var ks = source.Factors;
        var kt = targetModel.Factors;
        var overlap = new List<int>();
        for (var u = 0; u < train.UserCount; u++)
        {
            if (hasSource[u] && hasTarget[u])
            {
                overlap.Add(u);
            }
        }

        if (overlap.Count == 0)
        {
            throw new ArgumentException($"{train.SourceName}: no training user has interactions in both the target and another domain, so EMCDR has nothing to learn its map from.", nameof(train));
        }

        // Ridge regression with intercept: (AᵀA + λ·s·I') W = AᵀB, λ scaled by the mean diagonal of AᵀA so
        // that it does not depend on the factors' magnitude; the intercept is not penalised.
        var dim = ks + 1;
        var ata = new double[dim, dim];
        var atb = new double[dim, kt];
        var a = new double[dim];
        foreach (var u in overlap)
        {
            var xs = source.UserRow(u);
            var xt = targetModel.UserRow(u);
            for (var i = 0; i < ks; i++)
            {
                a[i] = xs[i];
            }

            a[ks] = 1;
            for (var i = 0; i < dim; i++)
            {
                for (var j = 0; j < dim; j++)
                {
                    ata[i, j] += a[i] * a[j];
                }

                for (var j = 0; j < kt; j++)
                {
                    atb[i, j] += a[i] * xt[j];
                }
            }
        }

        double trace = 0;
        for (var i = 0; i < ks; i++)
        {
            trace += ata[i, i];
        }

        var penalty = ridge * Math.Max(trace / ks, 1e-12);
        for (var i = 0; i < ks; i++)
        {
            ata[i, i] += penalty;
        }

        ata[ks, ks] += 1e-9 * Math.Max(overlap.Count, 1);
        var w = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(ata).Cholesky()
            .Solve(MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(atb));
        var map = new float[dim * kt];
        for (var i = 0; i < dim; i++)
        {
            for (var j = 0; j < kt; j++)
            {
                map[(i * kt) + j] = (float)w[i, j];
            }
        }

        return new EmcdrScorer(source, targetModel, map, hasTarget, itemDomains, target) { MappedUsers = overlap.Count };
    }

    public override void Score(int user, Span<float> scores)
    {
        if (_hasTarget[user])
        {
            _target.ScoreUser(user, scores);
            return;
        }

        _target.ScoreVector(Map(_source.UserRow(user)), scores);
    }

    public override void ScoreNew(int[] items, float[] values, Span<float> scores)
    {
        var source = new List<int>();
        var target = new List<int>();
        for (var n = 0; n < items.Length; n++)
        {
            (_itemDomains[items[n]] == _targetDomain ? target : source).Add(n);
        }

        if (target.Count > 0)
        {
            // Some target history: the target model's own fold-in of it knows the user best.
            _target.ScoreFolded(_target.FoldInCore([.. target.Select(n => items[n])], [.. target.Select(n => values[n])]), scores);
            return;
        }

        var folded = _source.FoldInCore([.. source.Select(n => items[n])], [.. source.Select(n => values[n])]);
        _target.ScoreVector(Map(folded.Factors), scores);
    }

    private float[] Map(ReadOnlySpan<float> xs)
    {
        var kt = _target.Factors;
        var ks = xs.Length;
        var y = new float[kt];
        _map.AsSpan(ks * kt, kt).CopyTo(y);
        for (var i = 0; i < ks; i++)
        {
            var xi = xs[i];
            var row = _map.AsSpan(i * kt, kt);
            for (var j = 0; j < kt; j++)
            {
                y[j] += xi * row[j];
            }
        }

        return y;
    }
}

/// <summary>
/// A calibrated blend of a transfer method with target popularity: each user's transfer scores over the
/// target items are standardised (zero mean, unit deviation), as is log(1 + training count) of the target
/// items, and the two are mixed as (1 − w)·transfer + w·popularity.
/// </summary>
internal sealed partial class PopularityBlendScorer : TransferScorer
{
    private readonly TransferScorer _inner;

    public TransferScorer Inner => _inner;
    private readonly float[] _popularity;   // standardised log counts on target items, 0 elsewhere
    private readonly int[] _targetItems;
    private readonly float _weight;

    public PopularityBlendScorer(TransferScorer inner, float[] standardPopularity, int[] targetItems, float weight)
    {
        _inner = inner;
        _popularity = standardPopularity;
        _targetItems = targetItems;
        _weight = weight;
    }

    /// <summary>Standardised log(1 + count) of the target items of the training data.</summary>
    public static float[] StandardPopularity(InteractionSet train, int[] targetItems)
    {
        var m = train.ToMatrix();
        var p = new float[train.ItemCount];
        double sum = 0, sq = 0;
        foreach (var j in targetItems)
        {
            var v = Math.Log(1 + m.ItemDegree(j));
            sum += v;
            sq += v * v;
        }

        var n = Math.Max(1, targetItems.Length);
        var mean = sum / n;
        var sd = Math.Sqrt(Math.Max(sq / n - (mean * mean), 0));
        foreach (var j in targetItems)
        {
            p[j] = sd > 0 ? (float)((Math.Log(1 + m.ItemDegree(j)) - mean) / sd) : 0f;
        }

        return p;
    }

    public override void Score(int user, Span<float> scores)
    {
        _inner.Score(user, scores);
        Blend(scores, _popularity, _targetItems, _weight);
    }

    public override void ScoreNew(int[] items, float[] values, Span<float> scores)
    {
        _inner.ScoreNew(items, values, scores);
        Blend(scores, _popularity, _targetItems, _weight);
    }

    /// <summary>Replaces the target items' scores by the blend (other items are left for the caller to mask).</summary>
    public static void Blend(Span<float> scores, ReadOnlySpan<float> popularity, ReadOnlySpan<int> targetItems, float weight)
    {
        double sum = 0, sq = 0;
        var n = 0;
        foreach (var j in targetItems)
        {
            var v = scores[j];
            if (float.IsFinite(v))
            {
                sum += v;
                sq += v * v;
                n++;
            }
        }

        var mean = n > 0 ? sum / n : 0;
        var sd = n > 0 ? Math.Sqrt(Math.Max(sq / n - (mean * mean), 0)) : 0;
        var inv = sd > 1e-12 ? 1 / sd : 0;
        foreach (var j in targetItems)
        {
            var v = scores[j];
            if (float.IsFinite(v))
            {
                scores[j] = (float)(((1 - weight) * (v - mean) * inv) + (weight * popularity[j]));
            }
        }
    }
}

/// <summary>
/// A single-domain recommender trained on the target domain alone: a user with target history gets its
/// personal ranking; a target-cold user its ranking for the mean training user (all it can know about them).
/// </summary>
internal sealed partial class TargetOnlyScorer : TransferScorer
{
    private readonly RecommenderModel _model;
    private readonly bool[] _hasTarget;
    private readonly float[] _fallback;
    private readonly int[] _itemDomains;
    private readonly int _target;

    private TargetOnlyScorer(RecommenderModel model, bool[] hasTarget, float[] fallback, int[] itemDomains, int target)
    {
        _model = model;
        _hasTarget = hasTarget;
        _fallback = fallback;
        _itemDomains = itemDomains;
        _target = target;
    }

    public static TargetOnlyScorer Build(InteractionSet train, int target, IRecommenderBuilder recommender, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var targetTrain = train.OfDomain(train.Domains![target]);
        var model = recommender.Fit(targetTrain, progress, ct);
        var hasTarget = new bool[train.UserCount];
        foreach (var u in targetTrain.Users)
        {
            hasTarget[u] = true;
        }

        return new TargetOnlyScorer(model, hasTarget, MeanUserScores(model, hasTarget), train.ItemDomainsArray!, target);
    }

    /// <summary>
    /// A model's scores for the mean training user: exact for factor models (scores are linear in the user
    /// vector), the mean over up to 512 evenly spaced users otherwise.
    /// </summary>
    internal static float[] MeanUserScores(RecommenderModel model, bool[] users)
    {
        var n = model.ItemIds.Count;
        var result = new float[n];
        var list = Enumerable.Range(0, users.Length).Where(u => users[u]).ToArray();
        if (list.Length == 0)
        {
            return result;
        }

        if (model is FactorRecommender f)
        {
            var mean = new float[f.Factors];
            foreach (var u in list)
            {
                var row = f.UserRow(u);
                for (var k = 0; k < mean.Length; k++)
                {
                    mean[k] += row[k] / list.Length;
                }
            }

            f.ScoreVector(mean, result);
            return result;
        }

        var step = Math.Max(1, list.Length / 512);
        var buffer = new float[n];
        var taken = 0;
        for (var i = 0; i < list.Length; i += step)
        {
            model.ScoreUser(list[i], buffer);
            for (var j = 0; j < n; j++)
            {
                result[j] += buffer[j];
            }

            taken++;
        }

        for (var j = 0; j < n; j++)
        {
            result[j] /= taken;
        }

        return result;
    }

    public override void Score(int user, Span<float> scores)
    {
        if (_hasTarget[user])
        {
            _model.ScoreUser(user, scores);
        }
        else
        {
            _fallback.CopyTo(scores);
        }
    }

    public override void ScoreNew(int[] items, float[] values, Span<float> scores)
    {
        var target = Enumerable.Range(0, items.Length).Where(n => _itemDomains[items[n]] == _target).ToArray();
        if (target.Length == 0)
        {
            _fallback.CopyTo(scores);
            return;
        }

        _model.ScoreFolded(_model.FoldInCore([.. target.Select(n => items[n])], [.. target.Select(n => values[n])]), scores);
    }
}
