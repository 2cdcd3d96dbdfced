namespace CrossRec.Transfer;

/// <summary>
/// The cold-start split of the cross-domain protocol: among the users active in both the source and the
/// target domain, a seeded fraction lose ALL their target-domain interactions from training; those hidden
/// interactions are what a cross-domain recommender must find. Immutable.
/// </summary>
/// <remarks>
/// Every other interaction (other users' target rows, every source row, rows of other domains) stays in
/// <see cref="Train"/>. Both sets share the id maps and domains of the input, so a model trained on
/// <see cref="Train"/> knows the held-out users (from the source domain) and every catalogue item.
/// </remarks>
public sealed class CrossDomainSplit
{
    private readonly int[] _heldOutUsers;

    private CrossDomainSplit(string source, string target, InteractionSet train, InteractionSet heldOut, int[] heldOutUsers, int eligibleUsers, CrossDomainHoldOut mode)
    {
        Mode = mode;
        Source = source;
        Target = target;
        Train = train;
        HeldOut = heldOut;
        _heldOutUsers = heldOutUsers;
        EligibleUsers = eligibleUsers;
    }

    /// <summary>What was hidden of each held-out user's target history.</summary>
    public CrossDomainHoldOut Mode { get; }

    /// <summary>The domain users are known from.</summary>
    public string Source { get; }

    /// <summary>The domain whose interactions were hidden.</summary>
    public string Target { get; }

    /// <summary>Training rows: everything except the held-out users' target-domain rows.</summary>
    public InteractionSet Train { get; }

    /// <summary>The hidden rows: every target-domain interaction of the held-out users.</summary>
    public InteractionSet HeldOut { get; }

    /// <summary>Dense indices of the held-out (target-cold) users, ascending.</summary>
    public ReadOnlySpan<int> HeldOutUsers => _heldOutUsers;

    /// <summary>Users that were active in both domains (the population the held-out users were drawn from).</summary>
    public int EligibleUsers { get; }

    /// <summary>
    /// Splits the data: users with at least <paramref name="minSource"/> source and <paramref name="minTarget"/>
    /// target interactions are eligible; a seeded random <paramref name="holdOutFraction"/> of them
    /// (at least one) have all their target interactions moved to <see cref="HeldOut"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data has no domains, or no user is eligible.</exception>
    /// <exception cref="KeyNotFoundException">A domain is unknown.</exception>
    /// <exception cref="ArgumentException">Source and target are the same domain.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not in (0, 1) or a minimum is below 1.</exception>
    public static CrossDomainSplit Create(InteractionSet data, string source, string target, double holdOutFraction = 0.2, int seed = 42, int minSource = 1, int minTarget = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(source);
        return CreateCore(data, source, target, holdOutFraction, seed, minSource, minTarget, CrossDomainHoldOut.ColdStart, 0.5);
    }

    /// <summary>
    /// Splits the data as the protocol options say, including <see cref="CrossDomainProtocolOptions.Mode"/>:
    /// cold start (every target interaction of a held-out user hidden), warm (a seeded share
    /// <see cref="CrossDomainProtocolOptions.WarmHiddenFraction"/> of their target items hidden, at least one kept)
    /// or leave-one-out (one seeded target item hidden). Warm and leave-one-out users need two target items.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data has no domains, or no user is eligible.</exception>
    /// <exception cref="KeyNotFoundException">A domain is unknown.</exception>
    /// <exception cref="ArgumentException">An option is invalid (named).</exception>
    public static CrossDomainSplit Create(InteractionSet data, CrossDomainProtocolOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return CreateCore(data, options.Source, options.Target, options.HoldOutFraction, options.Seed, options.MinSourceInteractions, options.MinTargetInteractions, options.Mode, options.WarmHiddenFraction);
    }

