using System.Globalization;

namespace CrossRec.Internal;

/// <summary>
/// The one rule for every <c>Threads</c> option: 0 means every core, and a count above
/// <see cref="Environment.ProcessorCount"/> is clamped to it with a warning in the fitted model's training note
/// (extra threads only contend for the cores: an ML-100K biased-MF fit with 1000 threads took 48 s instead of 0.1 s).
/// Refusing instead would make a program written on a large machine fail on a small one.
/// </summary>
internal static class ThreadCount
{
    /// <summary>The largest value a <c>Threads</c> option accepts at all (larger is a typo, refused by name).</summary>
    public const int Max = 1024;

    /// <summary>The threads a request runs with on this machine.</summary>
    public static int Effective(int requested) => requested <= 0 || requested > Environment.ProcessorCount ? Environment.ProcessorCount : requested;

    /// <summary>The warning for a request above the core count, or null.</summary>
    public static string? ClampWarning(int requested, string option) => requested > Environment.ProcessorCount
        ? string.Create(CultureInfo.InvariantCulture, $"{option} = {requested} is more than this machine's {Environment.ProcessorCount} cores (Environment.ProcessorCount): {Environment.ProcessorCount} threads were used.")
        : null;

    /// <summary>Joins the notes that are not null with "; ", or null when there are none.</summary>
    public static string? Join(params string?[] notes)
    {
        var kept = notes.Where(n => !string.IsNullOrEmpty(n)).ToArray();
        return kept.Length == 0 ? null : string.Join("; ", kept);
    }
}
