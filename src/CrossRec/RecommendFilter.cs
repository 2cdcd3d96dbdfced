namespace CrossRec;

/// <summary>
/// Which items may be recommended: everything the model knows, less the user's training items (by
/// default), narrowed to a domain, an allow-list, and a predicate, less a deny-list. Immutable; build
/// it once and reuse it for many calls.
/// </summary>
/// <remarks>
/// Ids in <see cref="AllowItems"/> and <see cref="DenyItems"/> must be known to the model: an unknown id
/// raises <see cref="KeyNotFoundException"/> naming it (a typo in a business rule is never silently
/// ignored). <see cref="Predicate"/> is called once per item per call (per batch for
/// <see cref="IRecommender.RecommendMany"/>), with the external item id.
/// </remarks>
public sealed record RecommendFilter
{
    /// <summary>The default: exclude the user's training items, nothing else.</summary>
    public static RecommendFilter Default { get; } = new();

    /// <summary>Leave out the items the user already has (training items, or the fold-in items). Default true.</summary>
    public bool ExcludeSeen { get; init; } = true;

    /// <summary>Only items of this domain; null for all.</summary>
    public string? Domain { get; init; }

    /// <summary>Only these items; null for all.</summary>
    public IReadOnlyCollection<string>? AllowItems { get; init; }

    /// <summary>Never these items; null for none.</summary>
    public IReadOnlyCollection<string>? DenyItems { get; init; }

    /// <summary>Only items for which this returns true; null for all.</summary>
    public Func<string, bool>? Predicate { get; init; }

    /// <summary>A filter that only narrows to a domain (training items still excluded).</summary>
    public static RecommendFilter ForDomain(string domain) => new() { Domain = domain };

    internal bool NeedsMask => Domain is not null || AllowItems is not null || DenyItems is not null || Predicate is not null;

    /// <summary>
    /// Writes the allowed-item mask over a model's items into <paramref name="mask"/> (one entry per item): the
    /// allow-list (or every item), narrowed to the items of domain index <paramref name="domain"/> (-1: any), less the
    /// deny-list, then the predicate on what is left. An unknown id raises <see cref="KeyNotFoundException"/> naming
    /// it. Resolving <see cref="Domain"/> to an index is the caller's (a cross-domain model has one target).
    /// </summary>
    internal void AllowedItems(IdMap items, ReadOnlySpan<int> itemDomains, int domain, Span<bool> mask)
    {
        if (AllowItems is { } allow)
        {
            mask.Clear();
            foreach (var id in allow)
            {
                mask[items.GetIndex(id)] = true;
            }
        }
        else
        {
            mask.Fill(true);
        }

        if (domain >= 0)
        {
            for (var j = 0; j < mask.Length; j++)
            {
                mask[j] &= itemDomains[j] == domain;
            }
        }

        if (DenyItems is { } deny)
        {
            foreach (var id in deny)
            {
                mask[items.GetIndex(id)] = false;
            }
        }

        if (Predicate is { } predicate)
        {
            for (var j = 0; j < mask.Length; j++)
            {
                mask[j] = mask[j] && predicate(items[j]);
            }
        }
    }
}
