namespace CrossRec.Data;

/// <summary>
/// Which columns of a table (a database result set, a Parquet file) hold the user, the item, the value and,
/// optionally, the timestamp and the item's domain; each by name (case-insensitive) or by 0-based ordinal.
/// Immutable. The defaults are the first three columns: user, item, value.
/// </summary>
/// <example>
/// <code>
/// var columns = new InteractionColumns { User = "customer_id", Item = "sku", Value = "qty", Timestamp = "ordered_at" };
/// </code>
/// </example>
public sealed record InteractionColumns
{
    /// <summary>The user id column (text or integer ids).</summary>
    public ColumnRef User { get; init; } = 0;

    /// <summary>The item id column (text or integer ids).</summary>
    public ColumnRef Item { get; init; } = 1;

    /// <summary>The value (rating, count, weight) column; null for implicit data, where every row has value 1.</summary>
    public ColumnRef? Value { get; init; } = 2;

    /// <summary>Optional timestamp column: integer Unix seconds, a date/time, or text in ISO 8601.</summary>
    public ColumnRef? Timestamp { get; init; }

    /// <summary>Optional column naming the item's domain (an item keeps one domain).</summary>
    public ColumnRef? Domain { get; init; }

    /// <summary>Columns by name.</summary>
    /// <param name="user">User id column.</param>
    /// <param name="item">Item id column.</param>
    /// <param name="value">Value column, or null for implicit data (value 1).</param>
    /// <param name="timestamp">Timestamp column, or null.</param>
    /// <param name="domain">Domain column, or null.</param>
    public static InteractionColumns Named(string user, string item, string? value, string? timestamp = null, string? domain = null) => new()
    {
        User = ColumnRef.Named(user),
        Item = ColumnRef.Named(item),
        Value = value is null ? default(ColumnRef?) : ColumnRef.Named(value),
        Timestamp = timestamp is null ? default(ColumnRef?) : ColumnRef.Named(timestamp),
        Domain = domain is null ? default(ColumnRef?) : ColumnRef.Named(domain),
    };

    /// <summary>
    /// Resolves every mapped column against the table's column names; unmapped optional roles are -1.
    /// </summary>
    /// <exception cref="DataFormatException">A named column is missing or an ordinal is beyond the table's columns; the message lists the columns there are.</exception>
    internal (int User, int Item, int Value, int Timestamp, int Domain) Resolve(IReadOnlyList<string> names, string source)
    {
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

        return (One(User, "user"), One(Item, "item"), Value is { } v ? One(v, "value") : -1,
            Timestamp is { } t ? One(t, "timestamp") : -1, Domain is { } d ? One(d, "domain") : -1);
    }
}
