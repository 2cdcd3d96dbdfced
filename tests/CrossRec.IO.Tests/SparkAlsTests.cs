using System.Globalization;

namespace CrossRec.IO.Tests;

public sealed class SparkAlsTests
{
    private const int Rank = 4;

    /// <summary>Factors of a fake Spark model: users 1..30 in two part files, items 100..139 in two part files, written by DuckDB.</summary>
    private static (Dictionary<int, float[]> Users, Dictionary<int, float[]> Items) WriteSparkLayout(string root, bool implicitPrefs, string? poison = null)
    {
        var random = new Random(5);
        float[] Vector() => Enumerable.Range(0, Rank).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var users = Enumerable.Range(1, 30).ToDictionary(i => i, _ => Vector());
        var items = Enumerable.Range(100, 40).ToDictionary(i => i, _ => Vector());
        Directory.CreateDirectory(Path.Combine(root, "metadata"));
        Directory.CreateDirectory(Path.Combine(root, "userFactors"));
        Directory.CreateDirectory(Path.Combine(root, "itemFactors"));
        // One line of JSON as DefaultParamsWriter writes it; ALS's training settings are not among an ALSModel's params.
        File.WriteAllText(Path.Combine(root, "metadata", "part-00000"),
            "{\"class\":\"org.apache.spark.ml.recommendation.ALSModel\",\"timestamp\":1717000000000,\"sparkVersion\":\"3.5.1\",\"uid\":\"als_4f2a\"," +
            "\"paramMap\":{\"userCol\":\"user\",\"itemCol\":\"item\",\"coldStartStrategy\":\"drop\"}," +
            "\"defaultParamMap\":{\"blockSize\":4096,\"predictionCol\":\"prediction\",\"userCol\":\"user\",\"itemCol\":\"item\",\"coldStartStrategy\":\"nan\"},\"rank\":4}\n");
        File.WriteAllText(Path.Combine(root, "metadata", "_SUCCESS"), "");

        string Rows(IEnumerable<KeyValuePair<int, float[]>> rows) =>
            string.Join(", ", rows.Select(p => $"({p.Key}, {Duck.FloatList(p.Value)})"));
        void Part(string side, string name, string rows) => Duck.Execute(
            $"COPY (SELECT id::INTEGER AS id, features::FLOAT[] AS features FROM (VALUES {rows}) t(id, features)) TO '{Path.Combine(root, side, name)}' (FORMAT PARQUET)");

        var extraUsers = poison is null ? "" : ", " + poison;
        Part("userFactors", "part-00000-a1b2-c000.snappy.parquet", Rows(users.Where(p => p.Key <= 15)));
        Part("userFactors", "part-00001-a1b2-c000.snappy.parquet", Rows(users.Where(p => p.Key > 15)) + extraUsers);
        Part("itemFactors", "part-00000-c3d4-c000.snappy.parquet", Rows(items.Where(p => p.Key < 120)));
        Part("itemFactors", "part-00001-c3d4-c000.snappy.parquet", Rows(items.Where(p => p.Key >= 120)));
        File.WriteAllText(Path.Combine(root, "userFactors", "_SUCCESS"), "");
        return (users, items);
    }

    [Test]
    public void Independent_spark_layout_loads_and_recommends_by_dot_product()
    {
        using var dir = new TempDir();
        var (users, items) = WriteSparkLayout(dir.Path, implicitPrefs: true);
        var model = SparkAls.Load(dir.Path, new SparkAlsOptions { ImplicitPrefs = true, RegParam = 0.05f, Alpha = 10f });
        Assert.That(model, Is.InstanceOf<ImplicitAlsModel>());
        Assert.That(model.UserIds.Count, Is.EqualTo(30));
        Assert.That(model.ItemIds.Count, Is.EqualTo(40));

        foreach (var user in new[] { 1, 16, 30 })
        {
            var expected = items.OrderByDescending(p => Dot(users[user], p.Value)).Take(5).Select(p => p.Key.ToString(CultureInfo.InvariantCulture));
            var top = model.Recommend(user.ToString(CultureInfo.InvariantCulture), 5);
            Assert.That(top.Select(s => s.ItemId), Is.EqualTo(expected), $"user {user}");
            Assert.That(top[0].Score, Is.EqualTo(Dot(users[user], items[int.Parse(top[0].ItemId, CultureInfo.InvariantCulture)])).Within(1e-5));
        }
    }

