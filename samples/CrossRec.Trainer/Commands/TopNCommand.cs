using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CrossRec.Trainer.Cli;

namespace CrossRec.Trainer.Commands;

/// <summary>
/// <c>crossrec-trainer topn</c>: batch top-N scoring. Trains one recommender (or lets
/// <see cref="Recommenders.Auto"/> choose by validation inside the training file) and writes, for every
/// listed user, the best <c>--count</c> items they do not already have.
/// </summary>
public static class TopNCommand
{
    public const string Usage = """
        crossrec-trainer topn --train FILE --users FILE --out FILE [options]
          --train FILE        interactions: user<TAB or space or comma>item[<sep>value], header line optional
          --users FILE        one user id a line
          --out FILE          gets user<TAB>item1,item2,... (training items excluded), one line per listed user
          --algorithm A       auto | ials | bpr | itemknn | ease | popularity | biased-mf   (default auto:
                              each candidate is validated on a split of the training file, the best is refitted)
          --count N           items per user (default 10)
          --item-domains FILE item<TAB>domain lines; with --domain D only items of domain D are recommended
          --domain D
          --seed S            seed of the algorithm and of auto's validation split (default 7)
          --threads T         worker threads (default all cores)
          --json              print a JSON summary as the last line of stdout
        Users absent from the training file get the most popular items (counted in the summary as cold_users).
        """;

    private static readonly HashSet<string> Flags = ["json", "help"];

    public static int Run(IReadOnlyList<string> argv)
    {
        var args = Arguments.Parse(argv, Flags);
        if (args.Flag("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var trainPath = args.String("train") ?? throw new UsageException("topn needs --train FILE.");
        var usersPath = args.String("users") ?? throw new UsageException("topn needs --users FILE.");
        var outPath = args.String("out") ?? throw new UsageException("topn needs --out FILE.");
        var algorithm = args.String("algorithm") ?? "auto";
        var count = args.Int("count", 1, 100_000) ?? 10;
        var domainsPath = args.String("item-domains");
        var domain = args.String("domain");
        var seed = args.Int("seed", int.MinValue, int.MaxValue) ?? 7;
        var threads = args.Int("threads", 0, Environment.ProcessorCount * 4) ?? 0;
        var json = args.Flag("json");
        args.RejectUnknown();
        if (domain is not null && domainsPath is null)
        {
            throw new UsageException("--domain needs --item-domains FILE.");
        }

        var builder = TopNAlgorithms.Create(algorithm, seed, threads);
        var (train, layout) = TopNInput.LoadTrain(trainPath);
        if (domainsPath is not null)
        {
            train = train.WithItemDomains(TopNInput.LoadItemDomains(domainsPath), requireAll: false);
        }

        var users = TopNInput.LoadUsers(usersPath);
        Console.Error.WriteLine($"topn: {train.Count} interactions, {train.UserCount} users, {train.ItemCount} items from {trainPath} (delimiter {(layout.Delimiter == "\t" ? "tab" : $"'{layout.Delimiter}'")}, {(layout.HasValue ? "value column" : "no value column")}, {(layout.HasHeader ? "header skipped" : "no header")})");

        var fitWatch = Stopwatch.StartNew();
        RecommenderModel model;
        AutoSelection? selection = null;
        if (builder is AutoRecommenderBuilder auto)
        {
            selection = auto.Select(train, new SyncProgress<CandidateScore>(s =>
                Console.Error.WriteLine(s.Skipped is null
                    ? $"topn: auto candidate {s.Algorithm,-11} validation NDCG@10 {s.Ndcg:F4} Recall@10 {s.Recall:F4} ({s.Seconds:F1}s)"
                    : $"topn: auto candidate {s.Algorithm,-11} skipped: {s.Skipped}")));
            model = selection.Model;
            Console.Error.WriteLine($"topn: auto chose {selection.Algorithm}");
        }
        else
        {
            model = builder.Fit(train);
        }

        var fitSeconds = fitWatch.Elapsed.TotalSeconds;
        var filter = domain is null ? RecommendFilter.Default : RecommendFilter.ForDomain(domain);
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
        IReadOnlyList<ScoredItem>? cold = null;
        var coldUsers = users.Count - known.Count;
        if (coldUsers > 0)
        {
            var popularity = Recommenders.Popularity().Fit(train);
            var unfiltered = new RecommendFilter { ExcludeSeen = false, Domain = domain };
            cold = popularity.Recommend(popularity.UserIds[0], count, unfiltered);
        }

        var byUser = new Dictionary<string, IReadOnlyList<ScoredItem>>(StringComparer.Ordinal);
        for (var n = 0; n < known.Count; n++)
        {
            byUser[known[n]] = lists[n];
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
        Directory.CreateDirectory(dir);
        using (var writer = new StreamWriter(outPath, append: false, new UTF8Encoding(false)))
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
        }

        var recommendSeconds = recWatch.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"topn: {model.Algorithm} fitted in {fitSeconds:F2}s; {users.Count} users ({coldUsers} cold) scored in {recommendSeconds:F2}s -> {outPath}");
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
                ["recommend_seconds"] = Math.Round(recommendSeconds, 4),
                ["count"] = count,
                ["interactions"] = train.Count,
                ["items"] = train.ItemCount,
                ["hyperparameters"] = model.Training?.Parameters,
                ["note"] = model.Training?.Note,
                ["candidates"] = selection?.Candidates.Select(c => new Dictionary<string, object?>
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
}

/// <summary>The algorithms of <c>--algorithm</c>, each with the library's documented defaults.</summary>
public static class TopNAlgorithms
{
    public static IRecommenderBuilder Create(string name, int seed, int threads) => name switch
    {
        "auto" => Recommenders.Auto().Seed(seed).Threads(threads),
        "popularity" => Recommenders.Popularity(),
        "itemknn" => Recommenders.ItemKnn().Threads(threads),
        "ials" => Recommenders.ImplicitAls().Seed(seed).Threads(threads),
        "bpr" => Recommenders.Bpr().Seed(seed).Threads(threads),
        "ease" => Recommenders.Ease().Threads(threads),
        "biased-mf" => Factorization.Biased().Seed(seed).Threads(threads),
        _ => throw new UsageException($"--algorithm must be auto, ials, bpr, itemknn, ease, popularity or biased-mf, got '{name}'."),
    };
}
