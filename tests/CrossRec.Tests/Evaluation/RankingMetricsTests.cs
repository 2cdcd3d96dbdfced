using System.Text.Json;

namespace CrossRec.Tests.Evaluation;

/// <summary>Ranking metrics by name, and the beyond-accuracy metrics on hand-computed lists.</summary>
[NonParallelizable] // one test redirects Console.Out to read the trainer's JSON
public class RankingMetricsTests
{
    private static readonly float[] Scores = [5f, 4f, 3f, 2f, 1f];

    /// <summary>
    /// Training users a {w, x}, b {w, x, y}, c {w}, d {z}: four users, so pop(w) = 3/4, pop(x) = 1/2, pop(y) = pop(z) = 1/4,
    /// and as vectors of training users x = {a, b}, y = {b}, z = {d}.
    /// </summary>
    private static InteractionSet Tiny() => new InteractionSetBuilder()
        .Add("a", "w", 1).Add("a", "x", 1)
        .Add("b", "w", 1).Add("b", "x", 1).Add("b", "y", 1)
        .Add("c", "w", 1)
        .Add("d", "z", 1)
        .Build("tiny");

    private static List<ScoredItem> List(RecommenderModel model, params string[] items) => [.. items.Select(i => new ScoredItem(i, model.ItemIds.GetIndex(i), 1f))];

    [Test]
    public void EveryMetricIsAvailableByNameInAFixedOrder()
    {
        // Ranking 0,1,2,3,4; relevant {0, 2}; top-2 = {0, 1}: one hit at rank 1.
        var m = RankingEvaluator.Evaluate([new RankingEvaluator.Case(0, [0, 2], [])], Scores.Length, 2, (_, s) => Scores.CopyTo(s), 1, CancellationToken.None);
        Assert.That(m.Values.Keys, Is.EqualTo(new[] { "precision", "recall", "ndcg", "map", "hit_rate", "auc" }));
        Assert.That(m["ndcg"], Is.EqualTo(m.Ndcg).And.EqualTo(1.0 / (1.0 + (1.0 / Math.Log2(3)))).Within(1e-12));
        Assert.That(m[RankingMetricNames.Auc], Is.EqualTo(5.0 / 6.0).Within(1e-12));
        Assert.That((m.Precision, m.Recall, m.Map, m.HitRate), Is.EqualTo((0.5, 0.5, 0.5, 1.0)));
        Assert.That(m.ToString(), Is.EqualTo("NDCG@2 0.6131, Recall@2 0.5000, Precision@2 0.5000, MAP@2 0.5000, HitRate@2 1.0000, AUC 0.8333 (1 users)"));
        Assert.That(m.Describe(), Is.EqualTo(m.ToString()));
        Assert.That(m.BeyondAccuracy, Is.Null);
        var e = Assert.Throws<KeyNotFoundException>(() => _ = m["coverage"]);
        Assert.That(e!.Message, Does.Contain("coverage").And.Contain("ndcg").And.Contain("RankingOptions.BeyondAccuracy"));

        // The former positional constructor still builds the same metrics.
        Assert.That(new RankingMetrics(2, 0.5, 0.5, 1.0 / (1.0 + (1.0 / Math.Log2(3))), 0.5, 1.0, 5.0 / 6.0, 1), Is.EqualTo(m));
        Assert.That(new RankingMetrics(2, 0.5, 0.5, 0.6, 0.5, 1.0, 5.0 / 6.0, 1), Is.Not.EqualTo(m));
    }

    [Test]
    public void AnEvaluationWithoutAucHasNoAucEntryAndANaNProperty()
    {
        var m = RankingEvaluator.Evaluate([new RankingEvaluator.Case(0, [0, 2], [])], Scores.Length, 2, (_, s) => Scores.CopyTo(s), 1, null, false, CancellationToken.None);
        Assert.That(m.Values.Keys, Has.No.Member("auc"));
        Assert.That(double.IsNaN(m.Auc), Is.True);
        Assert.That(m.ToString(), Does.EndWith("AUC NaN (1 users)"));
    }

