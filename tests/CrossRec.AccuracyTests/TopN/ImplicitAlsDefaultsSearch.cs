using System.Diagnostics;
using System.Globalization;

namespace CrossRec.AccuracyTests.TopN;

/// <summary>
/// The search behind the defaults of <see cref="ImplicitAlsOptions"/>: validation inside the training
/// part only (the protocol's 80 % part split again per user 80/20, seed 7), NDCG@10 on the inner 20 %.
/// Explicit: run it with
/// <c>dotnet test tests/CrossRec.AccuracyTests -c Release --filter "FullyQualifiedName~ImplicitAlsDefaultsSearch" --logger "console;verbosity=detailed"</c>.
/// </summary>
[TestFixture]
[Explicit("hyperparameter search (minutes on two cores); its results are recorded next to the defaults")]
public sealed class ImplicitAlsDefaultsSearch
{
    private static readonly Dictionary<string, (InteractionSet Train, InteractionSet Validation)> Splits = [];

    private static readonly string[] Variants = ["ml-100k", "ml-100k-binary", "lastfm-2k", "lastfm-2k-binary"];

    /// <summary>
    /// One parameter at a time around the defaults, on ratings, play counts and their binary copies;
    /// then the λ curve at two depths of nesting inside the ML-100K training part (the inner 80 % of the
    /// inner 80 %, 51 % of the data, against 64 %), which shows how the best λ moves as the data grows.
    /// </summary>
    [Test]
    public void Search()
    {
        var d = new ImplicitAlsOptions();
        var grid = new List<(string Name, ImplicitAlsOptions Options)>();
        foreach (var l in new[] { 3f, 4f, 5f, 6f, 7f, 10f })
        {
            grid.Add(($"λ={l}", d with { Regularization = l }));
        }

        foreach (var a in new[] { 3.5f, 14f })
        {
            grid.Add(($"α={a}", d with { Alpha = a }));
        }

        foreach (var l in new[] { 30f, 50f, 100f })
        {
            grid.Add(($"unweighted λ={l}", d with { WeightedRegularization = false, Regularization = l }));
        }

        foreach (var l in new[] { 0.35f, 0.6f, 1f })
        {
            grid.Add(($"ALS-WR ν=1 λ={l}", d with { RegularizationExponent = 1, Regularization = l }));
        }

        foreach (var k in new[] { 32, 128 })
        {
            grid.Add(($"k={k}", d with { Factors = k }));
        }

        grid.Add(("linear confidence", d with { Confidence = ConfidenceScaling.Linear }));
        grid.Add(("log ε=0.3", d with { Epsilon = 0.3f }));
        grid.Add(("log ε=3", d with { Epsilon = 3f }));
        grid.Add(("not normalised", d with { NormalizeConfidence = false }));
        grid.Add(("Cholesky", d with { Solver = AlsSolver.Cholesky }));
        grid.Add(("CG 6 steps", d with { CgSteps = 6 }));
        foreach (var it in new[] { 10, 25 })
        {
            grid.Add(($"{it} iterations", d with { Iterations = it }));
        }

        TestContext.Out.WriteLine($"{"configuration",-22} {string.Join(" ", Variants.Select(v => $"{v,16}"))}     mean   (validation NDCG@10)");
        foreach (var (name, options) in grid)
        {
            var scores = Variants.Select(v => Score(v, options).Ndcg).ToArray();
            TestContext.Out.WriteLine($"{name,-22} {string.Join(" ", scores.Select(x => $"{x,16:F4}"))}   {scores.Average():F4}");
        }

        TestContext.Out.WriteLine();
        TestContext.Out.WriteLine("ML-100K λ curve by depth of nesting (validation NDCG@10)");
        foreach (var dataset in new[] { "ml-100k", "ml-100k@8", "ml-100k#2", "ml-100k@8#2" })
        {
            var line = string.Join(" ", new[] { 4f, 5f, 6f, 7f, 8f, 9f }.Select(l => $"λ={l}: {Score(dataset, d with { Regularization = l }).Ndcg:F4}"));
            TestContext.Out.WriteLine($"{dataset,-12} {line}");
        }
    }

