using CrossRec.Plots;

namespace CrossRec.Samples.Campaign;

/// <summary>The pictures of a campaign run (<c>--plot DIR</c>), drawn from the report's own results with CrossRec.Plots.</summary>
internal static class CampaignPlots
{
    /// <summary>Writes every picture the report has results for; returns the files written.</summary>
    public static IReadOnlyList<string> Write(CampaignReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        string File(string name)
        {
            var path = Path.Combine(directory, name);
            written.Add(path);
            return path;
        }

        if (report.Model?.Info?.History is { Count: > 0 } history)
        {
            Charts.LearningCurve(history, File("learning-curve.png"), "Joint course+film model: training RMSE per epoch");
        }

        // The method the report names (Auto's choice) beside the baselines it was compared with (target popularity, the
        // target-only model, cross-domain item-kNN) and the joint model the marketing steps use, on one split.
        if (report.Comparison is { } comparison)
        {
            IReadOnlyList<(string, RankingMetrics)> joint = report.Evaluation is { } e ? [("joint factor model (segments, conversion)", e.Joint)] : [];
            Charts.CrossDomain(comparison, File("cross-domain.png"), $"{comparison.Source} → {comparison.Target}, cold start: {comparison.HeldOutUsers:N0} held-out users", joint); // the legend names the chosen method
        }
        else if (report.Evaluation is { } evaluation)
        {
            Charts.CrossDomain(evaluation, File("cross-domain.png"));
        }

        if (report.Segments is { } segments && report.Model is { } model && report.Data is { } data)
        {
            // The same features the segmentation step clustered: user factors beside behaviour.
            var features = UserFeatures.Combine((model.UserFactors, 1f), (UserFeatures.FromInteractions(data.Ratings), 1f));
            Charts.SegmentMap(features, segments.Model, File("segment-map.png"));
        }

        if (report.Conversion is { } conversion)
        {
            Charts.Calibration(conversion.Metrics, File("calibration.png"), $"Conversion model on held-out offers: AUC {conversion.Metrics.Auc:F3}");
            Charts.Lift(conversion.Metrics, File("lift.png"));
        }

        if (report.Ab is { } ab)
        {
            Charts.AbResult(ab.Test, File("ab-test.png"));
        }

        return written;
    }
}
