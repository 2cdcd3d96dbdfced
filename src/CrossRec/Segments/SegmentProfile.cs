using System.Globalization;
using System.Text;

namespace CrossRec.Segments;

/// <summary>A label (genre, domain, item) that is more frequent in a segment than in the whole population.</summary>
/// <param name="Label">The label.</param>
/// <param name="SegmentShare">Share of the segment's interactions that carry the label.</param>
/// <param name="PopulationShare">Share of all interactions that carry the label.</param>
/// <param name="Lift">SegmentShare ÷ PopulationShare (1 = as common as everywhere).</param>
/// <param name="Count">Interactions in the segment that carry the label.</param>
public sealed record LabelLift(string Label, double SegmentShare, double PopulationShare, double Lift, int Count);

/// <summary>What a segment looks like.</summary>
/// <param name="Segment">0-based segment.</param>
/// <param name="Size">Users in the segment.</param>
/// <param name="Share">Share of all users.</param>
/// <param name="MeanActivity">Interactions per user.</param>
/// <param name="MeanValue">Mean interaction value (rating) of the segment.</param>
/// <param name="OverRepresented">Labels by decreasing lift.</param>
public sealed record SegmentProfile(int Segment, int Size, double Share, double MeanActivity, double MeanValue, IReadOnlyList<LabelLift> OverRepresented)
{
    /// <summary>A one-line description, e.g. "Segment 2: 180 users (19.1%), 95.3 interactions/user, mean 3.41; over-represented: Sci-Fi ×1.62, War ×1.40".</summary>
    public string Describe()
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"Segment {Segment}: {Size} users ({Share:P1}), {MeanActivity:F1} interactions/user, mean {MeanValue:F2}"));
        if (OverRepresented.Count > 0)
        {
            text.Append("; over-represented: ");
            text.AppendJoin(", ", OverRepresented.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Label} ×{l.Lift:F2}")));
        }

        return text.ToString();
    }
}

/// <summary>Computes segment profiles.</summary>
internal static class SegmentProfiler
{
    public static IReadOnlyList<SegmentProfile> Build(SegmentationModel model, InteractionSet data, IReadOnlyDictionary<string, IReadOnlyList<string>>? itemLabels, int top, int minCount)
    {
        Check.Range(top, 1, 10_000, nameof(top));
        Check.Range(minCount, 1, int.MaxValue, nameof(minCount));
        var k = model.Clusters;
        var assignments = model.Result!.Assignments;
        var segmentOfUser = new int[data.UserCount];
        for (var u = 0; u < data.UserCount; u++)
        {
            var row = model.RowIds!.IndexOf(data.UserIds[u]);
            segmentOfUser[u] = row < 0 ? -1 : assignments[row];
        }

        // Labels per item, as indices into one label list.
        var labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var labelsOfItem = new int[data.ItemCount][];
        for (var i = 0; i < data.ItemCount; i++)
        {
            IEnumerable<string> labels = itemLabels is not null
                ? (itemLabels.TryGetValue(data.ItemIds[i], out var l) ? l : [])
                : data.HasDomains ? (data.ItemDomains[i] >= 0 ? [data.Domains![data.ItemDomains[i]]] : []) : [data.ItemIds[i]];
            labelsOfItem[i] = labels.Select(x => labelIndex.TryGetValue(x, out var j) ? j : labelIndex[x] = labelIndex.Count).Distinct().ToArray();
        }

        var names = labelIndex.OrderBy(p => p.Value).Select(p => p.Key).ToArray();
        var segmentLabel = new long[k, names.Length];
        var totalLabel = new long[names.Length];
        var segmentRows = new long[k];
        var segmentValue = new double[k];
        long totalRows = 0;
        var users = data.Users;
        var items = data.Items;
        var values = data.Values;
        for (var r = 0; r < data.Count; r++)
        {
            var s = segmentOfUser[users[r]];
            totalRows++;
            foreach (var l in labelsOfItem[items[r]])
            {
                totalLabel[l]++;
                if (s >= 0)
                {
                    segmentLabel[s, l]++;
                }
            }

            if (s >= 0)
            {
                segmentRows[s]++;
                segmentValue[s] += values[r];
            }
        }

        var sizes = model.Sizes;
        var totalUsers = 0;
        foreach (var size in sizes)
        {
            totalUsers += size;
        }

        var profiles = new List<SegmentProfile>(k);
        for (var s = 0; s < k; s++)
        {
            var lifts = new List<LabelLift>();
            for (var l = 0; l < names.Length; l++)
            {
                if (segmentLabel[s, l] < minCount || segmentRows[s] == 0 || totalLabel[l] == 0)
                {
                    continue;
                }

                var segmentShare = (double)segmentLabel[s, l] / segmentRows[s];
                var populationShare = (double)totalLabel[l] / totalRows;
                var lift = segmentShare / populationShare;
                if (lift > 1)
                {
                    lifts.Add(new LabelLift(names[l], segmentShare, populationShare, lift, (int)segmentLabel[s, l]));
                }
            }

            profiles.Add(new SegmentProfile(
                s,
                sizes[s],
                totalUsers == 0 ? 0 : (double)sizes[s] / totalUsers,
                sizes[s] == 0 ? 0 : (double)segmentRows[s] / sizes[s],
                segmentRows[s] == 0 ? double.NaN : segmentValue[s] / segmentRows[s],
                lifts.OrderByDescending(x => x.Lift).ThenBy(x => x.Label, StringComparer.Ordinal).Take(top).ToArray()));
        }

        return profiles;
    }
}
