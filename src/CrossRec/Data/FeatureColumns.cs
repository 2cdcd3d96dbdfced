namespace CrossRec.Data;

/// <summary>
/// Which columns of a table (a database result set, a Parquet file) hold long-format features: the id, the feature
/// and, optionally, its weight; each by name (case-insensitive) or by 0-based ordinal. Immutable. The defaults are
/// columns 0 and 1 as id and feature, without a weight column (every feature categorical, weight 1).
/// </summary>
/// <example>
/// <code>
/// var columns = FeatureColumns.Named("sku", "tag", weight: "relevance");
/// </code>
/// </example>
public sealed record FeatureColumns
{
    /// <summary>The item or user id column (text or integer ids).</summary>
    public ColumnRef Id { get; init; } = 0;

    /// <summary>The feature name column (text, or integers read as their text).</summary>
    public ColumnRef Feature { get; init; } = 1;

    /// <summary>The weight column (a finite number above 0 in every row); null for categorical features (weight 1).</summary>
    public ColumnRef? Weight { get; init; }

    /// <summary>Columns by name.</summary>
    /// <param name="id">The id column.</param>
    /// <param name="feature">The feature column.</param>
    /// <param name="weight">The weight column, or null for weight 1.</param>
    public static FeatureColumns Named(string id, string feature, string? weight = null) => new()
    {
        Id = ColumnRef.Named(id),
        Feature = ColumnRef.Named(feature),
        Weight = weight is null ? default(ColumnRef?) : ColumnRef.Named(weight),
    };

    /// <summary>
    /// Resolves the mapping against the table's column names. A null mapping takes columns 0 and 1 as id and feature
    /// and column 2, when the table has one, as the weight (as a feature file's optional third field); a table of
    /// another width then needs a mapping.
    /// </summary>
    /// <exception cref="DataFormatException">A named column is missing, an ordinal is beyond the columns, or, without a mapping, the table has not 2 or 3 columns.</exception>
    internal static (int Id, int Feature, int Weight) Resolve(FeatureColumns? columns, IReadOnlyList<string> names, string source)
    {
        if (columns is null)
        {
            if (names.Count is < 2 or > 3)
            {
                throw new DataFormatException(source, 0, 0, $"expected the columns id, feature[, weight] but the table has {names.Count}: {string.Join(", ", names)}; name them with {nameof(FeatureColumns)}.");
            }

            return (0, 1, names.Count == 3 ? 2 : -1);
        }

        int One(ColumnRef c, string role)
        {
            if (c.Name is null)
            {
                if (c.Index >= names.Count)
                {
                    throw new DataFormatException(source, 0, 0, $"the {role} column is ordinal {c.Index} but the table has {names.Count} columns: {string.Join(", ", names)}.");
                }

                return c.Index;
            }

            for (var f = 0; f < names.Count; f++)
            {
                if (string.Equals(names[f], c.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return f;
                }
            }

            throw new DataFormatException(source, 0, 0, $"there is no {role} column {c}; the columns are: {string.Join(", ", names)}.");
        }

        var id = One(columns.Id, "id");
        var feature = One(columns.Feature, "feature");
        var weight = columns.Weight is { } w ? One(w, "weight") : -1;
        if (id == feature || weight == id || weight == feature)
        {
            throw new DataFormatException(source, 0, 0, $"the id, feature and weight columns must be different columns ({columns.Id}, {columns.Feature}{(columns.Weight is { } cw ? $", {cw}" : "")}).");
        }

        return (id, feature, weight);
    }
}
