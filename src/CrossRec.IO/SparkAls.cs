using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrossRec.IO;

/// <summary>What the <c>metadata/</c> of an <c>ALSModel.save</c> directory says, with the training settings CrossRec uses for fold-in.</summary>
/// <param name="Class">The saved class; <c>org.apache.spark.ml.recommendation.ALSModel</c>.</param>
/// <param name="SparkVersion">The Spark version that saved the model, when stated.</param>
/// <param name="Uid">The model's uid, when stated.</param>
/// <param name="Rank">The number of factors.</param>
/// <param name="ImplicitPrefs">True for implicit-feedback ALS (confidence 1 + α·|r|), false for explicit ratings.</param>
/// <param name="RegParam">Spark's <c>regParam</c> λ.</param>
/// <param name="Alpha">Spark's <c>alpha</c> (implicit feedback only).</param>
/// <param name="Params">The model's <c>paramMap</c> and <c>defaultParamMap</c> entries as JSON text (paramMap wins).</param>
public sealed record SparkAlsMetadata(string Class, string? SparkVersion, string? Uid, int Rank, bool ImplicitPrefs, float RegParam, float Alpha,
    IReadOnlyDictionary<string, string> Params);

/// <summary>
/// The training settings of a Spark ALS model, which <c>ALSModel.save</c> does not store (they are parameters of the
/// <c>ALS</c> estimator, not of the model). A null setting is taken from the metadata when present there (CrossRec
/// writes them beside Spark's keys) and otherwise is Spark's default: explicit feedback, regParam 0.1, alpha 1.0.
/// </summary>
public sealed record SparkAlsOptions
{
    /// <summary>True when the model was trained with <c>setImplicitPrefs(true)</c>.</summary>
    public bool? ImplicitPrefs { get; init; }

    /// <summary>The <c>regParam</c> λ of training (0..1e6).</summary>
    public float? RegParam { get; init; }

    /// <summary>The <c>alpha</c> of implicit training (0..1e6).</summary>
    public float? Alpha { get; init; }

    /// <summary>
    /// Known interactions (for example the training data, or recent history): their items count as seen, so
    /// <see cref="RecommenderModel.Recommend(string, int, RecommendFilter?)"/> leaves them out. Pairs whose user or item
    /// the model lacks are ignored. Null: nothing is seen.
    /// </summary>
    public InteractionSet? Seen { get; init; }

    internal void Validate()
    {
        if (RegParam is { } r && !(r >= 0f && r <= 1e6f))
        {
            throw new ArgumentOutOfRangeException(nameof(RegParam), r, "RegParam must lie in [0, 1e6].");
        }

        if (Alpha is { } a && !(a >= 0f && a <= 1e6f))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), a, "Alpha must lie in [0, 1e6].");
        }
    }
}

/// <summary>
/// Spark MLlib ALS models in the directory layout <c>ALSModel.save</c> writes and <c>ALSModel.load</c> reads:
/// <c>metadata/part-00000</c> (one line of JSON: class, sparkVersion, uid, paramMap, defaultParamMap, rank) and the
/// Parquet part files of <c>userFactors/</c> and <c>itemFactors/</c>, each with columns <c>id: int</c> and
/// <c>features: array&lt;float&gt;</c>.
/// </summary>
/// <remarks>
/// <para><b>Reading.</b> <see cref="LoadAsync"/> gives an <see cref="ImplicitAlsModel"/> for implicit feedback
/// (scores x_u·y_i; fold-in is the exact confidence-weighted least-squares solve with c = 1 + α·r and the penalty
/// λ·(1 + n_u), where Spark's own half-step uses λ·n_u) or a <see cref="FactorizationModel"/> with zero biases and
/// mean for explicit ratings (scores p_u·q_i; fold-in is the ridge solve with penalty n_u·λ, as Spark's ALS-WR, plus a
/// user bias held near 0 by the largest bias penalty CrossRec accepts). Either model recommends, folds in, feeds
/// <see cref="Segmentation"/> through its user factors and, for the explicit one, conversion features through
/// <see cref="ProfileFeatures"/>. Nulls, rows of another length than the rank, non-finite factors and repeated ids are
/// refused with a <see cref="DataFormatException"/> naming the part file, row, column and id.</para>
/// <para><b>Writing.</b> <see cref="SaveAsync"/> writes any factor model in that layout with integer ids. Spark scores
/// dot products only, so biases become extra factor columns: a <see cref="FactorizationModel"/>'s
/// [p, b_u + μ, 1]·[q, 1, b_i] and a BPR model's [p, 1]·[q, b_i] give the same scores (rank k + 2 or k + 1).</para>
/// </remarks>
public static class SparkAls
{
    /// <summary>The class name Spark writes and checks.</summary>
    public const string ModelClass = "org.apache.spark.ml.recommendation.ALSModel";

