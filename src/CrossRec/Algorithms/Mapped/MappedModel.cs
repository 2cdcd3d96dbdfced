using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Algorithms.Mapped;

/// <summary>
/// A collaborative model given the ability to score items that had no training interactions but have features, and
/// users known only by attributes: the attribute-to-feature mapping of Gantner et al. (2010), done in the space of
/// the model's scores so that it applies to every algorithm. Warm users and warm items are scored by the base model
/// exactly as it scores them; only new items and attribute users go through the map.
/// </summary>
/// <remarks>
/// <para><b>New items.</b> For a user, the base model's scores of the warm items that have features are regressed on
/// those features (ridge, <see cref="MappedOptions.ItemRegularization"/>, with an unpenalised intercept), and a new
/// item scores the regression's prediction from its features. The regression's hat matrix is shared by every user, so
/// a user costs one pass over the warm items' features. Because ridge is linear, for a factor model (implicit ALS,
/// BPR) this is exactly a ridge map from features to item factors (q̂ = Mᵀx, scored p_u·q̂); for EASE or item-kNN it
/// is a ridge map from features to the item's column of the item×item weights. The prediction is then placed among
/// the warm items: centred on the fitted values' mean and scaled by the ratio of the spread of the user's warm
/// scores to that of the fitted values (a regression to the mean otherwise ranks every new item in the middle of
/// the list), plus <see cref="MappedOptions.NewItemShift"/> standard deviations.</para>
/// <para><b>Users known by attributes.</b> Each training user's base scores of the warm items, standardised per user
/// (or, with <see cref="MappedUserTarget.Interactions"/>, the user's own items), are regressed on the user's attributes (ridge, <see cref="MappedOptions.UserRegularization"/>, intercept
/// unpenalised); a new user's warm-item scores are the prediction from their attributes
/// (<see cref="FoldInAttributes"/>), and new items are then scored for them as for any user.</para>
/// <para>Items of the base model that had no training interactions count as new (their base scores carry nothing).
/// <see cref="RecommenderModel.SimilarItems(string, int, RecommendFilter?)"/> of a warm item lists the base model's
/// similar warm items and the new items that have features, placed among them as for a user: the warm item's base
/// similarities to the warm items are regressed on their features and each new item gets the prediction from its own
/// (centred and scaled to the warm similarities, plus the shift); of a new item, the items whose features have the
/// highest cosine to its own. Saved as one file
/// holding the base model's own file and the maps. Immutable and thread-safe; build one with
/// <see cref="Recommenders.Mapped"/> or <see cref="Create"/>.</para>
/// </remarks>
public sealed class MappedModel : RecommenderModel, IAttributeRecommender
{
    internal const string Kind = "mapped";
    private const int FormatVersion = 1;
    private const int Partitions = 4;

    private readonly RecommenderModel _base;
    private readonly int _baseItems;
    private readonly bool[] _cold;
    private readonly int[] _coldItems;
    private readonly int[] _fitItems;
    private readonly IdMap _itemFeatureNames;
    private readonly int[] _rowOffsets;
    private readonly int[] _rowFeatures;
    private readonly float[] _rowWeights;
    private readonly double[] _itemInverse;
    private readonly IdMap? _userFeatureNames;
    private readonly IdMap _ignoredUserFeatures;
    private readonly float[] _userMap;

    private MappedModel(CommonSections common, RecommenderModel baseModel, MappedOptions options, IdMap itemFeatureNames, int[] rowOffsets, int[] rowFeatures, float[] rowWeights, double[] itemInverse, IdMap? userFeatureNames, IdMap ignoredUserFeatures, float[] userMap)
        : base(common.UserIds, common.ItemIds, common.SeenOffsets, common.SeenItems, common.SeenValues, common.Domains, common.ItemDomains, common.Training)
    {
        _base = baseModel;
        Options = options;
        _baseItems = baseModel.ItemIds.Count;
        _itemFeatureNames = itemFeatureNames;
        _rowOffsets = rowOffsets;
        _rowFeatures = rowFeatures;
        _rowWeights = rowWeights;
        _itemInverse = itemInverse;
        _userFeatureNames = userFeatureNames;
        _ignoredUserFeatures = ignoredUserFeatures;
        _userMap = userMap;
        _cold = ColdItems(baseModel, common.ItemIds.Count);
        _coldItems = [.. Enumerable.Range(0, _cold.Length).Where(i => _cold[i])];
        _fitItems = FitItems(_cold, rowOffsets, _baseItems, itemFeatureNames.Count == 0);
    }

