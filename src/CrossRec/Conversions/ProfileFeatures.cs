namespace CrossRec.Conversions;

/// <summary>Which recommender-derived features <see cref="ProfileFeatures.Build"/> adds.</summary>
public sealed record ProfileFeatureOptions
{
    /// <summary>Add the user factors as columns <c>factor_0 … factor_{k−1}</c>.</summary>
    public bool UserFactors { get; init; } = true;

    /// <summary>Add the user bias <c>user_bias</c>.</summary>
    public bool UserBias { get; init; } = true;

    /// <summary>Add <c>affinity</c>: the model's predicted score of the offered item for the user (unclipped).</summary>
    public bool OfferAffinity { get; init; } = true;
}

/// <summary>
/// Builds per-user profile features from the recommender for conversion scoring: offer affinity (the
/// factorization model's predicted score of the offered item), user factors and bias, activity
/// statistics and segment membership. Users the model does not know get missing values (NaN), which the
/// <see cref="FeatureEncoder"/> imputes and flags.
/// </summary>
public static class ProfileFeatures
{
    /// <summary>One row per user, in the order given.</summary>
    /// <param name="model">Trained factorization model.</param>
    /// <param name="users">External user ids (the rows of the result).</param>
    /// <param name="offerItem">The offered item (its affinity column); null leaves affinity out.</param>
    /// <param name="activity">Interactions for the activity columns <c>activity_count</c> and <c>mean_value</c>; null leaves them out.</param>
    /// <param name="segments">Segment of each user, aligned with <paramref name="users"/>, as a categorical column <c>segment</c>; null leaves it out.</param>
    /// <param name="options">Which model columns to add.</param>
    /// <exception cref="KeyNotFoundException">The offered item is unknown to the model.</exception>
    public static TabularData Build(FactorizationModel model, IReadOnlyList<string> users, string? offerItem = null, InteractionSet? activity = null, IReadOnlyList<int>? segments = null, ProfileFeatureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(users);
        options ??= new ProfileFeatureOptions();
        if (users.Count == 0)
        {
            throw new ArgumentException("No users to describe.", nameof(users));
        }

        if (segments is not null && segments.Count != users.Count)
        {
            throw new ArgumentException($"{segments.Count} segment ids for {users.Count} users.", nameof(segments));
        }

        var index = users.Select(model.UserIds.IndexOf).ToArray();
        var columns = new List<TabularColumn>();
        if (offerItem is not null && options.OfferAffinity)
        {
            var item = model.ItemIds.GetIndex(offerItem);
            columns.Add(TabularColumn.Numeric("affinity", index.Select(u => u < 0 ? double.NaN : model.RawScore(u, item)).ToArray()));
        }

        if (options.UserBias)
        {
            columns.Add(TabularColumn.Numeric("user_bias", index.Select(u => u < 0 ? double.NaN : model.UserBiases[u]).ToArray()));
        }

        if (options.UserFactors)
        {
            for (var f = 0; f < model.Factors; f++)
            {
                var factor = f;
                columns.Add(TabularColumn.Numeric($"factor_{f}", index.Select(u => u < 0 ? double.NaN : model.UserRow(u)[factor]).ToArray()));
            }
        }

        if (activity is not null)
        {
            var counts = new double[users.Count];
            var sums = new double[users.Count];
            var row = new Dictionary<int, int>();
            var ids = activity.UserIds;
            for (var k = 0; k < users.Count; k++)
            {
                var u = ids.IndexOf(users[k]);
                if (u >= 0)
                {
                    row[u] = k;
                }
            }

            var au = activity.Users;
            var av = activity.Values;
            for (var r = 0; r < activity.Count; r++)
            {
                if (row.TryGetValue(au[r], out var k))
                {
                    counts[k]++;
                    sums[k] += av[r];
                }
            }

            columns.Add(TabularColumn.Numeric("activity_count", counts));
            columns.Add(TabularColumn.Numeric("mean_value", counts.Select((c, k) => c > 0 ? sums[k] / c : double.NaN).ToArray()));
        }

        if (segments is not null)
        {
            columns.Add(TabularColumn.Categorical("segment", segments.Select(s => $"s{s}")));
        }

        if (columns.Count == 0)
        {
            throw new ArgumentException("The options leave no profile feature to build.", nameof(options));
        }

        return new TabularData(columns, "profile features");
    }
}
