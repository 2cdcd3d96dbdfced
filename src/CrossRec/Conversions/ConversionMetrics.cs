namespace CrossRec.Conversions;

/// <summary>One bin of a reliability (calibration) table.</summary>
/// <param name="Bin">1-based bin, from the lowest predicted probabilities to the highest.</param>
/// <param name="Count">Rows in the bin.</param>
/// <param name="MeanPredicted">Mean predicted probability.</param>
/// <param name="ObservedRate">Share of positives.</param>
/// <param name="Low">Lower end of the 95% interval of the observed rate if the predictions were right (normal approximation around the mean prediction).</param>
/// <param name="High">Upper end of that interval.</param>
public sealed record CalibrationBin(int Bin, int Count, double MeanPredicted, double ObservedRate, double Low, double High)
{
    /// <summary>True when the observed rate lies in the interval the predictions imply.</summary>
    public bool Calibrated => ObservedRate >= Low && ObservedRate <= High;
}

/// <summary>Cumulative gains at one targeting depth.</summary>
/// <param name="TopFraction">Share of rows targeted, best scores first.</param>
/// <param name="Captured">Share of all positives found in that top slice (cumulative gain).</param>
/// <param name="Lift">Captured ÷ TopFraction: how many times better than random targeting.</param>
/// <param name="Rate">Conversion rate inside the top slice.</param>
public sealed record GainsPoint(double TopFraction, double Captured, double Lift, double Rate);

/// <summary>Quality of conversion probabilities on labelled rows.</summary>
/// <param name="Count">Rows scored.</param>
/// <param name="Positives">Positive rows.</param>
/// <param name="Auc">ROC AUC (ties count ½).</param>
/// <param name="PrAuc">Area under the precision–recall curve as average precision (scikit-learn's definition).</param>
/// <param name="LogLoss">Mean negative log-likelihood (probabilities clipped to [1e-15, 1 − 1e-15]).</param>
/// <param name="Brier">Mean squared error of the probabilities.</param>
/// <param name="Calibration">Reliability table by equal-count bins of predicted probability.</param>
/// <param name="Gains">Cumulative gains and lift at standard depths (1, 2, 5, 10, 20, 30, 50, 100%).</param>
public sealed record ConversionMetrics(int Count, int Positives, double Auc, double PrAuc, double LogLoss, double Brier, IReadOnlyList<CalibrationBin> Calibration, IReadOnlyList<GainsPoint> Gains)
{
    private static readonly double[] Depths = [0.01, 0.02, 0.05, 0.10, 0.20, 0.30, 0.50, 1.0];

    /// <summary>Computes every metric.</summary>
    /// <param name="labels">True for a conversion.</param>
    /// <param name="probabilities">Predicted probabilities in [0, 1].</param>
    /// <param name="bins">Calibration bins (2..1000; deciles by default).</param>
    /// <exception cref="ArgumentException">Lengths differ, there are no rows, a single class, or a probability outside [0, 1].</exception>
    public static ConversionMetrics Compute(ReadOnlySpan<bool> labels, ReadOnlySpan<double> probabilities, int bins = 10)
    {
        if (labels.Length != probabilities.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {probabilities.Length} probabilities.", nameof(probabilities));
        }

        Check.Range(bins, 2, 1000, nameof(bins));
        var n = labels.Length;
        var positives = 0;
        for (var r = 0; r < n; r++)
        {
            positives += labels[r] ? 1 : 0;
            if (!(probabilities[r] >= 0 && probabilities[r] <= 1))
            {
                throw new ArgumentException($"Probability {probabilities[r]} at row {r} is not in [0, 1].", nameof(probabilities));
            }
        }

        if (n == 0 || positives == 0 || positives == n)
        {
            throw new ArgumentException("Conversion metrics need rows of both classes.", nameof(labels));
        }

        var order = new int[n];
        for (var r = 0; r < n; r++)
        {
            order[r] = r;
        }

        var p = probabilities.ToArray();
        var y = labels.ToArray();
        Array.Sort(order, (a, b) => p[b].CompareTo(p[a])); // descending score

        // AUC and average precision walk the ranking once, grouping tied scores.
        double auc = 0, ap = 0;
        int tp = 0, fp = 0;
        var negatives = n - positives;
        for (var start = 0; start < n;)
        {
            var end = start;
            int groupPos = 0, groupNeg = 0;
            while (end < n && p[order[end]] == p[order[start]])
            {
                if (y[order[end]])
                {
                    groupPos++;
                }
                else
                {
                    groupNeg++;
                }

                end++;
            }

            // Positives of this group beat the negatives ranked below them and tie with the group's negatives.
            auc += groupPos * ((negatives - fp - groupNeg) + (0.5 * groupNeg));
            tp += groupPos;
            fp += groupNeg;
            ap += (double)groupPos / positives * tp / (tp + fp);
            start = end;
        }

        auc /= (double)positives * negatives;
        double logLoss = 0, brier = 0;
        for (var r = 0; r < n; r++)
        {
            var q = Math.Clamp(p[r], 1e-15, 1 - 1e-15);
            logLoss -= y[r] ? Math.Log(q) : Math.Log(1 - q);
            brier += (p[r] - (y[r] ? 1 : 0)) * (p[r] - (y[r] ? 1 : 0));
        }

        // Calibration: equal-count bins over ascending predictions.
        var calibration = new List<CalibrationBin>(bins);
        for (var b = 0; b < bins; b++)
        {
            var lo = (int)((long)n * (bins - b - 1) / bins);
            var hi = (int)((long)n * (bins - b) / bins);
            if (hi <= lo)
            {
                continue;
            }

            double sumP = 0;
            var pos = 0;
            for (var k = lo; k < hi; k++)
            {
                sumP += p[order[k]];
                pos += y[order[k]] ? 1 : 0;
            }

            var count = hi - lo;
            var mean = sumP / count;
            var half = 1.959963984540054 * Math.Sqrt(Math.Max(mean * (1 - mean), 1e-12) / count);
            calibration.Add(new CalibrationBin(calibration.Count + 1, count, mean, (double)pos / count, Math.Max(0, mean - half), Math.Min(1, mean + half)));
        }

        var gains = new List<GainsPoint>(Depths.Length);
        foreach (var depth in Depths)
        {
            var top = Math.Max(1, (int)Math.Round(n * depth));
            var found = 0;
            for (var k = 0; k < top; k++)
            {
                found += y[order[k]] ? 1 : 0;
            }

            var captured = (double)found / positives;
            gains.Add(new GainsPoint((double)top / n, captured, captured / ((double)top / n), (double)found / top));
        }

        return new ConversionMetrics(n, positives, auc, ap, logLoss / n, brier / n, calibration, gains);
    }
}
