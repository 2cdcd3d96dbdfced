using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CrossRec.Algorithms.Hybrid;
using CrossRec.Trainer.Cli;

namespace CrossRec.Trainer.Commands;

/// <summary>
/// <c>crossrec-trainer topn</c>: batch top-N scoring. Trains one recommender (or lets
/// <see cref="Recommenders.Auto"/> choose by validation inside the training file) and writes, for every
/// listed user, the best <c>--count</c> items they do not already have.
/// </summary>
public static class TopNCommand
{
    public static string Usage { get; } = $$"""
        crossrec-trainer topn --train FILE [--users FILE | --all-users] --out FILE [options]
          --train FILE        interactions: user<TAB or space or comma>item[<sep>value], header line optional
          --users FILE        one user id a line
          --all-users         every user of the training file, in order of first appearance (the default
                              when --users is absent)
          --out FILE          gets user<TAB>item1,item2,... (training items excluded), one line per listed user
          --algorithm A       {{TopNAlgorithms.Names(" | ")}}   (default auto:
                              each candidate is validated on a split of the training file, the best is refitted)
          --count N           items per user (default 10)
          --item-domains FILE item<TAB>domain lines; with --domain D only items of domain D are recommended,
          --domain D          by the library's cross-domain recommender (CrossDomain.Auto: the transfer method
                              is chosen by a cold-start validation inside the training file; with --algorithm A
                              other than auto, A is trained jointly on every domain). Users with no history in D
                              get D's items from their other domains' history.
          --item-features FILE  item features: item<TAB>feature[<TAB>weight] lines, a wide CSV (a header row
                              naming the columns, the item id first: a text cell gives column=value, several
                              split by '|'; a numeric column a weight scaled by its largest value) or a .parquet
                              table (wide). Items only in this file are recommendable. With auto, the hybrid,
                              mapped collaborative models and auto's usual choice are validated for --request;
                              with hybrid, the hybrid; with another algorithm, that algorithm mapped to the
                              features (Recommenders.Mapped)
          --user-features FILE  user features in the same layouts: users absent from --train but listed here are
                              served from their attributes (counted in the summary as attribute_users)
          --item-features-format F, --user-features-format F
                              auto (default): a .parquet file is wide; a text file whose first line has a tab is
                              id<TAB>feature lines, one with commas and no tab a wide CSV. long or wide force it
                              (long Parquet: columns id, feature[, weight]; a forced wide text file with tabs is
                              a wide TSV)
          --request R         what auto with features validates for: warm (default), new-items (ranked among
                              themselves, e.g. with --candidates), new-items-in-catalogue, new-users
          --candidates FILE   item ids that may be recommended, one a line (for example only new items)
          --budget SECONDS    auto only: a time budget for selection and tuning; candidates not started when it
                              is spent are skipped (the final refit on all the data always runs)
          --approximate       serve the lists from an HNSW index over the model's item vectors (large catalogues;
                              implicit ALS, BPR, hybrid or biased MF: with auto, only if it chose one of them),
                              its efSearch calibrated on the model's own users to --target-recall; saved with --save
          --target-recall R   recall@10 against exact lists that --approximate must reach with 95 % confidence on
                              its calibration sample (0 < R <= 1, default 0.95)
          --seed S            seed of the algorithm and of auto's validation split (default 7)
          --threads T         worker threads (default all cores)
          --save PATH         also save the trained model (Recommender.Load, or CrossDomainModel.Load with --domain)
          --json              print a JSON summary as the last line of stdout
        Users absent from the training file (and from --user-features) get the most popular items (counted in the
        summary as cold_users).
        """;

    private static readonly HashSet<string> Flags = ["json", "help", "all-users", "approximate"];

