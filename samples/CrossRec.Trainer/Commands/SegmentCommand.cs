using System.Diagnostics;
using System.Text.Json;
using CrossRec.Trainer.Cli;
using Spectre.Console;

namespace CrossRec.Trainer.Commands;

/// <summary><c>crossrec-trainer segment --npy PATH --clusters K [...]</c>: k-means on a matrix saved by NumPy.</summary>
public static class SegmentCommand
{
    public const string Usage = """
        crossrec-trainer segment --npy PATH --clusters K [options]
          --seed S                  seed of the k-means++ seeding (default 42)
          --algorithm A             auto | lloyd | hamerly | elkan | minibatch   (default auto)
          --restarts N              independent restarts, best inertia kept (default 1)
          --max-iterations N        (default 300)   --tolerance T (default 1e-4)   --threads T (default all cores)
          --init PATH               start from these centroids (.npy, k x d) instead of k-means++
          --standardize             z-score the columns first
          --save PATH               save the segmentation model
          --out FILE                write each row's segment: a header line 'row<TAB>segment', then one line per
                                    row of the matrix, in order (row = its 0-based index)
          --plot FILE.png           draw the rows on their first two principal components, coloured by segment
          --json                    print a JSON summary as the last line of stdout
        """;

    private static readonly HashSet<string> Flags = ["json", "standardize", "help"];

    public static int Run(IReadOnlyList<string> argv)
    {
        var args = Arguments.Parse(argv, Flags);
        if (args.Flag("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var path = CliFiles.Input("npy", args.String("npy") ?? throw new UsageException("segment needs --npy PATH."));
        var k = args.Int("clusters", 1, 100_000) ?? throw new UsageException("segment needs --clusters K.");
        var algorithm = (args.String("algorithm") ?? "auto") switch
        {
            "auto" => KMeansAlgorithm.Auto,
            "lloyd" => KMeansAlgorithm.Lloyd,
            "hamerly" => KMeansAlgorithm.Hamerly,
            "elkan" => KMeansAlgorithm.Elkan,
            "minibatch" => KMeansAlgorithm.MiniBatch,
            var a => throw new UsageException($"--algorithm must be auto, lloyd, hamerly, elkan or minibatch, got '{a}'."),
        };
        var options = new KMeansOptions
        {
            Clusters = k,
            Seed = args.Int("seed", int.MinValue, int.MaxValue) ?? 42,
            Algorithm = algorithm,
            Restarts = args.Int("restarts", 1, 1000) ?? 1,
            MaxIterations = args.Int("max-iterations", 1, 100_000) ?? 300,
            Tolerance = args.Float("tolerance", 0f, 1f) ?? 1e-4,
            Threads = args.Int("threads", 0, 1024) ?? 0,
        };
        var init = args.String("init");
        var standardize = args.Flag("standardize");
        var save = args.String("save") is { } saveFile ? CliFiles.Output("save", saveFile) : null;
        var outPath = args.String("out") is { } outFile ? CliFiles.Output("out", outFile) : null;
        var plotPath = args.String("plot") is { } plotFile ? CliFiles.Output("plot", plotFile) : null;
        var json = args.Flag("json");
        args.RejectUnknown();

        var load = Stopwatch.StartNew();
        var points = Npy.Read(path);
        if (init is not null)
        {
            options = options with { InitialCentroids = Npy.Read(init) };
        }

        var loadSeconds = load.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLine($"[bold]k-means[/] on {Markup.Escape(path)}: {points.Rows:N0} x {points.Columns}, k = {k}, {options.Algorithm}, seed {options.Seed}");
        SegmentationModel model = null!;
        var watch = Stopwatch.StartNew();
        AnsiConsole.Status().Start("clustering…", ctx =>
        {
            var progress = new SynchronousProgress<TrainingProgress>(r => ctx.Status($"restart {r.Metrics[TrainingProgress.RestartMetric] + 1}, iteration {r.Iteration}: inertia {r.Loss:N0}"));
            model = Segmentation.KMeans(k).WithOptions(options).Standardize(standardize).Fit(points, json ? null : progress);
        });
        var seconds = watch.Elapsed.TotalSeconds;
        var result = model.Result!;
        if (result.Note is { } note)
        {
            Console.Error.WriteLine($"segment: note: {note}");
        }
        var table = new Table().RoundedBorder().AddColumn("segment").AddColumn(new TableColumn("rows").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        for (var c = 0; c < k; c++)
        {
            table.AddRow($"{c}", $"{model.Sizes[c]:N0}", $"{(double)model.Sizes[c] / points.Rows:P1}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"inertia {result.Inertia:N1}, {result.Iterations} iterations{(result.Converged ? "" : " (iteration limit)")}, {seconds:F2} s (load {loadSeconds:F2} s)");
        if (save is not null)
        {
            CliFiles.Save("save", save, model.Save);
        }

        if (outPath is not null)
        {
            WriteAssignments(outPath, points, result.Assignments);
            AnsiConsole.MarkupLine($"assignments: [blue]{Markup.Escape(outPath)}[/] ({points.Rows:N0} rows)");
        }

        if (plotPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(plotPath))!);
            CrossRec.Plots.Charts.SegmentMap(points, model, plotPath, $"{k} segments of {Path.GetFileName(path)} (first two principal components)");
            AnsiConsole.MarkupLine($"picture: [blue]{Markup.Escape(plotPath)}[/]");
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["rows"] = points.Rows,
                ["dimensions"] = points.Columns,
                ["clusters"] = k,
                ["algorithm"] = options.Algorithm.ToString(),
                ["inertia"] = ConsoleSetup.Finite(result.Inertia),
                ["iterations"] = result.Iterations,
                ["converged"] = result.Converged,
                ["note"] = result.Note,
                ["seconds"] = seconds,
                ["sizes"] = model.Sizes.ToArray(),
                ["out"] = outPath,
                ["plot"] = plotPath,
            }, ConsoleSetup.Json));
        }

        return 0;
    }

    /// <summary>A header line, then <c>row&lt;TAB&gt;segment</c> per row: the row's id when the matrix has ids, else its 0-based index.</summary>
    private static void WriteAssignments(string path, ReadOnlyMatrix points, ReadOnlySpan<int> assignments)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        writer.Write("row\tsegment\n");
        for (var r = 0; r < assignments.Length; r++)
        {
            writer.Write(points.RowIds is { } ids ? ids[r] : r.ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.Write('\t');
            writer.Write(assignments[r].ToString(System.Globalization.CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }
}
