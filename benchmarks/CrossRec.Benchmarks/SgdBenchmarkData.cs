namespace CrossRec.Benchmarks;

/// <summary>Data sets of the SGD benchmarks, built once per benchmark process.</summary>
internal static class SgdBenchmarkData
{
    public const string MovieLens = "ml100k-u1";
    public const string Synthetic = "synthetic-10M";

    private static readonly Dictionary<string, (InteractionSet Train, InteractionSet Test)> Cache = new();

    /// <summary>The data sets available here: MovieLens only when <c>CROSSREC_DATA</c> points at it.</summary>
    public static IEnumerable<string> Available()
    {
        if (MovieLensDirectory() is not null)
        {
            yield return MovieLens;
        }

        yield return Synthetic;
    }

    public static (InteractionSet Train, InteractionSet Test) Get(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var data))
            {
                data = name switch
                {
                    MovieLens => CrossRec.Data.MovieLens.Load100KFold(
                        MovieLensDirectory() ?? throw new InvalidOperationException("Set CROSSREC_DATA to the folder holding ml-100k/."), 1),
                    Synthetic => Planted(users: 100_000, items: 20_000, train: 10_000_000, test: 1_000_000, seed: 42),
                    _ => throw new ArgumentException($"Unknown benchmark data set '{name}'.", nameof(name)),
                };
                Cache[name] = data;
            }

            return data;
        }
    }

    private static string? MovieLensDirectory()
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA");
        var dir = string.IsNullOrWhiteSpace(root) ? null : Path.Combine(root, "ml-100k");
        return dir is not null && File.Exists(Path.Combine(dir, "u1.base")) ? dir : null;
    }

    /// <summary>
    /// A seeded rating set with a planted rank-16 structure: r = clip(round½(3.5 + p_u·q_i + N(0, 0.8²)), 1, 5),
    /// users drawn with a skew (u = n·U^1.5) and items with a stronger one (i = n·U²), like real catalogues
    /// with popular heads. Built straight into columns (no string ids per row) so a benchmark process
    /// starts in seconds. Pairs may repeat, as they may in real logs.
    /// </summary>
    private static (InteractionSet Train, InteractionSet Test) Planted(int users, int items, int train, int test, int seed)
    {
        const int Rank = 16;
        var rng = new Random(seed);
        var p = new float[users * Rank];
        var q = new float[items * Rank];
        for (var j = 0; j < p.Length; j++)
        {
            p[j] = 0.35f * Gaussian(rng);
        }

        for (var j = 0; j < q.Length; j++)
        {
            q[j] = 0.35f * Gaussian(rng);
        }

        var n = train + test;
        var u = new int[n];
        var i = new int[n];
        var v = new float[n];
        for (var r = 0; r < n; r++)
        {
            var user = (int)(users * Math.Pow(rng.NextDouble(), 1.5));
            var item = (int)(items * Math.Pow(rng.NextDouble(), 2.0));
            var s = 3.5f + (0.8f * Gaussian(rng));
            for (var f = 0; f < Rank; f++)
            {
                s += p[(user * Rank) + f] * q[(item * Rank) + f];
            }

            u[r] = user;
            i[r] = item;
            v[r] = Math.Clamp(MathF.Round(s * 2) / 2, 1f, 5f);
        }

        var userIds = IdMap.Create("user", Enumerable.Range(0, users).Select(x => $"u{x}"));
        var itemIds = IdMap.Create("item", Enumerable.Range(0, items).Select(x => $"i{x}"));
        var source = $"synthetic(planted rank {Rank}, {users} users, {items} items, seed {seed})";
        var all = new InteractionSet(userIds, itemIds, u, i, v, null, null, null, RatingScale.FiveStars, source);
        var trainRows = Enumerable.Range(0, train).ToArray();
        var testRows = Enumerable.Range(train, test).ToArray();
        return (all.Subset(trainRows, source + " train"), all.Subset(testRows, source + " test"));
    }

    private static float Gaussian(Random rng) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
}
