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
        var catalogue = options.BeyondAccuracy ? CatalogueStatistics.Of(model, domain) : null;
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
            catalogue,
            cancellationToken);
    }

    /// <summary>
    /// What lists a model served do to its catalogue (coverage, popularity bias, novelty, intra-list diversity; see
    /// <see cref="BeyondAccuracyMetrics"/>), with no test set: for example the lists of
    /// <see cref="IRecommender.RecommendMany"/>. Empty lists are left out.
    /// </summary>
    /// <param name="model">The model that served the lists (its training data gives the items' popularity, its item factors or training users the diversity).</param>
    /// <param name="lists">One list per user, each item as the model returned it (<see cref="ScoredItem.Index"/> is the model's index).</param>
    /// <param name="domain">When given, the catalogue is that domain's items (for lists filtered to it).</param>
    /// <exception cref="ArgumentException">A list holds an item that is not the model's (the message names the list and the item).</exception>
    /// <exception cref="KeyNotFoundException"><paramref name="domain"/> is not one of the model's domains.</exception>
    public static BeyondAccuracyMetrics BeyondAccuracy(IRecommender model, IEnumerable<IReadOnlyList<ScoredItem>> lists, string? domain = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lists);
        var d = domain is null ? -1 : (model.Domains ?? throw new KeyNotFoundException($"Unknown domain '{domain}': the model was trained on data without domains.")).GetIndex(domain);
        var catalogue = CatalogueStatistics.Of(model, d);
        var metrics = RankingAccumulators.BeyondAccuracy(catalogue);
        var items = new List<int>();
        var n = 0;
        var measured = 0;
        foreach (var list in lists)
        {
            ArgumentNullException.ThrowIfNull(list, nameof(lists));
            items.Clear();
            foreach (var r in list)
            {
                if ((uint)r.Index >= (uint)model.ItemIds.Count || model.ItemIds[r.Index] != r.ItemId)
                {
                    throw new ArgumentException($"List {n} holds item '{r.ItemId}' at index {r.Index}, which is not this model's item of that index.", nameof(lists));
                }

                items.Add(r.Index);
            }

            n++;
            if (items.Count == 0)
            {
                continue;
            }

            var ranked = new RankedList(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(items), items.Count, [], 0, []);
            foreach (var m in metrics)
            {
                m.Add(ranked);
            }

            measured++;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in metrics)
        {
            values[m.Name] = measured == 0 ? double.NaN : m.Result(measured);
        }

        return new BeyondAccuracyMetrics(measured, catalogue.CatalogueSize, catalogue.DiversityBasis, values);
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
