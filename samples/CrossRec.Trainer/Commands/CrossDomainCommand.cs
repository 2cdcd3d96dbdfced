using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CrossRec.Trainer.Cli;

namespace CrossRec.Trainer.Commands;

/// <summary>
/// <c>crossrec-trainer crossdomain</c>: runs the cross-domain evaluation protocol on a two-domain file and
/// prints the table (the default cross-domain recommender against target popularity, the target-only
/// model and cross-domain item-kNN, with paired-test p-values) and, as the last line, one JSON object.
/// </summary>
public static class CrossDomainCommand
{
    public const string Usage = """
        crossrec-trainer crossdomain --data SPEC --source S --target T [options]
          --data SPEC         a user<sep>item<sep>value<sep>domain file, or PATH:DOMAIN,PATH:DOMAIN (one
                              user<sep>item[<sep>value] file per domain; items become DOMAIN:item)
          --source S          the domain users are known from
          --target T          the domain hidden for the held-out users and recommended
          --mode M            cold (default: all target interactions of a held-out user hidden), warm (half of
                              them hidden, see --warm-hidden), loo (one hidden, ranked against the catalogue)
          --warm-hidden F     share of a warm user's target items hidden (default 0.5)
          --holdout F         share of the users active in both domains held out (default 0.2)
          --seed S            seed of the held-out users (default 7)
          --threads T         evaluation threads (default all cores)
        The recommender under test is CrossDomain.Auto(): it picks its transfer method by the same protocol (same
        mode) nested inside the training part (the held-out users never take part).
        """;

    private static readonly HashSet<string> Flags = ["help"];

    public static int Run(IReadOnlyList<string> argv)
    {
        var args = Arguments.Parse(argv, Flags);
        if (args.Flag("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var spec = args.String("data") ?? throw new UsageException("crossdomain needs --data FILE or --data PATH:DOMAIN,PATH:DOMAIN.");
        var source = args.String("source") ?? throw new UsageException("crossdomain needs --source DOMAIN.");
        var target = args.String("target") ?? throw new UsageException("crossdomain needs --target DOMAIN.");
        var mode = (args.String("mode") ?? "cold") switch
        {
            "cold" => CrossDomainHoldOut.ColdStart,
            "warm" => CrossDomainHoldOut.Warm,
            "loo" => CrossDomainHoldOut.LeaveOneOut,
            var m => throw new UsageException($"--mode must be cold, warm or loo, got '{m}'."),
        };
        var warmHidden = args.Float("warm-hidden", 0.01f, 0.99f) ?? 0.5f;
        var holdout = args.Float("holdout", 0.01f, 0.99f) ?? 0.2f;
        var seed = args.Int("seed", int.MinValue, int.MaxValue) ?? 7;
        var threads = args.Int("threads", 0, 1024) ?? 0;
        args.RejectUnknown();

        var data = CrossDomainData.Open(spec);
        foreach (var d in new[] { source, target })
        {
            if (!data.Domains!.Contains(d))
            {
                throw new UsageException($"domain '{d}' is not in {spec} (it has {string.Join(", ", data.Domains)}).");
            }
        }

        Console.Error.WriteLine($"crossdomain: {data.Count} interactions, {data.UserCount} users, {data.ItemCount} items from {spec}");
        var watch = Stopwatch.StartNew();
        var protocol = CrossDomain.Protocol(new CrossDomainProtocolOptions
        {
            Source = source,
            Target = target,
            HoldOutFraction = holdout,
            Seed = seed,
            Mode = mode,
            WarmHiddenFraction = warmHidden,
            Threads = threads,
        });
        var result = protocol.Compare(data, CrossDomain.Auto().Mode(mode, warmHidden).Threads(threads), progress: new SynchronousProgress<TrainingProgress>(step =>
            Console.Error.WriteLine(FormattableString.Invariant($"crossdomain [{watch.Elapsed.TotalSeconds,6:F1}s] {step.Stage} {step.Candidate}"))));
        Console.Write(result.ToTable());
        Console.WriteLine($"chosen method: {result.ChosenMethod} (by validation NDCG@10 on {result.Selection?.ValidationUsers} training users held out inside the training part)");
        var json = new Dictionary<string, object?>
        {
            ["command"] = "crossdomain",
            ["data"] = spec,
            ["source"] = source,
            ["target"] = target,
            ["mode"] = (args.String("mode") ?? "cold"),
            ["seed"] = seed,
            ["held_out_users"] = result.HeldOutUsers,
            ["evaluated_users"] = result.Rows[0].Metrics.Users,
            ["target_items"] = result.TargetItems,
            ["chosen_method"] = result.ChosenMethod,
            ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 2),
            ["rows"] = result.Rows.Select(r => new Dictionary<string, object?>
            {
                ["name"] = r.Name,
                ["method"] = r.Method,
                ["chosen_method"] = r == result.Rows[0] ? result.ChosenMethod : r.Method,
                ["recall_at_10"] = Round(r.Metrics.Recall),
                ["ndcg_at_10"] = Round(r.Metrics.Ndcg),
                ["hit_rate_at_10"] = Round(r.Metrics.HitRate),
                ["p_value_t_test"] = r.TTest is null ? null : Round(r.TTest.PValue),
                ["p_value_bootstrap"] = r.Bootstrap is null ? null : Round(r.Bootstrap.PValue),
            }).ToList(),
            ["validation"] = result.Selection?.Candidates.Select(c => new Dictionary<string, object?>
            {
                ["method"] = c.Method,
                ["ndcg_at_10"] = Round(c.Ndcg),
                ["recall_at_10"] = Round(c.Recall),
                ["skipped"] = c.Skipped,
            }).ToList(),
        };
        Console.WriteLine(JsonSerializer.Serialize(json, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return 0;
    }

    private static double? Round(double v) => double.IsFinite(v) ? Math.Round(v, 6) : null;
}
