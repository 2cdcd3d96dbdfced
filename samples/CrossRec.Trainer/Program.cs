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
        catch (UsageException e)
        {
            Console.Error.WriteLine($"crossrec-trainer: {e.Message}");
            Console.Error.WriteLine(args.Length > 0 && args[0] == "segment" ? SegmentCommand.Usage : args.Length > 0 && args[0] == "topn" ? TopNCommand.Usage : args.Length > 0 && args[0] == "crossdomain" ? CrossDomainCommand.Usage : args.Length > 0 && args[0] == "train" ? TrainCommand.Usage : DemoCommand.Usage);
            return 2;
        }
        catch (Exception e) when (e is DataFormatException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or KeyNotFoundException or ModelFormatException or TrainingDivergedException or InvalidOperationException or NotSupportedException)
        {
            // Known, user-facing failures: the message names the file/line/column or option.
            Console.Error.WriteLine($"crossrec-trainer: {e.Message}");
            return 1;
        }
    }
}
