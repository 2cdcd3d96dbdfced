using System.Globalization;
using System.Text;

namespace CrossRec.Data.Parsing;

/// <summary>
/// The one id policy every interaction loader applies to user, item and domain ids (delimited files,
/// MovieLens, cross-domain files, Parquet, databases, id lists):
/// <list type="bullet">
/// <item>only ASCII whitespace (space, tab, CR, LF, FF, VT) is trimmed from either end; a no-break space or
/// another Unicode space is part of the id (trimming it would merge <c>alice\u00A0</c> into <c>alice</c>),
/// counted in <see cref="LoadReport.UnicodeSpaceIds"/> with a warning
/// (<see cref="LoadOptions.TrimUnicodeWhitespace"/> trims it);</item>
/// <item>control and format characters (Unicode Cc and Cf: NUL, a zero-width space, a BOM in mid-file, the
/// bidirectional override U+202E, ...) are refused, because they make ids that look equal and are not
/// (<see cref="LoadOptions.AllowControlCharactersInIds"/> keeps them, counted in
/// <see cref="LoadReport.ControlCharacterIds"/>);</item>
/// <item>ids are normalised to Unicode NFC, so <c>José</c> typed with a combining accent and with a
/// precomposed é are one id; the number of distinct ids changed is in <see cref="LoadReport.NormalizedIds"/>
/// (<see cref="LoadOptions.NormalizeIds"/> turns it off). The library normalises with its own Unicode tables
/// (<see cref="Nfc"/>), so the outcome does not depend on the application's globalization mode (in
/// globalization-invariant mode .NET's <see cref="string.Normalize()"/> returns its input unchanged).</item>
/// </list>
/// ASCII ids (the common case) pass through one vectorised range check.
/// </summary>
internal sealed class IdPolicy
{
    /// <summary>The characters trimmed from both ends of an id: ASCII whitespace only.</summary>
    public const string AsciiWhitespace = " \t\r\n\f\v";

    private readonly bool _normalize;
    private readonly bool _allowControl;
    private readonly bool _trimUnicode;
    private HashSet<string>? _spaced;   // ids that began or ended with a Unicode (non-ASCII) space, as read
    private HashSet<string>? _control;  // ids kept with control or format characters
    private Dictionary<string, string>? _normalized; // each id changed, and its NFC form

    public IdPolicy(LoadOptions options)
    {
        _normalize = options.NormalizeIds;
        _allowControl = options.AllowControlCharactersInIds;
        _trimUnicode = options.TrimUnicodeWhitespace;
    }

    /// <summary>Distinct ids that began or ended with a Unicode space other than ASCII whitespace (trimmed or kept).</summary>
    public long UnicodeSpaceIds => _spaced?.Count ?? 0;

    /// <summary>Distinct ids kept with control or format characters (<see cref="LoadOptions.AllowControlCharactersInIds"/>).</summary>
    public long ControlCharacterIds => _control?.Count ?? 0;

    /// <summary>Distinct ids whose text NFC normalisation changed.</summary>
    public long NormalizedIds => _normalized?.Count ?? 0;

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

        if (char.IsWhiteSpace(id[0]) || char.IsWhiteSpace(id[^1]))
        {
            (_spaced ??= new HashSet<string>(StringComparer.Ordinal)).Add(id.ToString());
            if (_trimUnicode)
            {
                id = id.Trim();
                if (id.IsEmpty)
                {
                    return $"the {role} id is empty once its whitespace is trimmed (LoadOptions.TrimUnicodeWhitespace).";
                }

                if (!id.ContainsAnyExceptInRange(' ', '~'))
                {
                    return null;
                }
            }
        }

        foreach (var rune in id.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format)
            {
                if (_allowControl)
                {
                    (_control ??= new HashSet<string>(StringComparer.Ordinal)).Add(id.ToString());
                    break;
                }

                return $"the {role} id '{Excerpt.Of(id)}' contains U+{rune.Value:X4}, a {(category == UnicodeCategory.Control ? "control" : "format (invisible)")} character{Name(rune.Value)}; "
                    + "such characters make ids that look equal and are not, so they are refused. Remove it, or set LoadOptions.AllowControlCharactersInIds to keep it.";
            }
        }

        if (!_normalize || Nfc.IsQuickNormalized(id))
        {
            return null;
        }

        _normalized ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (_normalized.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var known))
        {
            id = known;
            return null;
        }

        var normalized = Nfc.Normalize(id);
        if (id.SequenceEqual(normalized))
        {
            return null;
        }

        _normalized[id.ToString()] = normalized;
        id = normalized;
        return null;
    }

    /// <summary>The warnings for a load report (empty when the policy changed nothing worth saying).</summary>
    public IEnumerable<string> Warnings()
    {
        if (UnicodeSpaceIds > 0)
        {
            yield return _trimUnicode
                ? $"{UnicodeSpaceIds:N0} ids began or ended with a Unicode space (such as the no-break space U+00A0), trimmed (LoadOptions.TrimUnicodeWhitespace)."
                : $"{UnicodeSpaceIds:N0} ids begin or end with a Unicode space (such as the no-break space U+00A0), kept as part of the id, so 'alice' and 'alice' followed by such a space are two ids. Set LoadOptions.TrimUnicodeWhitespace to trim them.";
        }

        if (ControlCharacterIds > 0)
        {
            yield return $"{ControlCharacterIds:N0} ids hold control or format characters (LoadOptions.AllowControlCharactersInIds), which make ids that look equal and are not.";
        }

        if (NormalizedIds > 0)
        {
            yield return $"{NormalizedIds:N0} ids were not in Unicode NFC form and were normalised (LoadOptions.NormalizeIds), so a composed and a decomposed spelling are one id.";
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
}