    /// <summary>Reads <c>metadata/part-00000</c> of a saved ALS model.</summary>
    /// <param name="directory">The directory <c>ALSModel.save</c> wrote.</param>
    /// <param name="options">Training settings overriding the metadata's; null for none.</param>
    /// <exception cref="FileNotFoundException">There is no metadata part file.</exception>
    /// <exception cref="ModelFormatException">The metadata is not JSON, names another class, or lacks a valid rank.</exception>
    public static SparkAlsMetadata ReadMetadata(string directory, SparkAlsOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var dir = Path.Combine(directory, "metadata");
        var part = Directory.Exists(dir) ? Directory.GetFiles(dir).Where(f => Path.GetFileName(f).StartsWith("part-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault() : null;
        if (part is null)
        {
            throw new FileNotFoundException($"'{directory}' has no metadata/part-* file; is it a directory written by ALSModel.save?", Path.Combine(dir, "part-00000"));
        }

        var line = File.ReadLines(part).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? "";
        JsonObject json;
        try
        {
            json = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(part, $"the metadata is not a JSON object ({e.Message}).");
        }

        var cls = json["class"]?.GetValue<string>() ?? "";
        if (cls != ModelClass)
        {
            throw new ModelFormatException(part, $"class is '{cls}'; expected {ModelClass}.");
        }

        int rank;
        try
        {
            rank = json["rank"]?.GetValue<int>() ?? 0;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            rank = 0;
        }

        if (rank < 1 || rank > 1 << 16)
        {
            throw new ModelFormatException(part, $"'rank' is missing or not a positive integer.");
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in new[] { "defaultParamMap", "paramMap" })
        {
            if (json[key] is JsonObject map)
            {
                foreach (var (name, value) in map)
                {
                    parameters[name] = value?.ToJsonString() ?? "null";
                }
            }
        }

        // CrossRec writes the training settings beside Spark's keys (Spark ignores unknown top-level keys; unknown
        // paramMap entries would fail ALSModel.load).
        var extra = json["crossrec"] as JsonObject;
        options?.Validate();
        var implicitPrefs = options?.ImplicitPrefs ?? Read<bool>(extra, parameters, "implicitPrefs") ?? false;
        var regParam = options?.RegParam ?? Read<float>(extra, parameters, "regParam") ?? 0.1f;
        var alpha = options?.Alpha ?? Read<float>(extra, parameters, "alpha") ?? 1f;
        return new SparkAlsMetadata(cls, json["sparkVersion"]?.GetValue<string>(), json["uid"]?.GetValue<string>(), rank, implicitPrefs, regParam, alpha, parameters);
    }

    private static T? Read<T>(JsonObject? extra, Dictionary<string, string> parameters, string name)
        where T : struct
    {
        if (extra?[name] is { } node)
        {
            return node.GetValue<T>();
        }

        return parameters.TryGetValue(name, out var text) ? JsonSerializer.Deserialize<T>(text) : null;
    }

    /// <summary>Loads a saved Spark ALS model (see the class remarks for what it becomes).</summary>
    /// <param name="directory">The directory <c>ALSModel.save</c> wrote.</param>
    /// <param name="options">Training settings (implicitPrefs, regParam, alpha) and seen interactions; null for the metadata's or Spark's defaults.</param>
    /// <param name="cancellationToken">Stops between row groups.</param>
    /// <returns>An <see cref="ImplicitAlsModel"/> (implicit feedback) or a <see cref="FactorizationModel"/> (explicit).</returns>
    /// <exception cref="FileNotFoundException">The metadata or a factor directory is missing.</exception>
    /// <exception cref="ModelFormatException">The metadata is invalid, or a side has no factor row.</exception>
    /// <exception cref="DataFormatException">A factor row is null, of another length than the metadata's rank, non-finite or repeated.</exception>
    public static async Task<RecommenderModel> LoadAsync(string directory, SparkAlsOptions? options = null, CancellationToken cancellationToken = default)
    {
        var meta = ReadMetadata(directory, options);
        var users = await FactorTable.ReadAsync(Path.Combine(directory, "userFactors"), meta.Rank, cancellationToken).ConfigureAwait(false);
        var items = await FactorTable.ReadAsync(Path.Combine(directory, "itemFactors"), meta.Rank, cancellationToken).ConfigureAwait(false);
        if (users.Count == 0 || items.Count == 0)
        {
            throw new ModelFormatException(directory, $"the model has {users.Count} users and {items.Count} items; both must be at least one.");
        }

        var userIds = IdMap.Create("user", users.Ids);
        var itemIds = IdMap.Create("item", items.Ids);
        var (offsets, seenItems, seenValues) = SeenOf(options?.Seen, userIds, itemIds);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["rank"] = meta.Rank.ToString(CultureInfo.InvariantCulture),
            ["implicitPrefs"] = meta.ImplicitPrefs ? "true" : "false",
            ["regParam"] = meta.RegParam.ToString(CultureInfo.InvariantCulture),
            ["alpha"] = meta.Alpha.ToString(CultureInfo.InvariantCulture),
        };
        var info = new RecommenderTrainingInfo("spark-als", "spark", parameters, 0, 0, [], $"trained by Spark MLlib ALS {meta.SparkVersion}; read from {directory}");
        if (meta.ImplicitPrefs)
        {
            var common = new RecommenderModel.CommonSections(userIds, itemIds, offsets, seenItems, seenValues, null, null, info);
            var settings = new ImplicitAlsOptions
            {
                Factors = meta.Rank,
                Confidence = ConfidenceScaling.Linear,
                Alpha = meta.Alpha,
                Regularization = meta.RegParam,
                WeightedRegularization = true,
                RegularizationExponent = 1f,
                NormalizeConfidence = false,
            };
            return new ImplicitAlsModel(common, meta.Rank, users.Factors, items.Factors, settings);
        }

        var options2 = new FactorizationOptions { Factors = meta.Rank, Regularization = Math.Min(meta.RegParam, 100f), BiasRegularization = 100f };
        var training = new TrainingInfo("spark", options2, 0, 0, 0, 0, []);
        return new FactorizationModel(userIds, itemIds, meta.Rank, 0f, new float[userIds.Count], new float[itemIds.Count], users.Factors, items.Factors,
            offsets, seenItems, seenValues, null, null, null, training);
    }

    /// <summary>Synchronous <see cref="LoadAsync"/>.</summary>
    /// <param name="directory">The directory <c>ALSModel.save</c> wrote.</param>
    /// <param name="options">Training settings and seen interactions; null for the metadata's or Spark's defaults.</param>
    /// <returns>An <see cref="ImplicitAlsModel"/> (implicit feedback) or a <see cref="FactorizationModel"/> (explicit).</returns>
    /// <exception cref="FileNotFoundException">The metadata or a factor directory is missing.</exception>
    /// <exception cref="ModelFormatException">The metadata is invalid, or a side has no factor row.</exception>
    /// <exception cref="DataFormatException">A factor row is null, of another length than the metadata's rank, non-finite or repeated.</exception>
    public static RecommenderModel Load(string directory, SparkAlsOptions? options = null) =>
        Task.Run(() => LoadAsync(directory, options)).GetAwaiter().GetResult();

    /// <summary>
    /// Writes a factor model in the <c>ALSModel.save</c> layout (metadata, and one Snappy Parquet part file each for
    /// <c>userFactors/</c> and <c>itemFactors/</c>), so that Spark's <c>ALSModel.load</c> reads it. Biases become
    /// factor columns (see the class remarks). The directory is replaced.
    /// </summary>
    /// <param name="model">An <see cref="ImplicitAlsModel"/>, <see cref="BprModel"/>, another <see cref="FactorRecommender"/>, or a <see cref="FactorizationModel"/>.</param>
    /// <param name="directory">The directory to write (deleted first if it exists).</param>
    /// <param name="sparkVersion">The Spark version to state. The metadata names the model parameters of Spark 3.x
    /// (userCol, itemCol, predictionCol, coldStartStrategy, blockSize); Spark 2.4, which has no blockSize, would refuse it.</param>
    /// <param name="cancellationToken">Stops between row groups.</param>
    /// <exception cref="ArgumentException">The model is not a factor model, or an id is not a 32-bit integer (Spark's ids are).</exception>
    public static async Task SaveAsync(RecommenderModel model, string directory, string sparkVersion = "3.5.0", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var (users, items, implicitPrefs, regParam, alpha, note) = Sides(model);
        CheckIntIds(users.Ids, "user", nameof(model));
        CheckIntIds(items.Ids, "item", nameof(model));
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        var paramMap = new JsonObject
        {
            ["userCol"] = "user",
            ["itemCol"] = "item",
            ["predictionCol"] = "prediction",
            ["coldStartStrategy"] = "nan",
            ["blockSize"] = 4096,
        };
        var extra = new JsonObject { ["algorithm"] = model.Algorithm, ["implicitPrefs"] = implicitPrefs, ["note"] = note };
        if (regParam is { } r)
        {
            extra["regParam"] = r;
        }

        if (alpha is { } a)
        {
            extra["alpha"] = a;
        }

        var meta = new JsonObject
        {
            ["class"] = ModelClass,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["sparkVersion"] = sparkVersion,
            ["uid"] = "als_crossrec" + Guid.NewGuid().ToString("N")[..8],
            ["paramMap"] = paramMap,
            ["defaultParamMap"] = paramMap.DeepClone(),
            ["rank"] = users.Rank,
            ["crossrec"] = extra,
        };
        var metaDir = Path.Combine(directory, "metadata");
        Directory.CreateDirectory(metaDir);
        await File.WriteAllTextAsync(Path.Combine(metaDir, "part-00000"), meta.ToJsonString() + "\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(metaDir, "_SUCCESS"), "", cancellationToken).ConfigureAwait(false);
        foreach (var (name, table) in new[] { ("userFactors", users), ("itemFactors", items) })
        {
            var dir = Path.Combine(directory, name);
            Directory.CreateDirectory(dir);
            await table.WriteAsync(Path.Combine(dir, "part-00000-crossrec-c000.snappy.parquet"), intIds: true, null, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(dir, "_SUCCESS"), "", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Synchronous <see cref="SaveAsync"/>.</summary>
    /// <param name="model">A factor model.</param>
    /// <param name="directory">The directory to write (deleted first if it exists).</param>
    /// <param name="sparkVersion">The Spark version to state.</param>
    /// <exception cref="ArgumentException">The model is not a factor model, or an id is not a 32-bit integer.</exception>
    public static void Save(RecommenderModel model, string directory, string sparkVersion = "3.5.0") =>
        Task.Run(() => SaveAsync(model, directory, sparkVersion)).GetAwaiter().GetResult();

    private static (FactorTable Users, FactorTable Items, bool Implicit, float? RegParam, float? Alpha, string Note) Sides(RecommenderModel model)
    {
        switch (model)
        {
            case ImplicitAlsModel m:
                return (new FactorTable([.. m.UserIds], m.Factors, m.UserFactorArray, null), new FactorTable([.. m.ItemIds], m.Factors, m.ItemFactorArray, null),
                    true, m.Regularization, m.Alpha, "CrossRec implicit ALS");
            case FactorRecommender f when !f.HasItemBiases:
                return (new FactorTable([.. f.UserIds], f.Factors, f.UserFactorArray, null), new FactorTable([.. f.ItemIds], f.Factors, f.ItemFactorArray, null),
                    true, null, null, $"CrossRec {f.Algorithm}");
            case FactorRecommender f:
            {
                // [p, 1]·[q, b_i] = p·q + b_i.
                var k = f.Factors;
                var p = Widen(f.UserFactorArray, f.UserIds.Count, k, 1, (_, row) => row[k] = 1f);
                var bias = f.ItemBiasArray!;
                var q = Widen(f.ItemFactorArray, f.ItemIds.Count, k, 1, (i, row) => row[k] = bias[i]);
                return (new FactorTable([.. f.UserIds], k + 1, p, null), new FactorTable([.. f.ItemIds], k + 1, q, null), true, null, null,
                    $"CrossRec {f.Algorithm}: the last factor holds the item bias");
            }

            case FactorizationModel m:
            {
                // [p, b_u + μ, 1]·[q, 1, b_i] = μ + b_u + b_i + p·q.
                var k = m.Factors;
                var mu = m.GlobalMean;
                var ub = m.UserBiasArray;
                var ib = m.ItemBiasArray;
                var p = Widen(m.UserFactorArray, m.UserIds.Count, k, 2, (u, row) => { row[k] = mu + ub[u]; row[k + 1] = 1f; });
                var q = Widen(m.ItemFactorArray, m.ItemIds.Count, k, 2, (i, row) => { row[k] = 1f; row[k + 1] = ib[i]; });
                return (new FactorTable([.. m.UserIds], k + 2, p, null), new FactorTable([.. m.ItemIds], k + 2, q, null), false,
                    m.Info?.Options.Regularization, null, "CrossRec biased MF: the last two factors hold mean plus user bias, and item bias");
            }

            default:
                throw new ArgumentException($"A {model.Algorithm} model has no user and item factors; Spark's ALS layout holds factor models only.", nameof(model));
        }
    }

    private static float[] Widen(float[] factors, int rows, int k, int extra, Action<int, float[]> fill)
    {
        var wide = new float[rows * (k + extra)];
        var row = new float[k + extra];
        for (var r = 0; r < rows; r++)
        {
            factors.AsSpan(r * k, k).CopyTo(row);
            fill(r, row);
            row.CopyTo(wide.AsSpan(r * (k + extra)));
        }

        return wide;
    }

    private static void CheckIntIds(string[] ids, string kind, string parameter)
    {
        foreach (var id in ids)
        {
            if (!int.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v.ToString(CultureInfo.InvariantCulture) != id)
            {
                throw new ArgumentException($"The {kind} id '{id}' is not a 32-bit integer; Spark ALS ids are integers (map the ids first).", parameter);
            }
        }
    }

    /// <summary>Seen items in CSR form over the model's ids: per user sorted, distinct, values summed.</summary>
    private static (int[] Offsets, int[] Items, float[] Values) SeenOf(InteractionSet? seen, IdMap users, IdMap items)
    {
        var offsets = new int[users.Count + 1];
        if (seen is null)
        {
            return (offsets, [], []);
        }

        var perUser = new SortedDictionary<int, float>[users.Count];
        for (var r = 0; r < seen.Count; r++)
        {
            if (users.TryGetIndex(seen.UserIds[seen.Users[r]], out var u) && items.TryGetIndex(seen.ItemIds[seen.Items[r]], out var i))
            {
                var map = perUser[u] ??= new SortedDictionary<int, float>();
                map[i] = map.GetValueOrDefault(i) + seen.Values[r];
            }
        }

        var itemList = new List<int>();
        var valueList = new List<float>();
        for (var u = 0; u < users.Count; u++)
        {
            if (perUser[u] is { } map)
            {
                foreach (var (i, v) in map)
                {
                    itemList.Add(i);
                    valueList.Add(v);
                }
            }

            offsets[u + 1] = itemList.Count;
        }

        return (offsets, itemList.ToArray(), valueList.ToArray());
    }
}
