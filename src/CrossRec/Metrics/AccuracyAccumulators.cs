namespace CrossRec.Metrics;

// The accuracy metrics of RankingMetrics, one accumulator each. Every one walks the (short) top list itself: K ≤ 10 in
// practice, next to scoring the whole catalogue for the same user, so sharing the hit count would save nothing
// measurable and would couple them. The arithmetic (per-user terms, summed per worker, then across workers) is the
// former evaluator's, term for term, so the figures are unchanged.

/// <summary>Precision@K: relevant items in the top K ÷ K.</summary>
internal sealed class PrecisionAccumulator() : ListMean(RankingMetricNames.Precision, false)
{
    protected override double Of(in RankedList list) => Hits.Count(list) / list.Cutoff;
}

/// <summary>Recall@K: relevant items in the top K ÷ the user's relevant items.</summary>
internal sealed class RecallAccumulator() : ListMean(RankingMetricNames.Recall, false)
{
    protected override double Of(in RankedList list) => Hits.Count(list) / list.RelevantCount;
}

/// <summary>NDCG@K with binary relevance and a log₂ discount, normalised by the ideal list of min(|relevant|, K) hits.</summary>
internal sealed class NdcgAccumulator() : ListMean(RankingMetricNames.Ndcg, false)
{
    protected override double Of(in RankedList list)
    {
        double dcg = 0;
        for (var r = 0; r < list.Top.Length; r++)
        {
            if (list.Relevant[list.Top[r]])
            {
                dcg += 1.0 / Math.Log2(r + 2);
            }
        }

        double idcg = 0;
        var ideal = Math.Min(list.RelevantCount, list.Cutoff);
        for (var r = 0; r < ideal; r++)
        {
            idcg += 1.0 / Math.Log2(r + 2);
        }

        return dcg / idcg;
    }
}

/// <summary>MAP@K: Σ precision@rank at each hit ÷ min(|relevant|, K).</summary>
internal sealed class MapAccumulator() : ListMean(RankingMetricNames.Map, false)
{
    protected override double Of(in RankedList list)
    {
        double hits = 0, ap = 0;
        for (var r = 0; r < list.Top.Length; r++)
        {
            if (list.Relevant[list.Top[r]])
            {
                hits++;
                ap += hits / (r + 1);
            }
        }

        return ap / Math.Min(list.RelevantCount, list.Cutoff);
    }
}

/// <summary>HitRate@K: 1 when the top K holds a relevant item, else 0.</summary>
internal sealed class HitRateAccumulator() : ListMean(RankingMetricNames.HitRate, false)
{
    protected override double Of(in RankedList list) => Hits.Count(list) > 0 ? 1 : 0;
}

/// <summary>
/// Per-user ROC AUC of the full ranking: P(score(relevant) &gt; score(other candidate)), ties ½. The candidates' scores
/// are sorted once per user, then the negatives below each relevant score are counted by binary search; the one metric
/// that costs a sort of the catalogue per user, which is why model selection leaves it out.
/// </summary>
internal sealed class AucAccumulator(int itemCount) : ListMean(RankingMetricNames.Auc, false)
{
    private readonly float[] _negatives = new float[itemCount];

    protected override double Of(in RankedList list)
    {
        var scores = list.Scores;
        var relevant = list.Relevant;
        var candidates = 0;
        for (var j = 0; j < scores.Length; j++)
        {
            if (!float.IsNaN(scores[j]))
            {
                candidates++;
            }
        }

        var negatives = candidates - list.RelevantCount;
        if (negatives <= 0)
        {
            return 1.0;
        }

        var negativeScores = _negatives.AsSpan(0, negatives);
        var m = 0;
        for (var j = 0; j < scores.Length; j++)
        {
            if (!float.IsNaN(scores[j]) && !relevant[j])
            {
                negativeScores[m++] = scores[j];
            }
        }

        negativeScores.Sort();
        double wins = 0;
        for (var j = 0; j < scores.Length; j++)
        {
            if (relevant[j] && !float.IsNaN(scores[j]))
            {
                var s = scores[j];
                var below = LowerBound(negativeScores, s);
                var upTo = UpperBound(negativeScores, s);
                wins += below + (0.5 * (upTo - below));
            }
        }

        return wins / ((double)list.RelevantCount * negatives);
    }

    private static int LowerBound(ReadOnlySpan<float> sorted, float value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static int UpperBound(ReadOnlySpan<float> sorted, float value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

/// <summary>The relevant items in a list.</summary>
internal static class Hits
{
    public static double Count(in RankedList list)
    {
        double hits = 0;
        foreach (var i in list.Top)
        {
            if (list.Relevant[i])
            {
                hits++;
            }
        }

        return hits;
    }
}
