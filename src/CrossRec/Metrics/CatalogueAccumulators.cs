namespace CrossRec.Metrics;

// The beyond-accuracy metrics of BeyondAccuracyMetrics, one accumulator each; they read only the lists and the
// catalogue's statistics, never the relevant items.

/// <summary>How often each catalogue item was recommended, for the metrics over the whole catalogue.</summary>
internal abstract class RecommendationCounts(string name, CatalogueStatistics catalogue) : RankingAccumulator(name, true)
{
    protected CatalogueStatistics Catalogue { get; } = catalogue;

    protected int[] Counts { get; } = new int[catalogue.ItemCount];

    public sealed override void Add(in RankedList list)
    {
        foreach (var i in list.Top)
        {
            Counts[i]++;
        }
    }

    public sealed override void Merge(RankingAccumulator other)
    {
        var counts = ((RecommendationCounts)other).Counts;
        for (var i = 0; i < counts.Length; i++)
        {
            Counts[i] += counts[i];
        }
    }
}

/// <summary>Catalogue coverage: the share of catalogue items in at least one list.</summary>
internal sealed class CoverageAccumulator(CatalogueStatistics catalogue) : RecommendationCounts(RankingMetricNames.Coverage, catalogue)
{
    public override double Result(int lists)
    {
        var covered = 0;
        for (var i = 0; i < Counts.Length; i++)
        {
            if (Counts[i] > 0 && Catalogue.InCatalogue(i))
            {
                covered++;
            }
        }

        return Catalogue.CatalogueSize == 0 ? double.NaN : (double)covered / Catalogue.CatalogueSize;
    }
}

/// <summary>The Gini coefficient of the catalogue items' recommendation counts: <c>Σ_r (2r − n − 1) · c_(r) / (n · Σ c)</c>, counts ascending, r from 1.</summary>
internal sealed class PopularityGiniAccumulator(CatalogueStatistics catalogue) : RecommendationCounts(RankingMetricNames.PopularityGini, catalogue)
{
    public override double Result(int lists)
    {
        var counts = new List<int>(Catalogue.CatalogueSize);
        long total = 0;
        for (var i = 0; i < Counts.Length; i++)
        {
            if (Catalogue.InCatalogue(i))
            {
                counts.Add(Counts[i]);
                total += Counts[i];
            }
        }

        if (total == 0)
        {
            return double.NaN;
        }

        counts.Sort();
        var n = counts.Count;
        double weighted = 0;
        for (var r = 1; r <= n; r++)
        {
            weighted += ((2.0 * r) - n - 1) * counts[r - 1];
        }

        return weighted / ((double)n * total);
    }
}

/// <summary>Average recommended-item popularity: the mean over the list of pop(i), the share of training users who have i.</summary>
internal sealed class MeanPopularityAccumulator(CatalogueStatistics catalogue) : ListMean(RankingMetricNames.MeanPopularity, true)
{
    protected override double Of(in RankedList list)
    {
        double sum = 0;
        foreach (var i in list.Top)
        {
            sum += catalogue.Popularity[i];
        }

        return sum / list.Top.Length;
    }
}

/// <summary>Novelty: the mean over the list of the self-information −log₂ pop(i), in bits.</summary>
internal sealed class NoveltyAccumulator(CatalogueStatistics catalogue) : ListMean(RankingMetricNames.Novelty, true)
{
    protected override double Of(in RankedList list)
    {
        double sum = 0;
        foreach (var i in list.Top)
        {
            sum += catalogue.SelfInformation[i];
        }

        return sum / list.Top.Length;
    }
}

/// <summary>Intra-list diversity: the mean over a list's item pairs of 1 − cosine, averaged over the lists of two items or more.</summary>
internal sealed class DiversityAccumulator(CatalogueStatistics catalogue) : RankingAccumulator(RankingMetricNames.Diversity, true)
{
    private double _sum;
    private int _lists;

    public override void Add(in RankedList list)
    {
        var top = list.Top;
        if (top.Length < 2)
        {
            return;
        }

        double distance = 0;
        for (var a = 0; a < top.Length; a++)
        {
            for (var b = a + 1; b < top.Length; b++)
            {
                distance += 1 - catalogue.Cosine(top[a], top[b]);
            }
        }

        _sum += distance / (top.Length * (top.Length - 1) / 2.0);
        _lists++;
    }

    public override void Merge(RankingAccumulator other)
    {
        var d = (DiversityAccumulator)other;
        _sum += d._sum;
        _lists += d._lists;
    }

    public override double Result(int lists) => _lists == 0 ? double.NaN : _sum / _lists;
}
