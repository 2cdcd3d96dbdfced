namespace CrossRec.Metrics;

/// <summary>An item cold-start split: a share of the items held out with every interaction they have.</summary>
/// <param name="Train">The interactions of the other items (the id maps are the full data's, so held-out items are in the catalogue with no interactions).</param>
/// <param name="Test">Every interaction of the held-out items.</param>
/// <param name="NewItems">The held-out item ids.</param>
public sealed record ColdItemSplit(InteractionSet Train, InteractionSet Test, IReadOnlyList<string> NewItems);

/// <summary>A user cold-start split: a share of the users held out with every interaction they have.</summary>
/// <param name="Train">The interactions of the other users (the id maps are the full data's).</param>
/// <param name="Test">Every interaction of the held-out users.</param>
/// <param name="NewUsers">The held-out user ids.</param>
public sealed record ColdUserSplit(InteractionSet Train, InteractionSet Test, IReadOnlyList<string> NewUsers);

/// <summary>Which items a cold-start evaluation ranks.</summary>
public enum ColdItemCandidates
{
    /// <summary>Only the new (held-out) items: how well a model orders what it has never seen.</summary>
    NewItems = 0,

    /// <summary>Every item except the user's training items: whether new items can compete with the old ones.</summary>
    WholeCatalogue = 1,
}

/// <summary>The metrics of a cold-start evaluation and each user's NDCG, for paired tests between methods.</summary>
/// <param name="Metrics">Means over the evaluated users.</param>
/// <param name="Users">Every test user, in the order of the test set's user index (the same for every method on the same split).</param>
/// <param name="Ndcg">Each user's NDCG@K, aligned with <paramref name="Users"/>; NaN where the method could not rank for that user.</param>
public sealed record ColdStartResult(RankingMetrics Metrics, IReadOnlyList<string> Users, IReadOnlyList<double> Ndcg);

