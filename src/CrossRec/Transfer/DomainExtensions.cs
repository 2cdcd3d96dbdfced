namespace CrossRec.Transfer;

/// <summary>
/// Domain helpers on <see cref="InteractionSet"/>: assign item domains from a catalogue map, take the
/// rows of one domain, and summarise each domain. Domains name the catalogue an item belongs to
/// ("course", "film", "insurance"); every item has at most one.
/// </summary>
/// <example>
/// <code>
/// var catalogue = new Dictionary&lt;string, string&gt; { ["c1"] = "course", ["f1"] = "film" };
/// InteractionSet data = ratings.WithItemDomains(catalogue);
/// InteractionSet films = data.OfDomain("film");
/// </code>
/// </example>
public static class DomainExtensions
{
    /// <summary>
    /// A copy of the set (same rows, ids and scale) whose items carry the domains of an item→domain map.
    /// Map entries for items the set does not contain are ignored (a catalogue may list more items than
    /// the interactions use).
    /// </summary>
    /// <param name="data">The interactions.</param>
    /// <param name="itemDomains">External item id → domain name (non-empty).</param>
    /// <param name="requireAll">
    /// When true (the default) every item of the set must end up with a domain; when false, items
    /// neither mapped nor already assigned keep no domain (index -1) and are never ranked by a
    /// domain-restricted recommendation.
    /// </param>
    /// <exception cref="ArgumentException">
    /// A domain name is empty; an item already has a different domain in <paramref name="data"/>; or
    /// <paramref name="requireAll"/> is set and some items have no domain (the message counts them and
    /// names the first few).
    /// </exception>
    public static InteractionSet WithItemDomains(this InteractionSet data, IReadOnlyDictionary<string, string> itemDomains, bool requireAll = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(itemDomains);
        return WithItemDomains(data, id => itemDomains.TryGetValue(id, out var d) ? d : null, requireAll, "the item→domain map");
    }

    /// <summary>
    /// A copy of the set whose items carry the domain a function assigns to each external item id
    /// (null = not assigned by the function). See <see cref="WithItemDomains(InteractionSet, IReadOnlyDictionary{string, string}, bool)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">As for the map overload.</exception>
    public static InteractionSet WithItemDomains(this InteractionSet data, Func<string, string?> domainOf, bool requireAll = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(domainOf);
        return WithItemDomains(data, domainOf, requireAll, "the domain function");
    }

