namespace CrossRec.Trainer.Cli;

/// <summary>
/// How the sample command lines end on an error: never with a stack trace for something the user can fix.
/// A user error (a bad option, a missing, unreadable or special file, malformed data, a model file that is
/// not one) is one line on stderr, <c>TOOL: message</c>, and exit code 2; a failure of the run itself
/// (training diverged, an unsupported combination) is one line and exit code 1.
/// </summary>
public static class UserErrors
{
    /// <summary>Exit code of a user error: a bad option, a bad or unreadable input, an unwritable output.</summary>
    public const int UserError = 2;

    /// <summary>Exit code of a run that failed for another reason (training diverged, say).</summary>
    public const int RunFailed = 1;

    /// <summary>True for the exceptions a user's input or environment causes (and that carry a message naming it).</summary>
    public static bool IsUserError(Exception e) =>
        e is UsageException or OptionException or DataFormatException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or IOException or ArgumentException or KeyNotFoundException or FormatException;

    /// <summary>True for the other failures a run reports in one line.</summary>
    public static bool IsRunFailure(Exception e) =>
        e is TrainingDivergedException or InvalidOperationException or NotSupportedException or OperationCanceledException;

    /// <summary>Writes the one-line message of <paramref name="e"/> and returns its exit code.</summary>
    public static int Report(string tool, Exception e, string? usage = null)
    {
        Console.Error.WriteLine($"{tool}: {OneLine(ForCommandLine(e.Message))}");
        if (e is UsageException && usage is not null)
        {
            Console.Error.WriteLine(usage);
        }

        return IsUserError(e) ? UserError : RunFailed;
    }

    /// <summary>A message on one line: line breaks become spaces (a message quoting a file must not spill over lines).</summary>
    public static string OneLine(string message) =>
        message.ReplaceLineEndings(" ").Trim();

    /// <summary>
    /// Library messages advise library options; on the command line the equivalent is an option (or nothing).
    /// </summary>
    public static string ForCommandLine(string message) => message
        .Replace("Set LoadOptions.Duplicates to Sum, Last, Max or KeepAll to merge or keep them.",
            "Remove the repeated rows, or merge them (the train command's --duplicates sum|last|max).", StringComparison.Ordinal)
        .Replace("Remove it, or set LoadOptions.AllowControlCharactersInIds to keep it.", "Remove it from the file.", StringComparison.Ordinal);
}

/// <summary>A problem with one option's value (a path that is a directory, an output that cannot be written); the message starts with the option.</summary>
public sealed class OptionException(string option, string message) : Exception($"--{option}: {message}")
{
    /// <summary>The option, without its dashes.</summary>
    public string Option { get; } = option;
}
