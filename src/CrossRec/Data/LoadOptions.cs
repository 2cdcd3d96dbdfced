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

    /// <summary>
    /// Text encoding of the file. Null (the default) reads <b>strict</b> UTF-8 (a UTF-8 or UTF-16 byte-order
    /// mark is honoured): a line with an invalid byte sequence is a <see cref="DataFormatException"/> naming
    /// the line, column and bytes, because replacing bad bytes would silently merge distinct ids (Latin-1
    /// <c>café</c> and <c>cafè</c> both become <c>caf�</c>). Give <see cref="System.Text.Encoding.Latin1"/>
    /// (or another encoding) for files in another encoding; that encoding's own fallback then applies.
    /// </summary>
    public System.Text.Encoding? Encoding { get; init; }

    /// <summary>
    /// Whether the first line is a header. Null (the default) follows <see cref="DelimitedFormat.Header"/>;
    /// true or false overrides it (and any guessing). A header that was guessed is reported in
    /// <see cref="LoadReport.HeaderGuessed"/>.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>
    /// What to do with repeated (user, item) pairs; <see cref="DuplicatePolicy.Refuse"/> by default (an error
    /// naming both lines; skipped and reported in lenient mode). The number of rows merged or skipped is in
    /// <see cref="LoadReport.DuplicateRows"/>.
    /// </summary>
    public DuplicatePolicy Duplicates { get; init; } = DuplicatePolicy.Refuse;

    /// <summary>
    /// The longest line a text loader reads, in bytes (1 KiB..1 GiB; default 1 MiB). A longer line is a
    /// <see cref="DataFormatException"/> naming the file and line, raised before the buffer grows past the
    /// limit, so an endless line (<c>/dev/zero</c>, a binary or compressed file) is refused within
    /// milliseconds and a few MB instead of exhausting memory.
    /// </summary>
    public int MaxLineBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Normalise user, item and domain ids to Unicode NFC (default true), so that a composed and a decomposed
    /// spelling (<c>José</c> with U+00E9, or with e + U+0301) are one id. The number of distinct ids changed is in
    /// <see cref="LoadReport.NormalizedIds"/>. The library uses its own Unicode tables, so the outcome is the same
    /// whatever the application's globalization mode (invariant mode included).
    /// </summary>
    public bool NormalizeIds { get; init; } = true;

    /// <summary>
    /// Accept control and format characters (Unicode categories Cc and Cf: NUL, a zero-width space, a BOM in
    /// mid-file, U+202E) inside ids. False by default: such an id is a malformed row, because it looks equal to
    /// another id and is not.
    /// </summary>
    public bool AllowControlCharactersInIds { get; init; }

    /// <summary>
    /// Trim every Unicode space (<see cref="char.IsWhiteSpace(char)"/>: the no-break space U+00A0, U+2000..U+200A,
    /// the ideographic space U+3000, ...) from both ends of ids, not only ASCII whitespace. False by default: such
    /// a space is part of the id, so <c>alice\u00A0</c> and <c>alice</c> stay two ids; either way the ids
    /// concerned are counted in <see cref="LoadReport.UnicodeSpaceIds"/> with a warning.
    /// </summary>
    public bool TrimUnicodeWhitespace { get; init; }

    internal void Validate()
    {
        Check.Range(MaxLineBytes, 1 << 10, 1 << 30, nameof(MaxLineBytes));
        Scale?.Validate(nameof(Scale));
        Check.Range(MaxReportedProblems, 1, 10_000, nameof(MaxReportedProblems));
        if (!Enum.IsDefined(Duplicates))
        {
            throw new ArgumentOutOfRangeException(nameof(Duplicates), Duplicates, "Duplicates must be Refuse, Sum, Last, Max or KeepAll.");
        }
    }
}

/// <summary>Where the rating scale of a loaded set came from.</summary>
public enum ScaleSource
{
    /// <summary>No scale: the set is implicit feedback, or every value is the same.</summary>
    None = 0,

    /// <summary>Declared by <see cref="LoadOptions.Scale"/> or the format (values outside it were refused).</summary>
    Declared = 1,

    /// <summary>
    /// Inferred from the smallest and largest value read: nothing was refused, so an outlier (500 on a
    /// 1..5 file, say) widens the scale. Declare <see cref="LoadOptions.Scale"/> to refuse such values.
    /// </summary>
    Inferred = 2,
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

    /// <summary>The header line (quoted as in messages, at most about 80 characters), or null when the file had none.</summary>
    public string? Header { get; internal init; }

    /// <summary>True when the first line was taken as a header by guessing (<see cref="HeaderMode.Auto"/> with positional columns).</summary>
    public bool HeaderGuessed { get; internal init; }

    /// <summary>The duplicates policy applied.</summary>
    public DuplicatePolicy Duplicates { get; internal init; }

    /// <summary>Rows that repeated an earlier (user, item) pair and were merged into it (or skipped, under <see cref="DuplicatePolicy.Refuse"/> in lenient mode).</summary>
    public long DuplicateRows { get; internal init; }

    /// <summary>Where the set's rating scale came from.</summary>
    public ScaleSource ScaleSource { get; internal init; }

    /// <summary>
    /// True when the file's last line had no line end. That is what a row cut short by a writer that has not
    /// finished looks like (a file that changes while it is read is refused, but a paused writer cannot be
    /// seen), so <see cref="Warnings"/> names it; an application that loads files still being written can
    /// refuse such a load.
    /// </summary>
    public bool LastLineUnterminated { get; internal init; }

    /// <summary>
    /// Distinct ids that began or ended with a Unicode space other than ASCII whitespace: kept as part of the id,
    /// or trimmed under <see cref="LoadOptions.TrimUnicodeWhitespace"/>.
    /// </summary>
    public long UnicodeSpaceIds { get; internal init; }

    /// <summary>Distinct ids kept with control or format characters (<see cref="LoadOptions.AllowControlCharactersInIds"/>; 0 otherwise, as such ids are refused).</summary>
    public long ControlCharacterIds { get; internal init; }

    /// <summary>Distinct ids whose text was changed by Unicode NFC normalisation (<see cref="LoadOptions.NormalizeIds"/>).</summary>
    public long NormalizedIds { get; internal init; }

    /// <summary>
    /// Things the loader did that the caller may not expect, each a sentence: a guessed header, an inferred
    /// scale, merged duplicates. Empty when nothing was guessed.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; internal init; } = [];

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

    internal static string UnterminatedLastLine(string path, long line) =>
        $"The last line of {path} (line {line:N0}) has no line end: if the file was still being written when it was read, that row may be incomplete.";

    /// <inheritdoc />
    public override string ToString()
    {
        var text = RowsSkipped == 0 || Problems.Count == 0
            ? $"{Source}: {RowsLoaded:N0} rows loaded"
            : $"{Source}: {RowsLoaded:N0} rows loaded, {RowsSkipped:N0} skipped (first at line {Problems[0].Line}: {Problems[0].Problem})";
        return Warnings.Count == 0 ? text : $"{text}; {string.Join(" ", Warnings)}";
    }
}
