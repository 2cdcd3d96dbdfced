using CrossRec.Persistence;

namespace CrossRec.Algorithms.Popularity;

/// <summary>
/// Recommends the items the most distinct training users have, the same list for everyone (less what
/// each user already has). The baseline every evaluation in CrossRec reports next to the learned models.
/// </summary>
/// <remarks><see cref="RecommenderModel.SimilarItems(string, int, RecommendFilter?)"/> returns the most popular other items: popularity has no notion of item similarity.</remarks>
public sealed class PopularityModel : RecommenderModel
{
    private const string Kind = "popularity";
    private readonly float[] _counts;

    internal PopularityModel(IdMap userIds, IdMap itemIds, float[] counts, int[] seenOffsets, int[] seenItems, float[] seenValues, IdMap? domains, int[]? itemDomains, RecommenderTrainingInfo? training)
        : base(userIds, itemIds, seenOffsets, seenItems, seenValues, domains, itemDomains, training)
    {
        if (counts.Length != itemIds.Count)
        {
            throw new ArgumentException("One popularity count per item is needed.");
        }

        _counts = counts;
    }

    /// <inheritdoc />
    public override string Algorithm => "popularity";

    /// <summary>Distinct training users of each item, by dense index.</summary>
    public ReadOnlySpan<float> Counts => _counts;

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => 1;

    /// <summary>Loads a popularity model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static PopularityModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    internal static PopularityModel Read(ModelFileReader file)
    {
        var c = ReadCommon(file, 1);
        var pop = file.Section("POPC");
        var counts = pop.Singles(c.ItemIds.Count);
        pop.End();
        foreach (var v in counts)
        {
            if (!float.IsFinite(v) || v < 0)
            {
                throw pop.Fail($"popularity count {v} is not a finite non-negative number");
            }
        }

        return new PopularityModel(c.UserIds, c.ItemIds, counts, c.SeenOffsets, c.SeenItems, c.SeenValues, c.Domains, c.ItemDomains, c.Training);
    }

    internal override void WriteModel(ModelFileWriter file) => file.Add("POPC", new PayloadWriter().Singles(_counts));

    internal override void ScoreUser(int user, Span<float> scores) => _counts.CopyTo(scores);

    internal override void ScoreFolded(FoldedUser user, Span<float> scores) => _counts.CopyTo(scores);

    internal override void ItemSimilarities(int item, Span<float> scores) => _counts.CopyTo(scores);

    internal override FoldedUser FoldInCore(int[] items, float[] values) => new(this, Algorithm, ItemIds.Count, 0f, [], items, values);
}
