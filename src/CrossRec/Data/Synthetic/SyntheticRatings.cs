namespace CrossRec.Data.Synthetic;

/// <summary>
/// A deterministic synthetic explicit-ratings dataset with real latent structure: the embedded default
/// dataset of the sample trainer and the large inputs of the benchmarks. No download needed.
/// </summary>
/// <remarks>
/// <para>What is planted. Every user u has a taste vector t_u and every item i an attribute vector a_i,
/// both drawn from N(0, I/√d) in d = <see cref="SyntheticRatingsOptions.LatentDimension"/> dimensions, so
/// t_u·a_i has unit variance before scaling by <see cref="SyntheticRatingsOptions.TasteStrength"/>. Users
/// have a bias b_u ~ N(0, 0.35²) (harsh and lenient raters) and items a quality b_i ~ N(0, 0.45²) that is
/// correlated with popularity (popular items are a little better, as in real catalogues).
/// A rating is <c>r = 3.5 + b_u + b_i + s·t_u·a_i + ε</c>, ε ~ N(0, Noise²), clipped to the scale and,
/// by default, rounded to whole stars.</para>
/// <para>Who rates what. User activity and item popularity follow Zipf laws (long tails), each user rates
/// distinct items, and each user's ratings carry increasing timestamps over one year, so temporal
/// splits work. By default the items a user rates are drawn by popularity alone (the taste shapes only
/// the rating), which suits rating prediction but leaves nothing for a top-N recommender to find beyond
/// popularity. With <see cref="SyntheticRatingsOptions.TasteClusters"/> and
/// <see cref="SyntheticRatingsOptions.ChoiceStrength"/> users fall into taste groups and pick items with
/// odds popularity × exp(β · group centre · item attributes), as audiences do in real implicit feedback.</para>
/// <para>What a perfect model reaches. Even the true parameters cannot predict ε or the rounding, so the
/// best achievable RMSE is about √(Noise² + 1/12) before clipping (≈ 0.58 with the defaults); a
/// bias-only model sits near √(TasteStrength² + that).</para>
/// <para>Generation is parallel over users with one random stream per user, so the result does not depend
/// on the number of threads: 10 million ratings take a few seconds.</para>
/// </remarks>
public static class SyntheticRatings
{
    private const float GlobalMean = 3.5f;
    private const long YearSeconds = 365L * 24 * 3600;
    private const long Epoch = 1_700_000_000; // 2023-11-14, an arbitrary fixed origin