    /// <inheritdoc />
    public override string Algorithm => Kind;

    /// <summary>The collaborative model that scores warm users and warm items.</summary>
    public RecommenderModel Base => _base;

    /// <summary>The map's options.</summary>
    public MappedOptions Options { get; }

    /// <summary>The item features the map reads.</summary>
    public IdMap ItemFeatures => _itemFeatureNames;

    /// <summary>
    /// The user attributes the user map reads (empty when the model was made without user features). Attributes the
    /// model was given beyond <see cref="MappedOptions.MaxFeatures"/> are not among them; <see cref="FoldInAttributes"/>
    /// accepts them and gives them no weight.
    /// </summary>
    public IdMap UserFeatures => _userFeatureNames ?? IdMap.Empty("user feature");

    /// <summary>Number of catalogue items scored through the map (no training interactions).</summary>
    public int NewItemCount => _coldItems.Length;

    /// <summary>Whether catalogue item <paramref name="item"/> (a dense index) is scored through the map.</summary>
    public bool IsNewItem(int item)
    {
        CheckItem(item);
        return _cold[item];
    }

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => FormatVersion;

    /// <summary>
    /// Maps a fitted collaborative model: the catalogue becomes the base model's items followed by the items that
    /// appear only in <paramref name="itemFeatures"/>; the item map is fitted on the warm items that have features,
    /// the user map (when <paramref name="userFeatures"/> is given) on the training users that have attributes.
    /// </summary>
    /// <param name="baseModel">Any fitted top-N model except a mapped one.</param>
    /// <param name="itemFeatures">Item features, or null (then only the base model's items without training interactions are new, scored at the user's mean warm score plus the shift).</param>
    /// <param name="userFeatures">User attributes, or null (then <see cref="FoldInAttributes"/> is not available).</param>
    /// <param name="options">The map's options, or null for the defaults.</param>
    /// <exception cref="ArgumentException">The base model is mapped already, no warm item has features, or no training user has attributes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static MappedModel Create(RecommenderModel baseModel, FeatureSet? itemFeatures, FeatureSet? userFeatures = null, MappedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        options ??= new MappedOptions();
        options.Validate();
        if (baseModel is MappedModel)
        {
            throw new ArgumentException("The base model is a mapped model already; map its base instead.", nameof(baseModel));
        }

        // Every item of the features joins the catalogue, even one whose features are all beyond MaxFeatures.
        var featureItems = itemFeatures?.Ids ?? IdMap.Empty("item");
        var givenUserFeatures = userFeatures?.Features;
        itemFeatures = MostFrequent(itemFeatures, options.MaxFeatures);
        userFeatures = MostFrequent(userFeatures, options.MaxFeatures);
        var builder = baseModel.ItemIds.ToBuilder();
        foreach (var id in featureItems)
        {
            builder.GetOrAdd(id);
        }

        var catalogue = builder.Count == baseModel.ItemIds.Count ? baseModel.ItemIds : builder.Build();
        var n = catalogue.Count;
        var offsets = new int[n + 1];
        var features = new List<int>();
        var weights = new List<float>();
        for (var i = 0; i < n; i++)
        {
            if (itemFeatures is not null && itemFeatures.Ids.TryGetIndex(catalogue[i], out var row))
            {
                features.AddRange(itemFeatures.FeatureIndices(row));
                weights.AddRange(itemFeatures.Weights(row));
            }

            offsets[i + 1] = features.Count;
        }

        var cold = ColdItems(baseModel, n);
        var rowFeatures = features.ToArray();
        var rowWeights = weights.ToArray();
        var fit = FitItems(cold, offsets, baseModel.ItemIds.Count, itemFeatures is null);
        if (fit.Length == 0)
        {
            throw new ArgumentException($"No item of {itemFeatures?.SourceName} has training interactions in the base model, so there is nothing to map features from.", nameof(itemFeatures));
        }

