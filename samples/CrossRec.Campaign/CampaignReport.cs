using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace CrossRec.Campaign;

/// <summary>Everything the pipeline measured; printed as tables and a chart, and as one JSON line.</summary>
internal sealed class CampaignReport
{
    public required CampaignArguments Arguments { get; init; }

    public SyntheticCrossDomain? Data { get; set; }

    public CrossDomainEvaluation? Evaluation { get; set; }

    public FactorizationModel? Model { get; set; }

    public double GenerateSeconds { get; set; }

    public double ProtocolSeconds { get; set; }

    public double TrainSeconds { get; set; }

    public double TotalSeconds { get; set; }

    public static void Print(CampaignReport r, IAnsiConsole console)
    {
        if (r.Data is { } data)
        {
            console.Write(new Rule("[bold]Platform[/]").LeftJustified());
            var table = new Table().AddColumns("domain", "catalogue", "interactions", "active users", "mean rating");
            foreach (var d in data.Ratings.DomainSummaries())
            {
                table.AddRow(d.Name, N(d.Items), N(d.Rows), N(d.ActiveUsers), d.MeanValue.ToString("F2", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            console.MarkupLine($"{N(data.Ratings.UserCount)} users; {N(data.Ratings.UserCount - data.Ratings.DomainSummaries()[1].ActiveUsers)} know the platform only from courses.");
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

        console.Write(new Rule("[bold]Timing[/]").LeftJustified());
        console.MarkupLine(
            $"generate {r.GenerateSeconds:F1} s · evaluation {r.ProtocolSeconds:F1} s · joint model {r.TrainSeconds:F1} s · total {r.TotalSeconds:F1} s");
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

    private static string F(double x) => x.ToString("F4", CultureInfo.InvariantCulture);
}
