using System.Globalization;

namespace CrossRec.Metrics;

/// <summary>Accuracy of rating predictions on a test set.</summary>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="Mae">Mean absolute error.</param>
/// <param name="Count">Test interactions scored.</param>
/// <param name="UnknownUsers">Test rows whose user the model has never seen (scored with the bias-only fallback).</param>
/// <param name="UnknownItems">Test rows whose item the model has never seen (scored with the bias-only fallback).</param>
public sealed record RatingMetrics(double Rmse, double Mae, int Count, int UnknownUsers, int UnknownItems)
{
    /// <summary>
    /// One line, culture-invariant, four decimals: <c>RMSE 0.9164, MAE 0.7220 (20000 ratings)</c>, with the rows
    /// scored by the bias-only fallback when there are any (<c>(20000 ratings; 32 with an unseen item)</c>).
    /// </summary>
    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"RMSE {Rmse:F4}, MAE {Mae:F4} ({Count} ratings");
        var unseen = new List<string>(2);
        if (UnknownUsers > 0)
        {
            unseen.Add(string.Create(CultureInfo.InvariantCulture, $"{UnknownUsers} with an unseen user"));
        }

        if (UnknownItems > 0)
        {
            unseen.Add(string.Create(CultureInfo.InvariantCulture, $"{UnknownItems} with an unseen item"));
        }

        return unseen.Count == 0 ? text + ")" : $"{text}; {string.Join(", ", unseen)})";
    }
}
