using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace CrossRec.Benchmarks;

/// <summary>
/// Seconds per implicit ALS iteration (every item solved, then every user, loss included) at k = 64 and
/// 128, conjugate gradient (3 steps) and Cholesky, the other options at their defaults, all cores, on a MovieLens-20M-like synthetic set:
/// 138,493 users, 26,744 items, 20,000,263 interactions, power-law item popularity and user activity of
/// at least 20 (as ML-20M). Generated once per process in <c>[GlobalSetup]</c>, deterministically (seed 20).
/// <c>CROSSREC_IALS_SCALE</c> (default 1) scales users and interactions down for a quicker run, e.g. 0.05.
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*ImplicitAlsBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class ImplicitAlsBenchmarks
{
    private static readonly Dictionary<double, InteractionSet> Cache = [];
    private IImplicitAlsSession? _session;

    /// <summary>Latent factors k.</summary>
    [Params(64, 128)]
    public int Factors { get; set; }

    /// <summary>Row solver.</summary>
    [Params(AlsSolver.ConjugateGradient, AlsSolver.Cholesky)]
    public AlsSolver Solver { get; set; }

    /// <summary>Size relative to MovieLens 20M (users and interactions; items stay 26,744).</summary>
    [ParamsSource(nameof(Scales))]
    public double Scale { get; set; }

    /// <summary>The scale from <c>CROSSREC_IALS_SCALE</c>, 1 by default.</summary>
    public static IEnumerable<double> Scales() =>
        [double.TryParse(Environment.GetEnvironmentVariable("CROSSREC_IALS_SCALE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 1 ? s : 1.0];

    [GlobalSetup]
    public void Setup()
    {
        var data = Data(Scale);
        var matrix = data.ToMatrix();
        var options = new ImplicitAlsOptions { Factors = Factors, Solver = Solver };
        options = options with { Alpha = ImplicitAlsBuilder.EffectiveAlpha(options, matrix.UserValuesArray), NormalizeConfidence = false };
        var x = new float[matrix.UserCount * Factors];
        var y = new float[matrix.ItemCount * Factors];
        ImplicitAlsBuilder.Initialise(options.Seed, x, y);
        _session = ((IComputeEngine)CpuEngine.Default).TryGetKernel<IImplicitAlsKernel>()!.Start(matrix, options, x, y);
        Console.WriteLine($"// {data.SourceName}: {matrix.UserCount} users, {matrix.ItemCount} items, {matrix.NonZeros} distinct pairs; k = {Factors}, {Solver}, {options.EffectiveThreads} threads");
    }

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();

    /// <summary>One full iteration; returns the objective so it is not optimised away.</summary>
    [Benchmark(Description = "one ALS iteration")]
    public double Iteration() => _session!.Iterate(default);

    /// <summary>
    /// The MovieLens-20M-like set at a scale: item i drawn with probability ∝ (i + 100)^−1.2 (the most
    /// popular item holds about 0.3 % of the interactions, as in ML-20M), each user's count 20 + a
    /// Pareto(2) tail scaled to the ML-20M mean of 144, distinct items per user, ratings 1–5.
    /// </summary>
    internal static InteractionSet Data(double scale)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(scale, out var cached))
            {
                return cached;
            }

            const int Items = 26_744;
            var users = Math.Max(100, (int)(138_493 * scale));
            var target = (long)(20_000_263 * scale);
            var rng = new Random(20);
            var cumulative = new double[Items];
            var total = 0.0;
            for (var i = 0; i < Items; i++)
            {
                total += Math.Pow(i + 100, -1.2);
                cumulative[i] = total;
            }

            var counts = new double[users];
            var sum = 0.0;
            for (var u = 0; u < users; u++)
            {
                counts[u] = 124 * (Math.Pow(1 - rng.NextDouble(), -0.5) - 1);
                sum += counts[u];
            }

            var extra = Math.Max(0, target - (20L * users));
            var rows = new List<(int User, int Item, float Value)>((int)Math.Min(target + users, int.MaxValue));
            var chosen = new HashSet<int>();
            for (var u = 0; u < users; u++)
            {
                var n = (int)Math.Min(Items / 4, 20 + Math.Round(counts[u] * extra / sum));
                chosen.Clear();
                while (chosen.Count < n)
                {
                    var item = Array.BinarySearch(cumulative, rng.NextDouble() * total);
                    item = item < 0 ? ~item : item;
                    if (chosen.Add(Math.Min(item, Items - 1)))
                    {
                        rows.Add((u, Math.Min(item, Items - 1), 1 + rng.Next(5)));
                    }
                }
            }

            var uu = new int[rows.Count];
            var ii = new int[rows.Count];
            var vv = new float[rows.Count];
            for (var r = 0; r < rows.Count; r++)
            {
                (uu[r], ii[r], vv[r]) = rows[r];
            }

            var set = new InteractionSet(
                IdMap.Create("user", Enumerable.Range(0, users).Select(x => $"u{x}")),
                IdMap.Create("item", Enumerable.Range(0, Items).Select(x => $"i{x}")),
                uu,
                ii,
                vv,
                null,
                null,
                null,
                RatingScale.FiveStars,
                $"ml20m-like(scale {scale.ToString(CultureInfo.InvariantCulture)}, seed 20)");
            Cache[scale] = set;
            return set;
        }
    }
}
