using CrossRec.Plots;

namespace CrossRec.Trainer.Commands;

/// <summary>The pictures of a training run (<c>train --plot DIR</c>), drawn with CrossRec.Plots from the run's own results.</summary>
internal static class TrainPlots
{
    /// <summary>List lengths N of the ranking picture.</summary>
    private static readonly int[] Lengths = [1, 5, 10, 20, 50];

    /// <summary>Writes the learning curve and, unless ranking is off, NDCG and recall against N beside popularity; returns the files.</summary>
    public static IReadOnlyList<string> Write(FactorizationModel model, string modelName, InteractionSet train, InteractionSet test, float? relevanceThreshold, bool withRanking, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        // A model loaded with --load may carry no epoch history: then there is no learning curve to draw.
        if (model.Info is { History.Count: > 0 } info)
        {
            var curve = Path.Combine(directory, "learning-curve.png");
            Charts.LearningCurve(info.History, curve, $"{modelName}, k = {model.Factors}: RMSE per epoch");
            written.Add(curve);
        }
        if (!withRanking)
        {
            return written;
        }

        var popularity = Recommenders.Popularity().Fit(train);
        var byModel = new Dictionary<string, IReadOnlyList<RankingMetrics>>
        {
            [$"{modelName} (k = {model.Factors})"] = Lengths.Select(n => model.EvaluateRanking(test, Options(n, relevanceThreshold))).ToArray(),
            ["popularity"] = Lengths.Select(n => global::CrossRec.Evaluation.Ranking(popularity, test, Options(n, relevanceThreshold))).ToArray(),
        };
        foreach (var (metric, name) in new[] { (RankingMetric.Ndcg, "ndcg-by-n.png"), (RankingMetric.Recall, "recall-by-n.png") })
        {
            var path = Path.Combine(directory, name);
            var relevant = relevanceThreshold is { } t ? $"relevant ≥ {t}" : "every test item relevant";
            Charts.RankingByN(byModel, metric, path, $"{(metric == RankingMetric.Ndcg ? "NDCG" : "Recall")}@N on the test split ({relevant})");
            written.Add(path);
        }

        return written;
    }

    private static RankingOptions Options(int n, float? threshold) => new() { K = n, RelevanceThreshold = threshold };
}
