using System.Globalization;
using ScottPlot;

namespace CrossRec.Plots;

/// <summary>Which ranking metric a chart shows.</summary>
public enum RankingMetric
{
    /// <summary>Precision@N.</summary>
    Precision,

    /// <summary>Recall@N.</summary>
    Recall,

    /// <summary>NDCG@N.</summary>
    Ndcg,

    /// <summary>MAP@N.</summary>
    Map,

    /// <summary>Hit rate@N.</summary>
    HitRate,
}

/// <summary>
/// PNG charts of CrossRec results (ScottPlot 5 on SkiaSharp): each method takes what the library returns — epoch
/// reports, ranking metrics, a segmentation, conversion metrics, an A/B result, a cross-domain evaluation — and writes
/// one picture. Every method overwrites <c>path</c> and creates its directory.
/// </summary>
public static class Charts
{
    /// <summary>Default picture width in pixels.</summary>
    public const int Width = 800;

    /// <summary>Default picture height in pixels.</summary>
    public const int Height = 500;

    /// <summary>Learning curve: training RMSE and, when present, validation RMSE per epoch.</summary>
    /// <param name="history">Per-epoch reports, as <see cref="TrainingInfo.History"/> holds them.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Chart title; null for a default.</param>
    /// <exception cref="ArgumentException">The history is empty.</exception>
    public static void LearningCurve(IReadOnlyList<EpochReport> history, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
        {
            throw new ArgumentException("The training history is empty.", nameof(history));
        }

        var plot = new Plot();
        var epochs = history.Select(h => (double)h.Epoch).ToArray();
        var train = plot.Add.Scatter(epochs, history.Select(h => h.TrainRmse).ToArray());
        train.LegendText = "train RMSE";
        train.LineWidth = 2;
        var validation = history.Where(h => h.ValidationRmse.HasValue).ToArray();
        if (validation.Length > 0)
        {
            var v = plot.Add.Scatter(validation.Select(h => (double)h.Epoch).ToArray(), validation.Select(h => h.ValidationRmse!.Value).ToArray());
            v.LegendText = "validation RMSE";
            v.LineWidth = 2;
            var best = validation.MinBy(h => h.ValidationRmse!.Value)!;
            var marker = plot.Add.Marker(best.Epoch, best.ValidationRmse!.Value);
            marker.Size = 12;
            marker.LegendText = $"best validation: epoch {best.Epoch}, {best.ValidationRmse.Value.ToString("F4", CultureInfo.InvariantCulture)}";
        }

        plot.Title(title ?? "Learning curve");
        plot.XLabel("epoch");
        plot.YLabel("RMSE");
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path);
    }

    /// <summary>A ranking metric against the list length N, one line per model.</summary>
    /// <param name="byModel">For each model name, its metrics at several N (<see cref="RankingMetrics.K"/>).</param>
    /// <param name="metric">The metric to show.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Chart title; null for a default.</param>
    /// <exception cref="ArgumentException">No model or no point is given.</exception>
    public static void RankingByN(IReadOnlyDictionary<string, IReadOnlyList<RankingMetrics>> byModel, RankingMetric metric, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(byModel);
        if (byModel.Count == 0 || byModel.Values.Any(v => v.Count == 0))
        {
            throw new ArgumentException("Every model needs at least one point.", nameof(byModel));
        }

        var plot = new Plot();
        foreach (var (name, points) in byModel)
        {
            var ordered = points.OrderBy(p => p.K).ToArray();
            var s = plot.Add.Scatter(ordered.Select(p => (double)p.K).ToArray(), ordered.Select(p => Value(p, metric)).ToArray());
            s.LegendText = name;
            s.LineWidth = 2;
            s.MarkerSize = 7;
        }

        plot.Title(title ?? $"{Name(metric)} against N");
        plot.XLabel("N (length of the recommendation list)");
        plot.YLabel($"{Name(metric)}@N");
        var highest = byModel.Values.SelectMany(v => v).Max(m => Value(m, metric));
        plot.Axes.SetLimitsY(0, Math.Max(highest, 1e-6) * 1.1);
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path);
    }

    /// <summary>
    /// Segment map: the rows of <paramref name="points"/> (user factors, say) projected on their first two principal
    /// components, coloured by segment, with each segment's size in the legend and its centroid marked.
    /// </summary>
    /// <param name="points">The rows that were segmented (users × features).</param>
    /// <param name="segments">The segmentation fitted to those rows.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Chart title; null for a default.</param>
    /// <param name="maxPoints">At most this many rows are drawn (an even sample), so large sets stay legible (100..1,000,000).</param>
    /// <exception cref="ArgumentException">The columns do not match the segmentation, or there are fewer than two columns.</exception>
    public static void SegmentMap(ReadOnlyMatrix points, SegmentationModel segments, string path, string? title = null, int maxPoints = 5000)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPoints, 1_000_000);
        if (points.Columns != segments.Dimensions || points.Columns < 2)
        {
            throw new ArgumentException($"The points have {points.Columns} columns; the segmentation has {segments.Dimensions} (at least 2 are needed).", nameof(points));
        }

        var labels = segments.Assign(points);
        var (pca, explained) = Pca.TwoComponents(points);
        var step = Math.Max(1, points.Rows / maxPoints);
        var palette = new ScottPlot.Palettes.Category10();
        var plot = new Plot();
        var sizes = segments.Sizes;
        for (var c = 0; c < segments.Clusters; c++)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (var r = 0; r < points.Rows; r += step)
            {
                if (labels[r] == c)
                {
                    xs.Add(pca[r, 0]);
                    ys.Add(pca[r, 1]);
                }
            }

            var color = palette.GetColor(c);
            var s = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray(), color.WithAlpha(0.55));
            s.MarkerSize = 4;
            s.LegendText = $"segment {c}: {sizes[c]:N0} users";
        }

        var centroids = Pca.Project(segments.Centroids, points);
        for (var c = 0; c < segments.Clusters; c++)
        {
            var m = plot.Add.Marker(centroids[c, 0], centroids[c, 1], MarkerShape.FilledDiamond, 14, palette.GetColor(c));
            m.MarkerLineColor = Colors.Black;
            m.MarkerLineWidth = 1.5f;
        }

        plot.Title(title ?? $"Segments of {points.Rows:N0} users (k-means, {segments.Clusters} segments)");
        plot.XLabel($"principal component 1 ({explained[0]:P0} of variance)");
        plot.YLabel($"principal component 2 ({explained[1]:P0} of variance)");
        plot.ShowLegend(Edge.Right);
        Save(plot, path);
    }

    /// <summary>
    /// Calibration diagram of a conversion model: mean predicted probability against the observed conversion rate per
    /// bin (deciles of the prediction), with the diagonal of perfect calibration and, on it, the 95% range each bin's
    /// observed rate would fall in if the predictions were right.
    /// </summary>
    /// <param name="metrics">Metrics of the model on held-out rows (<see cref="ConversionMetrics.Compute"/>).</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Chart title; null for a default.</param>
    /// <exception cref="ArgumentException">The metrics have no calibration bin.</exception>
    public static void Calibration(ConversionMetrics metrics, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var bins = metrics.Calibration.Where(b => b.Count > 0).ToArray();
        if (bins.Length == 0)
        {
            throw new ArgumentException("The metrics have no calibration bin with rows.", nameof(metrics));
        }

        var plot = new Plot();
        var top = Math.Max(bins.Max(b => b.High), bins.Max(b => b.ObservedRate)) * 1.05;
        var diagonal = plot.Add.Line(0, 0, top, top);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LineColor = Colors.Gray;
        diagonal.LegendText = "perfect calibration";
        var xs = bins.Select(b => b.MeanPredicted).ToArray();
        var ys = bins.Select(b => b.ObservedRate).ToArray();
        // The interval is where the observed rate of a bin falls 95% of the time if the predictions are right: it is
        // drawn around the mean prediction, on the diagonal, and a calibrated bin's point lies inside it.
        var mean = bins.Select(b => b.MeanPredicted).ToArray();
        var range = plot.Add.ErrorBar(xs, mean, mean.Select((m, j) => m - bins[j].Low).ToArray());
        range.YErrorNegative = mean.Select((m, j) => m - bins[j].Low).ToArray();
        range.YErrorPositive = mean.Select((m, j) => bins[j].High - m).ToArray();
        range.Color = Colors.Gray;
        range.LineWidth = 2;
        range.LegendText = "95% range of the observed rate if calibrated";
        var s = plot.Add.Scatter(xs, ys, Colors.SteelBlue);
        s.LineWidth = 2;
        s.MarkerSize = 8;
        s.LegendText = $"observed rate per bin ({bins.Count(b => b.Calibrated)} of {bins.Length} bins inside)";
        plot.Title(title ?? $"Calibration: AUC {metrics.Auc:F3}, Brier {metrics.Brier:F4}, {metrics.Count:N0} rows");
        plot.XLabel("mean predicted probability");
        plot.YLabel("observed conversion rate");
        plot.Axes.SetLimits(0, top, 0, top);
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path);
    }

    /// <summary>
    /// Campaign result: the conversion rate of control and treatment with their 95% intervals (Wilson), and the
    /// difference with its interval from the A/B test in the title.
    /// </summary>
    /// <param name="result">The A/B test (<see cref="AbTest.Evaluate"/>).</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Chart title; null for a default.</param>
    public static void AbResult(AbTestResult result, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var arms = new[] { result.Control, result.Treatment };
        var palette = new ScottPlot.Palettes.Category10();
        var plot = new Plot();
        var z = NormalQuantile(0.5 + result.Confidence / 2);
        for (var a = 0; a < arms.Length; a++)
        {
            var (low, high) = Wilson(arms[a].Conversions, arms[a].Users, z);
            var rate = arms[a].Rate;
            var bar = new Bar
            {
                Position = a,
                Value = rate,
                FillColor = palette.GetColor(a),
                Label = $"{rate:P2}\n{arms[a].Conversions:N0} of {arms[a].Users:N0}",
                CenterLabel = true,
            };
            plot.Add.Bar(bar);
            var e = plot.Add.ErrorBar(new[] { (double)a }, new[] { rate }, new[] { rate - low });
            e.YErrorNegative = new[] { rate - low };
            e.YErrorPositive = new[] { high - rate };
            e.Color = Colors.Black;
            e.LineWidth = 2;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([0, 1], [result.Control.Name, result.Treatment.Name]);
        plot.Axes.Margins(bottom: 0);
        plot.Title(title ?? string.Create(CultureInfo.InvariantCulture,
            $"Lift {result.RelativeLift:P1}: difference {result.Difference:P2} [{result.Low:P2}, {result.High:P2}], {(result.PValue < 0.001 ? "p < 0.001" : $"p = {result.PValue:F3}")}"));
        plot.YLabel($"conversion rate ({result.Confidence:P0} interval)");
        Save(plot, path);
    }

    /// <summary>Cumulative lift of a conversion model: the rate among the top fraction of users, relative to the overall rate.</summary>
    /// <param name="metrics">Metrics of the model on held-out rows.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Chart title; null for a default.</param>
    /// <exception cref="ArgumentException">The metrics have no gains point.</exception>
    public static void Lift(ConversionMetrics metrics, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Gains.Count == 0)
        {
            throw new ArgumentException("The metrics have no gains point.", nameof(metrics));
        }

        var plot = new Plot();
        var s = plot.Add.Scatter(metrics.Gains.Select(g => g.TopFraction * 100).ToArray(), metrics.Gains.Select(g => g.Lift).ToArray());
        s.LineWidth = 2;
        s.MarkerSize = 7;
        s.LegendText = "model";
        var baseline = plot.Add.HorizontalLine(1);
        baseline.LinePattern = LinePattern.Dashed;
        baseline.LegendText = "random targeting";
        plot.Title(title ?? "Campaign lift by targeted share");
        plot.XLabel("targeted users (top % by predicted probability)");
        plot.YLabel("lift (rate / overall rate)");
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path);
    }

    /// <summary>Cross-domain comparison: recall, NDCG and hit rate at K of the joint model, the target-only model and popularity.</summary>
    /// <param name="evaluation">The protocol's result.</param>
    /// <param name="path">The PNG to write.</param>
    /// <param name="title">Chart title; null for a default.</param>
    public static void CrossDomain(CrossDomainEvaluation evaluation, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        Bars(evaluation.Rows.Select(r => (r.Name, r.Metrics)).ToList(), evaluation.K, path, title ?? $"{evaluation.Source} → {evaluation.Target}: {evaluation.HeldOutUsers:N0} held-out users");
    }

    /// <summary>
    /// Recall, NDCG and hit rate of every row of a <see cref="CrossDomainComparison"/> (the recommender under test, then
    /// the baselines: target popularity, the target-only model, cross-domain item-kNN), with optional further rows.
    /// </summary>
    /// <param name="comparison">The comparison; its first row is the method it reports.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">Title; by default the domains and the held-out users.</param>
    /// <param name="extra">Further rows drawn after the comparison's, e.g. another model on the same split.</param>
    public static void CrossDomain(CrossDomainComparison comparison, string path, string? title = null, IReadOnlyList<(string Name, RankingMetrics Metrics)>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var rows = comparison.Rows.Select(r => (r.Name, r.Metrics)).Concat(extra ?? []).ToList();
        Bars(rows, comparison.K, path, title ?? $"{comparison.Source} → {comparison.Target}: {comparison.HeldOutUsers:N0} held-out users");
    }

    private static void Bars(IReadOnlyList<(string Name, RankingMetrics Metrics)> rows, int k, string path, string title)
    {
        var metrics = new (string Name, Func<RankingMetrics, double> Get)[] { ("Recall", m => m.Recall), ("NDCG", m => m.Ndcg), ("Hit rate", m => m.HitRate) };
        var palette = new ScottPlot.Palettes.Category10();
        var plot = new Plot();
        var width = 0.8 / rows.Count;
        for (var r = 0; r < rows.Count; r++)
        {
            for (var m = 0; m < metrics.Length; m++)
            {
                var value = metrics[m].Get(rows[r].Metrics);
                plot.Add.Bar(new Bar
                {
                    Position = m + (r - (rows.Count - 1) / 2.0) * width,
                    Value = value,
                    Size = width * 0.95,
                    FillColor = palette.GetColor(r),
                    Label = value.ToString("F3", CultureInfo.InvariantCulture),
                });
            }

            plot.Legend.ManualItems.Add(new LegendItem { LabelText = rows[r].Name, FillColor = palette.GetColor(r) });
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, metrics.Length).Select(i => (double)i).ToArray(), metrics.Select(m => $"{m.Name}@{k}").ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title);
        plot.YLabel("metric on the target domain");
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path);
    }

    private static double Value(RankingMetrics m, RankingMetric metric) => metric switch
    {
        RankingMetric.Precision => m.Precision,
        RankingMetric.Recall => m.Recall,
        RankingMetric.Ndcg => m.Ndcg,
        RankingMetric.Map => m.Map,
        RankingMetric.HitRate => m.HitRate,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown ranking metric."),
    };

    private static string Name(RankingMetric metric) => metric switch
    {
        RankingMetric.Ndcg => "NDCG",
        RankingMetric.Map => "MAP",
        RankingMetric.HitRate => "Hit rate",
        _ => metric.ToString(),
    };

    private static (double Low, double High) Wilson(int successes, int n, double z)
    {
        if (n == 0)
        {
            return (0, 0);
        }

        var p = (double)successes / n;
        var denominator = 1 + z * z / n;
        var centre = (p + z * z / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Standard normal quantile (Acklam's rational approximation, |error| &lt; 1.2e-9).</summary>
    private static double NormalQuantile(double p) => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, p);

    private static void Save(Plot plot, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        plot.SavePng(path, Width, Height);
    }
}

/// <summary>The first two principal components of a matrix's rows (covariance eigenvectors, MathNet).</summary>
internal static class Pca
{
    public static (double[,] Scores, double[] Explained) TwoComponents(ReadOnlyMatrix points)
    {
        var (mean, axes, explained) = Fit(points);
        return (Scores(points, mean, axes), explained);
    }

    /// <summary>Projects other rows (centroids) on the components fitted to <paramref name="fittedOn"/>.</summary>
    public static double[,] Project(ReadOnlyMatrix rows, ReadOnlyMatrix fittedOn)
    {
        var (mean, axes, _) = Fit(fittedOn);
        return Scores(rows, mean, axes);
    }

    private static (double[] Mean, double[][] Axes, double[] Explained) Fit(ReadOnlyMatrix points)
    {
        var d = points.Columns;
        var mean = new double[d];
        for (var r = 0; r < points.Rows; r++)
        {
            var row = points.Row(r);
            for (var j = 0; j < d; j++)
            {
                mean[j] += row[j];
            }
        }

        for (var j = 0; j < d; j++)
        {
            mean[j] /= Math.Max(1, points.Rows);
        }

        var cov = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(d, d);
        var centred = new double[d];
        for (var r = 0; r < points.Rows; r++)
        {
            var row = points.Row(r);
            for (var j = 0; j < d; j++)
            {
                centred[j] = row[j] - mean[j];
            }

            for (var a = 0; a < d; a++)
            {
                for (var b = 0; b <= a; b++)
                {
                    cov[a, b] += centred[a] * centred[b];
                }
            }
        }

        for (var a = 0; a < d; a++)
        {
            for (var b = 0; b < a; b++)
            {
                cov[b, a] = cov[a, b];
            }
        }

        var evd = cov.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var order = Enumerable.Range(0, d).OrderByDescending(i => values[i]).ToArray();
        var total = Math.Max(values.Sum(), double.Epsilon);
        var axes = order.Take(2).Select(i => evd.EigenVectors.Column(i).ToArray()).ToArray();
        return (mean, axes, order.Take(2).Select(i => values[i] / total).ToArray());
    }

    private static double[,] Scores(ReadOnlyMatrix rows, double[] mean, double[][] axes)
    {
        var scores = new double[rows.Rows, 2];
        for (var r = 0; r < rows.Rows; r++)
        {
            var row = rows.Row(r);
            for (var c = 0; c < 2; c++)
            {
                var s = 0.0;
                for (var j = 0; j < mean.Length; j++)
                {
                    s += (row[j] - mean[j]) * axes[c][j];
                }

                scores[r, c] = s;
            }
        }

        return scores;
    }
}