    public static int Run(IReadOnlyList<string> argv)
    {
        var args = Arguments.Parse(argv, Flags);
        if (args.Flag("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var trainPath = args.String("train") ?? throw new UsageException("topn needs --train FILE.");
        var usersPath = args.String("users");
        if (args.Flag("all-users") && usersPath is not null)
        {
            throw new UsageException("give either --users FILE or --all-users, not both.");
        }

        var outPath = args.String("out") ?? throw new UsageException("topn needs --out FILE.");
        var algorithm = args.String("algorithm") ?? "auto";
        var count = args.Int("count", 1, 100_000) ?? 10;
        var domainsPath = args.String("item-domains");
        var domain = args.String("domain");
        var seed = args.Int("seed", int.MinValue, int.MaxValue) ?? 7;
        var threads = args.Int("threads", 0, 1024) ?? 0;
        var json = args.Flag("json");
        var savePath = args.String("save");
        var itemFeaturesPath = args.String("item-features");
        var userFeaturesPath = args.String("user-features");
        var itemFeaturesFormat = args.String("item-features-format");
        var userFeaturesFormat = args.String("user-features-format");
        var candidatesPath = args.String("candidates");
        var requestName = args.String("request");
        var budget = args.Int("budget", 1, 2_592_000);
        var approximate = args.Flag("approximate");
        var targetRecall = args.Float("target-recall", float.Epsilon, 1);
        args.RejectUnknown();
        if (targetRecall is not null && !approximate)
        {
            throw new UsageException("--target-recall is for --approximate.");
        }

        if (approximate && domainsPath is not null)
        {
            throw new UsageException("--approximate does not combine with --item-domains (the cross-domain recommender serves exactly).");
        }
        if (budget is not null && algorithm != "auto")
        {
            throw new UsageException($"--budget limits Auto's selection: use it with --algorithm auto, not '{algorithm}'.");
        }

        if (itemFeaturesFormat is not null && itemFeaturesPath is null)
        {
            throw new UsageException("--item-features-format needs --item-features FILE.");
        }

        if (userFeaturesFormat is not null && userFeaturesPath is null)
        {
            throw new UsageException("--user-features-format needs --user-features FILE.");
        }

        var withFeatures = itemFeaturesPath is not null || userFeaturesPath is not null;
        if (requestName is not null && !(withFeatures && algorithm == "auto"))
        {
            throw new UsageException("--request is for --algorithm auto with --item-features or --user-features.");
        }

        var request = requestName switch
        {
            null or "warm" => AutoRequest.WarmUsers,
            "new-items" => AutoRequest.NewItems,
            "new-items-in-catalogue" => AutoRequest.NewItemsInCatalogue,
            "new-users" => AutoRequest.NewUsers,
            _ => throw new UsageException($"--request must be warm, new-items, new-items-in-catalogue or new-users, not '{requestName}'."),
        };

        if (withFeatures && domain is not null)
        {
            throw new UsageException("--item-features and --user-features do not combine with --domain.");
        }
        if (domain is not null && domainsPath is null)
        {
            throw new UsageException("--domain needs --item-domains FILE.");
        }

        var builder = TopNAlgorithms.Create(algorithm, seed, threads);
        if (builder is AutoRecommenderBuilder budgeted && budget is { } seconds)
        {
            builder = budgeted.Budget(TimeSpan.FromSeconds(seconds));
        }

        CheckPaths(trainPath, usersPath, outPath, domainsPath, savePath);
        FeatureSet? userFeatures = null;
        if (withFeatures)
        {
            userFeatures = userFeaturesPath is null ? null : LoadFeatures("user-features", userFeaturesPath, "user", userFeaturesFormat);
            var itemFeatures = itemFeaturesPath is null ? null : LoadFeatures("item-features", itemFeaturesPath, "item", itemFeaturesFormat);
            builder = builder switch
            {
                HybridBuilder hybridBuilder => hybridBuilder.ItemFeatures(itemFeatures).UserFeatures(userFeatures),
                AutoRecommenderBuilder autoBuilder => autoBuilder.ItemFeatures(itemFeatures).UserFeatures(userFeatures).For(request),
                _ => Recommenders.Mapped(builder).ItemFeatures(itemFeatures).UserFeatures(userFeatures),
            };
        }

        var (train, layout) = TopNInput.LoadTrain(trainPath);
        if (domainsPath is not null)
        {
            train = train.WithItemDomains(TopNInput.LoadItemDomains(domainsPath), requireAll: false);
        }

        var users = usersPath is null ? Enumerable.Range(0, train.UserCount).Select(u => train.UserIds[u]).ToList() : TopNInput.LoadUsers(usersPath);
        TopNInput.CheckOutputIds(train, trainPath);
        Console.Error.WriteLine($"topn: {train.Count} interactions, {train.UserCount} users, {train.ItemCount} items from {trainPath} (delimiter {(layout.Delimiter == "\t" ? "tab" : $"'{layout.Delimiter}'")}, {(layout.HasValue ? "value column" : "no value column")}, {(layout.HasHeader ? "header skipped" : "no header")})");

        if (domain is not null)
        {
            return RunCrossDomain(train, users, domain, algorithm, count, seed, threads, outPath, json, savePath);
        }

        var fitWatch = Stopwatch.StartNew();
        RecommenderModel model;
        IReadOnlyList<CandidateScore>? scores = null;
        int? selectionRows = null;
        if (builder is AutoRecommenderBuilder auto)
        {
            // A progress bar on a terminal, plain lines when standard error is redirected; each candidate's score either way.
            var selection = AutoProgressView.Run("topn", (progress, log) => auto.Select(train, new SynchronousProgress<CandidateScore>(s =>
                log(s.Skipped is null
                    ? $"topn: auto {s.Stage,-9} {s.Algorithm,-11}{(s.Parameters.TryGetValue("weights", out var w) ? $" {s.Parameters["components"]} {w}" : "")} validation NDCG@10 {s.Ndcg:F4} Recall@10 {s.Recall:F4} ({s.Seconds:F1}s)"
                    : $"topn: auto {s.Stage,-9} {s.Algorithm,-11} skipped: {s.Skipped}")), progress));
            model = selection.Model;
            scores = selection.Candidates;
            selectionRows = selection.SelectionRows;
            Console.Error.WriteLine($"topn: auto chose {model}");
        }
        else if (builder is FeatureAutoBuilder featureAuto)
        {
            var chosen = AutoProgressView.Run("topn", (progress, log) => featureAuto.Select(train, new SynchronousProgress<CandidateScore>(s =>
                log(s.Skipped is null
                    ? $"topn: auto {s.Stage,-9} {s.Algorithm,-11} validation NDCG@10 {s.Ndcg:F4} ({s.Seconds:F1}s)"
                    : $"topn: auto {s.Stage,-9} {s.Algorithm,-11} skipped: {s.Skipped}")), progress));
            model = chosen.Model;
            scores = chosen.Candidates;
            selectionRows = chosen.SelectionRows;
            Console.Error.WriteLine($"topn: auto ({chosen.Request}) chose {chosen.Choice}: {model}");
        }
        else
        {
            model = builder.Fit(train);
        }

        var fitSeconds = fitWatch.Elapsed.TotalSeconds;
        double? indexSeconds = null;
        if (approximate)
        {
            var indexWatch = Stopwatch.StartNew();
            try
            {
                model = model.WithApproximateServing(new ApproximateServingOptions { TargetRecall = targetRecall ?? 0.95, Threads = threads, Seed = seed });
            }
            catch (NotSupportedException e)
            {
                throw new UsageException($"--approximate: {e.Message} {(algorithm == "auto" ? "Auto chose it; give" : "Give")} --algorithm ials, bpr or hybrid.");
            }

            indexSeconds = indexWatch.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"topn: approximate index built and calibrated in {indexSeconds:F2}s: {model.ApproximateCalibration}");
        }

        if (savePath is not null)
        {
            CliFiles.Save("save", savePath, model.Save);
            Console.Error.WriteLine($"topn: model saved to {savePath}");
        }

        var filter = domain is null ? RecommendFilter.Default : RecommendFilter.ForDomain(domain);
        if (candidatesPath is not null)
        {
            var candidates = TopNInput.LoadUsers(candidatesPath);
            for (var n = 0; n < candidates.Count; n++)
            {
                if (!model.ItemIds.Contains(candidates[n]))
                {
                    throw new DataFormatException(candidatesPath, n + 1, 1, $"unknown item '{candidates[n]}': it is neither in --train nor in --item-features.");
                }
            }

            filter = filter with { AllowItems = candidates };
        }

        var recWatch = Stopwatch.StartNew();
        var known = new List<string>(users.Count);
        foreach (var u in users)
        {
            if (model.UserIds.Contains(u))
            {
                known.Add(u);
            }
        }

        var lists = model.RecommendMany(known, count, filter, threads);
        var byUser = new Dictionary<string, IReadOnlyList<ScoredItem>>(StringComparer.Ordinal);
        for (var n = 0; n < known.Count; n++)
        {
            byUser[known[n]] = lists[n];
        }

        var attributeUsers = 0;
        if (model is IAttributeRecommender attributeModel && userFeatures is not null && attributeModel.UserFeatures.Count > 0)
        {
            foreach (var u in users)
            {
                if (!byUser.ContainsKey(u) && userFeatures.Ids.Contains(u))
                {
                    byUser[u] = attributeModel.Recommend(attributeModel.FoldInAttributes(userFeatures.FeaturesOf(u)), count, filter);
                    attributeUsers++;
                }
            }
        }

        IReadOnlyList<ScoredItem>? cold = null;
        var coldUsers = users.Count - byUser.Count;
        if (users.Any(u => !byUser.ContainsKey(u)))
        {
            var popularity = Recommenders.Popularity().Fit(train);
            var unfiltered = new RecommendFilter { ExcludeSeen = false, Domain = domain, AllowItems = filter.AllowItems?.Where(popularity.ItemIds.Contains).ToList() };
            cold = unfiltered.AllowItems is { Count: 0 } ? [] : popularity.Recommend(popularity.UserIds[0], count, unfiltered);
        }

        Write(outPath, users, byUser, cold);

        var recommendSeconds = recWatch.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"topn: {model.Algorithm} fitted in {fitSeconds:F2}s; {users.Count} users ({attributeUsers} by attributes, {coldUsers} cold) scored in {recommendSeconds:F2}s -> {outPath}");
        if (model.Training?.Note is { } note)
        {
            Console.Error.WriteLine($"topn: note: {note}");
        }
        if (json)
        {
            var summary = new Dictionary<string, object?>
            {
                ["command"] = "topn",
                ["algorithm"] = model.Algorithm,
                ["requested_algorithm"] = algorithm,
                ["fit_seconds"] = Math.Round(fitSeconds, 4),
                ["users"] = users.Count,
                ["cold_users"] = coldUsers,
                ["attribute_users"] = attributeUsers,
                ["candidates_file"] = candidatesPath,
                ["recommend_seconds"] = Math.Round(recommendSeconds, 4),
                ["count"] = count,
                ["interactions"] = train.Count,
                ["items"] = model.ItemIds.Count,
                ["hyperparameters"] = model.Training?.Parameters,
                ["note"] = model.Training?.Note,
                ["beyond_accuracy"] = BeyondAccuracyJson(Evaluation.BeyondAccuracy(model, lists)),
                ["request"] = builder is FeatureAutoBuilder ? requestName ?? "warm" : null,
                ["selection_rows"] = selectionRows,
                ["approximate"] = model.ApproximateCalibration is { } c
                    ? new Dictionary<string, object?>
                    {
                        ["ef_search"] = c.EfSearch,
                        ["calibration_recall_at_10"] = Math.Round(c.Recall, 5),
                        ["calibration_recall_lower_bound"] = Math.Round(c.LowerBound, 5),
                        ["target_recall"] = c.TargetRecall,
                        ["calibration_users"] = c.Users,
                        ["reached"] = c.Reached,
                        ["index_seconds"] = Math.Round(indexSeconds ?? 0, 4),
                    }
                    : null,
                ["candidates"] = scores?.Select(c => new Dictionary<string, object?>
                {
                    ["algorithm"] = c.Algorithm,
                    ["validation_ndcg_at_10"] = double.IsFinite(c.Ndcg) ? Math.Round(c.Ndcg, 5) : null,
                    ["validation_recall_at_10"] = double.IsFinite(c.Recall) ? Math.Round(c.Recall, 5) : null,
                    ["seconds"] = Math.Round(c.Seconds, 3),
                    ["skipped"] = c.Skipped,
                }).ToList(),
            };
            Console.WriteLine(JsonSerializer.Serialize(summary));
        }

        return 0;
    }