/// <summary>
/// The item cold-start protocol: hold out a seeded share of items with all their interactions
/// (<see cref="SplitItems"/>), train on the rest, then rank for every user who had a held-out item, among the new
/// items only or against the whole catalogue, with every held-out item of the user relevant.
/// </summary>
public static class ColdStart
{
    /// <summary>Holds out round(<paramref name="newItemFraction"/> × n) of the n items that have interactions, chosen by a seeded shuffle, with every interaction they have.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not strictly between 0 and 1.</exception>
    /// <exception cref="ArgumentException">The data has fewer than two items with interactions.</exception>
    public static ColdItemSplit SplitItems(InteractionSet data, double newItemFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Open(newItemFraction, 0, 1, nameof(newItemFraction));
        var counts = data.CountsPerItem();
        var items = new List<int>();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                items.Add(i);
            }
        }

        if (items.Count < 2)
        {
            throw new ArgumentException($"{data.SourceName}: an item split needs at least two items with interactions.", nameof(data));
        }

        var order = items.ToArray();
        new Random(seed).Shuffle(order);
        var take = Math.Clamp((int)Math.Round(newItemFraction * order.Length), 1, order.Length - 1);
        var isNew = new bool[counts.Length];
        foreach (var i in order.AsSpan(0, take))
        {
            isNew[i] = true;
        }

        var trainRows = new List<int>();
        var testRows = new List<int>();
        var rowItems = data.Items;
        for (var r = 0; r < data.Count; r++)
        {
            (isNew[rowItems[r]] ? testRows : trainRows).Add(r);
        }

        var newIds = order.AsSpan(0, take).ToArray();
        Array.Sort(newIds);
        return new ColdItemSplit(
            data.Subset(trainRows.ToArray(), data.SourceName + " (warm items)"),
            data.Subset(testRows.ToArray(), data.SourceName + " (new items)"),
            [.. newIds.Select(i => data.ItemIds[i])]);
    }

    /// <summary>Holds out round(<paramref name="newUserFraction"/> × n) of the n users that have interactions, chosen by a seeded shuffle, with every interaction they have.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not strictly between 0 and 1.</exception>
    /// <exception cref="ArgumentException">The data has fewer than two users with interactions.</exception>
    public static ColdUserSplit SplitUsers(InteractionSet data, double newUserFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Open(newUserFraction, 0, 1, nameof(newUserFraction));
        var counts = data.CountsPerUser();
        var users = Enumerable.Range(0, counts.Length).Where(u => counts[u] > 0).ToArray();
        if (users.Length < 2)
        {
            throw new ArgumentException($"{data.SourceName}: a user split needs at least two users with interactions.", nameof(data));
        }

        new Random(seed).Shuffle(users);
        var take = Math.Clamp((int)Math.Round(newUserFraction * users.Length), 1, users.Length - 1);
        var isNew = new bool[counts.Length];
        foreach (var u in users.AsSpan(0, take))
        {
            isNew[u] = true;
        }

        var trainRows = new List<int>();
        var testRows = new List<int>();
        var rowUsers = data.Users;
        for (var r = 0; r < data.Count; r++)
        {
            (isNew[rowUsers[r]] ? testRows : trainRows).Add(r);
        }

        var newIds = users.AsSpan(0, take).ToArray();
        Array.Sort(newIds);
        return new ColdUserSplit(
            data.Subset(trainRows.ToArray(), data.SourceName + " (known users)"),
            data.Subset(testRows.ToArray(), data.SourceName + " (new users)"),
            [.. newIds.Select(u => data.UserIds[u])]);
    }

    /// <summary>
    /// The user cold-start protocol: every held-out user is ranked the whole catalogue <paramref name="items"/> by
    /// <paramref name="score"/>, which gets the user's id (and nothing of their interactions) and writes one score per
    /// item (NaN leaves an item out); every held-out interaction is relevant. For a hybrid model the scorer folds the
    /// user in from their attributes (<see cref="Algorithms.Hybrid.HybridModel.FoldInAttributes"/>); for a baseline it may
    /// ignore the id. <paramref name="score"/> is called from several threads at once.
    /// </summary>
    public static ColdStartResult EvaluateUsers(ColdUserSplit split, IdMap items, Action<string, Span<float>> score, int k = 10)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(score);
        Check.Range(k, 1, 10_000, nameof(k));
        var test = split.Test;
        if (test.Count == 0)
        {
            throw new ArgumentException($"{test.SourceName}: the test set is empty.", nameof(split));
        }

        var itemMap = items.Translate(test.ItemIds);
        var relevant = new SortedDictionary<int, HashSet<int>>();
        for (var r = 0; r < test.Count; r++)
        {
            var t = test.Users[r];
            if (!relevant.TryGetValue(t, out var set))
            {
                relevant[t] = set = [];
            }

            if (itemMap[test.Items[r]] is var i and >= 0)
            {
                set.Add(i);
            }
        }

        var testUsers = relevant.Keys.ToArray();
        var cases = new List<RankingEvaluator.Case>();
        var caseOf = new int[testUsers.Length];
        for (var n = 0; n < testUsers.Length; n++)
        {
            caseOf[n] = relevant[testUsers[n]].Count == 0 ? -1 : cases.Count;
            if (caseOf[n] >= 0)
            {
                cases.Add(new RankingEvaluator.Case(testUsers[n], [.. relevant[testUsers[n]].Order()], []));
            }
        }

        var perUser = new RankingEvaluator.PerUserMetrics(cases.Count);
        var metrics = RankingEvaluator.Evaluate(cases, items.Count, k, (t, scores) => score(test.UserIds[t], scores), Environment.ProcessorCount, perUser, false, CancellationToken.None);
        var ndcg = new double[testUsers.Length];
        for (var n = 0; n < testUsers.Length; n++)
        {
            ndcg[n] = caseOf[n] < 0 ? double.NaN : perUser.Ndcg[caseOf[n]];
        }

        return new ColdStartResult(metrics, [.. testUsers.Select(t => test.UserIds[t])], ndcg);
    }

    /// <summary>Ranks for every test user the model knows (see <see cref="ColdStart"/>); held-out items the model does not know are left out of the relevant sets.</summary>
    public static ColdStartResult EvaluateItems(IRecommender model, ColdItemSplit split, ColdItemCandidates candidates = ColdItemCandidates.NewItems, int k = 10)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        return Evaluate(model.UserIds, model.ItemIds, u => model.SeenItems(u).ToArray(), model.ScoreItems, split, candidates, k);
    }

    /// <summary>As <see cref="EvaluateItems(IRecommender, ColdItemSplit, ColdItemCandidates, int)"/>, for a content baseline.</summary>
    public static ColdStartResult EvaluateItems(FeatureBaseline baseline, ColdItemSplit split, ColdItemCandidates candidates = ColdItemCandidates.NewItems, int k = 10)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(split);
        var m = split.Train.ToMatrix();
        var offsets = m.UserOffsetsArray;
        var seen = m.UserItemsArray;
        var users = baseline.UserIds.Translate(split.Train.UserIds);
        var back = new int[baseline.UserIds.Count];
        Array.Fill(back, -1);
        for (var u = 0; u < users.Length; u++)
        {
            if (users[u] >= 0)
            {
                back[users[u]] = u;
            }
        }

        var items = baseline.ItemIds.Translate(split.Train.ItemIds);
        return Evaluate(
            baseline.UserIds,
            baseline.ItemIds,
            u =>
            {
                var t = back[u];
                if (t < 0)
                {
                    return [];
                }

                var list = new List<int>();
                for (var n = offsets[t]; n < offsets[t + 1]; n++)
                {
                    var j = items[seen[n]];
                    if (j >= 0)
                    {
                        list.Add(j);
                    }
                }

                return [.. list];
            },
            baseline.ScoreItems,
            split,
            candidates,
            k);
    }

    private static ColdStartResult Evaluate(IdMap userIds, IdMap itemIds, Func<int, int[]> seen, RankingEvaluator.Scorer score, ColdItemSplit split, ColdItemCandidates candidates, int k)
    {
        Check.Range(k, 1, 10_000, nameof(k));
        if (!Enum.IsDefined(candidates))
        {
            throw new ArgumentOutOfRangeException(nameof(candidates), candidates, "Unknown candidate set.");
        }

        var test = split.Test;
        if (test.Count == 0)
        {
            throw new ArgumentException($"{test.SourceName}: the test set is empty.", nameof(split));
        }

        var userMap = userIds.Translate(test.UserIds);
        var itemMap = itemIds.Translate(test.ItemIds);
        var isNew = new bool[itemIds.Count];
        foreach (var id in split.NewItems)
        {
            if (itemIds.TryGetIndex(id, out var i))
            {
                isNew[i] = true;
            }
        }

        var relevant = new SortedDictionary<int, HashSet<int>>();
        for (var r = 0; r < test.Count; r++)
        {
            var t = test.Users[r];
            if (!relevant.TryGetValue(t, out var set))
            {
                relevant[t] = set = [];
            }

            var i = itemMap[test.Items[r]];
            if (i >= 0 && userMap[t] >= 0)
            {
                set.Add(i);
            }
        }

        var testUsers = relevant.Keys.ToArray();
        var cases = new List<RankingEvaluator.Case>();
        var caseOf = new int[testUsers.Length];
        for (var n = 0; n < testUsers.Length; n++)
        {
            var u = userMap[testUsers[n]];
            var set = relevant[testUsers[n]];
            caseOf[n] = -1;
            if (u < 0 || set.Count == 0)
            {
                continue;
            }

            caseOf[n] = cases.Count;
            cases.Add(new RankingEvaluator.Case(u, [.. set.Order()], candidates == ColdItemCandidates.WholeCatalogue ? seen(u) : []));
        }

        var perUser = new RankingEvaluator.PerUserMetrics(cases.Count);
        RankingEvaluator.Scorer scorer = candidates == ColdItemCandidates.WholeCatalogue
            ? score
            : (u, scores) =>
            {
                score(u, scores);
                for (var j = 0; j < scores.Length; j++)
                {
                    if (!isNew[j])
                    {
                        scores[j] = float.NaN;
                    }
                }
            };
        var metrics = RankingEvaluator.Evaluate(cases, itemIds.Count, k, scorer, Environment.ProcessorCount, perUser, false, CancellationToken.None);
        var ndcg = new double[testUsers.Length];
        for (var n = 0; n < testUsers.Length; n++)
        {
            ndcg[n] = caseOf[n] < 0 ? double.NaN : perUser.Ndcg[caseOf[n]];
        }

        return new ColdStartResult(metrics, [.. testUsers.Select(t => test.UserIds[t])], ndcg);
    }
}
