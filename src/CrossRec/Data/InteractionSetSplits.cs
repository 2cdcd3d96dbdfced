namespace CrossRec.Data;

/// <summary>
/// Seeded, reproducible train/test splits of an <see cref="InteractionSet"/>. Both parts share the
/// original id maps, so a model trained on one part is evaluated on the other without any id lookup.
/// The same seed always gives the same split (on any machine and thread count).
/// </summary>
public static class InteractionSetSplits
{
    /// <summary>Random holdout: each row goes to the test part with probability ≈ <paramref name="testFraction"/> (exactly round(n·f) rows).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not strictly between 0 and 1, or leaves a part empty.</exception>
    public static (InteractionSet Train, InteractionSet Test) SplitRandom(this InteractionSet data, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Open(testFraction, 0, 1, nameof(testFraction));
        var n = data.Count;
        var testCount = (int)Math.Round(n * testFraction);
        if (testCount == 0 || testCount == n)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"A test fraction of {testFraction} of {n} rows leaves the training or test part empty.");
        }

        var order = Permutation(n, seed);
        var isTest = new bool[n];
        for (var k = 0; k < testCount; k++)
        {
            isTest[order[k]] = true;
        }

        return Partition(data, isTest, $"random {1 - testFraction:0.##}/{testFraction:0.##} (seed {seed})");
    }

    /// <summary>
    /// k-fold cross-validation: rows are shuffled once and dealt into <paramref name="folds"/> folds; fold f
    /// is the test part of the f-th pair. The test parts partition the rows. Folds are built lazily.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 folds, or more folds than rows.</exception>
    public static IEnumerable<(InteractionSet Train, InteractionSet Test)> KFold(this InteractionSet data, int folds, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Range(folds, 2, Math.Max(2, data.Count), nameof(folds));
        return Enumerate(data, folds, seed);

        static IEnumerable<(InteractionSet, InteractionSet)> Enumerate(InteractionSet data, int folds, int seed)
        {
            var order = Permutation(data.Count, seed);
            var fold = new int[data.Count];
            for (var k = 0; k < order.Length; k++)
            {
                fold[order[k]] = k % folds;
            }

            for (var f = 0; f < folds; f++)
            {
                var isTest = new bool[data.Count];
                for (var r = 0; r < isTest.Length; r++)
                {
                    isTest[r] = fold[r] == f;
                }

                yield return Partition(data, isTest, $"fold {f + 1}/{folds} (seed {seed})");
            }
        }
    }

    /// <summary>
    /// Per-user leave-k-out: for every user with more than <paramref name="perUser"/> rows, that many of
    /// their rows, chosen at random, go to the test part. Users with <paramref name="perUser"/> rows or
    /// fewer stay entirely in the training part (they would otherwise have nothing to learn from).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perUser"/> is below 1.</exception>
    /// <exception cref="ArgumentException">No user has enough rows, so the test part would be empty.</exception>
    public static (InteractionSet Train, InteractionSet Test) SplitLeaveKOut(this InteractionSet data, int perUser, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Range(perUser, 1, int.MaxValue, nameof(perUser));
        var (isTest, any) = MarkPerUser(data, seed, rows => rows <= perUser ? 0 : perUser);

        if (!any)
        {
            throw new ArgumentException($"{data.SourceName}: no user has more than {perUser} rows, so leave-{perUser}-out leaves the test part empty.", nameof(perUser));
        }

        return Partition(data, isTest, $"leave-{perUser}-out (seed {seed})");
    }

    /// <summary>
    /// Per-user random holdout, the standard top-N protocol: for every user, a random
    /// <paramref name="testFraction"/> of their rows (rounded to the nearest count, at most all but one)
    /// goes to the test part, so every user keeps training history. Users with a single row stay in the
    /// training part.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is outside (0, 1).</exception>
    /// <exception cref="ArgumentException">No user has enough rows, so the test part would be empty.</exception>
    public static (InteractionSet Train, InteractionSet Test) SplitPerUser(this InteractionSet data, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Open(testFraction, 0, 1, nameof(testFraction));
        var (isTest, any) = MarkPerUser(data, seed, rows => Math.Min(rows - 1, (int)Math.Round(rows * testFraction, MidpointRounding.AwayFromZero)));

        if (!any)
        {
            throw new ArgumentException($"{data.SourceName}: no user has enough rows for a {testFraction:P0} per-user holdout; the test part would be empty.", nameof(testFraction));
        }

        return Partition(data, isTest, $"per-user {testFraction:P0} holdout (seed {seed})");
    }

    /// <summary>
    /// Marks <c>take(rows of the user)</c> random rows of every user as test rows (a partial Fisher–Yates
    /// shuffle of the user's rows, so the first positions are a uniform sample); users whose count is 0 or
    /// less keep all their rows. Returns the marks and whether any user gave a row.
    /// </summary>
    private static (bool[] IsTest, bool Any) MarkPerUser(InteractionSet data, int seed, Func<int, int> take)
    {
        var isTest = new bool[data.Count];
        var rng = new Random(seed);
        var any = false;
        var buffer = new List<int>();
        for (var u = 0; u < data.UserCount; u++)
        {
            var rows = data.RowsOfUser(u);
            var count = take(rows.Length);
            if (count <= 0)
            {
                continue;
            }

            buffer.Clear();
            foreach (var r in rows)
            {
                buffer.Add(r);
            }

            for (var k = 0; k < count; k++)
            {
                var j = rng.Next(k, buffer.Count);
                (buffer[k], buffer[j]) = (buffer[j], buffer[k]);
                isTest[buffer[k]] = true;
            }

            any = true;
        }

        return (isTest, any);
    }

    /// <summary>
    /// Temporal split: the latest <paramref name="testFraction"/> of the rows by timestamp form the test
    /// part (ties broken by row order), so the model is tested on the future of its training data.
    /// </summary>
    /// <exception cref="InvalidOperationException">The set has no timestamps.</exception>
    public static (InteractionSet Train, InteractionSet Test) SplitTemporal(this InteractionSet data, double testFraction)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Open(testFraction, 0, 1, nameof(testFraction));
        if (!data.HasTimestamps)
        {
            throw new InvalidOperationException($"{data.SourceName}: a temporal split needs timestamps, and this set has none (load a timestamp column).");
        }

        var n = data.Count;
        var testCount = (int)Math.Round(n * testFraction);
        if (testCount == 0 || testCount == n)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"A test fraction of {testFraction} of {n} rows leaves the training or test part empty.");
        }

        var order = new int[n];
        for (var r = 0; r < n; r++)
        {
            order[r] = r;
        }

        var keys = data.Timestamps.ToArray();
        Array.Sort(keys, order); // introsort is not stable: restore row order among equal timestamps below
        var start = 0;
        for (var r = 1; r <= n; r++)
        {
            if (r == n || keys[r] != keys[start])
            {
                Array.Sort(order, start, r - start);
                start = r;
            }
        }

        var isTest = new bool[n];
        for (var k = n - testCount; k < n; k++)
        {
            isTest[order[k]] = true;
        }

        return Partition(data, isTest, $"temporal {1 - testFraction:0.##}/{testFraction:0.##}");
    }

    private static int[] Permutation(int n, int seed)
    {
        var order = new int[n];
        for (var r = 0; r < n; r++)
        {
            order[r] = r;
        }

        new Random(seed).Shuffle(order);
        return order;
    }

    private static (InteractionSet Train, InteractionSet Test) Partition(InteractionSet data, bool[] isTest, string description)
    {
        var testCount = 0;
        foreach (var t in isTest)
        {
            testCount += t ? 1 : 0;
        }

        var train = new int[data.Count - testCount];
        var test = new int[testCount];
        int a = 0, b = 0;
        for (var r = 0; r < isTest.Length; r++)
        {
            if (isTest[r])
            {
                test[b++] = r;
            }
            else
            {
                train[a++] = r;
            }
        }

        return (data.Subset(train, $"{data.SourceName} [train, {description}]"), data.Subset(test, $"{data.SourceName} [test, {description}]"));
    }
}
