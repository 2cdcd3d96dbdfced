namespace CrossRec.Metrics;

/// <summary>
/// One named metric of a ranking evaluation, accumulated list by list: each worker thread owns one accumulator per
/// metric, <see cref="Merge"/> adds a worker's into the total, and <see cref="Result"/> gives the value stored under
/// <see cref="Name"/> in <see cref="RankingMetrics.Values"/>. A new metric is a new subclass and a line in
/// <see cref="RankingAccumulators"/>: nothing public changes shape.
/// </summary>
internal abstract class RankingAccumulator(string name, bool beyondAccuracy)
{
    /// <summary>The metric's name (<see cref="RankingMetricNames"/>).</summary>
    public string Name { get; } = name;

    /// <summary>Whether it measures the lists beyond accuracy (<see cref="BeyondAccuracyMetrics"/>) rather than against the relevant items.</summary>
    public bool BeyondAccuracy { get; } = beyondAccuracy;

    /// <summary>Takes one user's list into account.</summary>
    public abstract void Add(in RankedList list);

    /// <summary>Adds another accumulator of the same metric (another worker's) into this one.</summary>
    public abstract void Merge(RankingAccumulator other);

    /// <summary>The metric over everything added, <paramref name="lists"/> lists in all (at least one).</summary>
    public abstract double Result(int lists);
}

/// <summary>A metric that is the mean over lists of a per-list value (every accuracy metric, popularity, novelty).</summary>
internal abstract class ListMean(string name, bool beyondAccuracy) : RankingAccumulator(name, beyondAccuracy)
{
    private double _sum;

    /// <summary>The value of the list added last (per-user metrics for paired tests).</summary>
    public double Last { get; private set; }

    public sealed override void Add(in RankedList list)
    {
        Last = Of(list);
        _sum += Last;
    }

    public sealed override void Merge(RankingAccumulator other) => _sum += ((ListMean)other)._sum;

    public sealed override double Result(int lists) => _sum / lists;

    /// <summary>The metric's value for one list.</summary>
    protected abstract double Of(in RankedList list);
}

/// <summary>What every accumulator sees of one evaluated user.</summary>
/// <param name="top">The user's list, best first (at most <paramref name="cutoff"/> items).</param>
/// <param name="cutoff">The K the metrics divide by: min(K, catalogue items).</param>
/// <param name="relevant">Whether each item is relevant to the user (by item index); empty when only the list is measured.</param>
/// <param name="relevantCount">The user's relevant items that were candidates.</param>
/// <param name="scores">Every item's score, NaN for non-candidates; empty when only the list is measured.</param>
internal readonly ref struct RankedList(ReadOnlySpan<int> top, int cutoff, ReadOnlySpan<bool> relevant, int relevantCount, ReadOnlySpan<float> scores)
{
    public ReadOnlySpan<int> Top { get; } = top;

    public int Cutoff { get; } = cutoff;

    public ReadOnlySpan<bool> Relevant { get; } = relevant;

    public int RelevantCount { get; } = relevantCount;

    public ReadOnlySpan<float> Scores { get; } = scores;
}

/// <summary>The metrics of an evaluation, in the order of <see cref="RankingMetrics.Values"/>.</summary>
internal static class RankingAccumulators
{
    /// <summary>The accuracy metrics (AUC when asked), then the beyond-accuracy ones when <paramref name="catalogue"/> is given.</summary>
    public static RankingAccumulator[] Create(int itemCount, bool auc, CatalogueStatistics? catalogue)
    {
        var list = new List<RankingAccumulator> { new PrecisionAccumulator(), new RecallAccumulator(), new NdcgAccumulator(), new MapAccumulator(), new HitRateAccumulator() };
        if (auc)
        {
            list.Add(new AucAccumulator(itemCount));
        }

        if (catalogue is not null)
        {
            list.AddRange(BeyondAccuracy(catalogue));
        }

        return [.. list];
    }

    /// <summary>The beyond-accuracy metrics alone.</summary>
    public static RankingAccumulator[] BeyondAccuracy(CatalogueStatistics catalogue) =>
    [
        new CoverageAccumulator(catalogue),
        new MeanPopularityAccumulator(catalogue),
        new PopularityGiniAccumulator(catalogue),
        new NoveltyAccumulator(catalogue),
        new DiversityAccumulator(catalogue),
    ];

    /// <summary>The result of merged accumulators: every metric by name (NaN for all when nothing was evaluated).</summary>
    public static RankingMetrics Result(int k, RankingAccumulator[] totals, int evaluated, CatalogueStatistics? catalogue)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var beyond = catalogue is null ? null : new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var a in totals)
        {
            (a.BeyondAccuracy ? beyond! : values)[a.Name] = evaluated == 0 ? double.NaN : a.Result(evaluated);
        }

        return new RankingMetrics(k, evaluated, values, beyond is null ? null : new BeyondAccuracyMetrics(evaluated, catalogue!.CatalogueSize, catalogue.DiversityBasis, beyond));
    }
}