    [Test]
    public void BeyondAccuracyMetricsOfHandWrittenListsAreTheHandComputedOnes()
    {
        // Lists [x, y], [x, z], [y]. Covered {x, y, z} of 4 items: 0.75. Counts w 0, z 1, x 2, y 2 (ascending):
        // Gini = (−3·0 − 1·1 + 1·2 + 3·2) / (4 · 5) = 0.35. Popularity per list (1/2 + 1/4)/2, the same, 1/4: mean 1/3.
        // Self-information x 1 bit, y and z 2 bits: per list 1.5, 1.5, 2: mean 5/3. Diversity over the two lists of
        // two items: 1 − cos(x, y) = 1 − 1/√2 (b is shared), 1 − cos(x, z) = 1 (nobody is): mean (2 − 1/√2) / 2.
        var model = Recommenders.ItemKnn().Fit(Tiny());
        var m = CrossRec.Evaluation.BeyondAccuracy(model, [List(model, "x", "y"), List(model, "x", "z"), List(model, "y"), []]);
        Assert.Multiple(() =>
        {
            Assert.That(m.Lists, Is.EqualTo(3), "the empty list is left out");
            Assert.That(m.CatalogueSize, Is.EqualTo(4));
            Assert.That(m.Coverage, Is.EqualTo(0.75).Within(1e-12));
            Assert.That(m.PopularityGini, Is.EqualTo(0.35).Within(1e-12));
            Assert.That(m.MeanPopularity, Is.EqualTo(1 / 3.0).Within(1e-12));
            Assert.That(m.Novelty, Is.EqualTo(5 / 3.0).Within(1e-12));
            Assert.That(m.Diversity, Is.EqualTo((2 - (1 / Math.Sqrt(2))) / 2).Within(1e-6));
            Assert.That(m.DiversityBasis, Is.EqualTo(BeyondAccuracyMetrics.TrainingUsersBasis));
            Assert.That(m.Values.Keys, Is.EqualTo(new[] { "coverage", "mean_popularity", "popularity_gini", "novelty", "diversity" }));
            Assert.That(m.ToString(), Is.EqualTo("coverage 0.7500, mean popularity 0.3333, popularity Gini 0.3500, novelty 1.6667 bits, diversity 0.6464 by training users (3 lists)"));
        });
    }

    [Test]
    public void EqualCountsHaveGiniZeroAndOneItemEverywhereHasNoDiversityToMeasure()
    {
        var model = Recommenders.ItemKnn().Fit(Tiny());
        var even = CrossRec.Evaluation.BeyondAccuracy(model, [List(model, "w", "x"), List(model, "y", "z")]);
        Assert.That(even.PopularityGini, Is.EqualTo(0).Within(1e-12));
        Assert.That(even.Coverage, Is.EqualTo(1));
        var single = CrossRec.Evaluation.BeyondAccuracy(model, [List(model, "w"), List(model, "w")]);
        Assert.That(double.IsNaN(single.Diversity), Is.True);
        Assert.That(single.PopularityGini, Is.EqualTo(0.75).Within(1e-12)); // counts 0, 0, 0, 2: 3·2 / (4·2)
        Assert.That(single.Novelty, Is.EqualTo(-Math.Log2(0.75)).Within(1e-12));
        Assert.That(double.IsNaN(CrossRec.Evaluation.BeyondAccuracy(model, []).Coverage), Is.True);
    }

