using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CrossRec.Trainer.Cli;
using Spectre.Console;

namespace CrossRec.Trainer.Commands;

/// <summary>
/// <c>crossrec-trainer [--json]</c>, the main job: the library at its best on the embedded synthetic data. The
/// default top-N recommender (<see cref="Recommenders.Auto"/>) against popularity on held-out interactions, and by
/// how much it wins; then, briefly, ratings (biased MF against each item's mean), segments (k-means on the user
/// factors) and conversion scoring (who takes an offered item, with and without the recommender's score).
/// </summary>
public static class DemoCommand
{
    public const string Usage = """
        crossrec-trainer [--json] [--seed S] [--threads T]
          The main job, on the embedded synthetic data (no download): top-N with the library's default
          (Recommenders.Auto) against popularity, then ratings, segments and conversion scoring, briefly.
          --seed S       seed of the data and of every split and model (default 42)
          --threads T    worker threads (default all cores)
          --json         print a JSON summary as the last line of stdout
        Other commands: train (biased MF, --data FILE ...), topn, segment, crossdomain; each takes --help.
        Output honours NO_COLOR, and has no ANSI codes when redirected.
        """;

    /// <summary>
    /// The embedded data: a shop of 5,000 users and 2,000 items whose interactions carry tastes, as real ones do.
    /// Item popularity is a power law (Zipf 0.8), users fall into 20 taste groups and choose items with odds
    /// popularity × exp(2 · taste match), and user activity is a power law too (Zipf 0.8: many users with a handful
    /// of interactions, a few with hundreds). <see cref="SyntheticRatingsOptions"/> documents the model.
    /// </summary>
    public static SyntheticRatingsOptions EmbeddedData(int seed) => new()
    {
        Users = 5_000,
        Items = 2_000,
        Ratings = 200_000,
        TasteClusters = 20,
        ChoiceStrength = 2,
        ActivitySkew = 0.8,
        Seed = seed,
    };

    private static readonly HashSet<string> Flags = ["json", "help"];

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
        var threads = args.Int("threads", 0, 1024) ?? 0;
        foreach (var option in new[] { "data", "format", "factors", "epochs", "implicit", "save", "load", "plot", "segments", "recommend" })
        {
            if (args.Has(option))
            {
                throw new UsageException($"--{option} is an option of the train command: crossrec-trainer train --{option} ... (the main job takes --json, --seed and --threads).");
            }
        }

        args.RejectUnknown();
        var total = Stopwatch.StartNew();
        var data = SyntheticRatings.Generate(EmbeddedData(seed));
        var (train, test) = data.SplitPerUser(testFraction: 0.2, seed: seed);
        var counts = data.CountsPerUser().Order().ToArray();
        AnsiConsole.MarkupLine("[bold]CrossRec[/] — the main job, on the embedded synthetic data (no download)");
        AnsiConsole.WriteLine($"Data: {data.UserCount:N0} users, {data.ItemCount:N0} items, {data.Count:N0} ratings 1–5: power-law item popularity, 20 taste groups");
        AnsiConsole.WriteLine($"that decide what users pick, sparse users (median {counts[counts.Length / 2]} interactions, most active {counts[^1]:N0}).");
        AnsiConsole.WriteLine($"Each user's interactions split 80/20 (seed {seed}): {train.Count:N0} to train on, {test.Count:N0} held out.");
        AnsiConsole.WriteLine();

        // 1. Top-N: the default recommender against popularity.
        AnsiConsole.MarkupLine("[bold]1. Top-N recommendation[/]: Recommenders.Auto(), the default, against popularity");
        var watch = Stopwatch.StartNew();
        var selection = AutoProgressView.Run("main", (progress, _) => Recommenders.Auto().Seed(seed).Threads(threads).Select(train, null, progress));
        var autoSeconds = watch.Elapsed.TotalSeconds;
        var popularity = Recommenders.Popularity().Fit(train);
        var auto = Evaluation.Ranking(selection.Model, test);
        var popular = Evaluation.Ranking(popularity, test);
        var tried = selection.Candidates.Where(c => c.Stage == CandidateScore.SelectionStage && c.Skipped is null).Select(c => $"{c.Algorithm} {c.Ndcg:F3}");
        var steps = selection.Candidates.Count(c => c.Stage == CandidateScore.TuningStage);
        AnsiConsole.WriteLine($"Auto validated {string.Join(", ", tried)} (NDCG@10 on a split of the training part only),");
        AnsiConsole.WriteLine($"tried {steps} tuning steps and a blend with the runner-up, and chose {Describe(selection.Model)} ({autoSeconds:F1} s).");
        var table = new Table().RoundedBorder()
            .AddColumn("on the held-out 20 %").AddColumn(new TableColumn("NDCG@10").RightAligned()).AddColumn(new TableColumn("Recall@10").RightAligned()).AddColumn(new TableColumn("HitRate@10").RightAligned());
        table.AddRow("[bold]Auto (the default)[/]", $"[bold]{auto.Ndcg:F4}[/]", $"[bold]{auto.Recall:F4}[/]", $"[bold]{auto.HitRate:F4}[/]");
        table.AddRow("popularity", $"{popular.Ndcg:F4}", $"{popular.Recall:F4}", $"{popular.HitRate:F4}");
        AnsiConsole.Write(table);
        var verdict = auto.Ndcg > popular.Ndcg ? "[green]The default wins[/]" : "[red]The default does not win[/]";
        AnsiConsole.MarkupLine($"{verdict}: NDCG@10 {Gain(auto.Ndcg, popular.Ndcg)} ({auto.Ndcg / popular.Ndcg:F2}×), Recall@10 {Gain(auto.Recall, popular.Recall)}, HitRate@10 {Gain(auto.HitRate, popular.HitRate)} over popularity ({auto.Users:N0} users).");
        AnsiConsole.WriteLine();

