namespace CrossRec;

/// <summary>Offline evaluation of factorization models: rating accuracy, top-N ranking quality.</summary>
public static class Evaluation
{
    /// <summary>RMSE and MAE of the model's clipped predictions on a test set (same as <see cref="FactorizationModel.Evaluate"/>).</summary>
    public static RatingMetrics Rating(FactorizationModel model, InteractionSet test)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Evaluate(test);
    }

    /// <summary>
    /// Top-N metrics: for every test user the model knows, all items (except the user's training items,
    /// by default) are ranked by predicted score and compared with the user's relevant test items.
    /// Test ids are matched to the model's by external id; test items the model never saw cannot be
    /// ranked and are left out of the relevant sets.
    /// </summary>
    /// <exception cref="ArgumentException">The test set is empty.</exception>
    /// <exception cref="KeyNotFoundException"><see cref="RankingOptions.Domain"/> names an unknown domain.</exception>
    public static RankingMetrics Ranking(IRecommender model, InteractionSet test, RankingOptions? options = null, CancellationToken cancellationToken = default)
        => RankingCore(model, test, options, auc: true, cancellationToken);

    /// <summary>As <see cref="Ranking(IRecommender, InteractionSet, RankingOptions?, CancellationToken)"/>; <paramref name="auc"/> false skips the AUC (NaN), the one metric that sorts every user's catalogue (model selection needs only NDCG and recall).</summary>
    internal static RankingMetrics RankingCore(IRecommender model, InteractionSet test, RankingOptions? options, bool auc, CancellationToken cancellationToken)
    {
        options ??= new RankingOptions();
        var cases = Cases(model, test, options, out var domain);
        var itemDomains = model.ItemDomains.ToArray();
        return RankingEvaluator.Evaluate(
            cases,
            model.ItemIds.Count,
            options.K,
            (u, scores) =>
            {
                model.ScoreItems(u, scores);
                if (domain >= 0)
                {
                    for (var j = 0; j < scores.Length; j++)
                    {
                        if (itemDomains[j] != domain)
                        {
                            scores[j] = float.NaN;
                        }
                    }
                }
            },
            Environment.ProcessorCount,
            null,
            auc,
            cancellationToken);
    }

    /// <summary>The evaluation cases of a test set: every test user the model knows with a relevant item it can rank, with the items to exclude.</summary>
    internal static List<RankingEvaluator.Case> Cases(IRecommender model, InteractionSet test, RankingOptions options, out int domain)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        options.Validate();
        Check.NotEmpty(test, "test");

        domain = -1;
        if (options.Domain is not null)
        {
            domain = (model.Domains ?? throw new KeyNotFoundException($"Unknown domain '{options.Domain}': the model was trained on data without domains.")).GetIndex(options.Domain);
        }

        var userMap = model.UserIds.Translate(test.UserIds);
        var itemMap = model.ItemIds.Translate(test.ItemIds);
        var relevant = new Dictionary<int, List<int>>();
        var users = test.Users;
        var items = test.Items;
        var values = test.Values;
        for (var r = 0; r < test.Count; r++)
        {
            var u = userMap[users[r]];
            var i = itemMap[items[r]];
            if (u < 0 || i < 0 || (options.RelevanceThreshold is { } t && values[r] < t))
            {
                continue;
            }

            if (!relevant.TryGetValue(u, out var list))
            {
                relevant[u] = list = new List<int>();
            }

            list.Add(i);
        }

        var cases = new List<RankingEvaluator.Case>(relevant.Count);
        foreach (var (u, list) in relevant.OrderBy(p => p.Key))
        {
            var exclude = options.ExcludeTrainingItems ? model.SeenItems(u).ToArray() : [];
            cases.Add(new RankingEvaluator.Case(u, list.ToArray(), exclude));
        }

        return cases;
    }
}
