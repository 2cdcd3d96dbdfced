using System.Globalization;

namespace CrossRec.IO;

/// <summary>
/// Exports the user and item factors (and biases) of any factor model with their ids, for Python, Spark, DuckDB,
/// vector stores and other tools: as Parquet (<see cref="ToParquetAsync"/>) or as NumPy <c>.npy</c> matrices with id
/// files beside them (<see cref="ToNpy"/>).
/// </summary>
public static class FactorExport
{
    /// <summary>
    /// Writes <c>users.parquet</c> and <c>items.parquet</c> into <paramref name="directory"/>: columns <c>id</c> (text),
    /// <c>features</c> (list of float, Spark's <c>array&lt;float&gt;</c>) and <c>bias</c> (float) when the model has
    /// biases; a biased MF model's global mean is the key-value metadata <c>crossrec.global_mean</c> of both files.
    /// </summary>
    /// <param name="model">A <see cref="FactorizationModel"/> or a <see cref="FactorRecommender"/> (implicit ALS, BPR).</param>
    /// <param name="directory">Created if missing; the two files are overwritten.</param>
    /// <param name="cancellationToken">Stops between row groups.</param>
    /// <exception cref="ArgumentException">The model has no factors.</exception>
    public static async Task ToParquetAsync(RecommenderModel model, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var (users, items, mean) = Tables(model);
        Directory.CreateDirectory(directory);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["crossrec.algorithm"] = model.Algorithm };
        if (mean is { } m)
        {
            metadata["crossrec.global_mean"] = m.ToString("R", CultureInfo.InvariantCulture);
        }

        await users.WriteAsync(Path.Combine(directory, "users.parquet"), intIds: false, metadata, cancellationToken).ConfigureAwait(false);
        await items.WriteAsync(Path.Combine(directory, "items.parquet"), intIds: false, metadata, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Synchronous <see cref="ToParquetAsync"/>.</summary>
    /// <param name="model">A factor model.</param>
    /// <param name="directory">Created if missing; the two files are overwritten.</param>
    /// <exception cref="ArgumentException">The model has no factors.</exception>
    public static void ToParquet(RecommenderModel model, string directory) =>
        Task.Run(() => ToParquetAsync(model, directory)).GetAwaiter().GetResult();

    /// <summary>
    /// Writes <c>user_factors.npy</c> and <c>item_factors.npy</c> (float32, rows × k, C order), <c>user_ids.txt</c> and
    /// <c>item_ids.txt</c> (one id per line, row order), and when the model has them <c>user_bias.npy</c>,
    /// <c>item_bias.npy</c> (n × 1) and <c>global_mean.txt</c>. In NumPy: <c>np.load("user_factors.npy")</c>.
    /// </summary>
    /// <param name="model">A <see cref="FactorizationModel"/> or a <see cref="FactorRecommender"/>.</param>
    /// <param name="directory">Created if missing; the files are overwritten.</param>
    /// <exception cref="ArgumentException">The model has no factors.</exception>
    public static void ToNpy(RecommenderModel model, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var (users, items, mean) = Tables(model);
        Directory.CreateDirectory(directory);
        foreach (var (name, t) in new[] { ("user", users), ("item", items) })
        {
            Npy.Write(Path.Combine(directory, $"{name}_factors.npy"), ReadOnlyMatrix.Create(t.Factors, t.Count, t.Rank));
            File.WriteAllLines(Path.Combine(directory, $"{name}_ids.txt"), t.Ids);
            if (t.Bias is not null)
            {
                Npy.Write(Path.Combine(directory, $"{name}_bias.npy"), ReadOnlyMatrix.Create(t.Bias, t.Count, 1));
            }
        }

        if (mean is { } m)
        {
            File.WriteAllText(Path.Combine(directory, "global_mean.txt"), m.ToString("R", CultureInfo.InvariantCulture) + "\n");
        }
    }

    /// <summary>Reads a factor table written by <see cref="ToParquetAsync"/> (or any file with <c>id</c> and <c>features</c>): ids, factors (rows × k) and biases if present.</summary>
    /// <param name="path">A Parquet file or a directory of part files.</param>
    /// <param name="cancellationToken">Stops between row groups.</param>
    /// <exception cref="DataFormatException">A row is null, of another length, non-finite or repeated.</exception>
    public static async Task<(ReadOnlyMatrix Factors, float[]? Bias)> ReadParquetAsync(string path, CancellationToken cancellationToken = default)
    {
        var t = await FactorTable.ReadAsync(path, null, cancellationToken).ConfigureAwait(false);
        if (t.Count == 0)
        {
            throw new DataFormatException(path, 0, 0, "the factor table has no rows.");
        }

        return (ReadOnlyMatrix.Create(t.Factors, t.Count, t.Rank, IdMap.Create("id", t.Ids)), t.Bias);
    }

    private static (FactorTable Users, FactorTable Items, float? Mean) Tables(RecommenderModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model switch
        {
            FactorizationModel m => (new FactorTable([.. m.UserIds], m.Factors, m.UserFactorArray, m.UserBiasArray),
                new FactorTable([.. m.ItemIds], m.Factors, m.ItemFactorArray, m.ItemBiasArray), m.GlobalMean),
            FactorRecommender f => (new FactorTable([.. f.UserIds], f.Factors, f.UserFactorArray, null),
                new FactorTable([.. f.ItemIds], f.Factors, f.ItemFactorArray, f.ItemBiasArray), null),
            _ => throw new ArgumentException($"A {model.Algorithm} model has no user and item factors to export.", nameof(model)),
        };
    }
}