        // 2. Ratings: biased MF against the item-mean baseline.
        var mf = Factorization.Biased().Seed(seed).Deterministic().Fit(train); // one thread, bit-identical: the same segments every run
        var rmse = mf.Evaluate(test).Rmse;
        var itemMean = ItemMeanRmse(train, test);
        AnsiConsole.MarkupLine($"[bold]2. Ratings[/]: Factorization.Biased() predicts the held-out ratings with RMSE {rmse:F4};");
        AnsiConsole.WriteLine($"   each item's mean rating gives {itemMean:F4} ({Gain(rmse, itemMean)} for the model).");

        // 3. Segments: k-means on the user factors, each segment with the items it over-represents.
        var segments = Segmentation.KMeans(clusters: 6).Seed(seed).Restarts(3).Threads(threads).Fit(mf.UserFactors);
        var profiles = segments.Profile(train, itemLabels: null, top: 3, minCount: 20);
        AnsiConsole.MarkupLine("[bold]3. Segments[/]: Segmentation.KMeans(6) on the rating model's user factors; the items each segment");
        AnsiConsole.WriteLine("   over-represents most (lift: the segment's share of users with the item ÷ everyone's):");
        foreach (var p in profiles)
        {
            AnsiConsole.WriteLine($"   segment {p.Segment}: {p.Size,5:N0} users, {string.Join(", ", p.OverRepresented.Select(l => $"{l.Label} ×{l.Lift:F1}"))}");
        }

        // 4. Conversion: who takes an offered item next, with and without the recommender's score as a feature.
        var conversion = ConversionStep(selection.Model, train, test, seed, threads);
        AnsiConsole.MarkupLine($"[bold]4. Conversion scoring[/]: Conversion.Logistic() predicts who of the {conversion.Users:N0} users without item {conversion.Item} takes it");
        AnsiConsole.WriteLine($"   ({conversion.Positives} did, held out): test AUC {conversion.Auc:F3} with Auto's score of the item as a feature, {conversion.AucWithout:F3} from activity alone.");
        AnsiConsole.WriteLine();
        AnsiConsole.WriteLine($"Done in {total.Elapsed.TotalSeconds:F1} s. On your own file: crossrec-trainer topn --train FILE --all-users --out top10.tsv");

        if (json)
        {
            var summary = new Dictionary<string, object?>
            {
                ["command"] = "main",
                ["dataset"] = data.SourceName,
                ["chosen"] = selection.Model.ToString(),
                ["auto_seconds"] = Math.Round(autoSeconds, 3),
                ["ndcg_at_10"] = Math.Round(auto.Ndcg, 5),
                ["popularity_ndcg_at_10"] = Math.Round(popular.Ndcg, 5),
                ["ndcg_gain"] = Math.Round((auto.Ndcg / popular.Ndcg) - 1, 5),
                ["recall_at_10"] = Math.Round(auto.Recall, 5),
                ["popularity_recall_at_10"] = Math.Round(popular.Recall, 5),
                ["hit_rate_at_10"] = Math.Round(auto.HitRate, 5),
                ["popularity_hit_rate_at_10"] = Math.Round(popular.HitRate, 5),
                ["users"] = auto.Users,
                ["rmse"] = Math.Round(rmse, 5),
                ["item_mean_rmse"] = Math.Round(itemMean, 5),
                ["segment_sizes"] = segments.Sizes.ToArray(),
                ["conversion_auc"] = Math.Round(conversion.Auc, 5),
                ["conversion_auc_without_recommender"] = Math.Round(conversion.AucWithout, 5),
                ["seconds"] = Math.Round(total.Elapsed.TotalSeconds, 3),
                ["candidates"] = selection.Candidates.Select(c => new Dictionary<string, object?>
                {
                    ["stage"] = c.Stage,
                    ["algorithm"] = c.Algorithm,
                    ["validation_ndcg_at_10"] = double.IsFinite(c.Ndcg) ? Math.Round(c.Ndcg, 5) : null,
                    ["seconds"] = Math.Round(c.Seconds, 3),
                }).ToList(),
            };
            Console.WriteLine(JsonSerializer.Serialize(summary, ConsoleSetup.Json));
        }

