using CrossRec.Algorithms.Mapped;

namespace CrossRec.AccuracyTests.Features;

/// <summary>
/// The user cold-start table of docs/accuracy.md: Auto's choice for <see cref="AutoRequest.NewUsers"/> first, then the
/// hybrid, mapped ALS and mapped EASE with their defaults, popularity and segment popularity, each scored on the held-out
/// users from their attributes alone (whole catalogue); rows a test adds go after these.
/// </summary>
internal static class ColdUserTable
{
    /// <summary>Index of the popularity row.</summary>
    public const int Popularity = 4;

    /// <summary>Index of the segment popularity row.</summary>
    public const int Segments = 5;

    /// <summary>The standard rows for <paramref name="selection"/>, fitted on <paramref name="split"/>'s training part.</summary>
    public static List<(string Name, ColdStartResult Result)> Rows(ColdUserSplit split, FeatureSet? items, FeatureSet users, FeatureAutoSelection selection)
    {
        var hybrid = Recommenders.Hybrid().ItemFeatures(items).UserFeatures(users).Fit(split.Train);
        var als = MappedModel.Create(Recommenders.ImplicitAls().Fit(split.Train), items, users);
        var ease = MappedModel.Create(Recommenders.Ease().Fit(split.Train), items, users);
        var popularity = Recommenders.Popularity().Fit(split.Train);
        var segments = FeatureBaseline.SegmentPopularity(split.Train, users);
        ColdStartResult Attributes(RecommenderModel model) =>
            ColdStart.EvaluateUsers(split, model.ItemIds, (id, s) => model.ScoreItems(((IAttributeRecommender)model).FoldInAttributes(users.FeaturesOf(id)), s));
        return
        [
            ("default (chose " + selection.Choice + ")", Attributes(selection.Model)),
            ("hybrid (defaults)", Attributes(hybrid)),
            ("mapped ALS (defaults)", Attributes(als)),
            ("mapped EASE (defaults)", Attributes(ease)),
            ("popularity", ColdStart.EvaluateUsers(split, popularity.ItemIds, (_, s) => popularity.ScoreItems(0, s))),
            ("segment popularity", ColdStart.EvaluateUsers(split, segments.ItemIds, (id, s) => segments.ScoreAttributes(users.FeaturesOf(id), s))),
        ];
    }

    /// <summary>Prints the rows (p: paired t-test of per-user NDCG@10 against the first row) and every validation score.</summary>
    public static void Print(string title, List<(string Name, ColdStartResult Result)> rows, FeatureAutoSelection selection)
    {
        TestContext.Out.WriteLine(title);
        TestContext.Out.WriteLine("| method | NDCG@10 | Recall@10 | p |");
        foreach (var (name, result) in rows)
        {
            var p = ReferenceEquals(result, rows[0].Result) ? "" : $"{PairedTest.TTest(rows[0].Result.Ndcg, result.Ndcg).PValue:G2}";
            TestContext.Out.WriteLine($"| {name} | {result.Metrics.Ndcg:F4} | {result.Metrics.Recall:F4} | {p} |");
        }

        foreach (var c in selection.Candidates)
        {
            TestContext.Out.WriteLine($"  validation {c.Stage,-12} {c.Algorithm,-40} {c.Ndcg:F4}");
        }
    }
}
