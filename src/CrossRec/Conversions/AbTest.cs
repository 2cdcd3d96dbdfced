using MathNet.Numerics.Distributions;

namespace CrossRec.Conversions;

/// <summary>Outcome of one arm of an A/B test.</summary>
/// <param name="Name">Arm name ("control", "treatment").</param>
/// <param name="Users">Users exposed.</param>
/// <param name="Conversions">Users who converted.</param>
public sealed record ArmOutcome(string Name, int Users, int Conversions)
{
    /// <summary>Conversion rate.</summary>
    public double Rate => Users == 0 ? double.NaN : (double)Conversions / Users;
}

/// <summary>Comparison of a treatment arm with a control arm.</summary>
/// <param name="Control">Control arm.</param>
/// <param name="Treatment">Treatment arm.</param>
/// <param name="Difference">Treatment rate − control rate.</param>
/// <param name="Low">Lower end of the confidence interval of the difference (unpooled normal approximation).</param>
/// <param name="High">Upper end of that interval.</param>
/// <param name="Z">Two-proportion z statistic (pooled standard error).</param>
/// <param name="PValue">Two-sided p-value of the z-test.</param>
/// <param name="RelativeLift">Difference ÷ control rate.</param>
/// <param name="Confidence">Confidence level of the interval.</param>
public sealed record AbTestResult(ArmOutcome Control, ArmOutcome Treatment, double Difference, double Low, double High, double Z, double PValue, double RelativeLift, double Confidence)
{
    /// <summary>True when the p-value is below 1 − confidence.</summary>
    public bool Significant => PValue < 1 - Confidence;
}

/// <summary>A/B evaluation of campaigns: two-proportion z-test, confidence interval, sample size planning.</summary>
public static class AbTest
{
    /// <summary>Compares the conversion rates of two arms.</summary>
    /// <exception cref="ArgumentException">An arm has no users, or more conversions than users.</exception>
    public static AbTestResult Evaluate(ArmOutcome control, ArmOutcome treatment, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(treatment);
        Check.Open(confidence, 0, 1, nameof(confidence));
        foreach (var arm in new[] { control, treatment })
        {
            if (arm.Users <= 0 || arm.Conversions < 0 || arm.Conversions > arm.Users)
            {
                throw new ArgumentException($"Arm '{arm.Name}' has {arm.Users} users and {arm.Conversions} conversions; it needs users > 0 and 0 ≤ conversions ≤ users.");
            }
        }

        double p1 = control.Rate, p2 = treatment.Rate;
        double n1 = control.Users, n2 = treatment.Users;
        var diff = p2 - p1;
        var pooled = (control.Conversions + treatment.Conversions) / (n1 + n2);
        var sePooled = Math.Sqrt(pooled * (1 - pooled) * ((1 / n1) + (1 / n2)));
        var z = sePooled > 0 ? diff / sePooled : 0;
        var pValue = sePooled > 0 ? 2 * (1 - Normal.CDF(0, 1, Math.Abs(z))) : 1;
        var se = Math.Sqrt((p1 * (1 - p1) / n1) + (p2 * (1 - p2) / n2));
        var q = Normal.InvCDF(0, 1, 1 - ((1 - confidence) / 2));
        return new AbTestResult(control, treatment, diff, diff - (q * se), diff + (q * se), z, pValue, p1 > 0 ? diff / p1 : double.NaN, confidence);
    }

    /// <summary>
    /// Users needed in EACH arm to detect an absolute lift of <paramref name="minimumDetectableEffect"/> over
    /// <paramref name="baselineRate"/> with a two-sided test at level <paramref name="alpha"/> and the given power.
    /// </summary>
    public static int RequiredSampleSize(double baselineRate, double minimumDetectableEffect, double alpha = 0.05, double power = 0.8)
    {
        Check.Open(baselineRate, 0, 1, nameof(baselineRate));
        Check.Open(baselineRate + minimumDetectableEffect, 0, 1, $"{nameof(baselineRate)} + {nameof(minimumDetectableEffect)}");
        if (minimumDetectableEffect == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumDetectableEffect), minimumDetectableEffect, "The minimum detectable effect must not be 0.");
        }

        Check.Open(alpha, 0, 1, nameof(alpha));
        Check.Open(power, 0, 1, nameof(power));
        var p1 = baselineRate;
        var p2 = baselineRate + minimumDetectableEffect;
        var pBar = (p1 + p2) / 2;
        var za = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        var zb = Normal.InvCDF(0, 1, power);
        var n = Math.Pow((za * Math.Sqrt(2 * pBar * (1 - pBar))) + (zb * Math.Sqrt((p1 * (1 - p1)) + (p2 * (1 - p2)))), 2) / (minimumDetectableEffect * minimumDetectableEffect);
        return (int)Math.Ceiling(n);
    }
}