        var itemNames = itemFeatures?.Features ?? IdMap.Empty("item feature");
        var itemInverse = RidgeInverse(itemNames.Count, fit, (i, into) =>
        {
            for (var p = offsets[i]; p < offsets[i + 1]; p++)
            {
                into.Add((rowFeatures[p] + 1, rowWeights[p]));
            }
        }, options.ItemRegularization);
        IdMap? userNames = null;
        var ignored = IdMap.Empty("user feature");
        float[] userMap = [];
        if (userFeatures is not null)
        {
            userNames = userFeatures.Features;
            userMap = UserMap(baseModel, cold, userFeatures, options.UserRegularization, options.UserTarget);

            // Attributes beyond MaxFeatures: a user known by them is served, they just carry no weight.
            var kept = userNames;
            ignored = IdMap.Create("user feature", givenUserFeatures!.Where(f => !kept.Contains(f)));
        }

        var itemDomains = baseModel.ItemDomainsArray;
        if (itemDomains is not null && itemDomains.Length != n)
        {
            var extended = new int[n];
            Array.Fill(extended, -1);
            itemDomains.CopyTo(extended, 0);
            itemDomains = extended;
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["base"] = baseModel.Algorithm,
            ["itemRegularization"] = Invariant(options.ItemRegularization),
            ["userRegularization"] = Invariant(options.UserRegularization),
            ["newItemShift"] = Invariant(options.NewItemShift),
            ["maxFeatures"] = Invariant(options.MaxFeatures),
            ["userTarget"] = options.UserTarget.ToString(),
            ["itemFeatures"] = itemFeatures is null ? "none" : Invariant(itemFeatures.Features.Count),
            ["userFeatures"] = userFeatures is null ? "none" : Invariant(userFeatures.Features.Count),
            ["userFeaturesIgnored"] = Invariant(ignored.Count),
            ["new-items"] = Invariant(cold.Count(c => c)),
        };
        var t = baseModel.Training;
        if (t is not null)
        {
            foreach (var (key, value) in t.Parameters)
            {
                parameters["base." + key] = value;
            }
        }

