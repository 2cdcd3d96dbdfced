using System.Diagnostics;
using CrossRec.Algorithms.Rp3Beta;

namespace CrossRec.AccuracyTests.TopN;

/// <summary>
/// How the RP3beta defaults were chosen (docs/decisions/rp3beta-defaults.md): on a validation split inside the
/// training part only (the protocol's 80 % training part split again per user, 20 % held out, seed 7, the split
/// <see cref="Recommenders.Auto"/> validates on), never on the test part, on ML-100K (ratings) and Last.fm 2K (play
/// counts), then checked with every value set to 1. (1) α × β at K 200, binary values, normalised rows; (2) a joint
/// refinement of α, β, K and row normalisation around the best of (1); (3) K × row normalisation at the defaults;
/// (4) the value transform; (5) a finer β; (6) binary data; (7) the other Auto candidates' defaults on the same split. Explicit: it prints the grid (NDCG@10 and Recall@10 on validation) and
/// asserts nothing.
/// </summary>
[TestFixture]
[Explicit("Defaults search: prints the validation grid (several minutes on two cores).")]
public sealed class Rp3BetaDefaultsSearch
{
    private static readonly string[] Datasets = ["ml-100k", "lastfm-2k"];
    private static readonly string[] BinaryDatasets = ["ml-100k-binary", "lastfm-2k-binary"];
    private readonly Dictionary<string, (InteractionSet Fit, InteractionSet Valid)> _splits = [];

    [Test]
    public void ValidationGrid()
    {
        var d = new Rp3BetaOptions();
        Header("reference: popularity, P3 (alpha 1, beta 0), the defaults");
        Baseline(Datasets, "popularity", Recommenders.Popularity());
        Row(Datasets, "P3 (alpha 1, beta 0)", d with { Alpha = 1, Beta = 0 });
        Row(Datasets, "defaults", d);

        Header("1. alpha x beta (K 200, binary values, normalised rows)");
        var coarse = new Rp3BetaOptions { Neighbors = 200, Values = Rp3BetaValues.Binary, NormalizeRows = true };
        foreach (var alpha in new[] { 0.4f, 0.6f, 0.8f, 1.0f, 1.2f })
        {
            foreach (var beta in new[] { 0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.7f })
            {
                Row(Datasets, $"alpha {alpha} beta {beta}", coarse with { Alpha = alpha, Beta = beta });
            }
        }

        Header("2. joint refinement: alpha x beta x K x row normalisation (binary values)");
        foreach (var alpha in new[] { 0.6f, 0.8f, 1.0f })
        {
            foreach (var beta in new[] { 0.3f, 0.35f, 0.4f, 0.45f, 0.5f })
            {
                foreach (var k in new[] { 100, 200, 400 })
                {
                    foreach (var normalize in new[] { true, false })
                    {
                        Row(Datasets, $"alpha {alpha} beta {beta} K {k} normalise {normalize}", coarse with { Alpha = alpha, Beta = beta, Neighbors = k, NormalizeRows = normalize });
                    }
                }
            }
        }

        Header("3. neighbours K x row normalisation (alpha, beta at the defaults)");
        foreach (var k in new[] { 50, 100, 200, 400, 1000 })
        {
            foreach (var normalize in new[] { true, false })
            {
                Row(Datasets, $"K {k} normalise {normalize}", d with { Neighbors = k, NormalizeRows = normalize });
            }
        }

        Header("4. values (other options at the defaults)");
        foreach (var values in new[] { Rp3BetaValues.Binary, Rp3BetaValues.Log, Rp3BetaValues.Raw })
        {
            Row(Datasets, $"values {values}", d with { Values = values });
        }

        Header("5. finer beta around the default (other options at the defaults)");
        foreach (var beta in new[] { d.Beta - 0.1f, d.Beta - 0.05f, d.Beta, d.Beta + 0.05f, d.Beta + 0.1f })
        {
            Row(Datasets, $"beta {beta:0.00}", d with { Beta = beta });
        }

        Header("6. the same data with every value 1");
        Baseline(BinaryDatasets, "popularity", Recommenders.Popularity());
        Row(BinaryDatasets, "defaults", d);

        Header("7. the other Auto candidates' defaults on the same split");
        foreach (var candidate in AutoRecommenderBuilder.DefaultCandidates())
        {
            Baseline(Datasets, candidate.Algorithm, candidate);
        }
    }

    private static void Header(string title) => TestContext.Out.WriteLine($"--- {title}");

    /// <summary>The same interactions with every value 1 (data without a value column).</summary>
    private static InteractionSet Binarize(InteractionSet data)
    {
        var b = new InteractionSetBuilder();
        var users = data.Users;
        var items = data.Items;
        for (var r = 0; r < data.Count; r++)
        {
            b.Add(data.UserIds[users[r]], data.ItemIds[items[r]], 1f);
        }

        return b.Build(data.SourceName + " (binary)");
    }

    private void Baseline(string[] datasets, string label, IRecommenderBuilder builder)
    {
        var line = $"{label,-32}";
        foreach (var name in datasets)
        {
            var (fit, valid) = Split(name);
            var watch = Stopwatch.StartNew();
            var model = builder.Fit(fit);
            var seconds = watch.Elapsed.TotalSeconds;
            var m = TopNData.Evaluate(model, valid);
            line += $"  {name} {m.Ndcg:F4} {m.Recall:F4} ({seconds:F2}s)";
        }

        TestContext.Out.WriteLine(line);
        TestContext.Progress.WriteLine(line);
    }

    private void Row(string[] datasets, string label, Rp3BetaOptions options) => Baseline(datasets, label, Recommenders.Rp3Beta(options));

    private (InteractionSet Fit, InteractionSet Valid) Split(string name)
    {
        if (!_splits.TryGetValue(name, out var split))
        {
            var binary = name.EndsWith("-binary", StringComparison.Ordinal);
            var data = TopNData.Load(binary ? name[..^"-binary".Length] : name);
            var (train, _) = TopNData.Split(binary ? Binarize(data) : data);
            split = train.SplitPerUser(0.2, seed: 7);
            _splits[name] = split;
        }

        return split;
    }
}
