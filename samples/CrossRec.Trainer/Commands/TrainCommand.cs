using System.Diagnostics;
using System.Text.Json;
using CrossRec.Trainer.Cli;
using Spectre.Console;

namespace CrossRec.Trainer.Commands;

/// <summary>
/// <c>crossrec-trainer [train] [options]</c>: trains biased matrix factorization on the embedded synthetic
/// dataset or on a file, shows per-epoch progress and a result table, and can print recommendations,
/// user segments and a JSON summary.
/// </summary>
public static class TrainCommand
{
    public const string Usage = """
        crossrec-trainer [train] [options]
          Data (default: the embedded synthetic dataset, no download needed):
            --data PATH              ratings file or folder
            --format F               movielens-100k | movielens-1m | movielens-csv | csv   (default movielens-100k)
            --delimiter C            field delimiter for --format csv (default ',')
            --split S                u1..u5 (MovieLens 100K folder) | random   (default: u1 for a 100K folder, else random)
            --test PATH              explicit test file in the same format (instead of --split)
            --test-fraction F        test share for --split random (default 0.1)
            --synthetic-ratings N    size of the embedded dataset (default 200000)
          Model:
            --factors K --epochs N --learning-rate X --regularization X --seed S --threads T
            --deterministic          single thread, bit-identical results for a seed
            --implicit [--negatives N]   train on implicit feedback (every rating a positive, N sampled
                                     negatives each, default 4): the top-N model; reports ranking metrics
          Output:
            --recommend USER [--top N]   print top-N recommendations for a user
            --segments K [--items PATH]  cluster the user factors into K segments and show their
                                     over-represented genres (MovieLens u.item, found beside 100K data)
            --save PATH              save the trained model
            --load PATH              load a saved model instead of training, then evaluate and
                                     recommend with it as above (the data gives the test set)
            --no-ranking             skip the top-10 ranking metrics (they score every item for
                                     every test user: slow on catalogues of many thousands)
            --duplicates P           repeated (user, item) rows in --data: refuse (default) | sum | last | max
            --scale MIN,MAX          declared rating scale for --format csv (values outside are errors)
            --json                   print a JSON summary (with the epoch history) as the last line of stdout
            --plot DIR               write pictures (PNG) into DIR: learning curve, NDCG and recall against N
          Output honours NO_COLOR, and has no ANSI codes when redirected.
        """;

    private static readonly HashSet<string> Flags = ["json", "deterministic", "help", "no-ranking", "implicit"];

    public static int Run(IReadOnlyList<string> argv)
    {
        var args = Arguments.Parse(argv, Flags);
        if (args.Flag("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var json = args.Flag("json");
        var seed = args.Int("seed", int.MinValue, int.MaxValue) ?? 42;
        var dataset = DatasetArguments.Load(args, seed);
        var defaults = new FactorizationOptions();
        var options = defaults with
        {
            Factors = args.Int("factors", 1, 4096) ?? defaults.Factors,
            Epochs = args.Int("epochs", 1, 100_000) ?? defaults.Epochs,
            LearningRate = args.Float("learning-rate", float.Epsilon, 1f) ?? defaults.LearningRate,
            Regularization = args.Float("regularization", 0f, 100f) ?? defaults.Regularization,
            Seed = seed,
            Threads = args.Int("threads", 0, 1024) ?? defaults.Threads,
            Deterministic = args.Flag("deterministic"),
        };
        var recommendFor = args.String("recommend");
        var top = args.Int("top", 1, 10_000) ?? 10;
        var segments = args.Int("segments", 2, 1000);
        var itemCatalog = args.String("items");
        var savePath = args.String("save") is { } saveFile ? CliFiles.Output("save", saveFile) : null;
        var withRanking = !args.Flag("no-ranking");
        var implicitFeedback = args.Flag("implicit");
        var negatives = args.Int("negatives", 1, 1000) ?? 4;
        var plotDirectory = args.String("plot");
        var loadPath = args.String("load") is { } loadFile ? CliFiles.Input("load", loadFile) : null;
        args.RejectUnknown();
        if (loadPath is not null && savePath is not null)
        {
            throw new UsageException("give either --load or --save, not both.");
        }

        foreach (var warning in dataset.LoadWarnings)
        {
            AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(warning)}");
        }

        AnsiConsole.MarkupLine($"[bold]CrossRec trainer[/] — {Markup.Escape(dataset.Name)}: {dataset.Train.Count:N0} training and {dataset.Test.Count:N0} test ratings, {dataset.Train.UserCount:N0} users, {dataset.Train.ItemCount:N0} items");
        var builder = Factorization.Biased(options);
        var engineName = builder.EngineName;
        AnsiConsole.MarkupLine($"Engine: [green]{Markup.Escape(engineName)}[/], k = {options.Factors}, {options.Epochs} epochs, η = {options.LearningRate}, λ = {options.Regularization}, threads = {options.EffectiveThreads}");

        FactorizationModel model = null!;
        var fitWatch = new System.Diagnostics.Stopwatch();
        if (loadPath is not null)
        {
            model = FactorizationModel.Load(loadPath);
            AnsiConsole.MarkupLine($"Model loaded from [blue]{Markup.Escape(loadPath)}[/]: {model.UserIds.Count:N0} users, {model.ItemIds.Count:N0} items, k = {model.Factors}");
        }
        else
        {
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("epoch 0", maxValue: options.Epochs);
                var progress = new SynchronousProgress<TrainingProgress>(e =>
                {
                    task.Description = $"epoch {e.Iteration}/{e.TotalIterations}  train RMSE {e.Loss:F4}  {e.Metrics[TrainingProgress.UpdatesPerSecondMetric] / 1e6:F1}M upd/s";
                    task.Value = e.Iteration;
                });
                fitWatch.Start();
                model = implicitFeedback ? builder.FitImplicit(dataset.Train, negatives, progress) : builder.Fit(dataset.Train, progress);
                fitWatch.Stop();
                task.Value = task.MaxValue;
            });
        }

