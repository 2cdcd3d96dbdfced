using Spectre.Console;

namespace CrossRec.Trainer.Cli;

/// <summary>
/// Shows the progress of <see cref="Recommenders.Auto"/> on standard error: a progress bar naming the stage and the
/// candidate when standard error is a terminal and colour is allowed (<see cref="ConsoleSetup.UsesAnsi"/>), otherwise
/// one plain line as each candidate starts. Standard output stays free for results and JSON.
/// </summary>
public static class AutoProgressView
{
    /// <summary>Runs <paramref name="work"/> with a progress listener and returns its result.</summary>
    /// <param name="prefix">Start of each plain line (the command's name).</param>
    /// <param name="work">The Auto run; it gets the listener to pass on, and a way to print a line on standard error
    /// (above the bar on a terminal) while it runs.</param>
    public static T Run<T>(string prefix, Func<IProgress<TrainingProgress>, Action<string>, T> work)
    {
        if (!ConsoleSetup.UsesAnsi(Console.Error))
        {
            var plain = new SynchronousProgress<TrainingProgress>(r =>
            {
                if (r.Algorithm == "auto")
                {
                    Console.Error.WriteLine($"{prefix}: auto {r.Percent,3:F0}%  {r.Stage,-9} {r.Candidate}");
                }
            });
            return work(plain, Console.Error.WriteLine);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(Console.Error),
        });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("auto: starting", maxValue: 100);
                var bar = new SynchronousProgress<TrainingProgress>(r =>
                {
                    var step = r.Algorithm == "auto" ? "" : $" {r.Algorithm} {r.Iteration}/{r.TotalIterations}";
                    task.Description = Markup.Escape($"auto {r.Stage,-9} {r.Candidate}{step}");
                    task.Value = r.Percent ?? task.Value;
                });
                result = work(bar, line => console.WriteLine(line));
                task.Value = 100;
            });
        return result;
    }
}
