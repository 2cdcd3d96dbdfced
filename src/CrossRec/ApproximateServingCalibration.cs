using System.Globalization;

namespace CrossRec;

/// <summary>
/// The efSearch an approximate index chose for itself (<see cref="ApproximateServingOptions.EfSearch"/> left null) and
/// what it measured: recall@10 of the approximate lists against the exact top-10 lists of a seeded sample of the
/// model's own users (seen items excluded). Saved and loaded with the index. Immutable.
/// </summary>
public sealed record ApproximateServingCalibration
{
    internal ApproximateServingCalibration(int efSearch, double recall, double lowerBound, double targetRecall, int users)
    {
        EfSearch = efSearch;
        Recall = recall;
        LowerBound = lowerBound;
        TargetRecall = targetRecall;
        Users = users;
    }

    /// <summary>The efSearch the index serves with: the smallest of the ladder whose <see cref="LowerBound"/> reached <see cref="TargetRecall"/>, else the largest tried.</summary>
    public int EfSearch { get; }

    /// <summary>Recall@10 at <see cref="EfSearch"/> on the calibration sample (0..1).</summary>
    public double Recall { get; }

    /// <summary>
    /// The one-sided 95 % lower confidence bound of the recall of users like the sample's: <see cref="Recall"/> less
    /// 1.645 standard errors of the mean of the per-user recalls (0..<see cref="Recall"/>).
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
            ? "efSearch {0}: recall@10 {1:F4} on {2} users (95 % lower bound {4:F4}) reaches the target {3}"
            : "efSearch {0}, the largest tried: recall@10 {1:F4} on {2} users (95 % lower bound {4:F4}) is below the target {3}",
        EfSearch,
        Recall,
        Users,
        TargetRecall,
        LowerBound);
}
