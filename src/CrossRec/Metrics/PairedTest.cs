using MathNet.Numerics.Distributions;

namespace CrossRec.Metrics;

/// <summary>The result of a paired significance test between two methods scored on the same users.</summary>
/// <param name="Pairs">Users with a finite score for both methods.</param>
/// <param name="MeanDifference">Mean of (a − b) over the pairs.</param>
/// <param name="Statistic">The t statistic (t-test) or the bootstrap's share of resampled means ≤ 0 (bootstrap).</param>
/// <param name="PValue">Two-sided p-value of "the mean difference is 0".</param>
public sealed record PairedTestResult(int Pairs, double MeanDifference, double Statistic, double PValue);

/// <summary>
/// Paired significance tests of a per-user metric (NDCG@K, Recall@K) between two methods evaluated on the
/// same users: Student's paired t-test and the paired bootstrap. Pairs where either value is NaN are left out.
/// </summary>
public static class PairedTest
{
    /// <summary>Two-sided paired t-test of mean(a − b) = 0 (n − 1 degrees of freedom).</summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static PairedTestResult TTest(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var d = Differences(a, b);
        var n = d.Length;
        if (n < 2)
        {
            return new PairedTestResult(n, n == 1 ? d[0] : double.NaN, double.NaN, double.NaN);
        }

        var mean = d.Average();
        double ss = 0;
        foreach (var x in d)
        {
            ss += (x - mean) * (x - mean);
        }

        var sd = Math.Sqrt(ss / (n - 1));
        if (sd == 0)
        {
            return new PairedTestResult(n, mean, mean == 0 ? 0 : double.PositiveInfinity * Math.Sign(mean), mean == 0 ? 1 : 0);
        }

        var t = mean / (sd / Math.Sqrt(n));
        var p = 2 * (1 - StudentT.CDF(0, 1, n - 1, Math.Abs(t)));
        return new PairedTestResult(n, mean, t, Math.Clamp(p, 0, 1));
    }

    /// <summary>
    /// Two-sided paired bootstrap: resamples the users with replacement <paramref name="resamples"/> times
    /// (seeded) and reports p = 2·min(share of resampled mean differences ≤ 0, share ≥ 0), at most 1.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 100 resamples or more than 10,000,000.</exception>
    public static PairedTestResult Bootstrap(IReadOnlyList<double> a, IReadOnlyList<double> b, int resamples = 10_000, int seed = 7)
    {
        Check.Range(resamples, 100, 10_000_000, nameof(resamples));
        var d = Differences(a, b);
        var n = d.Length;
        if (n == 0)
        {
            return new PairedTestResult(0, double.NaN, double.NaN, double.NaN);
        }

        var random = new Random(seed);
        int below = 0, above = 0;
        for (var r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (var k = 0; k < n; k++)
            {
                sum += d[random.Next(n)];
            }

            below += sum <= 0 ? 1 : 0;
            above += sum >= 0 ? 1 : 0;
        }

        var p = Math.Min(1, 2.0 * Math.Min(below, above) / resamples);
        return new PairedTestResult(n, d.Average(), (double)below / resamples, p);
    }

    private static double[] Differences(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"Paired tests need one value per user for both methods; got {a.Count} and {b.Count}.", nameof(b));
        }

        var d = new List<double>(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            if (!double.IsNaN(a[i]) && !double.IsNaN(b[i]))
            {
                d.Add(a[i] - b[i]);
            }
        }

        return [.. d];
    }
}
