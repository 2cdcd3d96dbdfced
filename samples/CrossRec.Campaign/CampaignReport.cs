using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace CrossRec.Samples.Campaign;

/// <summary>Everything the pipeline measured; printed as tables and a chart, and as one JSON line.</summary>
internal sealed class CampaignReport
{
    public required CampaignArguments Arguments { get; init; }

    public CampaignData? Data { get; set; }

    public CrossDomainEvaluation? Evaluation { get; set; }

    public CrossDomainComparison? Comparison { get; set; }

    public CrossDomainModel? Recommender { get; set; }

    public double ChooseSeconds { get; set; }

    public double ChosenSeconds { get; set; }

    public IReadOnlyList<ExampleUser> Examples { get; set; } = [];

    public FactorizationModel? Model { get; set; }

    public double LoadSeconds { get; set; }

    public double ColdJointSeconds { get; set; }

    public double EvaluateSeconds { get; set; }

    public double TrainSeconds { get; set; }

    public double SegmentSeconds { get; set; }

    public double CampaignSeconds { get; set; }

    public double TotalSeconds { get; set; }

    public SegmentsResult? Segments { get; set; }

    public ConversionResult? Conversion { get; set; }

    public TargetingResult? Targeting { get; set; }

    public AbResult? Ab { get; set; }

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

        if (r.Comparison is { } c)
        {
            console.Write(new Rule($"[bold]Cold-start evaluation: {c.Source} → {c.Target}[/]").LeftJustified());
            console.MarkupLine(
                $"{N(c.HeldOutUsers)} of {N(c.EligibleUsers)} users active in both domains had all {N(c.HiddenInteractions)} of their {c.Target} interactions hidden; each recommender ranks all {N(c.TargetItems)} {c.Target} items for them.");
            console.MarkupLineInterpolated($"Chosen cross-domain method: [bold]{c.ChosenMethod}[/] (CrossDomain.Auto, by validation NDCG@{c.K} on {c.Selection?.ValidationUsers ?? 0} training users held out inside the training part).");
            var table = new Table().AddColumns("recommender", $"Recall@{c.K}", $"NDCG@{c.K}", $"HitRate@{c.K}", "p (paired t-test vs first row)");
            foreach (var row in c.Rows)
            {
                table.AddRow(Markup.Escape(row.Name), F(row.Metrics.Recall), F(row.Metrics.Ndcg), F(row.Metrics.HitRate), row.TTest is null ? "" : row.TTest.PValue.ToString("G3", CultureInfo.InvariantCulture));
            }

            if (r.Evaluation is { } e)
            {
                table.AddRow("joint factor model (segments, conversion)", F(e.Joint.Recall), F(e.Joint.Ndcg), F(e.Joint.HitRate), "");
            }

            console.Write(table);
            var chart = new BarChart().Label($"Recall@{c.K}").Width(60);
            var colors = new[] { Color.Green, Color.Grey, Color.Grey50, Color.Grey35 };
            var k = 0;
            foreach (var row in c.Rows)
            {
                chart.AddItem(Markup.Escape(row.Name), Math.Round(row.Metrics.Recall, 4), colors[k++ % colors.Length]);
            }

            console.Write(chart);
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

        PrintCampaign(r, console);
        console.Write(new Rule("[bold]Timing[/]").LeftJustified());
        var timing = new Table().AddColumns("step", "seconds");
        timing.AddRow("load / generate data", S(r.LoadSeconds));
        timing.AddRow("cold start: choose the method and compare", S(r.ChooseSeconds));
        timing.AddRow("cold start: joint factor model", S(r.ColdJointSeconds));
        timing.AddRow("cold start: evaluation", S(r.EvaluateSeconds));
        timing.AddRow("chosen method on everyone", S(r.ChosenSeconds));
        timing.AddRow("joint factor model on everyone", S(r.TrainSeconds));
        timing.AddRow("segments", S(r.SegmentSeconds));
        if (r.Ab is not null)
        {
            timing.AddRow("conversion, targeting, A/B", S(r.CampaignSeconds));
        }

        timing.AddRow("[bold]total[/]", $"[bold]{S(r.TotalSeconds)}[/]");
        console.Write(timing);
    }

