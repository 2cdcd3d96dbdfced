using System.Diagnostics;
using Spectre.Console;

namespace CrossRec.Samples.Campaign;

/// <summary>
/// The end-to-end cross-domain campaign: a course platform sells a film to users it knows mostly from
/// courses. Runs on the embedded synthetic platform (<see cref="SyntheticCrossDomain"/>), whose ground
/// truth lets the sample simulate the A/B test honestly.
/// </summary>
public static class Program
{
    /// <summary>Exit codes: 0 success, 1 failure, 2 bad arguments or an unwritable output.</summary>
    public static int Main(string[] args)
    {
        CrossRec.Trainer.Cli.ConsoleSetup.Configure(); // the samples' one colour policy: no escape codes when redirected or with NO_COLOR
        CampaignArguments arguments;
        try
        {
            arguments = CampaignArguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"crossrec-campaign: {e.Message}");
            return 2;
        }

        if (arguments.Help)
        {
            Console.WriteLine(CampaignArguments.Usage);
            return 0;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            var stopwatch = Stopwatch.StartNew();
            var report = CampaignPipeline.Run(arguments, AnsiConsole.Console, cancel.Token);
            report.TotalSeconds = stopwatch.Elapsed.TotalSeconds;
            CampaignReport.Print(report, AnsiConsole.Console);
            if (arguments.PlotDirectory is { } plots)
            {
                foreach (var file in CampaignPlots.Write(report, plots))
                {
                    Console.WriteLine($"picture: {file}");
                }
            }
            if (arguments.Json)
            {
                Console.Out.Flush();
                Console.WriteLine(CampaignReport.ToJson(report));
            }

            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("crossrec-campaign: cancelled.");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // --plot naming a file, a folder that cannot be created, a full disk: one line, no stack trace.
            Console.Error.WriteLine($"crossrec-campaign: {e.Message.ReplaceLineEndings(" ")}");
            return 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or TrainingDivergedException)
        {
            Console.Error.WriteLine($"crossrec-campaign: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }
}
