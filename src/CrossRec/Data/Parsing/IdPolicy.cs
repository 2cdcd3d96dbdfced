using System.Globalization;
using System.Text;

namespace CrossRec.Data.Parsing;

/// <summary>
/// The one id policy every interaction loader applies to user, item and domain ids (delimited files,
/// MovieLens, cross-domain files, Parquet, databases, id lists):
/// <list type="bullet">
/// <item>only ASCII whitespace (space, tab, CR, LF, FF, VT) is trimmed from either end; a no-break space or
/// another Unicode space is part of the id (trimming it would merge <c>alice\u00A0</c> into <c>alice</c>);</item>
/// <item>control and format characters (Unicode Cc and Cf: NUL, a zero-width space, a BOM in mid-file, the
/// bidirectional override U+202E, ...) are refused, because they make ids that look equal and are not
/// (<see cref="LoadOptions.AllowControlCharactersInIds"/> keeps them);</item>
/// <item>ids are normalised to Unicode NFC, so <c>José</c> typed with a combining accent and with a
/// precomposed é are one id; the number of distinct ids changed is in <see cref="LoadReport.NormalizedIds"/>
/// (<see cref="LoadOptions.NormalizeIds"/> turns it off). A process running in globalization-invariant mode
/// has no normalisation data: ids with combining marks are then kept as they are and counted in a warning.</item>
/// </list>
/// ASCII ids (the common case) pass through one vectorised range check.
/// </summary>
internal sealed class IdPolicy
{
    /// <summary>The characters trimmed from both ends of an id: ASCII whitespace only.</summary>
    public const string AsciiWhitespace = " \t\r\n\f\v";

    private readonly bool _normalize;
    private readonly bool _allowControl;
    private HashSet<string>? _normalized;
    private HashSet<string>? _unnormalizable;

    public IdPolicy(LoadOptions options)
    {
        _normalize = options.NormalizeIds;
        _allowControl = options.AllowControlCharactersInIds;
    }

    /// <summary>True when this runtime can normalise (false in globalization-invariant mode, which has no Unicode data).</summary>
    public static bool CanNormalize { get; } = Probe();

    /// <summary>Distinct ids whose text NFC normalisation changed.</summary>
    public long NormalizedIds => _normalized?.Count ?? 0;

    /// <summary>Distinct ids with combining marks that could not be normalised (globalization-invariant mode).</summary>
    public long UnnormalizedIds => _unnormalizable?.Count ?? 0;

    /// <summary>An id with ASCII whitespace trimmed from both ends (and nothing else).</summary>
    public static ReadOnlySpan<char> Trim(ReadOnlySpan<char> id) => id.Trim(AsciiWhitespace);

    /// <summary>
    /// Applies the policy to an id already trimmed: returns null when it is accepted (then
    /// <paramref name="id"/> may now be its NFC form), or the problem, a sentence naming the character.
    /// </summary>
    public string? Apply(ref ReadOnlySpan<char> id, string role)
    {
        if (!id.ContainsAnyExceptInRange(' ', '~'))
        {
            return null; // printable ASCII: nothing to refuse or normalise
        }

        var combining = false;
        foreach (var rune in id.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (!_allowControl && category is UnicodeCategory.Control or UnicodeCategory.Format)
            {
                return $"the {role} id '{Excerpt.Of(id)}' contains U+{rune.Value:X4}, a {(category == UnicodeCategory.Control ? "control" : "format (invisible)")} character{Name(rune.Value)}; "
                    + "such characters make ids that look equal and are not, so they are refused. Remove it, or set LoadOptions.AllowControlCharactersInIds to keep it.";
            }

            combining |= category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
        }

        if (!_normalize)
        {
            return null;
        }

        if (!CanNormalize)
        {
            if (combining)
            {
                (_unnormalizable ??= new HashSet<string>(StringComparer.Ordinal)).Add(id.ToString());
            }

            return null;
        }

        if (id.IsNormalized(NormalizationForm.FormC))
        {
            return null;
        }

        var original = id.ToString();
        (_normalized ??= new HashSet<string>(StringComparer.Ordinal)).Add(original);
        id = original.Normalize(NormalizationForm.FormC);
        return null;
    }

    /// <summary>The warnings for a load report (empty when the policy changed nothing worth saying).</summary>
    public IEnumerable<string> Warnings()
    {
        if (NormalizedIds > 0)
        {
            yield return $"{NormalizedIds:N0} ids were not in Unicode NFC form and were normalised (LoadOptions.NormalizeIds), so a composed and a decomposed spelling are one id.";
        }

        if (UnnormalizedIds > 0)
        {
            yield return $"{UnnormalizedIds:N0} ids hold combining marks and were NOT normalised to NFC: this process runs in globalization-invariant mode, which has no Unicode normalisation data, so a composed and a decomposed spelling of such an id stay two ids.";
        }
    }

    private static string Name(int codePoint) => codePoint switch
    {
        0x00 => " (NUL)",
        0x09 => " (tab)",
        0x0D => " (carriage return: CR-only line ends?)",
        0x200B => " (zero-width space)",
        0x200C => " (zero-width non-joiner)",
        0x200D => " (zero-width joiner)",
        0x200E or 0x200F => " (direction mark)",
        >= 0x202A and <= 0x202E => " (bidirectional embedding or override)",
        >= 0x2066 and <= 0x2069 => " (bidirectional isolate)",
        0xFEFF => " (byte-order mark / zero-width no-break space)",
        0x00AD => " (soft hyphen)",
        _ => "",
    };

    private static bool Probe()
    {
        try
        {
            return "e\u0301".Normalize(NormalizationForm.FormC) == "\u00e9";
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
    }
}
