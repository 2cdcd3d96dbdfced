namespace CrossRec.Segments;

/// <summary>
/// Builds user feature matrices for segmentation: behaviour features from interactions, encoded user
/// attributes, and weighted combinations with the model's user factors.
/// </summary>
public static class UserFeatures
{
    /// <summary>
    /// Behaviour features per user (rows labelled by <see cref="InteractionSet.UserIds"/>):
    /// <c>log_activity</c> = ln(1 + interactions), <c>mean_value</c> (the overall mean for users without
    /// interactions), <c>recency_days</c> (days from the user's last interaction to the data's last; with
    /// timestamps only), then <c>share:&lt;label&gt;</c>, the share of the user's interactions whose item carries
    /// each label (the domains, or the given item labels such as genres).
    /// </summary>
    public static ReadOnlyMatrix FromInteractions(InteractionSet data, IReadOnlyDictionary<string, IReadOnlyList<string>>? itemLabels = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var users = data.UserCount;
        var count = new double[users];
        var sum = new double[users];
        var last = new long[users];
        Array.Fill(last, long.MinValue);
        var labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var labelsOfItem = new int[data.ItemCount][];
        for (var i = 0; i < data.ItemCount; i++)
        {
            IEnumerable<string> labels = itemLabels is not null
                ? (itemLabels.TryGetValue(data.ItemIds[i], out var l) ? l : [])
                : data.HasDomains && data.ItemDomains[i] >= 0 ? [data.Domains![data.ItemDomains[i]]] : [];
            labelsOfItem[i] = labels.Select(x => labelIndex.TryGetValue(x, out var j) ? j : labelIndex[x] = labelIndex.Count).Distinct().ToArray();
        }

        var labelCount = new double[users, labelIndex.Count];
        var u = data.Users;
        var it = data.Items;
        var v = data.Values;
        var maxTime = long.MinValue;
        for (var r = 0; r < data.Count; r++)
        {
            count[u[r]]++;
            sum[u[r]] += v[r];
            if (data.HasTimestamps)
            {
                var t = data.Timestamps[r];
                last[u[r]] = Math.Max(last[u[r]], t);
                maxTime = Math.Max(maxTime, t);
            }

            foreach (var l in labelsOfItem[it[r]])
            {
                labelCount[u[r], l]++;
            }
        }

        var mean = data.MeanValue();
        var names = new List<string> { "log_activity", "mean_value" };
        if (data.HasTimestamps)
        {
            names.Add("recency_days");
        }

        names.AddRange(labelIndex.OrderBy(p => p.Value).Select(p => $"share:{p.Key}"));
        var width = names.Count;
        var values = new float[users * width];
        for (var user = 0; user < users; user++)
        {
            var row = values.AsSpan(user * width, width);
            var c = 0;
            row[c++] = (float)Math.Log(1 + count[user]);
            row[c++] = (float)(count[user] > 0 ? sum[user] / count[user] : mean);
            if (data.HasTimestamps)
            {
                row[c++] = count[user] > 0 ? (float)((maxTime - last[user]) / 86400.0) : 0f;
            }

            for (var l = 0; l < labelIndex.Count; l++)
            {
                row[c++] = count[user] > 0 ? (float)(labelCount[user, l] / count[user]) : 0f;
            }
        }

        return ReadOnlyMatrix.Wrap(values, users, width, data.UserIds, names);
    }

    /// <summary>
    /// User attributes from a table (one row per user, ids in <paramref name="idColumn"/>): numeric columns
    /// standardised, categorical columns one-hot encoded (see <see cref="FeatureEncoder"/>).
    /// </summary>
    public static ReadOnlyMatrix FromAttributes(TabularData table, string idColumn, IEnumerable<string>? drop = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var ids = table[idColumn];
        var exclude = new HashSet<string>(drop ?? [], StringComparer.Ordinal) { idColumn };
        var encoder = FeatureEncoder.Learn(table, table.Columns.Select(c => c.Name).Where(n => !exclude.Contains(n)));
        var matrix = encoder.Encode(table);
        var rowIds = IdMap.Create("user", Enumerable.Range(0, table.RowCount).Select(r => ids.Text(r)));
        return matrix.WithLabels(rowIds, encoder.FeatureNames);
    }

    /// <summary>
    /// Joins feature blocks side by side, each standardised column-wise and multiplied by its weight (so a
    /// weight of 2 makes a block count twice as much in the distances). Blocks with row ids are aligned on
    /// the first block's ids (every id must be present); blocks without ids must have the same row count.
    /// </summary>
    /// <exception cref="ArgumentException">No blocks, a non-positive weight, a missing id, or a row-count mismatch.</exception>
    public static ReadOnlyMatrix Combine(params (ReadOnlyMatrix Matrix, float Weight)[] blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Length == 0)
        {
            throw new ArgumentException("Give at least one feature block.", nameof(blocks));
        }

        var first = blocks[0].Matrix;
        var rows = first.Rows;
        var width = blocks.Sum(b => b.Matrix.Columns);
        var values = new float[rows * width];
        var names = new List<string>(width);
        var offset = 0;
        for (var b = 0; b < blocks.Length; b++)
        {
            var (m, weight) = blocks[b];
            if (!(weight > 0) || !float.IsFinite(weight))
            {
                throw new ArgumentException($"Block {b} has weight {weight}; weights must be positive and finite.", nameof(blocks));
            }

            int[] map;
            if (first.RowIds is not null && m.RowIds is not null)
            {
                map = new int[rows];
                for (var r = 0; r < rows; r++)
                {
                    map[r] = m.RowIds.IndexOf(first.RowIds[r]);
                    if (map[r] < 0)
                    {
                        throw new ArgumentException($"Block {b} has no row for id '{first.RowIds[r]}'.", nameof(blocks));
                    }
                }
            }
            else if (m.Rows == rows)
            {
                map = Enumerable.Range(0, rows).ToArray();
            }
            else
            {
                throw new ArgumentException($"Block {b} has {m.Rows} rows, block 0 has {rows}, and they have no row ids to align on.", nameof(blocks));
            }

            var (means, scales) = Scaling.Learn(m);
            for (var r = 0; r < rows; r++)
            {
                var source = m.Row(map[r]);
                for (var f = 0; f < m.Columns; f++)
                {
                    values[(r * width) + offset + f] = weight * (source[f] - means[f]) / scales[f];
                }
            }

            for (var f = 0; f < m.Columns; f++)
            {
                names.Add(m.ColumnNames?[f] ?? $"block{b}:{f}");
            }

            offset += m.Columns;
        }

        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            names = names.Select((n, i) => $"{n}#{i}").ToList();
        }

        return ReadOnlyMatrix.Wrap(values, rows, width, first.RowIds, names);
    }
}
