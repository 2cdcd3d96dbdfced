namespace CrossRec.Data;

/// <summary>
/// Raised when input data is malformed. The message names the source (file), the 1-based line and
/// column, and what was expected, so the bad row can be found and fixed.
/// </summary>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates an exception for a problem at a position in a source.</summary>
    /// <param name="source">File path or another description of where the data came from.</param>
    /// <param name="line">1-based line number, or 0 when the problem is not tied to a line.</param>
    /// <param name="column">1-based field (column) number, or 0 when the problem concerns the whole line.</param>
    /// <param name="problem">What is wrong and what was expected.</param>
    public DataFormatException(string source, long line, int column, string problem)
        : base(Compose(source, line, column, problem))
    {
        SourceName = source;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>File path or description of the data source.</summary>
    public string SourceName { get; }

    /// <summary>1-based line number; 0 when not tied to a line.</summary>
    public long Line { get; }

    /// <summary>1-based column (field) number; 0 when the problem concerns the whole line.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Problem { get; }

    private static string Compose(string source, long line, int column, string problem)
    {
        var where = source;
        if (line > 0)
        {
            where += $", line {line}";
        }

        if (column > 0)
        {
            where += $", column {column}";
        }

        return $"{where}: {problem}";
    }
}