    /// <summary>Reads a feature file in the layout <c>--NAME-format</c> gives or the content shows, and reports what was read.</summary>
    private static FeatureSet LoadFeatures(string option, string path, string kind, string? format)
    {
        var (features, layout) = TopNInput.LoadFeatures(option, CliFiles.Input(option, path), kind, format);
        Console.Error.WriteLine($"topn: {features.Count} {kind}s with {features.Features.Count} features ({features.PairCount} pairs) from {path} ({layout})");
        return features;
    }

    /// <summary>Every path option checked before anything is read or trained: one line naming the option when one is wrong.</summary>
    private static void CheckPaths(string trainPath, string? usersPath, string outPath, string? domainsPath, string? savePath)
    {
        CliFiles.Input("train", trainPath);
        if (usersPath is not null)
        {
            CliFiles.Input("users", usersPath);
        }

        CliFiles.Output("out", outPath);
        if (domainsPath is not null)
        {
            CliFiles.Input("item-domains", domainsPath);
        }

        if (savePath is not null)
        {
            CliFiles.Output("save", savePath);
        }
    }

    /// <summary>The written lists of the known users measured beyond accuracy (cold users' popularity lists left out): metrics by name, NaN as null.</summary>
    private static Dictionary<string, object?> BeyondAccuracyJson(BeyondAccuracyMetrics m)
    {
        var json = m.Values.ToDictionary(p => p.Key, p => (object?)(double.IsFinite(p.Value) ? Math.Round(p.Value, 5) : null));
        json["diversity_basis"] = m.DiversityBasis;
        json["lists"] = m.Lists;
        return json;
    }

