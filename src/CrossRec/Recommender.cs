using CrossRec.Persistence;

namespace CrossRec;

/// <summary>
/// Loads any recommender saved by <see cref="IRecommender.Save(string)"/>: the file's kind tag picks
/// the model type, so a caller does not need to know which algorithm trained it.
/// </summary>
public static class Recommender
{
    /// <summary>Loads a recommender of any kind from a file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of an unknown kind or version, or inconsistent.</exception>
    public static RecommenderModel Load(string path) => ModelFileReader.Open(path, null).Read(Read);

    /// <summary>Loads a recommender of any kind from a stream.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of an unknown kind or version, or inconsistent.</exception>
    public static RecommenderModel Load(Stream stream) => ModelFileReader.Open(stream, null).Read(Read);

    /// <summary>
    /// Loads a recommender of any kind from a file, accepting it only when it was signed with
    /// <paramref name="key"/> (see <see cref="RecommenderModel.Save(string, ModelSigningKey)"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is unsigned, signed with another key, truncated, altered, of an unknown kind or version, or inconsistent.</exception>
    public static RecommenderModel Load(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ModelFileReader.Open(path, null, key).Read(Read);
    }

    /// <summary>Loads a recommender of any kind from a stream, accepting it only when it was signed with <paramref name="key"/>.</summary>
    /// <exception cref="ModelFormatException">The data is unsigned, signed with another key, truncated, altered, of an unknown kind or version, or inconsistent.</exception>
    public static RecommenderModel Load(Stream stream, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ModelFileReader.Open(stream, null, key).Read(Read);
    }

    /// <summary>The kind tags <see cref="Load(string)"/> understands.</summary>
    public static IReadOnlyCollection<string> Kinds => [.. AlgorithmRegistry.ModelKinds];

    internal static RecommenderModel Read(ModelFileReader file)
    {
        if (AlgorithmRegistry.ForModelKind(file.Kind)?.Read is not { } read)
        {
            throw new ModelFormatException(file.Path, $"this file holds a '{file.Kind}' model, which is not a recommender this CrossRec version knows (it knows {string.Join(", ", AlgorithmRegistry.ModelKinds)}).");
        }

        return read(file);
    }
}