    private static void PrintCampaign(CampaignReport r, IAnsiConsole console)
    {
        if (r.Segments is { } seg)
        {
            console.Write(new Rule($"[bold]User segments (k-means, k = {seg.Model.Clusters}, user factors + behaviour)[/]").LeftJustified());
            var table = new Table().AddColumns("segment", "users", "share", "activity", "mean rating", "over-represented (lift)");
            foreach (var p in seg.Profiles)
            {
                table.AddRow(
                    p.Segment.ToString(CultureInfo.InvariantCulture),
                    N(p.Size),
                    p.Share.ToString("P1", CultureInfo.InvariantCulture),
                    p.MeanActivity.ToString("F1", CultureInfo.InvariantCulture),
                    p.MeanValue.ToString("F2", CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", p.OverRepresented.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Label} ×{l.Lift:F2}")))));
            }

            console.Write(table);
        }

        if (r.Conversion is { } c)
        {
            console.Write(new Rule("[bold]Conversion scoring (past film offers)[/]").LeftJustified());
            console.MarkupLine($"{N(c.OfferEvents)} past contacts for {N(c.OfferedFilms)} films; logistic regression on an 80/20 split stratified by outcome ({N(c.Metrics.Count)} test contacts, {c.Metrics.Positives / (double)c.Metrics.Count:P1} converted).");
            var table = new Table().AddColumns("features", "ROC-AUC", "PR-AUC", "log-loss", "Brier");
            table.AddRow("profile + offer affinity", F(c.Metrics.Auc), F(c.Metrics.PrAuc), F(c.Metrics.LogLoss), F(c.Metrics.Brier));
            table.AddRow("profile only", F(c.WithoutAffinity.Auc), F(c.WithoutAffinity.PrAuc), F(c.WithoutAffinity.LogLoss), F(c.WithoutAffinity.Brier));
            console.Write(table);
            var calibration = new Table().Title("calibration by decile of predicted probability").AddColumns("decile", "contacts", "predicted", "observed", "95% interval");
            foreach (var b in c.Metrics.Calibration)
            {
                calibration.AddRow(
                    b.Bin.ToString(CultureInfo.InvariantCulture),
                    N(b.Count),
                    b.MeanPredicted.ToString("P1", CultureInfo.InvariantCulture),
                    (b.Calibrated ? "" : "[red]") + b.ObservedRate.ToString("P1", CultureInfo.InvariantCulture) + (b.Calibrated ? "" : "[/]"),
                    string.Create(CultureInfo.InvariantCulture, $"{b.Low:P1} – {b.High:P1}"));
            }

            console.Write(calibration);
            var gains = new BarChart().Label("cumulative gains: share of conversions captured by contacting the top x%").Width(70);
            foreach (var g in c.Metrics.Gains.Where(g => g.TopFraction <= 0.5 + 1e-9))
            {
                gains.AddItem($"top {g.TopFraction:P0}", Math.Round(100 * g.Captured, 1), Color.Green);
            }

            console.Write(gains);
        }

        if (r.Targeting is { } t && r.Ab is { } ab)
        {
            console.Write(new Rule($"[bold]Campaign: offer {Markup.Escape(t.FilmLabel)}[/]").LeftJustified());
            console.MarkupLine(
                $"A premiere: the models were trained with {N(t.TrainingInteractions)} interactions of this film (all of them removed), so nobody's history says who likes it. " +
                $"Its metadata ({Markup.Escape(t.Metadata)}) place it among the films the joint model learned (a ridge map from films' metadata to their factors); " +
                "each user's affinity for it, with their activity and segment, goes through the conversion model learned from past offers, and the budget buys the users with the highest expected value.");
            var plan = t.Plan;
            console.MarkupLine(
                $"{N(plan.Candidates)} users have not watched it; the budget buys {N(plan.Selected.Count)} contacts at {r.Arguments.Price.ToString("G", CultureInfo.InvariantCulture)} per conversion. " +
                $"Expected conversions: [bold]{plan.ExpectedConversions:F1}[/] by the model ({ab.TrueExpectedConversions:F1} by the platform's ground truth), expected revenue {plan.ExpectedValue:F0}.");
            console.MarkupLine($"Top prospect {Markup.Escape(t.TopUser)}: p = {t.TopProbability:P1}; largest contributions: " +
                Markup.Escape(string.Join(", ", t.TopContributions.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Feature} {x.Contribution:+0.00;-0.00}")))));
            var test = ab.Test;
            var table = new Table().Title("A/B test (outcomes simulated from the ground truth)").AddColumns("arm", "contacted", "converted", "rate");
            foreach (var arm in new[] { test.Control, test.Treatment })
            {
                table.AddRow(arm.Name, N(arm.Users), N(arm.Conversions), arm.Rate.ToString("P2", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            console.MarkupLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Difference {test.Difference:+0.00%;-0.00%} (95% CI {test.Low:+0.00%;-0.00%} … {test.High:+0.00%;-0.00%}), relative lift {test.RelativeLift:P0}, z = {test.Z:F2}, p = {test.PValue:G3}: {(test.Significant ? "[green]significant[/]" : "[yellow]not significant[/]")}."));
            console.MarkupLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Detecting a {ab.MinimumDetectableEffect:P1} absolute change from the control rate needs {ab.RequiredPerArm:N0} users per arm (α = 0.05, power 0.8)."));
        }
    }

    public static string ToJson(CampaignReport r)
    {
        var json = new Dictionary<string, object?>();
        if (r.Comparison is { } cmp)
        {
            var main = cmp.Rows[0].Metrics;
            json["chosen_method"] = cmp.ChosenMethod;
            json["recall_at_10"] = main.Recall;
            json["ndcg_at_10"] = main.Ndcg;
            json["hit_rate_at_10"] = main.HitRate;
            json["default"] = Metrics(main);
            json["popularity"] = Metrics(cmp.Row("popularity")!.Metrics);
            json["target_only"] = Metrics(cmp.Rows[2].Metrics);
            json["xd_itemknn"] = Metrics(cmp.Row("xd-itemknn")!.Metrics);
            json["p_value_vs_popularity"] = cmp.Row("popularity")!.TTest!.PValue;
            json["held_out_users"] = cmp.HeldOutUsers;
        }

        if (r.Evaluation is { } e)
        {
            json["joint"] = Metrics(e.Joint);
        }

        if (r.Segments is { } seg)
        {
            json["segments"] = seg.Profiles.Select(p => new Dictionary<string, object>
            {
                ["segment"] = p.Segment,
                ["size"] = p.Size,
                ["over_represented"] = p.OverRepresented.Select(l => l.Label).ToArray(),
            }).ToArray();
        }

        if (r.Conversion is { } c)
        {
            json["conversion"] = new Dictionary<string, double>
            {
                ["auc"] = c.Metrics.Auc,
                ["log_loss"] = c.Metrics.LogLoss,
                ["brier"] = c.Metrics.Brier,
                ["auc_without_affinity"] = c.WithoutAffinity.Auc,
            };
        }

        if (r.Targeting is { } t && r.Ab is { } ab)
        {
            json["campaign"] = new Dictionary<string, object>
            {
                ["offer"] = r.Data!.Ratings.ItemIds[t.Film],
                ["offer_training_interactions"] = t.TrainingInteractions,
                ["offer_metadata"] = t.Metadata,
                ["audience_method"] = "metadata->factor ridge map of the new film, relative affinity, conversion model from past offers, top expected value under the budget",
                ["candidates"] = t.Plan.Candidates,
                ["contacts"] = t.Plan.Selected.Count,
                ["expected_conversions"] = t.Plan.ExpectedConversions,
                ["true_expected_conversions"] = ab.TrueExpectedConversions,
                ["treatment_rate"] = ab.Test.Treatment.Rate,
                ["control_rate"] = ab.Test.Control.Rate,
                ["difference"] = ab.Test.Difference,
                ["p_value"] = ab.Test.PValue,
            };
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
