namespace CrossRec.Tests.Factorization;

/// <summary>Small seeded rating sets with a planted low-rank structure, for the SGD trainer's tests.</summary>
internal static class SgdTestData
{
    /// <summary>
    /// Ratings r = clip(3.5 + b_u + b_i + p_u·q_i + noise) on a 1..5 scale, each (user, item) pair kept with
    /// probability <paramref name="density"/>; optionally items alternate between two domains.
    /// </summary>
    public static InteractionSet Planted(int users, int items, double density, int seed, bool domains = false, int rank = 3, double noise = 0.3)
    {
        var rng = new Random(seed);
        var p = Matrix(users, rank, rng);
        var q = Matrix(items, rank, rng);
        var bu = Enumerable.Range(0, users).Select(_ => (rng.NextDouble() - 0.5) * 0.8).ToArray();
        var bi = Enumerable.Range(0, items).Select(_ => (rng.NextDouble() - 0.5) * 0.8).ToArray();
        var b = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        for (var u = 0; u < users; u++)
        {
            for (var i = 0; i < items; i++)
            {
                if (rng.NextDouble() >= density)
                {
                    continue;
                }

                var r = 3.5 + bu[u] + bi[i] + (noise * Gaussian(rng));
                for (var f = 0; f < rank; f++)
                {
                    r += p[u, f] * q[i, f];
                }

                b.Add($"u{u}", $"i{i}", (float)Math.Clamp(r, 1, 5), domain: domains ? (i % 2 == 0 ? "film" : "course") : null);
            }
        }

        return b.Build($"planted({users}x{items}, seed {seed})");
    }

    /// <summary>Splits rows into (train, test) with a seeded shuffle; both share the id maps.</summary>
    public static (InteractionSet Train, InteractionSet Test) Split(InteractionSet data, double testFraction, int seed)
    {
        var rows = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(rows);
        var nTest = (int)(data.Count * testFraction);
        return (data.Subset(rows.AsSpan(nTest), "train"), data.Subset(rows.AsSpan(0, nTest), "test"));
    }

    private static double[,] Matrix(int rows, int cols, Random rng)
    {
        var m = new double[rows, cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                m[r, c] = Gaussian(rng) * 0.6;
            }
        }

        return m;
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

/// <summary>A synchronous <see cref="IProgress{T}"/> that records every report (Progress&lt;T&gt; posts asynchronously).</summary>
internal sealed class RecordingProgress<T> : IProgress<T>
{
    private readonly Action<T>? _onReport;

    public RecordingProgress(Action<T>? onReport = null) => _onReport = onReport;

    public List<T> Reports { get; } = new();

    public void Report(T value)
    {
        Reports.Add(value);
        _onReport?.Invoke(value);
    }
}