    /// <summary>Ad-hoc configurations from <c>IALS_GRID</c>: <c>dataset:key=value,...;...</c> (keys as in <see cref="Parse"/>).</summary>
    [Test]
    public void Explore()
    {
        var grid = Environment.GetEnvironmentVariable("IALS_GRID");
        if (grid is null)
        {
            Assert.Ignore("set IALS_GRID, e.g. \"ml-100k:f=32,l=4;lastfm-2k-binary:a=14\"");
        }

        foreach (var line in grid.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':');
            if (parts[1] == "pop")
            {
                var (tr, va) = Inner(parts[0]);
                var pm = TopNData.Evaluate(Recommenders.Popularity().Fit(tr), va);
                TestContext.Out.WriteLine($"{parts[0],-16} popularity NDCG@10 {pm.Ndcg:F4}  Recall@10 {pm.Recall:F4}");
                continue;
            }

            var (ndcg, recall, seconds) = Score(parts[0], Parse(parts[1]));
            TestContext.Out.WriteLine($"{parts[0],-16} {parts[1],-60} NDCG@10 {ndcg:F4}  Recall@10 {recall:F4}  {seconds:F1}s");
        }
    }

    /// <summary>
    /// Validation NDCG@10 and Recall@10 of one configuration. Dataset names: "ml-100k" or "lastfm-2k",
    /// "-binary" for every value 1, "@seed" for another inner split seed (default 7), "#2" to split the
    /// training part once more before the inner split.
    /// </summary>
    internal static (double Ndcg, double Recall, double Seconds) Score(string dataset, ImplicitAlsOptions options)
    {
        var (train, validation) = Inner(dataset);
        var watch = Stopwatch.StartNew();
        var model = Recommenders.ImplicitAls(options).Fit(train);
        var m = TopNData.Evaluate(model, validation);
        return (m.Ndcg, m.Recall, watch.Elapsed.TotalSeconds);
    }

    internal static (InteractionSet Train, InteractionSet Validation) Inner(string dataset)
    {
        lock (Splits)
        {
            if (!Splits.TryGetValue(dataset, out var split))
            {
                var deeper = dataset.EndsWith("#2", StringComparison.Ordinal);
                var plain = deeper ? dataset[..^2] : dataset;
                var at = plain.IndexOf('@', StringComparison.Ordinal);
                var seed = at < 0 ? 7 : int.Parse(plain[(at + 1)..], CultureInfo.InvariantCulture);
                var name = at < 0 ? plain : plain[..at];
                var binary = name.EndsWith("-binary", StringComparison.Ordinal);
                var (train, _) = TopNData.Split(TopNData.Load(binary ? name[..^7] : name));
                if (deeper)
                {
                    train = train.SplitPerUser(0.2, seed + 100).Train;
                }

                var (inner, validation) = train.SplitPerUser(0.2, seed);
                Splits[dataset] = split = (binary ? Binary(inner) : inner, validation);
            }

            return split;
        }
    }

    /// <summary>The same rows with every value 1 (data without a value column).</summary>
    internal static InteractionSet Binary(InteractionSet set)
    {
        var ones = new float[set.Count];
        Array.Fill(ones, 1f);
        return new InteractionSet(set.UserIds, set.ItemIds, set.Users.ToArray(), set.Items.ToArray(), ones, null, set.Domains, set.HasDomains ? set.ItemDomains.ToArray() : null, null, set.SourceName + " (binary)");
    }

    /// <summary>Keys: f (factors), it, l (λ), a (α), e (ε), conf (0 linear, 1 log), cg, chol (1 = Cholesky), n (normalise), wr, nu, seed.</summary>
    internal static ImplicitAlsOptions Parse(string spec)
    {
        var o = new ImplicitAlsOptions();
        foreach (var kv in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (kv.Split('=')[0], kv.Split('=')[1]);
            var f = float.Parse(value.Replace("e+", "E+"), CultureInfo.InvariantCulture);
            o = key switch
            {
                "f" => o with { Factors = (int)f },
                "it" => o with { Iterations = (int)f },
                "l" => o with { Regularization = f },
                "a" => o with { Alpha = f },
                "e" => o with { Epsilon = f },
                "conf" => o with { Confidence = (ConfidenceScaling)(int)f },
                "cg" => o with { CgSteps = (int)f },
                "chol" => o with { Solver = f > 0 ? AlsSolver.Cholesky : AlsSolver.ConjugateGradient },
                "seed" => o with { Seed = (int)f },
                "n" => o with { NormalizeConfidence = f > 0 },
                "nu" => o with { RegularizationExponent = f },
                "wr" => o with { WeightedRegularization = f > 0 },
                _ => throw new ArgumentException(key),
            };
        }

        return o;
    }
}