    [Test]
    public void Implicit_fold_in_is_the_exact_confidence_weighted_solve()
    {
        using var dir = new TempDir();
        var (_, items) = WriteSparkLayout(dir.Path, implicitPrefs: true);
        const float Lambda = 0.05f, Alpha = 10f;
        var model = SparkAls.Load(dir.Path, new SparkAlsOptions { ImplicitPrefs = true, RegParam = Lambda, Alpha = Alpha });
        var history = new Dictionary<string, float> { ["101"] = 3f, ["117"] = 1f, ["125"] = 2f };
        var folded = model.FoldIn(history);

        // (YᵀY + Σ_j α r_j y_j y_jᵀ + λ(1 + n) I) x = Σ_j (1 + α r_j) y_j, in double.
        var a = new double[Rank, Rank];
        var b = new double[Rank];
        foreach (var y in items.Values)
        {
            for (var r = 0; r < Rank; r++)
            {
                for (var c = 0; c < Rank; c++)
                {
                    a[r, c] += y[r] * (double)y[c];
                }
            }
        }

        foreach (var (id, value) in history)
        {
            var y = items[int.Parse(id, CultureInfo.InvariantCulture)];
            for (var r = 0; r < Rank; r++)
            {
                b[r] += (1 + Alpha * value) * y[r];
                for (var c = 0; c < Rank; c++)
                {
                    a[r, c] += Alpha * value * y[r] * (double)y[c];
                }
            }
        }

        for (var r = 0; r < Rank; r++)
        {
            a[r, r] += Lambda * (1 + history.Count);
        }

        for (var r = 0; r < Rank; r++)
        {
            var lhs = 0.0;
            for (var c = 0; c < Rank; c++)
            {
                lhs += a[r, c] * folded.Factors[c];
            }

            Assert.That(lhs, Is.EqualTo(b[r]).Within(1e-3 * Math.Max(1, Math.Abs(b[r]))), $"row {r} of the normal equations");
        }

        var top = model.Recommend(folded, 5);
        Assert.That(top.Select(s => s.ItemId), Has.None.AnyOf("101", "117", "125"));
    }

    [Test]
    public void Explicit_model_segments_and_feeds_conversion_scoring()
    {
        using var dir = new TempDir();
        var (users, _) = WriteSparkLayout(dir.Path, implicitPrefs: false);
        var model = (FactorizationModel)SparkAls.Load(dir.Path);
        Assert.That(model.GlobalMean, Is.Zero);
        Assert.That(model.Info!.Options.Regularization, Is.EqualTo(0.1f), "Spark's default regParam");

        var segments = Segmentation.KMeans(3).Seed(1).Fit(model.UserFactors);
        Assert.That(segments.Sizes.ToArray().Sum(), Is.EqualTo(30));

        var ids = model.UserIds.ToArray();
        var features = ProfileFeatures.Build(model, ids, offerItem: "100", options: new ProfileFeatureOptions { UserBias = false });
        var labels = ids.Select(id => users[int.Parse(id, CultureInfo.InvariantCulture)][0] > 0 ? "yes" : "no").ToArray();
        var table = new TabularData(features.Columns.Append(TabularColumn.Categorical("converted", labels)));
        var conversion = Conversion.Logistic().Fit(table, "converted", "yes");
        var scores = conversion.Score(table);
        var correct = scores.Select((p, r) => (p > 0.5) == (labels[r] == "yes")).Count(x => x);
        Assert.That(correct, Is.GreaterThanOrEqualTo(27), "the first factor decides the label; the user factors carry it");
    }

    [Test]
    public void Nulls_are_refused_by_name()
    {
        using (var dir = new TempDir())
        {
            WriteSparkLayout(dir.Path, true, poison: "(77, NULL)");
            var e = Assert.Throws<DataFormatException>(() => SparkAls.Load(dir.Path))!;
            Assert.That(e.Message, Does.Contain("features of id 77 are null").And.Contain("part-00001"));
            Assert.That(e.Column, Is.EqualTo(2));
        }

        using (var dir = new TempDir())
        {
            WriteSparkLayout(dir.Path, true, poison: "(78, [1.0, NULL, 2.0, 3.0]::FLOAT[])");
            var e = Assert.Throws<DataFormatException>(() => SparkAls.Load(dir.Path))!;
            Assert.That(e.Message, Does.Contain("feature 1 of id 78 is null"));
        }

        using (var dir = new TempDir())
        {
            WriteSparkLayout(dir.Path, true, poison: "(NULL, [1.0, 0.0, 2.0, 3.0]::FLOAT[])");
            var e = Assert.Throws<DataFormatException>(() => SparkAls.Load(dir.Path))!;
            Assert.That(e.Message, Does.Contain("id is null"));
            Assert.That((e.Line, e.Column), Is.EqualTo((16L, 1)));
        }

        using (var dir = new TempDir())
        {
            WriteSparkLayout(dir.Path, true, poison: "(79, [1.0, 2.0]::FLOAT[])");
            var e = Assert.Throws<DataFormatException>(() => SparkAls.Load(dir.Path))!;
            Assert.That(e.Message, Does.Contain("id 79 have 2 values; expected 4"));
        }
    }

