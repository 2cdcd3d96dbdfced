namespace CrossRec.Persistence;

/// <summary>
/// Raised when a saved model file cannot be loaded: it is truncated, altered (checksum mismatch), of
/// another kind or a newer format version, or structurally inconsistent. The message names the file.
/// </summary>
public sealed class ModelFormatException : IOException
{
    /// <summary>Creates the exception for a file and a description of the problem.</summary>
    public ModelFormatException(string path, string problem)
        : base($"{path}: {problem}")
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>Creates the exception for a file, a description of the problem and the error that revealed it.</summary>
    public ModelFormatException(string path, string problem, Exception innerException)
        : base($"{path}: {problem}", innerException)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file that could not be loaded.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
