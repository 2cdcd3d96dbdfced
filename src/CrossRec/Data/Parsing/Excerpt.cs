using System.Globalization;

namespace CrossRec.Data.Parsing;

/// <summary>Quotes input text in messages without echoing a huge field in full.</summary>
internal static class Excerpt
{
    /// <summary>The most characters of a field a message quotes.</summary>
    public const int MaxChars = 80;

    /// <summary>
    /// The text itself when it has at most <see cref="MaxChars"/> characters; otherwise its first
    /// characters, an ellipsis and the full length, e.g. <c>abc… (10,485,760 characters)</c>. Control
    /// characters are shown as <c>\uXXXX</c> so a message stays on one line.
    /// </summary>
    public static string Of(ReadOnlySpan<char> text)
    {
        var shown = text.Length <= MaxChars ? text : text[..(MaxChars - 3)];
        var sb = new System.Text.StringBuilder(shown.Length + 32);
        foreach (var c in shown)
        {
            if (char.IsControl(c))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                sb.Append(c);
            }
        }

        if (shown.Length < text.Length)
        {
            sb.Append(CultureInfo.InvariantCulture, $"… ({text.Length:N0} characters)");
        }

        return sb.ToString();
    }
}
