using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CrossRec;
using CrossRec.Trainer.Cli;
using Spectre.Console;

namespace CrossRec.ConversionTrainer;

/// <summary>
/// Sample console trainer for conversion scoring on a CSV file: fits an L2 logistic regression, then
/// prints metrics, a calibration table, a cumulative-gains chart and the strongest features.
/// </summary>
public static class Program
{
    private const string Usage = """
        crossrec-conversion --data PATH --target COLUMN [options]
          --positive VALUE          target value that counts as a conversion (default: yes/true/1)
          --drop COL,...            columns to leave out (ids, leaks such as 'duration')
          --test-fraction F         stratified test share (default 0.2)   --seed S (default 42)
          --test-rows FILE          0-based data-row indices (header excluded) of the test set, one per line
          --write-test-rows FILE    save the test-row indices used (to reproduce the split elsewhere)
          --c C                     inverse L2 strength, as scikit-learn's C (default 1)
          --solver auto|newton|lbfgs
          --save PATH               save the fitted model
          --json                    print a JSON summary as the last line of stdout
        """;

    private static readonly HashSet<string> Flags = ["json", "help"];

    public static int Main(string[] argv)
    {
        ConsoleSetup.Configure(); // the samples' one colour policy: no escape codes when redirected or with NO_COLOR
        try
        {
            return Run(argv);
        }
        catch (Exception e) when (UserErrors.IsUserError(e) || UserErrors.IsRunFailure(e))
        {
            return UserErrors.Report("crossrec-conversion", e, Usage);
        }
    }

    private static int Run(string[] argv)
    {
        var args = Arguments.Parse(argv, Flags);
        if (args.Flag("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var data = CliFiles.Input("data", args.String("data") ?? throw new UsageException("--data PATH is required."));
        var target = args.String("target") ?? throw new UsageException("--target COLUMN is required.");
        var positive = args.String("positive");
        var drop = (args.String("drop") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var testRowsPath = args.String("test-rows") is { } rowsFile ? CliFiles.Input("test-rows", rowsFile) : null;
        var fraction = args.Float("test-fraction", 0.0001f, 0.9999f);
        var seed = args.Int("seed", int.MinValue, int.MaxValue) ?? 42;
        var writeRows = args.String("write-test-rows") is { } writeFile ? CliFiles.Output("write-test-rows", writeFile) : null;
        var c = args.Float("c", 1e-6f, 1e6f) ?? 1f;
        var solver = (args.String("solver") ?? "auto") switch
        {
            "auto" => LogisticSolver.Auto,
            "newton" => LogisticSolver.Newton,
            "lbfgs" => LogisticSolver.Lbfgs,
            var s => throw new UsageException($"--solver must be auto, newton or lbfgs, got '{s}'."),
        };
        var save = args.String("save") is { } saveFile ? CliFiles.Output("save", saveFile) : null;
        var json = args.Flag("json");
        args.RejectUnknown();
        if (testRowsPath is not null && fraction is not null)
        {
            throw new UsageException("give either --test-fraction or --test-rows, not both.");
        }

        TabularData table = null!;
        TabularData train = null!, test = null!;
        int[] testRows = [];
        ConversionModel model = null!;
        double fitSeconds = 0;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var load = ctx.AddTask("load + split", maxValue: 1);
                table = TabularData.LoadCsv(data);
                if (testRowsPath is not null)
                {
                    testRows = ReadRows(testRowsPath, table.RowCount);
                    var isTest = new bool[table.RowCount];
                    foreach (var r in testRows)
                    {
                        isTest[r] = true;
                    }

                    test = table.SelectRows(testRows);
                    train = table.SelectRows(Enumerable.Range(0, table.RowCount).Where(r => !isTest[r]).ToArray());
                }
                else
                {
                    (train, test, testRows) = Conversion.SplitStratified(table, target, fraction ?? 0.2, seed, positive);
                }

                load.Value = 1;
                var fit = ctx.AddTask("fit logistic regression", maxValue: 1);
                var watch = Stopwatch.StartNew();
                model = Conversion.Logistic().C(c).Solver(solver).Fit(train, target, positive, drop);
                fitSeconds = watch.Elapsed.TotalSeconds;
                fit.Value = 1;
            });

        if (writeRows is not null)
        {
            CliFiles.WriteText("write-test-rows", writeRows, w =>
            {
                foreach (var r in testRows)
                {
                    w.WriteLine(r.ToString(CultureInfo.InvariantCulture));
                }
            });
        }

        var labels = Enumerable.Range(0, test.RowCount).Select(r => test[target].Text(r) == model.PositiveLabel).ToArray();
        var probabilities = model.Score(test);
        var m = ConversionMetrics.Compute(labels, probabilities);
        var fitInfo = model.Fit!;

        if (table.LoadReport is { } report)
        {
            // Inferred column types are shown, so a column read as categorical by surprise is visible.
            AnsiConsole.MarkupLine($"Columns: {Markup.Escape(string.Join(", ", report.Columns.Select(c => $"{c.Name} {(c.IsNumeric ? "numeric" : "categorical")}{(c.Declared ? "" : " (inferred)")}")))}");
        }

        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(data))}[/]: {table.RowCount:N0} rows; train {train.RowCount:N0}, test {test.RowCount:N0}; target [green]{Markup.Escape(target)} = {Markup.Escape(model.PositiveLabel)}[/]; {model.Encoder.FeatureNames.Count} encoded features");
        var metrics = new Table().RoundedBorder().Title("Test metrics").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        metrics.AddRow("ROC AUC", $"{m.Auc:F4}");
        metrics.AddRow("PR AUC (average precision)", $"{m.PrAuc:F4}");
        metrics.AddRow("log-loss", $"{m.LogLoss:F4}");
        metrics.AddRow("Brier score", $"{m.Brier:F4}");
        metrics.AddRow("test conversion rate", $"{(double)m.Positives / m.Count:P2}");
        metrics.AddRow("fit", $"{fitSeconds:F3} s, {fitInfo.Solver}, {fitInfo.Iterations} iterations{(fitInfo.Converged ? "" : " (not converged)")}");
        AnsiConsole.Write(metrics);

