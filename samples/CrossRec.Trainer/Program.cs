using CrossRec.Trainer.Cli;
using CrossRec.Trainer.Commands;

namespace CrossRec.Trainer;

/// <summary>Sample console trainer: <c>crossrec-trainer [train|segment|topn|crossdomain] [options]</c>; no command runs the main job.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        ConsoleSetup.Configure();
        try
        {
            // No command: the main job (DemoCommand), which names the train command when given one of its options.
            return args.Length > 0 && args[0] == "segment" ? SegmentCommand.Run(args[1..])
                : args.Length > 0 && args[0] == "topn" ? TopNCommand.Run(args[1..])
                : args.Length > 0 && args[0] == "crossdomain" ? CrossDomainCommand.Run(args[1..])
                : args.Length > 0 && args[0] == "train" ? TrainCommand.Run(args[1..])
                : DemoCommand.Run(args);
        }
        catch (Exception e) when (UserErrors.IsUserError(e) || UserErrors.IsRunFailure(e) || e is ModelFormatException)
        {
            // No stack trace for what the user can fix: one line naming the option, file or line, exit code 2
            // (1 for a run that failed otherwise, such as diverged training); usage text only for usage errors.
            var usage = args.Length > 0 && args[0] == "segment" ? SegmentCommand.Usage : args.Length > 0 && args[0] == "topn" ? TopNCommand.Usage : args.Length > 0 && args[0] == "crossdomain" ? CrossDomainCommand.Usage : args.Length > 0 && args[0] == "train" ? TrainCommand.Usage : DemoCommand.Usage;
            return UserErrors.Report("crossrec-trainer", e, usage);
        }
    }
}
