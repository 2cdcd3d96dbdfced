namespace CrossRec.Data;

/// <summary>Options shared by every interaction loader. Immutable.</summary>
public sealed record LoadOptions
{
    /// <summary>
    /// Skip malformed rows instead of failing, and report them in <see cref="InteractionSet.LoadReport"/>
    /// (count plus the first <see cref="MaxReportedProblems"/> line numbers and messages). A file with no
    /// valid row is still an error.
    /// </summary>
    public bool Lenient { get; init; }

    /// <summary>Declared rating scale; values outside it are malformed rows. Null uses the format's own scale (if any).</summary>
    public RatingScale? Scale { get; init; }

    /// <summary>
    /// Continue the id maps of this set (for example load a test file against its training set): known ids
    /// keep their indices, new ids are appended.
    /// </summary>
    public InteractionSet? IdsFrom { get; init; }

    /// <summary>How many skipped rows <see cref="LoadReport"/> describes in detail (1..10000).</summary>
    public int MaxReportedProblems { get; init; } = 10;

    internal void Validate()
    {
        Scale?.Validate(nameof(Scale));
        Check.Range(MaxReportedProblems, 1, 10_000, nameof(MaxReportedProblems));
    }
}

/// <summary>What a loader read and, in lenient mode, what it skipped.</summary>
public sealed class LoadReport
{
    internal LoadReport(string source, long linesRead, int rowsLoaded, long rowsSkipped, IReadOnlyList<DataFormatException> problems)
    {
        Source = source;
        LinesRead = linesRead;
        RowsLoaded = rowsLoaded;
        RowsSkipped = rowsSkipped;
        Problems = problems;
    }

    /// <summary>The file read.</summary>
    public string Source { get; }

    /// <summary>Lines read, header and blank lines included.</summary>
    public long LinesRead { get; }

    /// <summary>Interactions loaded.</summary>
    public int RowsLoaded { get; }

    /// <summary>Malformed rows skipped (lenient mode only; 0 otherwise).</summary>
    public long RowsSkipped { get; }

    /// <summary>The first skipped rows, each with its line, column and problem.</summary>
    public IReadOnlyList<DataFormatException> Problems { get; }

    /// <inheritdoc />
    public override string ToString() =>
        RowsSkipped == 0
            ? $"{Source}: {RowsLoaded:N0} rows loaded"
            : $"{Source}: {RowsLoaded:N0} rows loaded, {RowsSkipped:N0} skipped (first at line {Problems[0].Line}: {Problems[0].Problem})";
}
