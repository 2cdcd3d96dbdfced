using System.Globalization;

namespace CrossRec;

/// <summary>
/// The efSearch an approximate index chose for itself (<see cref="ApproximateServingOptions.EfSearch"/> left null) and
/// what it measured: recall@10 of the approximate lists against the exact top-10 lists of a seeded sample of the
/// model's own users (seen items excluded). Saved and loaded with the index. Immutable.
/// </summary>
public sealed record ApproximateServingCalibration
{
    internal ApproximateServingCalibration(int efSearch, double recall, double lowerBound, double targetRecall, int users, int scanFactor = ApproximateServingOptions.DefaultScanFactor, double stopRatio = 1.0)
    {
        ScanFactor = scanFactor;
        StopRatio = stopRatio;
        EfSearch = efSearch;
        Recall = recall;
        LowerBound = lowerBound;
        TargetRecall = targetRecall;
        Users = users;
    }

    /// <summary>
    /// The efSearch the index serves with: of the least-work setting whose <see cref="LowerBound"/> reached
    /// <see cref="TargetRecall"/> (<see cref="ApproximateServingOptions.EfSearch"/>), else the largest tried.
    /// <see cref="ToString"/> also names the rest of the setting when it is not the default one.
    /// </summary>
    public int EfSearch { get; }

    /// <summary>The scan limit chosen with <see cref="EfSearch"/>: norm bands of at most this many × efSearch items are scanned whole (<see cref="ApproximateServingOptions.ScanFactor"/>).</summary>
    internal int ScanFactor { get; }

    /// <summary>The stop ratio chosen with <see cref="EfSearch"/> (<see cref="ApproximateServingOptions.StopRatio"/>; 1: no band skipped that could hold a better item).</summary>
    internal double StopRatio { get; }

    /// <summary>Recall@10 at <see cref="EfSearch"/> on the calibration sample (0..1).</summary>
    public double Recall { get; }

    /// <summary>
    /// The one-sided 95 % lower confidence bound of the recall of users like the sample's: <see cref="Recall"/> less
    /// z standard errors of the mean of the per-user recalls (0..<see cref="Recall"/>), z = 1.645 when one setting was
    /// calibrated, Bonferroni-corrected for the settings that competed otherwise (2.69 for the default fourteen).
    /// </summary>
    public double LowerBound { get; }

    /// <summary>The target it was chosen for (<see cref="ApproximateServingOptions.TargetRecall"/>).</summary>
    public double TargetRecall { get; }

    /// <summary>Users in the calibration sample.</summary>
    public int Users { get; }

    /// <summary>
    /// True when <see cref="LowerBound"/> reaches <see cref="TargetRecall"/>; false when even the largest efSearch tried
    /// missed it (the index then serves with that largest efSearch, without the target's confidence).
    /// </summary>
    public bool Reached => LowerBound >= TargetRecall;

    /// <inheritdoc />
    public override string ToString() => string.Format(
        CultureInfo.InvariantCulture,
        Reached
            ? "efSearch {0}{5}: recall@10 {1:F4} on {2} users (95 % lower bound {4:F4}) reaches the target {3}"
            : "efSearch {0}, the largest tried{5}: recall@10 {1:F4} on {2} users (95 % lower bound {4:F4}) is below the target {3}",
        EfSearch,
        Recall,
        Users,
        TargetRecall,
        LowerBound,
        Search());

    /// <summary>The scan limit and stop ratio in words, or nothing when they are the defaults.</summary>
    private string Search()
    {
        var scan = ScanFactor switch
        {
            ApproximateServingOptions.DefaultScanFactor => "",
            0 => "every band walked",
            _ => string.Create(CultureInfo.InvariantCulture, $"bands of up to {(long)ScanFactor * EfSearch:N0} items scanned"),
        };
        var stop = StopRatio >= 1 ? "" : string.Create(CultureInfo.InvariantCulture, $"a band skipped once its items would need a cosine above {StopRatio:0.##} to the query");
        return (scan, stop) switch
        {
            ("", "") => "",
            (_, "") => $" ({scan})",
            ("", _) => $" ({stop})",
            _ => $" ({scan}; {stop})",
        };
    }
}
