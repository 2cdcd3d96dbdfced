namespace CrossRec.Data;

/// <summary>
/// What a loader (or an <see cref="InteractionSetBuilder"/>) does with repeated (user, item) pairs. The
/// loaders default to <see cref="Refuse"/>: a repeated pair is a <see cref="DataFormatException"/> naming
/// both lines (in lenient mode the repeat is skipped and reported). The count of merged rows is in
/// <see cref="LoadReport.DuplicateRows"/>.
/// </summary>
public enum DuplicatePolicy
{
    /// <summary>A repeated (user, item) pair is an error naming the line of the repeat and of the first occurrence.</summary>
    Refuse = 0,

    /// <summary>Repeats are merged into one interaction whose value is the sum (play counts, clicks); its timestamp is the latest.</summary>
    Sum = 1,

    /// <summary>The last row in file order wins (a re-rating replaces the earlier rating), timestamp included.</summary>
    Last = 2,

    /// <summary>The largest value wins (ties: the later row), with its timestamp.</summary>
    Max = 3,

    /// <summary>
    /// Every row is kept: algorithms see a repeated pair as separate observations. The default of
    /// <see cref="InteractionSetBuilder"/> (which is programmatic); loaders use it only when asked to.
    /// </summary>
    KeepAll = 4,
}