        var calibration = new Table().RoundedBorder().Title("Calibration (deciles of predicted probability)")
            .AddColumn("decile").AddColumn(new TableColumn("rows").RightAligned()).AddColumn(new TableColumn("predicted").RightAligned())
            .AddColumn(new TableColumn("observed").RightAligned()).AddColumn(new TableColumn("95% band").RightAligned()).AddColumn("ok");
        foreach (var bin in m.Calibration)
        {
            calibration.AddRow($"{bin.Bin}", $"{bin.Count:N0}", $"{bin.MeanPredicted:P1}", $"{bin.ObservedRate:P1}", $"{bin.Low:P1}–{bin.High:P1}", bin.Calibrated ? "[green]✓[/]" : "[red]✗[/]");
        }

        AnsiConsole.Write(calibration);
        var chart = new BarChart().Width(70).Label("[bold]Cumulative gains: share of conversions found in the top x% (lift)[/]");
        foreach (var g in m.Gains.Where(g => g.TopFraction < 1))
        {
            chart.AddItem($"top {g.TopFraction:P0} (lift {g.Lift:F1})", Math.Round(g.Captured * 100, 1), Color.Green);
        }

        AnsiConsole.Write(chart);
        var strongest = new Table().RoundedBorder().Title("Strongest features (log-odds per unit)").AddColumn("feature").AddColumn(new TableColumn("coefficient").RightAligned());
        foreach (var (name, coefficient) in model.Encoder.FeatureNames.Zip(model.Coefficients.ToArray()).OrderByDescending(p => Math.Abs(p.Second)).Take(8))
        {
            strongest.AddRow(Markup.Escape(name), $"{coefficient:+0.000;-0.000}");
        }

        AnsiConsole.Write(strongest);
        if (save is not null)
        {
            CliFiles.Save("save", save, model.Save);
            AnsiConsole.MarkupLine($"Model saved to [blue]{Markup.Escape(save)}[/]");
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["dataset"] = data,
                ["target"] = target,
                ["train_rows"] = train.RowCount,
                ["test_rows"] = test.RowCount,
                ["features"] = model.Encoder.FeatureNames.Count,
                ["auc"] = m.Auc,
                ["pr_auc"] = m.PrAuc,
                ["log_loss"] = m.LogLoss,
                ["brier"] = m.Brier,
                ["fit_seconds"] = fitSeconds,
                ["iterations"] = fitInfo.Iterations,
                ["solver"] = fitInfo.Solver.ToString(),
            }));
        }

        return 0;
    }

    private static int[] ReadRows(string path, int rowCount)
    {
        var rows = new List<int>();
        var line = 0;
        foreach (var text in DelimitedFile.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) || r < 0 || r >= rowCount)
            {
                throw new DataFormatException(path, line, 1, $"expected a data-row index in 0..{rowCount - 1}, found '{text.Trim()}'.");
            }

            rows.Add(r);
        }

        var distinct = rows.Distinct().Order().ToArray();
        if (distinct.Length != rows.Count)
        {
            throw new DataFormatException(path, 0, 0, "a row index is listed twice.");
        }

        if (distinct.Length == 0 || distinct.Length == rowCount)
        {
            throw new DataFormatException(path, 0, 0, "the test rows must be a non-empty proper subset of the data rows.");
        }

        return distinct;
    }
}