    /// <summary>Target-domain top-N with the cross-domain recommender; users without target history included.</summary>
    private static int RunCrossDomain(InteractionSet train, List<string> users, string domain, string algorithm, int count, int seed, int threads, string outPath, bool json, string? savePath)
    {
        if (!train.Domains!.Contains(domain))
        {
            throw new UsageException($"--domain '{domain}' is not a domain of the item-domains file (it has {string.Join(", ", train.Domains)}).");
        }

        var fitWatch = Stopwatch.StartNew();
        CrossDomainModel model;
        if (algorithm == "auto")
        {
            model = CrossDomain.Auto().Seed(seed).Threads(threads).Fit(train, domain, new SynchronousProgress<CrossDomainCandidateScore>(s =>
                Console.Error.WriteLine(s.Skipped is null
                    ? $"topn: cross-domain candidate {s.Method,-44} validation NDCG@10 {s.Ndcg:F4} Recall@10 {s.Recall:F4} ({s.Seconds:F1}s)"
                    : $"topn: cross-domain candidate {s.Method,-44} skipped: {s.Skipped}")));
            Console.Error.WriteLine($"topn: cross-domain auto chose {model.Method}");
        }
        else
        {
            model = CrossDomain.Transfer(TopNAlgorithms.Create(algorithm, seed, threads)).Fit(train, domain);
        }

        var fitSeconds = fitWatch.Elapsed.TotalSeconds;
        if (savePath is not null)
        {
            CliFiles.Save("save", savePath, model.Save);
            Console.Error.WriteLine($"topn: cross-domain model saved to {savePath}");
        }

        var recWatch = Stopwatch.StartNew();
        var known = users.Where(model.UserIds.Contains).ToList();
        var lists = model.RecommendMany(known, count, null, threads);
        var byUser = new Dictionary<string, IReadOnlyList<ScoredItem>>(StringComparer.Ordinal);
        for (var n = 0; n < known.Count; n++)
        {
            byUser[known[n]] = lists[n];
        }

        // Users with training rows but none in the target domain: the cross-domain transfer serves them.
        var t = train.Domains.GetIndex(domain);
        var hasTarget = new HashSet<int>();
        var itemDomains = train.ItemDomains;
        for (var r = 0; r < train.Count; r++)
        {
            if (itemDomains[train.Items[r]] == t)
            {
                hasTarget.Add(train.Users[r]);
            }
        }

        var targetCold = known.Count(u => !hasTarget.Contains(model.UserIds.GetIndex(u)));
        IReadOnlyList<ScoredItem>? unknown = null;
        var coldUsers = users.Count - known.Count;
        if (coldUsers > 0)
        {
            var popularity = Recommenders.Popularity().Fit(train);
            unknown = popularity.Recommend(popularity.UserIds[0], count, new RecommendFilter { ExcludeSeen = false, Domain = domain });
        }

        Write(outPath, users, byUser, unknown);
        var recommendSeconds = recWatch.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"topn: cross-domain {model.Method} → {domain} fitted in {fitSeconds:F2}s; {users.Count} users ({targetCold} without {domain} history, {coldUsers} unknown: {domain} popularity) scored in {recommendSeconds:F2}s -> {outPath}");
        if (json)
        {
            var summary = new Dictionary<string, object?>
            {
                ["command"] = "topn",
                ["algorithm"] = "cross-domain",
                ["requested_algorithm"] = algorithm,
                ["chosen_method"] = model.Method,
                ["domain"] = domain,
                ["fit_seconds"] = Math.Round(fitSeconds, 4),
                ["users"] = users.Count,
                ["target_cold_users"] = targetCold,
                ["cold_users"] = coldUsers,
                ["recommend_seconds"] = Math.Round(recommendSeconds, 4),
                ["count"] = count,
                ["interactions"] = train.Count,
                ["items"] = train.ItemCount,
                ["hyperparameters"] = model.Parameters,
                ["candidates"] = model.Selection?.Candidates.Select(c => new Dictionary<string, object?>
                {
                    ["method"] = c.Method,
                    ["validation_ndcg_at_10"] = double.IsFinite(c.Ndcg) ? Math.Round(c.Ndcg, 5) : null,
                    ["validation_recall_at_10"] = double.IsFinite(c.Recall) ? Math.Round(c.Recall, 5) : null,
                    ["seconds"] = Math.Round(c.Seconds, 3),
                    ["skipped"] = c.Skipped,
                }).ToList(),
            };
            Console.WriteLine(JsonSerializer.Serialize(summary));
        }

