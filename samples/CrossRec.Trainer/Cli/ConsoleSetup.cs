using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace CrossRec.Trainer.Cli;

/// <summary>Console and JSON conventions shared by the trainer's commands.</summary>
public static class ConsoleSetup
{
    /// <summary>
    /// Points <see cref="AnsiConsole"/> at the current <see cref="Console.Out"/>: no ANSI escape codes at all
    /// when output is redirected (a file, a pipe, a test) or when <c>NO_COLOR</c> is set (no-color.org),
    /// and no live progress display when output is not a terminal.
    /// </summary>
    public static void Configure()
    {
        var redirected = Console.IsOutputRedirected || Console.Out is StringWriter;
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var plain = redirected || noColor;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        });
    }

    /// <summary>
    /// Standard JSON: only what RFC 8259 requires is escaped (an id like <c>café+1</c> stays readable
    /// instead of <c>caf\u00E9\u002B1</c>).
    /// </summary>
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A metric for JSON: null when it is NaN or infinite (JSON has no such numbers), so a run's summary is never lost.</summary>
    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
