using System.Diagnostics;

namespace CrossRec.AccuracyTests.TopN;

/// <summary>
/// How the item-kNN defaults were chosen: on a validation split inside the training part only (the
/// protocol's 80 % training part split again per user, 20 % held out, seed 7), never on the test part,
/// on ML-100K (ratings) and Last.fm 2K (play counts), then checked on both with every value set to 1.
/// A coordinate search around the defaults: (1) weighting, (2) K × shrinkage, (3) asymmetry × scoring,
/// (4) binary data. Explicit: it prints the grid (NDCG@10 and Recall@10 on validation) and asserts nothing.
/// </summary>
[TestFixture]
[Explicit("Defaults search: prints the validation grid (about three minutes on two cores).")]
public sealed class ItemKnnDefaultsSearch
{
    private static readonly string[] Datasets = ["ml-100k", "lastfm-2k"];
    private static readonly string[] BinaryDatasets = ["ml-100k-binary", "lastfm-2k-binary"];
    private readonly Dictionary<string, (InteractionSet Fit, InteractionSet Valid)> _splits = [];

    [Test]
    public void ValidationGrid()
    {
        var d = new ItemKnnOptions();
        Header("popularity and the plain cosine (binary values, K 400, shrinkage 10, binary scoring)");
        Popularity(Datasets);
        Row(Datasets, "plain cosine", new ItemKnnOptions { Values = ItemKnnValues.Binary, Weighting = ItemKnnWeighting.Cosine, Asymmetry = 0.5f, Scoring = ItemKnnScoring.Binary });
        Row(Datasets, "defaults", d);

        Header("1. weighting (other options at their defaults)");
        Row(Datasets, "cosine, binary values", d with { Weighting = ItemKnnWeighting.Cosine, Values = ItemKnnValues.Binary });
        Row(Datasets, "cosine, log values", d with { Weighting = ItemKnnWeighting.Cosine });
        Row(Datasets, "tf-idf, log values", d with { Weighting = ItemKnnWeighting.TfIdf });
        foreach (var k1 in new[] { 1.2f, 20f, 100f })
        {
            foreach (var b in new[] { 0.5f, 0.8f, 1f })
            {
                Row(Datasets, $"bm25 K1 {k1} B {b}, log values", d with { Bm25K1 = k1, Bm25B = b });
            }
        }

        Row(Datasets, "bm25, binary values", d with { Values = ItemKnnValues.Binary });
        Row(Datasets, "bm25, raw values", d with { Values = ItemKnnValues.Raw });

        Header("2. neighbours K x shrinkage");
        foreach (var k in new[] { 50, 100, 200, 400, 1000 })
        {
            foreach (var s in new[] { 0f, 5f, 10f, 20f, 50f })
            {
                Row(Datasets, $"K {k} shrinkage {s}", d with { Neighbors = k, Shrinkage = s });
            }
        }

        Header("3. asymmetry x scoring");
        foreach (var a in new[] { 0.4f, 0.5f, 0.6f, 0.7f })
        {
            foreach (var scoring in new[] { ItemKnnScoring.Binary, ItemKnnScoring.Weighted })
            {
                Row(Datasets, $"alpha {a} scoring {scoring}", d with { Asymmetry = a, Scoring = scoring });
            }
        }

        Header("4. the same data with every value 1");
        Popularity(BinaryDatasets);
        Row(BinaryDatasets, "plain cosine", new ItemKnnOptions { Values = ItemKnnValues.Binary, Weighting = ItemKnnWeighting.Cosine, Asymmetry = 0.5f, Scoring = ItemKnnScoring.Binary });
        Row(BinaryDatasets, "defaults", d);
        Row(BinaryDatasets, "defaults, binary values", d with { Values = ItemKnnValues.Binary });
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

    private void Popularity(string[] datasets)
    {
        var line = $"{"popularity",-36}";
        foreach (var name in datasets)
        {
            var (fit, valid) = Split(name);
            var m = TopNData.Evaluate(Recommenders.Popularity().Fit(fit), valid);
            line += $"  {name} {m.Ndcg:F4} {m.Recall:F4}";
        }

        TestContext.Out.WriteLine(line);
    }

    private void Row(string[] datasets, string label, ItemKnnOptions options)
    {
        var line = $"{label,-36}";
        foreach (var name in datasets)
        {
            var (fit, valid) = Split(name);
            var watch = Stopwatch.StartNew();
            var model = Recommenders.ItemKnn(options).Fit(fit);
            var seconds = watch.Elapsed.TotalSeconds;
            var m = TopNData.Evaluate(model, valid);
            line += $"  {name} {m.Ndcg:F4} {m.Recall:F4} ({seconds:F2}s)";
        }

        TestContext.Out.WriteLine(line);
    }

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