        var info = new RecommenderTrainingInfo(Kind, t?.Device ?? "cpu", parameters, t?.Iterations ?? 0, t?.Seconds ?? 0, t?.History ?? [], t?.Note);
        var common = new CommonSections(baseModel.UserIds, catalogue, baseModel.SeenOffsetsArray, baseModel.SeenItemsArray, baseModel.SeenValuesArray, baseModel.Domains, itemDomains, info);
        return new MappedModel(common, baseModel, options, itemNames, offsets, rowFeatures, rowWeights, itemInverse, userNames, ignored, userMap);
    }

    /// <summary>Loads a mapped model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static MappedModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    /// <summary>
    /// Places a user the model has not seen from their attributes (name, weight; 1 for a categorical attribute): their
    /// scores of the warm items are the user map's prediction, and new items are scored for them through the item map.
    /// </summary>
    /// <exception cref="ArgumentException">No attributes, or a weight that is not finite and above 0.</exception>
    /// <remarks>An attribute the model was given beyond <see cref="MappedOptions.MaxFeatures"/> is accepted with no weight; a user
    /// known only by such attributes gets the map's intercept (the mean training user's scores).</remarks>
    /// <exception cref="KeyNotFoundException">An attribute is unknown to the model, or the model was made without user features (the message says which).</exception>
    public FoldedUser FoldInAttributes(IEnumerable<KeyValuePair<string, float>> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var names = _userFeatureNames ?? IdMap.Empty("user feature");
        var vector = new float[names.Count + 1];
        vector[0] = 1f;
        var any = false;
        foreach (var (name, weight) in attributes)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(attributes));
            if (!float.IsFinite(weight) || weight <= 0)
            {
                throw new ArgumentException($"The weight of attribute '{name}' is {weight}; weights must be finite and above 0.", nameof(attributes));
            }

            if (!names.TryGetIndex(name, out var g))
            {
                if (_ignoredUserFeatures.Contains(name))
                {
                    any = true;
                    continue;
                }

                throw new KeyNotFoundException($"Unknown user feature '{name}': the model knows {names.Count + _ignoredUserFeatures.Count} user features{(_userFeatureNames is null ? " (it was made without user features)" : "")}.");
            }

            vector[g + 1] += weight;
            any = true;
        }

        if (!any)
        {
            throw new ArgumentException("A user known by attributes needs at least one attribute.", nameof(attributes));
        }

        return new FoldedUser(this, Algorithm, ItemIds.Count, 0f, vector, [], []);
    }

    /// <inheritdoc />
    public override string ToString() => $"mapped {_base.Algorithm} ({UserIds.Count} users, {ItemIds.Count} items, {_coldItems.Length} new)";

    internal static MappedModel Read(ModelFileReader file)
    {
        var common = ReadCommon(file, FormatVersion);
        var o = file.Section("MAPO");
        var options = new MappedOptions { ItemRegularization = o.FiniteSingle("item regularization"), UserRegularization = o.FiniteSingle("user regularization"), NewItemShift = o.FiniteSingle("new-item shift") };
        options = options with { UserTarget = (MappedUserTarget)o.Int32(), MaxFeatures = o.Int32() };
        var baseItems = o.Int32In(1, common.ItemIds.Count, "base items");
        o.End();
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw o.Fail(e.Message);
        }

        if (!Enum.IsDefined(options.UserTarget))
        {
            throw o.Fail($"unknown user target {(int)options.UserTarget}");
        }

        var b = file.Section("MBAS");
        var bytes = b.Bytes();
        b.End();
        var nested = ModelFileReader.Parse(bytes, $"{file.Path} (base model)", null);
        if (nested.Kind == Kind)
        {
            throw b.Fail("the base model is itself a mapped model");
        }

        var baseModel = Recommender.Read(nested);
        if (baseModel.ItemIds.Count != baseItems || baseModel.UserIds.Count != common.UserIds.Count
            || !baseModel.UserIds.SequenceEqual(common.UserIds, StringComparer.Ordinal)
            || !baseModel.ItemIds.SequenceEqual(common.ItemIds.Take(baseItems), StringComparer.Ordinal))
        {
            throw b.Fail("the base model's users or items are not the mapped model's");
        }

        var n = common.ItemIds.Count;
        var it = file.Section("MITF");
        var itemNames = CreateIds("item feature", it.Strings(), it);
        var offsets = it.Int32s(n + 1);
        var features = it.Int32s();
        var weights = it.Singles(features.Length);
        var dimension = (long)itemNames.Count + 1;
        if (dimension * dimension > int.MaxValue)
        {
            throw it.Fail($"{itemNames.Count} item features are too many");
        }

        var inverse = it.Doubles((int)(dimension * dimension));
        it.End();
        CheckRows(it, offsets, features, itemNames.Count);
        CheckFinite(weights, it, "item feature weights");
        foreach (var v in inverse)
        {
            if (!double.IsFinite(v))
            {
                throw it.Fail("the item map is not finite");
            }
        }

        IdMap? userNames = null;
        float[] userMap = [];
        if (file.Has("MUSF"))
        {
            var us = file.Section("MUSF");
            userNames = CreateIds("user feature", us.Strings(), us);
            var size = ((long)userNames.Count + 1) * baseItems;
            if (size > int.MaxValue)
            {
                throw us.Fail($"{userNames.Count} user features are too many");
            }

            userMap = us.Singles((int)size);
            us.End();
            CheckFinite(userMap, us, "user map");
        }

        var ignored = IdMap.Empty("user feature");
        if (file.Has("MUSX"))
        {
            var ux = file.Section("MUSX");
            ignored = CreateIds("user feature", ux.Strings(), ux);
            ux.End();
            if (userNames is null)
            {
                throw ux.Fail("ignored user features without a user map");
            }

            foreach (var name in ignored)
            {
                if (userNames.Contains(name))
                {
                    throw ux.Fail($"user feature '{name}' is both read and ignored");
                }
            }
        }

        return new MappedModel(common, baseModel, options, itemNames, offsets, features, weights, inverse, userNames, ignored, userMap);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        file.Add("MAPO", new PayloadWriter().Single(Options.ItemRegularization).Single(Options.UserRegularization).Single(Options.NewItemShift).Int32((int)Options.UserTarget).Int32(Options.MaxFeatures).Int32(_baseItems));
        using (var nested = new MemoryStream())
        {
            _base.Save(nested);
            file.Add("MBAS", new PayloadWriter().Bytes(nested.GetBuffer().AsSpan(0, (int)nested.Length)));
        }

        file.Add("MITF", new PayloadWriter().Strings(_itemFeatureNames.AsSpan().ToArray()).Int32s(_rowOffsets).Int32s(_rowFeatures).Singles(_rowWeights).Doubles(_itemInverse));
        if (_userFeatureNames is not null)
        {
            file.Add("MUSF", new PayloadWriter().Strings(_userFeatureNames.AsSpan().ToArray()).Singles(_userMap));
        }

        if (_ignoredUserFeatures.Count > 0)
        {
            file.Add("MUSX", new PayloadWriter().Strings(_ignoredUserFeatures.AsSpan().ToArray()));
        }
    }

    internal override void ScoreUser(int user, Span<float> scores)
    {
        _base.ScoreUser(user, scores[.._baseItems]);
        MapNewItems(scores, SeenItems(user));
    }

    internal override void ScoreFolded(FoldedUser user, Span<float> scores)
    {
        var attributes = user.Factors;
        if (attributes.Length > 0)
        {
            // A user known by attributes: warm-item scores from the user map, then the item map as for anyone.
            var g = attributes.Length;
            var warm = scores[.._baseItems];
            warm.Clear();
            for (var f = 0; f < g; f++)
            {
                if (attributes[f] != 0)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_userMap.AsSpan(f * _baseItems, _baseItems), attributes[f], warm, warm);
                }
            }

            MapNewItems(scores, []);
            return;
        }

        var items = user.SeenItems.ToArray();
        var values = user.Values.ToArray();
        _base.ScoreFolded(_base.FoldInCore(items, values), scores[.._baseItems]);
        MapNewItems(scores, items);
    }

    internal override FoldedUser FoldInCore(int[] items, float[] values)
    {
        foreach (var i in items)
        {
            if (_cold[i])
            {
                throw new ArgumentException($"Item '{ItemIds[i]}' had no training interactions; fold a user in from items the base model learned ({_base.Algorithm}).", "interactions");
            }
        }

        return new FoldedUser(this, Algorithm, ItemIds.Count, 0f, [], items, values);
    }

    internal override string? CheckFoldInValue(float value) => _base.CheckFoldInValue(value);

    internal override void ItemSimilarities(int item, Span<float> scores)
    {
        if (!_cold[item])
        {
            _base.ItemSimilarities(item, scores[.._baseItems]);
            SimilarNewItems(item, scores);
            return;
        }

        // A new item: the cosine of its features to every item's (items without features are left out).
        scores.Fill(float.NaN);
        var qf = RowFeatures(item);
        var qw = RowWeights(item);
        var qn = Norm(qw);
        if (qn == 0)
        {
            return;
        }

        var dense = new float[_itemFeatureNames.Count];
        for (var n = 0; n < qf.Length; n++)
        {
            dense[qf[n]] = qw[n];
        }

        for (var j = 0; j < scores.Length; j++)
        {
            var f = RowFeatures(j);
            var w = RowWeights(j);
            if (f.Length == 0)
            {
                continue;
            }

            double dot = 0;
            for (var n = 0; n < f.Length; n++)
            {
                dot += (double)w[n] * dense[f[n]];
            }

            scores[j] = (float)(dot / (qn * Norm(w)));
        }
    }

    /// <summary>
    /// Places the new items among a warm item's similar items: its base similarities to the warm items are mapped to the
    /// new items as a user's scores are (<see cref="MapNewItems"/>), the item itself and the items the base model gives
    /// no similarity taking the mean similarity in the regression. New items without features stay out (NaN).
    /// </summary>
    private void SimilarNewItems(int item, Span<float> scores)
    {
        if (_coldItems.Length == 0)
        {
            return;
        }

        double sum = 0;
        var finite = 0;
        foreach (var i in _fitItems)
        {
            if (i != item && float.IsFinite(scores[i]))
            {
                sum += scores[i];
                finite++;
            }
        }

        if (_itemFeatureNames.Count == 0 || finite == 0)
        {
            foreach (var j in _coldItems)
            {
                scores[j] = float.NaN;
            }

            return;
        }

        var mean = (float)(sum / finite);
        var work = new float[scores.Length];
        scores.CopyTo(work);
        foreach (var i in _fitItems)
        {
            if (i == item || !float.IsFinite(work[i]))
            {
                work[i] = mean;
            }
        }

        MapNewItems(work, [item]);
        foreach (var j in _coldItems)
        {
            scores[j] = RowFeatures(j).Length > 0 ? work[j] : float.NaN;
        }
    }

    /// <summary>Scores the new items from the warm scores already in <paramref name="scores"/> (see the type's remarks).</summary>
    private void MapNewItems(Span<float> scores, ReadOnlySpan<int> seen)
    {
        if (_coldItems.Length == 0)
        {
            return;
        }

        var d = _itemFeatureNames.Count + 1;
        var xs = new double[d];
        foreach (var i in _fitItems)
        {
            var s = (double)scores[i];
            xs[0] += s;
            var f = RowFeatures(i);
            var w = RowWeights(i);
            for (var n = 0; n < f.Length; n++)
            {
                xs[f[n] + 1] += w[n] * s;
            }
        }

        var coefficients = new double[d];
        for (var r = 0; r < d; r++)
        {
            double sum = 0;
            var row = _itemInverse.AsSpan(r * d, d);
            for (var c = 0; c < d; c++)
            {
                sum += row[c] * xs[c];
            }

            coefficients[r] = sum;
        }

        double fitSum = 0, fitSquares = 0;
        foreach (var i in _fitItems)
        {
            var p = Predict(coefficients, i);
            fitSum += p;
            fitSquares += p * p;
        }

        var fitMean = fitSum / _fitItems.Length;
        var fitSd = Math.Sqrt(Math.Max(0, (fitSquares / _fitItems.Length) - (fitMean * fitMean)));

        // The user's warm scores: every warm item they have not seen.
        double sum2 = 0, squares = 0;
        long count = 0;
        for (var i = 0; i < _baseItems; i++)
        {
            if (!_cold[i] && float.IsFinite(scores[i]))
            {
                sum2 += scores[i];
                squares += (double)scores[i] * scores[i];
                count++;
            }
        }

        foreach (var i in seen)
        {
            if (i < _baseItems && !_cold[i] && float.IsFinite(scores[i]))
            {
                sum2 -= scores[i];
                squares -= (double)scores[i] * scores[i];
                count--;
            }
        }

        var warmMean = count > 0 ? sum2 / count : 0;
        var warmSd = count > 1 ? Math.Sqrt(Math.Max(0, (squares / count) - (warmMean * warmMean))) : 0;
        var scale = fitSd > 0 ? warmSd / fitSd : 0;
        var shift = warmMean + (Options.NewItemShift * warmSd);
        foreach (var j in _coldItems)
        {
            scores[j] = (float)(shift + ((Predict(coefficients, j) - fitMean) * scale));
        }
    }

    private double Predict(double[] coefficients, int item)
    {
        var f = RowFeatures(item);
        var w = RowWeights(item);
        var p = coefficients[0];
        for (var n = 0; n < f.Length; n++)
        {
            p += coefficients[f[n] + 1] * w[n];
        }

        return p;
    }

    private ReadOnlySpan<int> RowFeatures(int item) => _rowFeatures.AsSpan(_rowOffsets[item], _rowOffsets[item + 1] - _rowOffsets[item]);

    private ReadOnlySpan<float> RowWeights(int item) => _rowWeights.AsSpan(_rowOffsets[item], _rowOffsets[item + 1] - _rowOffsets[item]);

    private static double Norm(ReadOnlySpan<float> w)
    {
        double s = 0;
        foreach (var x in w)
        {
            s += (double)x * x;
        }

        return Math.Sqrt(s);
    }

    /// <summary>The set restricted to its <paramref name="max"/> most frequent features (ties by first appearance), or the set itself when it has no more.</summary>
    private static FeatureSet? MostFrequent(FeatureSet? set, int max)
    {
        if (set is null || set.Features.Count <= max)
        {
            return set;
        }

        var counts = new int[set.Features.Count];
        for (var r = 0; r < set.Count; r++)
        {
            foreach (var f in set.FeatureIndices(r))
            {
                counts[f]++;
            }
        }

        var keep = new bool[counts.Length];
        foreach (var f in Enumerable.Range(0, counts.Length).OrderByDescending(f => counts[f]).ThenBy(f => f).Take(max))
        {
            keep[f] = true;
        }

        var builder = FeatureSet.CreateBuilder(set.Kind);
        for (var r = 0; r < set.Count; r++)
        {
            var f = set.FeatureIndices(r);
            var w = set.Weights(r);
            for (var n = 0; n < f.Length; n++)
            {
                if (keep[f[n]])
                {
                    builder.Add(set.Ids[r], set.Features[f[n]], w[n]);
                }
            }
        }

        return builder.Build($"{set.SourceName} (its {max} most frequent features)");
    }

    /// <summary>The warm items the item map is fitted on: those with features, or every warm item when there are no item features (an intercept-only map).</summary>
    private static int[] FitItems(bool[] cold, int[] offsets, int baseItems, bool noFeatures) =>
        [.. Enumerable.Range(0, baseItems).Where(i => !cold[i] && (noFeatures || offsets[i + 1] > offsets[i]))];

    /// <summary>Items with no training interactions in the base model, and the catalogue items beyond the base's.</summary>
    private static bool[] ColdItems(RecommenderModel baseModel, int catalogue)
    {
        var cold = new bool[catalogue];
        Array.Fill(cold, true);
        foreach (var i in baseModel.SeenItemsArray)
        {
            cold[i] = false;
        }

        return cold;
    }

    /// <summary>(AᵀA + λI′)⁻¹ over the design [1, a] of the given rows (the intercept unpenalised), row-major.</summary>
    private static double[] RidgeInverse(int features, int[] rows, Action<int, List<(int Column, double Value)>> row, double lambda)
    {
        var d = features + 1;
        var gram = Matrix<double>.Build.Dense(d, d);
        var at = new List<(int Column, double Value)>();
        foreach (var r in rows)
        {
            at.Clear();
            at.Add((0, 1));
            row(r, at);

            foreach (var (a, va) in at)
            {
                foreach (var (b, vb) in at)
                {
                    gram[a, b] += va * vb;
                }
            }
        }

        for (var c = 1; c < d; c++)
        {
            gram[c, c] += lambda;
        }

        var inverse = gram.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(d));
        var result = new double[d * d];
        for (var r = 0; r < d; r++)
        {
            for (var c = 0; c < d; c++)
            {
                result[(r * d) + c] = inverse[r, c];
            }
        }

        return result;
    }

    /// <summary>
    /// The user map N = (AᵀA + λI′)⁻¹ Aᵀ Z, where Z holds each training user's base scores of the warm items standardised
    /// over them (cold items 0): (attributes + 1) × base items, row-major.
    /// </summary>
    private static float[] UserMap(RecommenderModel baseModel, bool[] cold, FeatureSet userFeatures, double lambda, MappedUserTarget target)
    {
        var users = baseModel.UserIds;
        var rowOf = new int[users.Count];
        var fit = new List<int>();
        for (var u = 0; u < users.Count; u++)
        {
            rowOf[u] = -1;
            if (userFeatures.Ids.TryGetIndex(users[u], out var r) && baseModel.SeenItems(u).Length > 0)
            {
                rowOf[u] = r;
                fit.Add(u);
            }
        }

        if (fit.Count == 0)
        {
            throw new ArgumentException($"No user of {userFeatures.SourceName} is a training user of the base model, so there is nothing to map attributes from.", nameof(userFeatures));
        }

        var g = userFeatures.Features.Count + 1;
        var m = baseModel.ItemIds.Count;
        var inverse = target == MappedUserTarget.Segments ? Array.Empty<double>() : RidgeInverse(userFeatures.Features.Count, [.. fit], (u, into) =>
        {
            var f = userFeatures.FeatureIndices(rowOf[u]);
            var w = userFeatures.Weights(rowOf[u]);
            for (var k = 0; k < f.Length; k++)
            {
                into.Add((f[k] + 1, w[k]));
            }
        }, lambda);

        // AᵀZ in a fixed number of contiguous partitions merged in order, so the result does not depend on the thread count.
        var partial = new double[Partitions][];
        var fitUsers = fit.ToArray();
        Parallel.For(0, Partitions, p =>
        {
            var sums = new double[(long)g * m];
            var scores = new float[m];
            var start = (int)((long)fitUsers.Length * p / Partitions);
            var end = (int)((long)fitUsers.Length * (p + 1) / Partitions);
            for (var n = start; n < end; n++)
            {
                var u = fitUsers[n];
                if (target != MappedUserTarget.Scores)
                {
                    // The user's own items, unstandardised: every interaction counts once, as in segment popularity.
                    scores.AsSpan().Clear();
                    foreach (var i in baseModel.SeenItems(u))
                    {
                        scores[i] = 1f;
                    }

                    Accumulate(sums.AsSpan(0, m), 1, scores, cold, 0, 1);
                    var fi = userFeatures.FeatureIndices(rowOf[u]);
                    var wi = userFeatures.Weights(rowOf[u]);
                    for (var k = 0; k < fi.Length; k++)
                    {
                        Accumulate(sums.AsSpan((fi[k] + 1) * m, m), wi[k], scores, cold, 0, 1);
                    }

                    continue;
                }

                baseModel.ScoreUser(u, scores);
                double sum = 0, squares = 0;
                var count = 0;
                for (var i = 0; i < m; i++)
                {
                    if (!cold[i] && float.IsFinite(scores[i]))
                    {
                        sum += scores[i];
                        squares += (double)scores[i] * scores[i];
                        count++;
                    }
                }

                var mean = count > 0 ? sum / count : 0;
                var sd = count > 1 ? Math.Sqrt(Math.Max(0, (squares / count) - (mean * mean))) : 0;
                if (!(sd > 0))
                {
                    continue;
                }

                Accumulate(sums.AsSpan(0, m), 1, scores, cold, mean, sd);
                var f = userFeatures.FeatureIndices(rowOf[u]);
                var w = userFeatures.Weights(rowOf[u]);
                for (var k = 0; k < f.Length; k++)
                {
                    Accumulate(sums.AsSpan((f[k] + 1) * m, m), w[k], scores, cold, mean, sd);
                }
            }

            partial[p] = sums;
        });

        var total = partial[0];
        for (var p = 1; p < Partitions; p++)
        {
            for (long x = 0; x < total.Length; x++)
            {
                total[x] += partial[p][x];
            }
        }

        var map = new float[(long)g * m];
        if (target == MappedUserTarget.Segments)
        {
            // Each attribute's items as shares of its users' (weighted) interactions; the intercept row stays 0.
            for (var r = 1; r < g; r++)
            {
                var row = total.AsSpan(r * m, m);
                var sum = System.Numerics.Tensors.TensorPrimitives.Sum<double>(row);
                var shares = map.AsSpan(r * m, m);
                for (var i = 0; i < m; i++)
                {
                    shares[i] = sum > 0 ? (float)(row[i] / sum) : 0f;
                }
            }

            return map;
        }

        var column = new double[g];
        for (var i = 0; i < m; i++)
        {
            if (cold[i])
            {
                continue;
            }

            for (var r = 0; r < g; r++)
            {
                column[r] = total[((long)r * m) + i];
            }

            for (var r = 0; r < g; r++)
            {
                double s = 0;
                for (var c = 0; c < g; c++)
                {
                    s += inverse[(r * g) + c] * column[c];
                }

                map[((long)r * m) + i] = (float)s;
            }
        }

        return map;
    }

    private static void Accumulate(Span<double> into, double weight, float[] scores, bool[] cold, double mean, double sd)
    {
        var scale = weight / sd;
        for (var i = 0; i < into.Length; i++)
        {
            if (!cold[i] && float.IsFinite(scores[i]))
            {
                into[i] += (scores[i] - mean) * scale;
            }
        }
    }

    private static void CheckRows(PayloadReader section, int[] offsets, int[] features, int columns)
    {
        if (offsets[0] != 0 || offsets[^1] != features.Length)
        {
            throw section.Fail("item feature row offsets do not span the entries");
        }

        for (var i = 1; i < offsets.Length; i++)
        {
            if (offsets[i] < offsets[i - 1])
            {
                throw section.Fail($"item feature row offsets decrease at {i - 1}");
            }
        }

        foreach (var f in features)
        {
            if ((uint)f >= (uint)columns)
            {
                throw section.Fail($"item feature {f} outside 0..{columns - 1}");
            }
        }
    }
}
