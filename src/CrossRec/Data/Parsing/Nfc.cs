using System.Text;

namespace CrossRec.Data.Parsing;

/// <summary>
/// Unicode Normalization Form C (UAX #15: canonical decomposition, canonical ordering, canonical composition)
/// with the library's own tables (<see cref="UnicodeVersion"/>), so ids are normalised the same way whatever the
/// application's globalization mode: in globalization-invariant mode .NET's <see cref="string.Normalize()"/>
/// returns its input unchanged. Characters assigned after <see cref="UnicodeVersion"/> pass through unchanged
/// (NFC is stable: text normalised under these tables stays normalised under later ones).
/// </summary>
internal static partial class Nfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    /// <summary>
    /// True when <paramref name="text"/> is certainly in NFC (the UAX #15 quick check answers Yes). False means
    /// it is not, or may not be: <see cref="Normalize"/> decides. No allocation.
    /// </summary>
    public static bool IsQuickNormalized(ReadOnlySpan<char> text)
    {
        var lastClass = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = rune.Value;
            if (cp < 0x300)
            {
                lastClass = 0; // Latin-1 and the rest below the combining diacritics: starters, never composed with what precedes
                continue;
            }

            var cc = CombiningClass(cp);
            if ((cc != 0 && lastClass > cc) || QuickCheckNo.BinarySearch(cp) >= 0 || QuickCheckMaybe.BinarySearch(cp) >= 0)
            {
                return false;
            }

            lastClass = cc;
        }

        return true;
    }

    /// <summary>The NFC form of <paramref name="text"/> (a new string; equal to the input when it was already in NFC).</summary>
    public static string Normalize(ReadOnlySpan<char> text)
    {
        // 1. Full canonical decomposition.
        var buffer = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, buffer);
        }

        // 2. Canonical ordering: a stable sort by combining class of every run of non-starters.
        for (var i = 1; i < buffer.Count; i++)
        {
            var cc = CombiningClass(buffer[i]);
            if (cc == 0)
            {
                continue;
            }

            var j = i;
            var cp = buffer[i];
            while (j > 0 && CombiningClass(buffer[j - 1]) is var prev && prev > cc)
            {
                buffer[j] = buffer[j - 1];
                j--;
            }

            buffer[j] = cp;
        }

        // 3. Canonical composition: each character joins the last starter unless blocked (a character between
        // them with class 0 or a class not below its own).
        var starter = -1;     // index in the output of the last starter, -1 before the first
        var lastClass = -1;   // class of the last character after that starter, -1 when none follows it
        var output = 0;
        for (var i = 0; i < buffer.Count; i++)
        {
            var cp = buffer[i];
            var cc = CombiningClass(cp);
            if (starter >= 0 && (lastClass == -1 || (lastClass != 0 && lastClass < cc)) && Compose(buffer[starter], cp) is var composite && composite >= 0)
            {
                buffer[starter] = composite;
                continue;
            }

            if (cc == 0)
            {
                starter = output;
                lastClass = -1;
            }
            else
            {
                lastClass = cc;
            }

            buffer[output++] = cp;
        }

        var result = new StringBuilder(text.Length);
        for (var i = 0; i < output; i++)
        {
            result.Append(new Rune(buffer[i]).ToString());
        }

        return result.ToString();
    }

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int cp)
    {
        if (cp < 0x300)
        {
            return 0;
        }

        var at = CombiningKeys.BinarySearch(cp);
        return at >= 0 ? CombiningClasses[at] : 0;
    }

    private static void Decompose(int cp, List<int> into)
    {
        var s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            into.Add(LBase + (s / NCount));
            into.Add(VBase + (s % NCount / TCount));
            if (s % TCount != 0)
            {
                into.Add(TBase + (s % TCount));
            }

            return;
        }

        var at = cp < 0xC0 ? -1 : DecompositionKeys.BinarySearch(cp);
        if (at < 0)
        {
            into.Add(cp);
            return;
        }

        foreach (var d in DecompositionData[DecompositionOffsets[at]..DecompositionOffsets[at + 1]])
        {
            into.Add(d);
        }
    }

    /// <summary>The primary composite of a pair, or -1.</summary>
    private static int Compose(int first, int second)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            return SBase + ((((first - LBase) * VCount) + (second - VBase)) * TCount);
        }

        var s = first - SBase;
        if (s is >= 0 and < SCount && s % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            return first + (second - TBase);
        }

        var at = CompositionPairs.BinarySearch(((long)first << 21) | (uint)second);
        return at >= 0 ? Composites[at] : -1;
    }
}