    [Test]
    public void Implicit_als_round_trips_through_the_spark_layout_bit_identically()
    {
        var data = NumericIds(SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 120, Items = 60, Ratings = 2_000, Seed = 3 }));
        var trained = Recommenders.ImplicitAls().Factors(6).Iterations(3).Seed(2).Fit(data);
        using var dir = new TempDir();
        SparkAls.Save(trained, dir.Path);

        // What Spark's reader sees: the schema Spark writes (int id, array<float> features), one row per id.
        Assert.That(Duck.Query($"SELECT DISTINCT typeof(id), typeof(features), len(features) FROM '{dir.Path}/userFactors/*.parquet'"), Is.EqualTo(new[] { "INTEGER|FLOAT[]|6" }));
        Assert.That(Duck.Query($"SELECT count(*) FROM '{dir.Path}/itemFactors/*.parquet'"), Is.EqualTo(new[] { "60" }));
        var meta = SparkAls.ReadMetadata(dir.Path);
        Assert.That((meta.Rank, meta.ImplicitPrefs, meta.RegParam, meta.Alpha), Is.EqualTo((6, true, trained.Regularization, trained.Alpha)));

        var loaded = SparkAls.Load(dir.Path, new SparkAlsOptions { Seen = data });
        foreach (var user in trained.UserIds.Take(40))
        {
            var a = trained.Recommend(user, 10);
            var b = loaded.Recommend(user, 10);
            Assert.That(b.Select(s => s.ItemId), Is.EqualTo(a.Select(s => s.ItemId)), user);
            Assert.That(b.Select(s => BitConverter.SingleToInt32Bits(s.Score)), Is.EqualTo(a.Select(s => BitConverter.SingleToInt32Bits(s.Score))), user);
        }
    }

    [Test]
    public void Biased_mf_keeps_its_scores_in_the_spark_layout()
    {
        var data = NumericIds(SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 100, Items = 50, Ratings = 2_000, Seed = 4 }));
        var trained = Factorization.Biased().Factors(5).Epochs(3).Fit(data);
        using var dir = new TempDir();
        SparkAls.Save(trained, dir.Path);
        var loaded = (FactorizationModel)SparkAls.Load(dir.Path, new SparkAlsOptions { Seen = data });
        Assert.That(loaded.Factors, Is.EqualTo(7), "k + 2: mean plus user bias, and item bias, as factor columns");
        foreach (var user in trained.UserIds.Take(30))
        {
            var a = trained.Recommend(user, 8);
            var b = loaded.Recommend(user, 8);
            Assert.That(b.Select(s => s.Score), Is.EqualTo(a.Select(s => s.Score)).Within(1e-4f), user);
        }
    }

    [Test]
    public void Text_ids_are_refused_for_spark()
    {
        var b = new InteractionSetBuilder();
        b.Add("alice", "x", 1f).Add("bob", "y", 1f).Add("alice", "y", 1f);
        var model = Recommenders.ImplicitAls().Factors(2).Iterations(1).Fit(b.Build());
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => SparkAls.Save(model, dir.Path))!;
        Assert.That(e.Message, Does.Contain("'alice'").And.Contain("integer"));
    }

    /// <summary>The same interactions with the ids' digits only ("u12" becomes "12"), as Spark's integer ids.</summary>
    private static InteractionSet NumericIds(InteractionSet data)
    {
        static string Digits(string id) => new(id.Where(char.IsAsciiDigit).ToArray());
        var b = new InteractionSetBuilder();
        for (var r = 0; r < data.Count; r++)
        {
            b.Add(Digits(data.UserIds[data.Users[r]]), Digits(data.ItemIds[data.Items[r]]), data.Values[r]);
        }

        return b.Build();
    }

    private static double Dot(float[] a, float[] b)
    {
        var s = 0.0;
        for (var j = 0; j < a.Length; j++)
        {
            s += a[j] * (double)b[j];
        }

        return s;
    }
}
