using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace CrossRec.Trainer.Cli;

/// <summary>Console and JSON conventions shared by the trainer's commands and the other samples.</summary>
#if CROSSREC_SAMPLE_LINK
internal // linked into the campaign sample, which the tests reference beside the trainer: one public copy only
#else
public
#endif
static class ConsoleSetup
{
    /// <summary>
    /// Points <see cref="AnsiConsole"/> at the current <see cref="Console.Out"/>: no ANSI escape codes at all
    /// when output is redirected (a file, a pipe, a test) or when <c>NO_COLOR</c> is set (no-color.org),
    /// and no live progress display when output is not a terminal.
    /// </summary>
    /// <remarks>
    /// The one colour policy of every sample (the trainer, the conversion trainer and the campaign call this first):
    /// escape codes of any kind (colour, bold, cursor moves of a live progress bar) only on a terminal and only when
    /// <c>NO_COLOR</c> is unset or empty; otherwise plain text and no live display.
    /// </remarks>
    public static void Configure()
    {
        var plain = !UsesAnsi(Console.Out);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        if (plain && Console.IsOutputRedirected)
        {
            AnsiConsole.Console.Profile.Width = 120; // a file or pipe has no width: lines are not wrapped at 80
        }
    }

    /// <summary>
    /// Whether escape codes may be written to this stream: it is the process's standard output or error, that stream is a
    /// terminal (not a file, pipe or test's writer), and <c>NO_COLOR</c> is unset or empty (no-color.org).
    /// </summary>
    public static bool UsesAnsi(TextWriter stream)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) || stream is StringWriter)
        {
            return false;
        }

        return ReferenceEquals(stream, Console.Out) ? !Console.IsOutputRedirected
            : ReferenceEquals(stream, Console.Error) && !Console.IsErrorRedirected;
    }

    /// <summary>
    /// Standard JSON: only what RFC 8259 requires is escaped (an id like <c>café+1</c> stays readable
    /// instead of <c>caf\u00E9\u002B1</c>).
    /// </summary>
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A metric for JSON: null when it is NaN or infinite (JSON has no such numbers), so a run's summary is never lost.</summary>
    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
