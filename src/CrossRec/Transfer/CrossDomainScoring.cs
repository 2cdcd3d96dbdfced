namespace CrossRec.Transfer;

/// <summary>Shared evaluation of cross-domain rankers on a split: the cases, and per-user metrics over the target catalogue.</summary>
internal static class CrossDomainScoring
{
    /// <summary>One case per held-out user with relevant hidden items; training items of the user are excluded.</summary>
    public static List<RankingEvaluator.Case> Cases(CrossDomainSplit split, float? threshold)
    {
        var train = split.Train.ToMatrix();
        var relevant = new SortedDictionary<int, HashSet<int>>();
        var hu = split.HeldOut.Users;
        var hi = split.HeldOut.Items;
        var hv = split.HeldOut.Values;
        for (var r = 0; r < hu.Length; r++)
        {
            if (threshold is { } t && hv[r] < t)
            {
                continue;
            }

            if (!relevant.TryGetValue(hu[r], out var set))
            {
                relevant[hu[r]] = set = [];
            }

            set.Add(hi[r]);
        }

        var cases = new List<RankingEvaluator.Case>(relevant.Count);
        foreach (var (u, set) in relevant)
        {
            var rel = set.ToArray();
            Array.Sort(rel);
            cases.Add(new RankingEvaluator.Case(u, rel, train.ItemsOf(u).ToArray()));
        }

        return cases;
    }

    /// <summary>Evaluates a scorer (which must write NaN outside the target domain) and keeps the per-user results.</summary>
    public static (RankingMetrics Metrics, RankingEvaluator.PerUserMetrics PerUser) Evaluate(List<RankingEvaluator.Case> cases, int itemCount, int k, RankingEvaluator.Scorer scorer, int threads, CancellationToken ct, bool auc = true)
    {
        var perUser = new RankingEvaluator.PerUserMetrics(cases.Count);
        var metrics = RankingEvaluator.Evaluate(cases, itemCount, k, scorer, Math.Max(1, threads), perUser, auc, ct);
        return (metrics, perUser);
    }

    /// <summary>A scorer that writes NaN outside the target domain.</summary>
    public static RankingEvaluator.Scorer Masked(Action<int, Span<float>> score, int[] itemDomains, int target) => (u, scores) =>
    {
        score(u, scores);
        for (var j = 0; j < scores.Length; j++)
        {
            if (itemDomains[j] != target)
            {
                scores[j] = float.NaN;
            }
        }
    };
}