    /// <summary>The rows whose item belongs to <paramref name="domain"/>, sharing the set's id maps and domains.</summary>
    /// <exception cref="InvalidOperationException">The set has no domains.</exception>
    /// <exception cref="KeyNotFoundException">The domain is unknown.</exception>
    public static InteractionSet OfDomain(this InteractionSet data, string domain)
    {
        ArgumentNullException.ThrowIfNull(data);
        var d = DomainIndex(data, domain);
        var itemDomains = data.ItemDomains;
        var items = data.Items;
        var rows = new List<int>();
        for (var r = 0; r < items.Length; r++)
        {
            if (itemDomains[items[r]] == d)
            {
                rows.Add(r);
            }
        }

        return data.Subset(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows), $"{data.SourceName} [domain {domain}]");
    }

    /// <summary>Dense indices of the items of a domain, ascending.</summary>
    /// <exception cref="InvalidOperationException">The set has no domains.</exception>
    /// <exception cref="KeyNotFoundException">The domain is unknown.</exception>
    public static int[] ItemsOfDomain(this InteractionSet data, string domain)
    {
        ArgumentNullException.ThrowIfNull(data);
        var d = DomainIndex(data, domain);
        var result = new List<int>();
        var itemDomains = data.ItemDomains;
        for (var i = 0; i < itemDomains.Length; i++)
        {
            if (itemDomains[i] == d)
            {
                result.Add(i);
            }
        }

        return result.ToArray();
    }

    /// <summary>Rows, active users, catalogue size and mean value of every domain, in domain-index order.</summary>
    /// <exception cref="InvalidOperationException">The set has no domains.</exception>
    public static IReadOnlyList<DomainSummary> DomainSummaries(this InteractionSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var domains = RequireDomains(data);
        var nd = domains.Count;
        var rows = new int[nd];
        var sums = new double[nd];
        var catalogue = new int[nd];
        var itemDomains = data.ItemDomains;
        foreach (var d in itemDomains)
        {
            if (d >= 0)
            {
                catalogue[d]++;
            }
        }

        // One bit per (user, domain) pair marks the users active in each domain.
        var active = new bool[(long)data.UserCount * nd];
        var users = data.Users;
        var items = data.Items;
        var values = data.Values;
        for (var r = 0; r < users.Length; r++)
        {
            var d = itemDomains[items[r]];
            if (d < 0)
            {
                continue;
            }

            rows[d]++;
            sums[d] += values[r];
            active[((long)users[r] * nd) + d] = true;
        }

        var activeUsers = new int[nd];
        for (long x = 0; x < active.LongLength; x++)
        {
            if (active[x])
            {
                activeUsers[x % nd]++;
            }
        }

        var result = new DomainSummary[nd];
        for (var d = 0; d < nd; d++)
        {
            result[d] = new DomainSummary(domains[d], d, catalogue[d], rows[d], activeUsers[d], rows[d] > 0 ? sums[d] / rows[d] : double.NaN);
        }

        return result;
    }

    internal static int DomainIndex(InteractionSet data, string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return RequireDomains(data).GetIndex(domain);
    }

    internal static IdMap RequireDomains(InteractionSet data) =>
        data.Domains ?? throw new InvalidOperationException(
            $"{data.SourceName}: the interactions have no item domains; assign them with {nameof(WithItemDomains)}, a loader's domain column or {nameof(InteractionSetBuilder)}.{nameof(InteractionSetBuilder.SetItemDomain)}.");

    private static InteractionSet WithItemDomains(InteractionSet data, Func<string, string?> domainOf, bool requireAll, string what)
    {
        var domains = data.Domains?.ToBuilder() ?? new IdMap.Builder("domain");
        var assigned = new int[data.ItemCount];
        var existing = data.ItemDomains;
        var missing = new List<string>();
        var missingCount = 0;
        for (var i = 0; i < assigned.Length; i++)
        {
            var id = data.ItemIds[i];
            var current = existing.IsEmpty ? -1 : existing[i];
            var name = domainOf(id);
            if (name is null)
            {
                assigned[i] = current;
            }
            else
            {
                if (name.Length == 0)
                {
                    throw new ArgumentException($"{what} gives item '{id}' an empty domain name; domain names must be non-empty.", nameof(domainOf));
                }

                var d = domains.GetOrAdd(name);
                if (current >= 0 && current != d)
                {
                    throw new ArgumentException($"Item '{id}' already belongs to domain '{data.Domains![current]}' in {data.SourceName}, but {what} puts it in '{name}'; an item has one domain.", nameof(domainOf));
                }

                assigned[i] = d;
            }

            if (assigned[i] < 0)
            {
                missingCount++;
                if (missing.Count < 5)
                {
                    missing.Add(id);
                }
            }
        }

        if (requireAll && missingCount > 0)
        {
            throw new ArgumentException(
                $"{missingCount} of the {assigned.Length} items of {data.SourceName} have no domain in {what} (first: {string.Join(", ", missing.Select(m => $"'{m}'"))}); map every item or pass requireAll: false.",
                nameof(domainOf));
        }

        if (domains.Count == 0)
        {
            throw new ArgumentException($"{what} assigns no item of {data.SourceName} to a domain.", nameof(domainOf));
        }

        return new InteractionSet(
            data.UserIds,
            data.ItemIds,
            data.UsersArray,
            data.ItemsArray,
            data.ValuesArray,
            data.TimestampsArray,
            domains.Build(),
            assigned,
            data.Scale,
            data.SourceName);
    }
}

/// <summary>Size of one domain of an <see cref="InteractionSet"/>.</summary>
/// <param name="Name">Domain name.</param>
/// <param name="Index">Domain index in <see cref="InteractionSet.Domains"/>.</param>
/// <param name="Items">Items of the domain in the catalogue (the set's item map).</param>
/// <param name="Rows">Interactions whose item is in the domain.</param>
/// <param name="ActiveUsers">Users with at least one interaction in the domain.</param>
/// <param name="MeanValue">Mean interaction value in the domain; NaN without rows.</param>
public sealed record DomainSummary(string Name, int Index, int Items, int Rows, int ActiveUsers, double MeanValue);