    /// <summary>Generates a dataset.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public static InteractionSet Generate(SyntheticRatingsOptions? options = null)
    {
        var o = options ?? new SyntheticRatingsOptions();
        o.Validate();
        var d = o.LatentDimension;
        var rng = new Random(o.Seed);

        var userBias = new float[o.Users];
        var taste = new float[checked(o.Users * d)];
        var scale = Math.Pow(d, -0.25); // each component sd d^-1/4, so t_u·a_i has unit variance
        for (var u = 0; u < o.Users; u++)
        {
            userBias[u] = (float)(0.35 * Normal(rng));
        }

        FillNormal(taste, scale, rng);

        // Item popularity: Zipf weights over a random permutation of items; quality correlates with popularity.
        var itemRank = Permutation(o.Items, rng);
        var itemWeight = new double[o.Items];
        var itemBias = new float[o.Items];
        for (var i = 0; i < o.Items; i++)
        {
            itemWeight[i] = Math.Pow(itemRank[i] + 1, -o.PopularitySkew);
            var popularity = 1.0 - ((double)itemRank[i] / o.Items); // 1 = most popular
            itemBias[i] = (float)((0.45 * Normal(rng)) + (0.3 * (popularity - 0.5)));
        }

        var attributes = new float[checked(o.Items * d)];
        FillNormal(attributes, scale, rng);
        var cumulative = Cumulative(itemWeight);

        var counts = UserCounts(o, rng);
        var offsets = new long[o.Users + 1];
        for (var u = 0; u < o.Users; u++)
        {
            offsets[u + 1] = offsets[u] + counts[u];
        }

        var total = (int)offsets[o.Users];
        var users = new int[total];
        var items = new int[total];
        var values = new float[total];
        var timestamps = new long[total];
        var userSeeds = new int[o.Users];
        for (var u = 0; u < o.Users; u++)
        {
            userSeeds[u] = rng.Next();
        }

        // Clustered tastes and taste-driven choice (off by default): their draws come from a stream of their own, so
        // the datasets generated without them stay exactly as they were.
        var clusterOf = o.TasteClusters > 0 ? new int[o.Users] : null;
        double[][]? choice = null;
        if (clusterOf is not null)
        {
            var crng = new Random(unchecked((o.Seed * 31) + 0x5EED_C1)); // not HashCode.Combine: randomised per process
            var centres = new float[checked(o.TasteClusters * d)];
            FillNormal(centres, scale, crng);
            for (var u = 0; u < o.Users; u++)
            {
                var c = clusterOf[u] = crng.Next(o.TasteClusters);
                for (var f = 0; f < d; f++)
                {
                    taste[(u * d) + f] = (0.8f * centres[(c * d) + f]) + (0.6f * taste[(u * d) + f]);
                }
            }

            if (o.ChoiceStrength > 0)
            {
                choice = new double[o.TasteClusters][];
                for (var c = 0; c < o.TasteClusters; c++)
                {
                    var w = new double[o.Items];
                    for (var i = 0; i < o.Items; i++)
                    {
                        var dot = 0.0;
                        for (var f = 0; f < d; f++)
                        {
                            dot += centres[(c * d) + f] * attributes[(i * d) + f];
                        }

                        w[i] = itemWeight[i] * Math.Exp(o.ChoiceStrength * dot);
                    }

                    choice[c] = Cumulative(w);
                }
            }
        }

        Parallel.For(
            0,
            o.Users,
            () => new HashSet<int>(),
            (u, _, seen) =>
            {
                var r = new Random(userSeeds[u]);
                seen.Clear();
                var start = (int)offsets[u];
                var count = counts[u];
                var t = taste.AsSpan(u * d, d);
                var time = Epoch + (long)(r.NextDouble() * YearSeconds / 2);
                var odds = choice is null ? cumulative : choice[clusterOf![u]];
                for (var k = 0; k < count; k++)
                {
                    int item;
                    var tries = 0;
                    do
                    {
                        item = Sample(odds, r.NextDouble());
                        if (choice is not null && ++tries > 64 && seen.Contains(item))
                        {
                            // A heavy user of a narrow taste has taken most of its likely items: the next unseen one.
                            while (seen.Contains(item))
                            {
                                item = (item + 1) % o.Items;
                            }
                        }
                    }
                    while (!seen.Add(item));

                    var dot = 0.0;
                    var a = attributes.AsSpan(item * d, d);
                    for (var f = 0; f < d; f++)
                    {
                        dot += t[f] * a[f];
                    }

                    var value = GlobalMean + userBias[u] + itemBias[item] + (o.TasteStrength * dot) + (o.Noise * Normal(r));
                    value = Math.Clamp(value, o.Scale.Min, o.Scale.Max);
                    if (o.RoundToStars)
                    {
                        value = Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), Math.Ceiling(o.Scale.Min), Math.Floor(o.Scale.Max));
                    }

                    time += 1 + (long)(r.NextDouble() * YearSeconds / 2 / Math.Max(1, count));
                    users[start + k] = u;
                    items[start + k] = item;
                    values[start + k] = (float)value;
                    timestamps[start + k] = time;
                }

                return seen;
            },
            _ => { });

        var userIds = IdMap.Create("user", Enumerable.Range(0, o.Users).Select(u => $"u{u}"));
        var itemIds = IdMap.Create("item", Enumerable.Range(0, o.Items).Select(i => $"i{i}"));
        return new InteractionSet(userIds, itemIds, users, items, values, timestamps, null, null, o.Scale, $"synthetic({o.Users} users, {o.Items} items, {total} ratings, seed {o.Seed})");
    }

    /// <summary>Ratings per user: Zipf activity weights over a random order of users, at least 1, at most half the catalogue; sums to the requested total.</summary>
    private static int[] UserCounts(SyntheticRatingsOptions o, Random rng)
    {
        var rank = Permutation(o.Users, rng);
        var weight = new double[o.Users];
        var sum = 0.0;
        for (var u = 0; u < o.Users; u++)
        {
            weight[u] = Math.Pow(rank[u] + 1, -o.ActivitySkew);
            sum += weight[u];
        }

        var cap = Math.Max(1, o.Items / 2);
        var counts = new int[o.Users];
        long assigned = 0;
        for (var u = 0; u < o.Users; u++)
        {
            counts[u] = (int)Math.Clamp(Math.Floor(o.Ratings * weight[u] / sum), 1, cap);
            assigned += counts[u];
        }

        // Hand out (or take back) the remainder one rating at a time, most active users first, within the caps.
        var byActivity = Enumerable.Range(0, o.Users).OrderBy(u => rank[u]).ToArray();
        var guard = 0;
        while (assigned != o.Ratings)
        {
            var changed = false;
            foreach (var u in byActivity)
            {
                if (assigned < o.Ratings && counts[u] < cap)
                {
                    counts[u]++;
                    assigned++;
                    changed = true;
                }
                else if (assigned > o.Ratings && counts[u] > 1)
                {
                    counts[u]--;
                    assigned--;
                    changed = true;
                }

                if (assigned == o.Ratings)
                {
                    break;
                }
            }

            if (!changed || ++guard > 1_000_000)
            {
                throw new ArgumentOutOfRangeException(nameof(o.Ratings), o.Ratings, $"{o.Ratings} ratings cannot be spread over {o.Users} users with at most {cap} distinct items each.");
            }
        }

        return counts;
    }

    private static double[] Cumulative(double[] weights)
    {
        var c = new double[weights.Length];
        var s = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            s += weights[i];
            c[i] = s;
        }

        for (var i = 0; i < c.Length; i++)
        {
            c[i] /= s;
        }

        return c;
    }

    private static int Sample(double[] cumulative, double x)
    {
        var index = Array.BinarySearch(cumulative, x);
        index = index < 0 ? ~index : index;
        return Math.Min(index, cumulative.Length - 1);
    }

    private static int[] Permutation(int n, Random rng)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++)
        {
            p[i] = i;
        }

        rng.Shuffle(p);
        return p;
    }

    private static void FillNormal(float[] values, double sd, Random rng)
    {
        for (var j = 0; j < values.Length; j++)
        {
            values[j] = (float)(sd * Normal(rng));
        }
    }

    // Box–Muller; one draw per call keeps every stream simple and reproducible.
    private static double Normal(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