    [Test]
    public void AFactorModelsDiversityComparesItsItemFactors()
    {
        var data = CrossRec.Tests.TopN.ImplicitTestData.Groups(users: 80, items: 40, perUser: 8);
        var model = Recommenders.ImplicitAls().Factors(6).Iterations(3).Seed(2).Fit(data);
        var items = new[] { "i1", "i7", "i22" };
        var m = CrossRec.Evaluation.BeyondAccuracy(model, [List(model, items)]);
        var f = model.ItemFactors;
        double Cosine(string a, string b)
        {
            var x = f.Row(model.ItemIds.GetIndex(a)).ToArray();
            var y = f.Row(model.ItemIds.GetIndex(b)).ToArray();
            return x.Zip(y, (p, q) => (double)p * q).Sum() / Math.Sqrt(x.Sum(p => (double)p * p) * y.Sum(q => (double)q * q));
        }

        var expected = ((1 - Cosine("i1", "i7")) + (1 - Cosine("i1", "i22")) + (1 - Cosine("i7", "i22"))) / 3;
        Assert.That(m.DiversityBasis, Is.EqualTo(BeyondAccuracyMetrics.ItemFactorsBasis));
        Assert.That(m.Diversity, Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void TheCatalogueOfADomainIsItsItems()
    {
        var data = Tiny().WithItemDomains(id => id is "w" or "x" ? "film" : "book");
        var model = Recommenders.Popularity().Fit(data);
        var m = CrossRec.Evaluation.BeyondAccuracy(model, [List(model, "y")], "book");
        Assert.That(m.CatalogueSize, Is.EqualTo(2));
        Assert.That(m.Coverage, Is.EqualTo(0.5));
        Assert.That(m.PopularityGini, Is.EqualTo(0.5).Within(1e-12)); // counts 0, 1 over the two book items
        Assert.That(() => CrossRec.Evaluation.BeyondAccuracy(model, [List(model, "y")], "music"), Throws.TypeOf<KeyNotFoundException>());
    }

    [Test]
    public void AListWithAnotherModelsItemIsRefusedByName()
    {
        var model = Recommenders.ItemKnn().Fit(Tiny());
        var e = Assert.Throws<ArgumentException>(() => CrossRec.Evaluation.BeyondAccuracy(model, [List(model, "x"), [new ScoredItem("x", 3, 1f)]]));
        Assert.That(e!.Message, Does.Contain("List 1").And.Contain("'x'"));
        Assert.That(() => CrossRec.Evaluation.BeyondAccuracy(model, [[new ScoredItem("q", 9, 1f)]]), Throws.ArgumentException);
    }

    [Test]
    public void ARankingEvaluationMeasuresTheListsItRankedWhenAsked()
    {
        // Beyond accuracy, a ranking evaluation measures exactly the top-K lists Recommend gives its users.
        var (train, test) = CrossRec.Tests.TopN.ImplicitTestData.Groups(users: 120, items: 60, perUser: 10).SplitPerUser(0.2, 3);
        var model = Recommenders.ItemKnn().Fit(train);
        var plain = CrossRec.Evaluation.Ranking(model, test, new RankingOptions { K = 5 });
        var m = CrossRec.Evaluation.Ranking(model, test, new RankingOptions { K = 5, BeyondAccuracy = true });
        Assert.That(plain.BeyondAccuracy, Is.Null);
        Assert.That(m.ToString(), Is.EqualTo(plain.ToString()), "the accuracy metrics do not change");
        var users = test.Users.ToArray().Distinct().Select(u => test.UserIds[u]).Where(model.UserIds.Contains).ToList();
        var direct = CrossRec.Evaluation.BeyondAccuracy(model, users.Select(u => model.Recommend(u, 5)));
        var b = m.BeyondAccuracy!;
        Assert.That(b.Lists, Is.EqualTo(m.Users).And.EqualTo(direct.Lists));
        foreach (var name in new[] { "coverage", "mean_popularity", "popularity_gini", "novelty", "diversity" })
        {
            Assert.That(m[name], Is.EqualTo(direct.Values[name]).Within(1e-9), name);
            Assert.That(b.Values[name], Is.EqualTo(m[name]));
        }

        Assert.That(m.Values.Keys.Take(6), Is.EqualTo(plain.Values.Keys));
        Assert.That(m.Describe(), Does.StartWith(plain.ToString()[..plain.ToString().IndexOf(" (", StringComparison.Ordinal)]).And.Contain("; coverage ").And.EndWith($"by training users ({m.Users} users)"));
    }

    [Test]
    public void TheTrainersJsonCarriesTheBeyondAccuracyMetricsOfTheWrittenLists()
    {
        using var files = new TempFiles();
        var set = CrossRec.Tests.TopN.ImplicitTestData.Groups(users: 60, items: 40, perUser: 8);
        var train = files.Write("train.tsv", "user\titem\n" + string.Join('\n', Enumerable.Range(0, set.Count).Select(r => $"{set.UserIds[set.Users[r]]}\t{set.ItemIds[set.Items[r]]}")) + "\n");
        var users = files.Write("users.txt", string.Join('\n', Enumerable.Range(0, 20).Select(u => $"u{u}")) + "\nnobody\n");
        var output = new StringWriter();
        var previous = Console.Out;
        int code;
        try
        {
            Console.SetOut(output);
            code = CrossRec.Trainer.Program.Main(["topn", "--train", train, "--users", users, "--out", files.PathOf("out.tsv"), "--algorithm", "itemknn", "--count", "4", "--json", "--save", files.PathOf("model.crossrec")]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var json = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement.GetProperty("beyond_accuracy");
        var model = Recommender.Load(files.PathOf("model.crossrec"));
        var lists = File.ReadAllLines(files.PathOf("out.tsv")).Take(20).Select(l => l.Split('\t')[1].Split(',').Select(i => new ScoredItem(i, model.ItemIds.GetIndex(i), 0f)).ToList());
        var expected = CrossRec.Evaluation.BeyondAccuracy(model, lists);
        Assert.That(json.GetProperty("lists").GetInt32(), Is.EqualTo(20), "the cold user's popularity list is left out");
        Assert.That(json.GetProperty("diversity_basis").GetString(), Is.EqualTo("training users"));
        foreach (var (name, value) in expected.Values)
        {
            Assert.That(json.GetProperty(name).GetDouble(), Is.EqualTo(value).Within(1e-5), name);
        }
    }
}
