namespace CrossRec.Transfer;

/// <summary>
/// Turns interactions into a one-class training set: each distinct (user, item) pair becomes a positive
/// with target 1, and for every positive a number of the user's unobserved items <em>of the same domain</em>
/// become negatives with target 0, sampled uniformly once with a fixed seed.
/// </summary>
/// <remarks>
/// Implementation note: negatives are drawn only from domains the user is active in. A user who never
/// visited the film catalogue has not rejected any film, so treating films as negatives for them would
/// teach the model that course-only users dislike films — exactly the users cross-domain recommendation
/// is for (and, in the evaluation protocol, it would push their hidden films down).
/// </remarks>
internal static class ImplicitFeedback
{
    /// <summary>Builds the positives-only set (distinct pairs, value 1) and the training set with sampled negatives.</summary>
    public static (InteractionSet Positives, InteractionSet Training) Build(InteractionSet data, int negativesPerPositive, int seed)
    {
        var index = data.GetUserIndex();
        var items = data.ItemsArray;
        var hasDomains = data.HasDomains;
        var itemDomains = hasDomains ? data.ItemDomainsArray! : null;
        var groupCount = hasDomains ? data.Domains!.Count + 1 : 1;

        // Items of each group (domain; the last group holds items without a domain).
        var groups = new List<int>[groupCount];
        for (var g = 0; g < groupCount; g++)
        {
            groups[g] = new List<int>();
        }

        for (var i = 0; i < data.ItemCount; i++)
        {
            groups[Group(i)].Add(i);
        }

        var posUsers = new List<int>(data.Count);
        var posItems = new List<int>(data.Count);
        var negUsers = new List<int>(data.Count * negativesPerPositive);
        var negItems = new List<int>(data.Count * negativesPerPositive);
        var marked = new bool[data.ItemCount];
        var perGroup = new int[groupCount];
        var userItems = new List<int>();
        var rng = new Random(seed);
        for (var u = 0; u < data.UserCount; u++)
        {
            userItems.Clear();
            foreach (var r in index.Rows(u))
            {
                var i = items[r];
                if (!marked[i])
                {
                    marked[i] = true;
                    userItems.Add(i);
                }
            }

            userItems.Sort();
            Array.Clear(perGroup);
            foreach (var i in userItems)
            {
                posUsers.Add(u);
                posItems.Add(i);
                perGroup[Group(i)]++;
            }

            var firstNegative = negItems.Count;
            for (var g = 0; g < groupCount; g++)
            {
                var positives = perGroup[g];
                if (positives == 0)
                {
                    continue;
                }

                var pool = groups[g];
                var free = pool.Count - positives;
                var want = (int)Math.Min((long)positives * negativesPerPositive, free);
                if (want <= 0)
                {
                    continue;
                }

                if (want * 2 <= free)
                {
                    // Sparse case: rejection sampling; at least half the draws succeed.
                    var got = 0;
                    while (got < want)
                    {
                        var i = pool[rng.Next(pool.Count)];
                        if (!marked[i])
                        {
                            marked[i] = true;
                            negUsers.Add(u);
                            negItems.Add(i);
                            got++;
                        }
                    }
                }
                else
                {
                    // Dense case: shuffle the unobserved items and take a prefix.
                    var candidates = new List<int>(free);
                    foreach (var i in pool)
                    {
                        if (!marked[i])
                        {
                            candidates.Add(i);
                        }
                    }

                    var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates);
                    rng.Shuffle(span);
                    foreach (var i in span[..want])
                    {
                        marked[i] = true;
                        negUsers.Add(u);
                        negItems.Add(i);
                    }
                }
            }

            foreach (var i in userItems)
            {
                marked[i] = false;
            }

            for (var n = firstNegative; n < negItems.Count; n++)
            {
                marked[negItems[n]] = false;
            }
        }

        var scale = new RatingScale(0f, 1f);
        var ones = new float[posUsers.Count];
        Array.Fill(ones, 1f);
        var positivesSet = new InteractionSet(
            data.UserIds, data.ItemIds, posUsers.ToArray(), posItems.ToArray(), ones, null, data.Domains, data.ItemDomainsArray, scale, $"{data.SourceName} [positives]");

        var total = posUsers.Count + negUsers.Count;
        var tu = new int[total];
        var ti = new int[total];
        var tv = new float[total];
        posUsers.CopyTo(tu, 0);
        posItems.CopyTo(ti, 0);
        Array.Fill(tv, 1f, 0, posUsers.Count);
        negUsers.CopyTo(tu, posUsers.Count);
        negItems.CopyTo(ti, posUsers.Count);
        var training = new InteractionSet(
            data.UserIds, data.ItemIds, tu, ti, tv, null, data.Domains, data.ItemDomainsArray, scale, $"{data.SourceName} [implicit, {negativesPerPositive} negatives per positive]");
        return (positivesSet, training);

        int Group(int item) => itemDomains is null || itemDomains[item] < 0 ? groupCount - 1 : itemDomains[item];
    }
}