    /// <summary>The split behind every public form; a null <paramref name="source"/> means "any domain other than the target".</summary>
    internal static CrossDomainSplit CreateCore(InteractionSet data, string? source, string target, double holdOutFraction, int seed, int minSource, int minTarget, CrossDomainHoldOut mode, double warmHidden, IReadOnlySet<int>? excludedUsers = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Open(holdOutFraction, 0, 1, nameof(holdOutFraction));
        Check.Range(minSource, 1, int.MaxValue, nameof(minSource));
        Check.Range(minTarget, 1, int.MaxValue, nameof(minTarget));
        Check.Open(warmHidden, 0, 1, nameof(CrossDomainProtocolOptions.WarmHiddenFraction));
        var t = DomainExtensions.DomainIndex(data, target);
        var s = source is null ? -1 : DomainExtensions.DomainIndex(data, source);
        if (s == t)
        {
            throw new ArgumentException($"Source and target must be different domains; both are '{source}'.", nameof(target));
        }

        if (mode != CrossDomainHoldOut.ColdStart)
        {
            minTarget = Math.Max(minTarget, 2);
        }
        var itemDomains = data.ItemDomains;
        var users = data.Users;
        var items = data.Items;
        var sourceCount = new int[data.UserCount];
        var targetCount = new int[data.UserCount];
        for (var r = 0; r < users.Length; r++)
        {
            var d = itemDomains[items[r]];
            if (d == t)
            {
                targetCount[users[r]]++;
            }
            else if (s < 0 ? d >= 0 : d == s)
            {
                sourceCount[users[r]]++;
            }
        }

        var eligible = new List<int>();
        for (var u = 0; u < data.UserCount; u++)
        {
            if (sourceCount[u] >= minSource && targetCount[u] >= minTarget && excludedUsers?.Contains(u) != true)
            {
                eligible.Add(u);
            }
        }

        if (eligible.Count == 0)
        {
            throw new InvalidOperationException(
                $"{data.SourceName}: no user has at least {minSource} '{source ?? "non-target"}' and {minTarget} '{target}' interactions, so no user can be held out.");
        }

        var pool = eligible.ToArray();
        new Random(seed).Shuffle(pool);
        var take = Math.Max(1, (int)Math.Round(holdOutFraction * pool.Length));
        var chosen = pool.AsSpan(0, take).ToArray();
        Array.Sort(chosen);
        var isHeldOut = new bool[data.UserCount];
        foreach (var u in chosen)
        {
            isHeldOut[u] = true;
        }

        // Which target items of each held-out user are hidden: all (cold start), or a seeded share of their
        // distinct items (warm: at least one hidden and one kept; leave-one-out: exactly one hidden).
        HashSet<long>? hidden = null;
        if (mode != CrossDomainHoldOut.ColdStart)
        {
            hidden = [];
            var index = data.GetUserIndex();
            var random = new Random(seed ^ 0x5bd1e995);
            foreach (var u in chosen)
            {
                var own = new SortedSet<int>();
                foreach (var r in index.Rows(u))
                {
                    if (itemDomains[items[r]] == t)
                    {
                        own.Add(items[r]);
                    }
                }

                var list = own.ToArray();
                random.Shuffle(list);
                var hide = mode == CrossDomainHoldOut.LeaveOneOut ? 1 : Math.Clamp((int)Math.Round(warmHidden * list.Length), 1, list.Length - 1);
                for (var n = 0; n < hide; n++)
                {
                    hidden.Add(((long)u << 32) | (uint)list[n]);
                }
            }
        }

        var trainRows = new List<int>(users.Length);
        var heldRows = new List<int>();
        for (var r = 0; r < users.Length; r++)
        {
            if (isHeldOut[users[r]] && itemDomains[items[r]] == t && (hidden is null || hidden.Contains(((long)users[r] << 32) | (uint)items[r])))
            {
                heldRows.Add(r);
            }
            else
            {
                trainRows.Add(r);
            }
        }

        var train = data.Subset(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(trainRows), $"{data.SourceName} [cross-domain train]");
        var heldOut = data.Subset(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(heldRows), $"{data.SourceName} [held-out '{target}' rows]");
        return new CrossDomainSplit(source ?? "(other domains)", target, train, heldOut, chosen, eligible.Count, mode);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"CrossDomainSplit({Source}→{Target}, {Mode}: {_heldOutUsers.Length} of {EligibleUsers} eligible users held out, {HeldOut.Count} hidden rows, {Train.Count} training rows)";
}

/// <summary>What the cross-domain protocol hides of a held-out user's target-domain history.</summary>
public enum CrossDomainHoldOut
{
    /// <summary>Every target interaction: the user is known from other domains only (the default).</summary>
    ColdStart = 0,

    /// <summary>A share of the user's target items (<see cref="CrossDomainProtocolOptions.WarmHiddenFraction"/>); the rest stay in training.</summary>
    Warm = 1,

    /// <summary>One target item, ranked against the whole target catalogue; the rest stay in training.</summary>
    LeaveOneOut = 2,
}
