namespace CrossRec;

/// <summary>Entry point of the fluent conversion-scoring API.</summary>
/// <example>
/// <code>
/// var table = TabularData.LoadCsv("bank-full.csv");
/// var (train, test, testRows) = Conversion.SplitStratified(table, "y", testFraction: 0.2, seed: 7);
/// var model = Conversion.Logistic().C(1.0).Fit(train, target: "y", positive: "yes", drop: ["duration"]);
/// double[] p = model.Score(test);
/// </code>
/// </example>
public static class Conversion
{
    /// <summary>Starts an L2-regularised logistic regression with default options (C = 1, Newton/L-BFGS chosen by width).</summary>
    public static LogisticBuilder Logistic() => new(new LogisticOptions(), null);

    /// <summary>
    /// Stratified holdout split of a table by a binary target: the same share of positives in both parts.
    /// Returns the two tables and the 0-based row indices of the test part (for reproducing the split elsewhere).
    /// </summary>
    public static (TabularData Train, TabularData Test, int[] TestRows) SplitStratified(TabularData data, string target, double testFraction, int seed, string? positive = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Open(testFraction, 0, 1, nameof(testFraction));
        var (labels, _) = TargetLabels.Read(data, target, positive);
        var rng = new Random(seed);
        var test = new List<int>();
        foreach (var cls in new[] { true, false })
        {
            var rows = Enumerable.Range(0, labels.Length).Where(r => labels[r] == cls).ToArray();
            rng.Shuffle(rows);
            test.AddRange(rows.Take((int)Math.Round(rows.Length * testFraction)));
        }

        test.Sort();
        var testRows = test.ToArray();
        var isTest = new bool[data.RowCount];
        foreach (var r in testRows)
        {
            isTest[r] = true;
        }

        var trainRows = Enumerable.Range(0, data.RowCount).Where(r => !isTest[r]).ToArray();
        if (trainRows.Length == 0 || testRows.Length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The split leaves the training or test part empty.");
        }

        return (data.SelectRows(trainRows), data.SelectRows(testRows), testRows);
    }
}