        return 0;
    }

    private static string Describe(RecommenderModel model)
    {
        var text = model.ToString();
        var paren = text.IndexOf(" (", StringComparison.Ordinal);
        return paren > 0 ? text[..paren] : text;
    }

    /// <summary>"+175 %" or "−25 %": the relative change of <paramref name="value"/> against <paramref name="baseline"/>.</summary>
    private static string Gain(double value, double baseline)
    {
        var change = ((value / baseline) - 1) * 100;
        return string.Create(CultureInfo.InvariantCulture, $"{(change >= 0 ? "+" : "−")}{Math.Abs(change):F0} %");
    }

    /// <summary>RMSE of predicting each test rating by its item's mean training rating (the global mean for an item with none).</summary>
    private static double ItemMeanRmse(InteractionSet train, InteractionSet test)
    {
        var sums = new double[train.ItemCount];
        var counts = new int[train.ItemCount];
        var global = 0.0;
        for (var r = 0; r < train.Count; r++)
        {
            sums[train.Items[r]] += train.Values[r];
            counts[train.Items[r]]++;
            global += train.Values[r];
        }

        global /= train.Count;
        var squared = 0.0;
        for (var r = 0; r < test.Count; r++)
        {
            var i = test.Items[r];
            var prediction = counts[i] > 0 ? sums[i] / counts[i] : global;
            squared += (test.Values[r] - prediction) * (test.Values[r] - prediction);
        }

        return Math.Sqrt(squared / test.Count);
    }

    private sealed record ConversionResult(string Item, int Users, int Positives, double Auc, double AucWithout);

    /// <summary>
    /// The offer: the item most often taken in the held-out part by users who did not have it. Every user without it in
    /// training is a row; the label is whether they took it (held out). Features: the recommender's score of the item
    /// for the user and their activity. A stratified 70/30 split of the users; test AUC with and without the score.
    /// </summary>
    private static ConversionResult ConversionStep(RecommenderModel model, InteractionSet train, InteractionSet test, int seed, int threads)
    {
        var taken = new int[train.ItemCount];
        for (var r = 0; r < test.Count; r++)
        {
            taken[test.Items[r]]++;
        }

        var item = Array.IndexOf(taken, taken.Max());
        var itemId = train.ItemIds[item];
        var had = new HashSet<int>();
        for (var r = 0; r < train.Count; r++)
        {
            if (train.Items[r] == item)
            {
                had.Add(train.Users[r]);
            }
        }

        var took = new HashSet<int>();
        for (var r = 0; r < test.Count; r++)
        {
            if (test.Items[r] == item)
            {
                took.Add(test.Users[r]);
            }
        }

        var users = Enumerable.Range(0, train.UserCount).Where(u => !had.Contains(u)).ToArray();
        var activity = train.CountsPerUser();
        var table = new TabularData(
        [
            TabularColumn.Numeric("recommender_score", users.Select(u => (double)model.ScoreOf(train.UserIds[u], itemId)).ToArray()),
            TabularColumn.Numeric("log_activity", users.Select(u => Math.Log(1 + activity[u])).ToArray()),
            TabularColumn.Categorical("took", users.Select(u => took.Contains(u) ? "yes" : "no")),
        ]);
        var (fit, holdout, _) = Conversion.SplitStratified(table, "took", testFraction: 0.3, seed: seed);
        var labels = Enumerable.Range(0, holdout.RowCount).Select(r => holdout["took"].Text(r) == "yes").ToArray();
        var logistic = Conversion.Logistic().Threads(threads);
        var with = ConversionMetrics.Compute(labels, logistic.Fit(fit, "took", "yes").Score(holdout)).Auc;
        var without = ConversionMetrics.Compute(labels, logistic.Fit(fit, "took", "yes", drop: ["recommender_score"]).Score(holdout)).Auc;
        return new ConversionResult(itemId, users.Length, users.Count(took.Contains), with, without);
    }
}