        return 0;
    }

    /// <summary>Writes the lists atomically (temporary file, flush, rename): a killed run leaves the previous output whole.</summary>
    private static void Write(string outPath, List<string> users, Dictionary<string, IReadOnlyList<ScoredItem>> byUser, IReadOnlyList<ScoredItem>? cold) =>
        CliFiles.WriteText("out", outPath, writer =>
        {
            var line = new StringBuilder();
            foreach (var u in users)
            {
                var recs = byUser.TryGetValue(u, out var list) ? list : cold!;
                line.Clear().Append(u).Append('\t');
                for (var r = 0; r < recs.Count; r++)
                {
                    if (r > 0)
                    {
                        line.Append(',');
                    }

                    line.Append(recs[r].ItemId);
                }

                writer.WriteLine(line);
            }
        });
}

/// <summary>The algorithms of <c>--algorithm</c>: every algorithm the library registers, each with its documented defaults.</summary>
public static class TopNAlgorithms
{
    public static IRecommenderBuilder Create(string name, int seed, int threads) =>
        AlgorithmRegistry.Find(name) is { CanCreate: true } algorithm
            ? algorithm.Create(seed, threads)
            : throw new UsageException($"--algorithm must be {Names()}, got '{name}'.");

    /// <summary>The names for messages ("auto, popularity, … or biased-mf") or, with a separator, for usage text.</summary>
    public static string Names(string? separator = null)
    {
        var names = AlgorithmRegistry.CreatableNames.OrderBy(n => n == "auto" ? 0 : 1).ToArray();
        return separator is null ? $"{string.Join(", ", names[..^1])} or {names[^1]}" : string.Join(separator, names);
    }
}
