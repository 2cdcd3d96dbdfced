using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace CrossRec.Campaign;

/// <summary>Everything the pipeline measured; printed as tables and a chart, and as one JSON line.</summary>
internal sealed class CampaignReport
{
    public required CampaignArguments Arguments { get; init; }

    public CampaignData? Data { get; set; }

    public CrossDomainEvaluation? Evaluation { get; set; }

    public IReadOnlyList<ExampleUser> Examples { get; set; } = [];

    public FactorizationModel? Model { get; set; }

    public double LoadSeconds { get; set; }

    public double ColdJointSeconds { get; set; }

    public double ColdTargetSeconds { get; set; }

    public double EvaluateSeconds { get; set; }

    public double TrainSeconds { get; set; }

    public double TotalSeconds { get; set; }

    public static void Print(CampaignReport r, IAnsiConsole console)
    {
        if (r.Data is { } data)
        {
            console.Write(new Rule("[bold]Data[/]").LeftJustified());
            console.MarkupLineInterpolated($"{data.Description}");
            var table = new Table().AddColumns("domain", "catalogue", "interactions", "active users", "mean rating");
            var summaries = data.Ratings.DomainSummaries();
            foreach (var d in summaries)
            {
                table.AddRow(d.Name, N(d.Items), N(d.Rows), N(d.ActiveUsers), d.MeanValue.ToString("F2", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            var target = summaries.Single(d => d.Name == data.Target);
            console.MarkupLineInterpolated($"{N(data.Ratings.UserCount)} users; {N(data.Ratings.UserCount - target.ActiveUsers)} have no {data.Target} interactions at all.");
        }

        if (r.Evaluation is { } e)
        {
            console.Write(new Rule($"[bold]Cold-start evaluation: {e.Source} → {e.Target}[/]").LeftJustified());
            console.MarkupLine(
                $"{N(e.HeldOutUsers)} of {N(e.EligibleUsers)} users active in both domains had all {N(e.HiddenInteractions)} of their {e.Target} interactions hidden; each recommender ranks all {N(e.TargetItems)} {e.Target}s for them.");
            var table = new Table().AddColumns("recommender", $"Recall@{e.K}", $"NDCG@{e.K}", $"HitRate@{e.K}");
            foreach (var row in e.Rows)
            {
                table.AddRow(row.Name, F(row.Metrics.Recall), F(row.Metrics.Ndcg), F(row.Metrics.HitRate));
            }

            console.Write(table);
            var chart = new BarChart().Label($"Recall@{e.K}").Width(60);
            var colors = new[] { Color.Green, Color.Grey, Color.Grey50 };
            var k = 0;
            foreach (var row in e.Rows)
            {
                chart.AddItem(row.Name, Math.Round(row.Metrics.Recall, 4), colors[k++ % colors.Length]);
            }

            console.Write(chart);
            console.MarkupLine($"Joint training lifts Recall@{e.K} by [bold]{e.RecallLiftOverBestBaseline:P0}[/] over the better baseline.");
        }

        if (r.Examples.Count > 0 && r.Data is { } d2)
        {
            var table = new Table().Title($"Top-5 {d2.Target} recommendations for held-out users ([green]✓[/] = one of their hidden {d2.Target}s)")
                .AddColumns("user", $"{d2.Source} history", $"hidden {d2.Target}s", "recommendations");
            foreach (var ex in r.Examples)
            {
                var recs = string.Join("\n", ex.Recommendations.Select(x => (x.Hit ? "[green]✓[/] " : "  ") + Markup.Escape(x.Label)));
                table.AddRow(new Markup(Markup.Escape(ex.User)), new Markup(N(ex.SourceInteractions)), new Markup(N(ex.HiddenTargetItems)), new Markup(recs));
            }

            console.Write(table);
        }

        console.Write(new Rule("[bold]Timing[/]").LeftJustified());
        var timing = new Table().AddColumns("step", "seconds");
        timing.AddRow("load / generate data", S(r.LoadSeconds));
        timing.AddRow("cold start: joint model", S(r.ColdJointSeconds));
        timing.AddRow("cold start: target-only model", S(r.ColdTargetSeconds));
        timing.AddRow("cold start: evaluation", S(r.EvaluateSeconds));
        timing.AddRow("joint model on everyone", S(r.TrainSeconds));
        timing.AddRow("[bold]total[/]", $"[bold]{S(r.TotalSeconds)}[/]");
        console.Write(timing);
    }

    public static string ToJson(CampaignReport r)
    {
        var json = new Dictionary<string, object?>();
        if (r.Evaluation is { } e)
        {
            json["recall_at_10"] = e.Joint.Recall;
            json["ndcg_at_10"] = e.Joint.Ndcg;
            json["hit_rate_at_10"] = e.Joint.HitRate;
            json["joint"] = Metrics(e.Joint);
            json["popularity"] = Metrics(e.Popularity);
            json["target_only"] = e.TargetOnly is null ? null : Metrics(e.TargetOnly);
            json["held_out_users"] = e.HeldOutUsers;
        }

        json["users"] = r.Data?.Ratings.UserCount;
        json["interactions"] = r.Data?.Ratings.Count;
        json["seconds"] = Math.Round(r.TotalSeconds, 3);
        return JsonSerializer.Serialize(json);

        static Dictionary<string, double> Metrics(RankingMetrics m) => new()
        {
            ["recall_at_10"] = m.Recall,
            ["ndcg_at_10"] = m.Ndcg,
            ["hit_rate_at_10"] = m.HitRate,
        };
    }

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string S(double x) => x.ToString("F1", CultureInfo.InvariantCulture);

    private static string F(double x) => x.ToString("F4", CultureInfo.InvariantCulture);
}