        var info = model.Info;
        if (info?.Note is { } note)
        {
            Console.Error.WriteLine($"note: {note}"); // e.g. --threads above the core count (clamped), or Device.Auto's fallback
        }
        var rating = implicitFeedback ? null : model.Evaluate(dataset.Test); // an implicit model scores propensities, not ratings
        var ranking = withRanking ? model.EvaluateRanking(dataset.Test, new RankingOptions { K = 10, RelevanceThreshold = dataset.RelevanceThreshold }) : null;

        var table = new Table().RoundedBorder().Title("Result").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        if (rating is not null)
        {
            table.AddRow("test RMSE", $"{rating.Rmse:F4}");
            table.AddRow("test MAE", $"{rating.Mae:F4}");
        }

        if (ranking is not null)
        {
            table.AddRow($"NDCG@10 (relevant ≥ {dataset.RelevanceThreshold})", $"{ranking.Ndcg:F4}");
            table.AddRow("Recall@10", $"{ranking.Recall:F4}");
            table.AddRow("HitRate@10", $"{ranking.HitRate:F4}");
            table.AddRow("AUC", $"{ranking.Auc:F4}");
        }

        if (rating is not null)
        {
            table.AddRow("test rows with unknown user / item", $"{rating.UnknownUsers:N0} / {rating.UnknownItems:N0}");
        }

        if (info is not null)
        {
            table.AddRow("epochs run", $"{info.EpochsRun}");
            table.AddRow(loadPath is null ? "training time (epochs / whole fit)" : "training time (epochs, when it was trained)", loadPath is null ? $"{info.TrainSeconds:F2} s / {fitWatch.Elapsed.TotalSeconds:F2} s" : $"{info.TrainSeconds:F2} s");
            table.AddRow("rating updates / s", $"{info.UpdatesPerSecond / 1e6:F2} M");
        }

        AnsiConsole.Write(table);

        if (recommendFor is not null)
        {
            var recs = model.Recommend(recommendFor, top);
            var recTable = new Table().RoundedBorder().Title($"Top {top} for user {Markup.Escape(recommendFor)}").AddColumn("#").AddColumn("item").AddColumn(new TableColumn("predicted").RightAligned());
            for (var r = 0; r < recs.Count; r++)
            {
                recTable.AddRow($"{r + 1}", Markup.Escape(dataset.DescribeItem(recs[r].ItemId)), $"{recs[r].Score:F2}");
            }

            AnsiConsole.Write(recTable);
        }

        if (segments is { } k)
        {
            SegmentationStep.Print(model, dataset.Train, itemCatalog ?? dataset.ItemCatalogPath, k, seed);
        }

        if (savePath is not null)
        {
            CliFiles.Save("save", savePath, model.Save);
            AnsiConsole.MarkupLine($"Model saved to [blue]{Markup.Escape(savePath)}[/]");
        }

        if (plotDirectory is not null)
        {
            foreach (var file in TrainPlots.Write(model, implicitFeedback ? "biased MF, implicit" : "biased MF", dataset.Train, dataset.Test, dataset.RelevanceThreshold, withRanking, plotDirectory))
            {
                AnsiConsole.MarkupLine($"Picture: [blue]{Markup.Escape(file)}[/]");
            }
        }

        if (json)
        {
            // Non-finite metrics become null (JSON has no NaN/∞) and are listed, so the summary is never lost.
            var nonFinite = new List<string>();
            double? Metric(string name, double? value)
            {
                if (value is { } v && !double.IsFinite(v))
                {
                    nonFinite.Add(name);
                }

                return ConsoleSetup.Finite(value);
            }

            var summary = new Dictionary<string, object?>
            {
                ["dataset"] = dataset.Name,
                ["model"] = loadPath is null ? "trained" : $"loaded from {loadPath}",
                ["factors"] = model.Factors,
                ["epochs"] = info?.EpochsRun,
                ["rmse"] = Metric("rmse", rating?.Rmse),
                ["mae"] = Metric("mae", rating?.Mae),
                ["feedback"] = implicitFeedback ? "implicit" : "explicit",
                ["ndcg_at_10"] = Metric("ndcg_at_10", ranking?.Ndcg),
                ["train_seconds"] = info?.TrainSeconds,
                ["fit_seconds"] = loadPath is null ? fitWatch.Elapsed.TotalSeconds : null,
                ["updates_per_second"] = Metric("updates_per_second", info?.UpdatesPerSecond),
                ["device"] = info?.Device,
                ["note"] = info?.Note,
                ["history"] = info?.History.Select(e => new Dictionary<string, object?>
                {
                    ["epoch"] = e.Epoch,
                    ["train_rmse"] = Metric($"history[{e.Epoch}].train_rmse", e.TrainRmse),
                    ["validation_rmse"] = Metric($"history[{e.Epoch}].validation_rmse", e.ValidationRmse),
                    ["seconds"] = e.Elapsed.TotalSeconds,
                    ["updates_per_second"] = Metric($"history[{e.Epoch}].updates_per_second", e.UpdatesPerSecond),
                    ["learning_rate"] = Metric($"history[{e.Epoch}].learning_rate", e.LearningRate),
                }).ToArray(),
                ["load_warnings"] = dataset.LoadWarnings,
            };
            summary["non_finite"] = nonFinite;
            Console.WriteLine(JsonSerializer.Serialize(summary, ConsoleSetup.Json));
        }

        return 0;
    }
}
