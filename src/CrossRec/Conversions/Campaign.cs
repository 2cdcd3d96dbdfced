namespace CrossRec.Conversions;

/// <summary>Someone who could receive an offer.</summary>
/// <param name="Id">User id.</param>
/// <param name="Probability">Predicted conversion probability.</param>
/// <param name="Value">Value of a conversion (revenue, margin); 1 counts conversions.</param>
/// <param name="Cost">Cost of contacting this user (for cost budgets).</param>
public sealed record CampaignCandidate(string Id, double Probability, double Value = 1, double Cost = 1)
{
    /// <summary>Expected value of contacting: probability × value.</summary>
    public double ExpectedValue => Probability * Value;
}

/// <summary>The audience chosen for a campaign.</summary>
/// <param name="Selected">Users to contact, best expected value first.</param>
/// <param name="ExpectedConversions">Σ probability over the audience.</param>
/// <param name="ExpectedValue">Σ probability × value.</param>
/// <param name="TotalCost">Σ cost.</param>
/// <param name="Candidates">Users considered.</param>
public sealed record CampaignPlan(IReadOnlyList<CampaignCandidate> Selected, double ExpectedConversions, double ExpectedValue, double TotalCost, int Candidates);

/// <summary>Campaign targeting under a budget: rank by expected value and take the best.</summary>
public static class Campaign
{
    /// <summary>Chooses at most <paramref name="maxContacts"/> users with the highest expected value.</summary>
    public static CampaignPlan TargetByCount(IEnumerable<CampaignCandidate> candidates, int maxContacts)
    {
        var all = Validate(candidates);
        Check.Range(maxContacts, 1, int.MaxValue, nameof(maxContacts));
        var selected = all.OrderByDescending(c => c.ExpectedValue).ThenBy(c => c.Id, StringComparer.Ordinal).Take(maxContacts).ToArray();
        return Plan(selected, all.Length);
    }

    /// <summary>
    /// Chooses users within a cost budget, greedily by expected value per unit of cost (the classic
    /// knapsack heuristic, optimal when costs are equal), skipping users who no longer fit.
    /// </summary>
    public static CampaignPlan TargetByCost(IEnumerable<CampaignCandidate> candidates, double budget)
    {
        var all = Validate(candidates);
        Check.OpenClosed(budget, 0, double.MaxValue, nameof(budget));
        var selected = new List<CampaignCandidate>();
        var spent = 0.0;
        foreach (var c in all.OrderByDescending(c => c.Cost > 0 ? c.ExpectedValue / c.Cost : double.PositiveInfinity).ThenBy(c => c.Id, StringComparer.Ordinal))
        {
            if (spent + c.Cost <= budget)
            {
                selected.Add(c);
                spent += c.Cost;
            }
        }

        return Plan(selected, all.Length);
    }

    private static CampaignCandidate[] Validate(IEnumerable<CampaignCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var all = candidates.ToArray();
        if (all.Length == 0)
        {
            throw new ArgumentException("There are no candidates to target.", nameof(candidates));
        }

        foreach (var c in all)
        {
            if (!(c.Probability >= 0 && c.Probability <= 1) || !double.IsFinite(c.Value) || !(c.Cost >= 0) || !double.IsFinite(c.Cost))
            {
                throw new ArgumentException($"Candidate '{c.Id}' has probability {c.Probability}, value {c.Value}, cost {c.Cost}; probability must be in [0, 1], value finite, cost finite and ≥ 0.", nameof(candidates));
            }
        }

        return all;
    }

    private static CampaignPlan Plan(IReadOnlyList<CampaignCandidate> selected, int candidates) =>
        new(selected, selected.Sum(c => c.Probability), selected.Sum(c => c.ExpectedValue), selected.Sum(c => c.Cost), candidates);
}
