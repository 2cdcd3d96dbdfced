using CrossRec.Engines.Cpu.Bpr;
using CrossRec.Persistence;

namespace CrossRec.Tests.TopN;

public sealed class BprTests
{
    /// <summary>Fixed options (not the defaults, which may be retuned): enough for the groups data below.</summary>
    private static readonly BprBuilder Small = Recommenders.Bpr().Factors(8).Epochs(30).LearningRate(0.05f).Schedule(BprLearningRateSchedule.Constant).Regularization(0.01f).BiasRegularization(0.01f).InitStandardDeviation(0.1f).Deterministic();

    /// <summary>
    /// 160 users in four taste groups over 80 items: a user of group u % 4 has each item of group i % 4
    /// with probability 0.3 if the groups match and 0.02 otherwise, and items i0–i3 are liked by most
    /// users, so popularity ranks well for no one in particular. Optional item domains: even items are
    /// "books", odd items "films".
    /// </summary>
    private static InteractionSet Groups(bool domains = false, int seed = 3, Func<int, int, float>? value = null)
    {
        var b = new InteractionSetBuilder();
        var rng = new Random(seed);
        for (var i = 0; i < 80 && domains; i++)
        {
            b.SetItemDomain($"i{i}", i % 2 == 0 ? "books" : "films");
        }

        for (var u = 0; u < 160; u++)
        {
            for (var i = 0; i < 80; i++)
            {
                var p = i < 4 ? 0.6 : (u % 4) == (i % 4) ? 0.3 : 0.02;
                if (rng.NextDouble() < p)
                {
                    b.Add($"u{u}", $"i{i}", value?.Invoke(u, i) ?? 1f);
                }
            }
        }

        return b.Build("groups");
    }

    /// <summary>The number in an id "i17" or "u17".</summary>
    private static int Number(string item) => int.Parse(item[1..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The taste group of item "i17" (−1 for the popular items i0–i3).</summary>
    private static int GroupOf(string item) => Number(item) < 4 ? -1 : Number(item) % 4;

    private static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var n = 0; n < a.Length; n++)
        {
            if (BitConverter.SingleToInt32Bits(a[n]) != BitConverter.SingleToInt32Bits(b[n]))
            {
                return false;
            }
        }

        return true;
    }

    private static float[] AllScores(IRecommender model)
    {
        var scores = new float[model.UserIds.Count * model.ItemIds.Count];
        for (var u = 0; u < model.UserIds.Count; u++)
        {
            model.ScoreItems(u, scores.AsSpan(u * model.ItemIds.Count, model.ItemIds.Count));
        }

        return scores;
    }

    [Test]
    public void BprLearnsTasteGroupsThatPopularityCannotSee()
    {
        var (train, test) = Groups().SplitPerUser(0.2, seed: 1);
        var bpr = Small.Fit(train);
        var popularity = Recommenders.Popularity().Fit(train);
        var options = new RankingOptions { K = 10 };
        var b = CrossRec.Evaluation.Ranking(bpr, test, options);
        var p = CrossRec.Evaluation.Ranking(popularity, test, options);
        // Measured: NDCG@10 0.396 against 0.310, AUC 0.833 against 0.654 (near the best possible here: held-out
        // items are indistinguishable from the unseen items of the user's own group).
        Assert.That(b.Ndcg, Is.GreaterThan(p.Ndcg + 0.05), $"BPR NDCG@10 {b.Ndcg:F3}, popularity {p.Ndcg:F3}");
        Assert.That(b.Auc, Is.GreaterThan(0.8).And.GreaterThan(p.Auc + 0.1), $"BPR AUC {b.Auc:F3}, popularity {p.Auc:F3}");
    }

    [Test]
    public void TheDefaultsLearnTheTasteGroupsToo()
    {
        var (train, test) = Groups().SplitPerUser(0.2, seed: 1);
        var b = CrossRec.Evaluation.Ranking(Recommenders.Bpr().Fit(train), test);
        var p = CrossRec.Evaluation.Ranking(Recommenders.Popularity().Fit(train), test);
        // Measured: NDCG@10 0.339, AUC 0.818 against popularity's 0.310 and 0.654. The defaults were chosen on
        // catalogues a hundred times larger; on 1,500 pairs their 200 epochs overfit a little (30 epochs at a
        // constant rate reach 0.396), but they still rank far better than popularity.
        Assert.That(b.Ndcg, Is.GreaterThan(p.Ndcg + 0.02), $"BPR NDCG@10 {b.Ndcg:F3}, popularity {p.Ndcg:F3}");
        Assert.That(b.Auc, Is.GreaterThan(0.8).And.GreaterThan(p.Auc + 0.1), $"BPR AUC {b.Auc:F3}, popularity {p.Auc:F3}");
    }

    [Test]
    public void RecommendationsComeFromTheUsersOwnTasteGroup()
    {
        var data = Groups();
        var model = Small.Fit(data);
        int own = 0, grouped = 0;
        foreach (var user in model.UserIds)
        {
            var group = Number(user) % 4;
            foreach (var r in model.Recommend(user, 5))
            {
                // The popular items i0–i3 are fair recommendations for everyone; count the others.
                if (GroupOf(r.ItemId) is var g && g >= 0)
                {
                    grouped++;
                    own += g == group ? 1 : 0;
                }
            }
        }

        // A quarter would be chance; measured 0.965.
        Assert.That((double)own / grouped, Is.GreaterThan(0.7), $"{own} of {grouped}");
    }

    [Test]
    public void SimilarItemsAreFromTheSameTasteGroup()
    {
        var model = Small.Fit(Groups());
        var similar = model.SimilarItems("i8", 5); // group 8 % 4 = 0
        Assert.That(similar.Select(s => s.ItemId), Does.Not.Contain("i8"));
        Assert.That(similar.Count(s => GroupOf(s.ItemId) == 0), Is.GreaterThanOrEqualTo(4));
    }

    [Test]
    public void ValuesDoNotMatterOnlyWhichPairsExist()
    {
        var ones = Small.Fit(Groups());
        var ratings = Small.Fit(Groups(value: (u, i) => 1 + ((u + i) % 5)));
        var plays = Small.Fit(Groups(value: (u, i) => MathF.Pow(10, (u * i) % 6)));
        Assert.That(SameBits(AllScores(ones), AllScores(ratings)), Is.True);
        Assert.That(SameBits(AllScores(ones), AllScores(plays)), Is.True);
    }

    [Test]
    public void DeterministicTrainingIsBitIdenticalForASeedAndDiffersAcrossSeeds()
    {
        var data = Groups();
        var a = Small.Seed(5).Fit(data);
        var b = Small.Seed(5).Fit(data);
        var c = Small.Seed(6).Fit(data);
        Assert.That(SameBits(a.UserFactors.AsSpan(), b.UserFactors.AsSpan()), Is.True);
        Assert.That(SameBits(a.ItemFactors.AsSpan(), b.ItemFactors.AsSpan()), Is.True);
        Assert.That(SameBits(a.ItemBiases, b.ItemBiases), Is.True);
        Assert.That(SameBits(a.ItemFactors.AsSpan(), c.ItemFactors.AsSpan()), Is.False);
    }

    [Test]
    public void PrefetchingChangesNoResultAtAnyDistance()
    {
        var tiny = new InteractionSetBuilder().Add("a", "x", 1).Add("a", "y", 1).Add("b", "z", 1).Build("tiny");
        var saved = BprSession.PrefetchAhead;
        try
        {
            foreach (var data in new[] { Groups(), tiny })
            {
                BprSession.PrefetchAhead = 0;
                var plain = Small.Seed(5).Fit(data);
                foreach (var ahead in new[] { 1, 3, BprSession.DefaultPrefetchAhead, 100 })
                {
                    BprSession.PrefetchAhead = ahead;
                    var prefetched = Small.Seed(5).Fit(data);
                    Assert.That(SameBits(prefetched.UserFactors.AsSpan(), plain.UserFactors.AsSpan()), Is.True, $"{data.SourceName}, {ahead} ahead");
                    Assert.That(SameBits(prefetched.ItemFactors.AsSpan(), plain.ItemFactors.AsSpan()), Is.True, $"{data.SourceName}, {ahead} ahead");
                    Assert.That(SameBits(prefetched.ItemBiases, plain.ItemBiases), Is.True, $"{data.SourceName}, {ahead} ahead");
                }
            }
        }
        finally
        {
            BprSession.PrefetchAhead = saved;
        }
    }

    [Test]
    public void HogwildTrainingOnSeveralThreadsLearnsAsWellAsOneThread()
    {
        var (train, test) = Groups().SplitPerUser(0.2, seed: 1);
        var one = CrossRec.Evaluation.Ranking(Small.Fit(train), test);
        var four = CrossRec.Evaluation.Ranking(Small.Deterministic(false).Threads(4).Fit(train), test);
        Assert.That(four.Auc, Is.EqualTo(one.Auc).Within(0.03));
        Assert.That(four.Ndcg, Is.GreaterThan(one.Ndcg - 0.05));
    }

    [Test]
    public void ProgressReportsEveryEpochWithFallingLossAndRisingSampledAuc()
    {
        var reports = new List<TrainingProgress>();
        var model = Small.Fit(Groups(), new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.That(reports.Select(r => r.Iteration), Is.EqualTo(Enumerable.Range(1, 30)));
        Assert.That(reports.All(r => r is { Algorithm: "bpr", Device: "cpu", TotalIterations: 30 }), Is.True);
        Assert.That(reports[0].Loss, Is.LessThan(Math.Log(2) + 0.01), "the first epoch starts near chance (ln 2) and improves");
        Assert.That(reports[^1].Loss, Is.LessThan(reports[0].Loss * 0.9));
        Assert.That(model.SampledAuc, Has.Count.EqualTo(30));
        Assert.That(model.SampledAuc[0], Is.GreaterThan(0.5), "item biases pick up popularity within the first epoch");
        Assert.That(model.SampledAuc[^1], Is.GreaterThan(model.SampledAuc[0] + 0.1).And.GreaterThan(0.8));
        Assert.That(model.Training!.History, Has.Count.EqualTo(30));
    }

    [Test]
    public void TrainingInfoRecordsEveryHyperparameter()
    {
        var model = Small.LearningRate(0.07f).Schedule(BprLearningRateSchedule.LinearDecay).Fit(Groups());
        var t = model.Training!;
        Assert.That(t.Algorithm, Is.EqualTo("bpr"));
        Assert.That(t.Device, Is.EqualTo("cpu"));
        Assert.That(t.Iterations, Is.EqualTo(30));
        Assert.That(t.Note, Is.Null);
        Assert.That(t.Parameters["learningRate"], Is.EqualTo("0.07"));
        Assert.That(t.Parameters["schedule"], Is.EqualTo("LinearDecay"));
        Assert.That(t.Parameters.Keys, Is.SupersetOf(new[]
        {
            "factors", "epochs", "learningRate", "schedule", "userRegularization", "positiveItemRegularization", "negativeItemRegularization",
            "biasRegularization", "itemBiases", "samplesPerEpoch", "initStandardDeviation", "domainAwareNegatives", "foldInEpochs",
            "seed", "threads", "deterministic", "finalLoss", "finalSampledAuc",
        }));
        Assert.That(model.Algorithm, Is.EqualTo("bpr"));
    }

    [Test]
    public void WithoutItemBiasesTheModelHasNone()
    {
        var model = Small.ItemBiases(false).Fit(Groups());
        Assert.That(model.HasItemBiases, Is.False);
        var reloaded = RoundTrip(model);
        Assert.That(reloaded.HasItemBiases, Is.False);
        Assert.That(SameBits(AllScores(model), AllScores(reloaded)), Is.True);
    }

    [Test]
    public void LinearDecayRunsEachEpochAtAFallingRate()
    {
        var o = new BprOptions { LearningRate = 0.1f, Epochs = 4, Schedule = BprLearningRateSchedule.LinearDecay };
        Assert.That(Enumerable.Range(0, 4).Select(o.LearningRateAt), Is.EqualTo(new[] { 0.1f, 0.075f, 0.05f, 0.025f }).Within(1e-7f));
        Assert.That((o with { Schedule = BprLearningRateSchedule.Constant }).LearningRateAt(3), Is.EqualTo(0.1f));
    }

    private static BprModel RoundTrip(BprModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        return BprModel.Load(stream);
    }

    [Test]
    public void SavedModelScoresBitIdenticallyFromFileStreamAndRecommenderLoad()
    {
        var data = Groups(domains: true);
        var model = Small.Fit(data);
        var expected = AllScores(model);
        using var files = new TempFiles();
        var path = files.PathOf("bpr.model");
        model.Save(path);
        var fromFile = BprModel.Load(path);
        var fromStream = RoundTrip(model);
        var any = Recommender.Load(path);
        Assert.That(any, Is.InstanceOf<BprModel>());
        using (var stream = File.OpenRead(path))
        {
            Assert.That(SameBits(AllScores(Recommender.Load(stream)), expected), Is.True);
        }

        foreach (var loaded in new IRecommender[] { fromFile, fromStream, any })
        {
            Assert.That(SameBits(AllScores(loaded), expected), Is.True);
            Assert.That(loaded.UserIds.AsSpan().ToArray(), Is.EqualTo(model.UserIds.AsSpan().ToArray()));
            Assert.That(loaded.Domains!.AsSpan().ToArray(), Is.EqualTo(model.Domains!.AsSpan().ToArray()));
            Assert.That(loaded.Training!.Parameters, Is.EquivalentTo(model.Training!.Parameters));
            Assert.That(loaded.Recommend("u3", 5).Select(r => r.ItemId), Is.EqualTo(model.Recommend("u3", 5).Select(r => r.ItemId)));
        }

        Assert.That(fromFile.FoldInEpochs, Is.EqualTo(model.FoldInEpochs));
        Assert.That(fromFile.SampledAuc, Is.Empty);
        Assert.That(Recommender.Kinds, Does.Contain("bpr"));
    }

    [Test]
    public void TruncatedAndAlteredFilesAreRefused()
    {
        var model = Small.Epochs(2).Fit(Groups());
        using var files = new TempFiles();
        var path = files.PathOf("bpr.model");
        model.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.That(Assert.Throws<ModelFormatException>(() => BprModel.Load(path))!.Message, Does.Contain("truncated"));
        var altered = (byte[])bytes.Clone();
        altered[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, altered);
        Assert.That(Assert.Throws<ModelFormatException>(() => BprModel.Load(path))!.Message, Does.Contain("checksum"));
        Assert.Throws<ModelFormatException>(() => Recommender.Load(path));
        Recommenders.Popularity().Fit(Groups()).Save(path);
        Assert.That(Assert.Throws<ModelFormatException>(() => BprModel.Load(path))!.Message, Does.Contain("popularity"));
    }

    /// <summary>Files with a valid checksum whose content is inconsistent: each must be refused with <see cref="ModelFormatException"/>, never another exception.</summary>
    private static IEnumerable<TestCaseData> CraftedFiles()
    {
        static TestCaseData Case(string name, Func<BprModel, ModelFileWriter> craft) => new TestCaseData(new Func<BprModel, byte[]>(m =>
        {
            using var stream = new MemoryStream();
            craft(m).WriteTo(stream);
            return stream.ToArray();
        })).SetArgDisplayNames(name);

        static ModelFileWriter Base(BprModel m, bool factors = true)
        {
            var file = new ModelFileWriter("bpr");
            m.WriteCommon(file);
            if (factors)
            {
                m.WriteFactors(file);
            }

            return file;
        }

        static ModelFileWriter WithFoldIn(BprModel m, int seed = 1, float rate = 0.05f, int schedule = 0, float reg = 0.01f, int epochs = 5, bool domainAware = false)
        {
            var file = Base(m);
            file.Add("BPRF", new PayloadWriter().Int32(seed).Single(rate).Int32(schedule).Single(reg).Int32(epochs).Boolean(domainAware));
            return file;
        }

        yield return Case("fold-in section missing", m => Base(m));
        yield return Case("factors missing", m =>
        {
            var file = Base(m, factors: false);
            file.Add("BPRF", new PayloadWriter().Int32(1).Single(0.05f).Int32(0).Single(0.01f).Int32(5).Boolean(false));
            return file;
        });
        yield return Case("NaN learning rate", m => WithFoldIn(m, rate: float.NaN));
        yield return Case("negative learning rate", m => WithFoldIn(m, rate: -1));
        yield return Case("unknown schedule", m => WithFoldIn(m, schedule: 7));
        yield return Case("infinite regularisation", m => WithFoldIn(m, reg: float.PositiveInfinity));
        yield return Case("regularisation times rate at 1", m => WithFoldIn(m, rate: 10, reg: 0.1f));
        yield return Case("zero fold-in epochs", m => WithFoldIn(m, epochs: 0));
        yield return Case("domain-aware without domains", m => WithFoldIn(m, domainAware: true));
        yield return Case("fold-in section too short", m =>
        {
            var file = Base(m);
            file.Add("BPRF", new PayloadWriter().Int32(1).Single(0.05f));
            return file;
        });
        yield return Case("fold-in section too long", m =>
        {
            var file = Base(m);
            file.Add("BPRF", new PayloadWriter().Int32(1).Single(0.05f).Int32(0).Single(0.01f).Int32(5).Boolean(false).Int32(9));
            return file;
        });
        yield return Case("factor count zero", m =>
        {
            var file = new ModelFileWriter("bpr");
            m.WriteCommon(file);
            file.Add("FACT", new PayloadWriter().Int32(0).Singles([]).Singles([]));
            file.Add("BPRF", new PayloadWriter().Int32(1).Single(0.05f).Int32(0).Single(0.01f).Int32(5).Boolean(false));
            return file;
        });
        yield return Case("factor matrix of the wrong size", m =>
        {
            var file = new ModelFileWriter("bpr");
            m.WriteCommon(file);
            file.Add("FACT", new PayloadWriter().Int32(m.Factors).Singles(new float[3]).Singles(m.ItemFactorArray));
            file.Add("BPRF", new PayloadWriter().Int32(1).Single(0.05f).Int32(0).Single(0.01f).Int32(5).Boolean(false));
            return file;
        });
        yield return Case("NaN item factor", m =>
        {
            var file = new ModelFileWriter("bpr");
            m.WriteCommon(file);
            var q = (float[])m.ItemFactorArray.Clone();
            q[3] = float.NaN;
            file.Add("FACT", new PayloadWriter().Int32(m.Factors).Singles(m.UserFactorArray).Singles(q));
            file.Add("BPRF", new PayloadWriter().Int32(1).Single(0.05f).Int32(0).Single(0.01f).Int32(5).Boolean(false));
            return file;
        });
        yield return Case("bias vector of the wrong length", m =>
        {
            var file = new ModelFileWriter("bpr");
            m.WriteCommon(file);
            file.Add("FACT", new PayloadWriter().Int32(m.Factors).Singles(m.UserFactorArray).Singles(m.ItemFactorArray));
            file.Add("IBIA", new PayloadWriter().Singles(new float[2]));
            file.Add("BPRF", new PayloadWriter().Int32(1).Single(0.05f).Int32(0).Single(0.01f).Int32(5).Boolean(false));
            return file;
        });
        yield return Case("future model version", m =>
        {
            var file = new ModelFileWriter("bpr");
            file.Add("KVER", new PayloadWriter().Int32(99));
            return file;
        });
    }

    [TestCaseSource(nameof(CraftedFiles))]
    public void CraftedFilesAreRefusedWithModelFormatException(Func<BprModel, byte[]> craft)
    {
        var bytes = craft(Small.Epochs(2).Fit(Groups()));
        Assert.Throws<ModelFormatException>(() => BprModel.Load(new MemoryStream(bytes)));
        Assert.Throws<ModelFormatException>(() => Recommender.Load(new MemoryStream(bytes)));
    }

    [Test]
    public void AFoldedTrainingUserRanksTheirHeldOutItemsFarAboveRandom()
    {
        // Fold-in places users from their training items alone; their held-out items must rank far above
        // chance (AUC 0.5), and not much worse than the trained user's own factors rank them (tolerance:
        // 0.05 AUC below the trained factors, measured over 60 users).
        var (train, test) = Groups().SplitPerUser(0.2, seed: 1);
        var model = Small.Fit(train);
        var heldOut = test.ToMatrix();
        double folded = 0, trained = 0;
        var users = 0;
        var scores = new float[model.ItemIds.Count];
        for (var u = 0; u < 60; u++)
        {
            var seen = model.SeenItems(u);
            var relevant = heldOut.ItemsOf(u).ToArray();
            if (relevant.Length == 0)
            {
                continue;
            }

            var pairs = seen.ToArray().Select(i => new KeyValuePair<string, float>(model.ItemIds[i], 1f));
            var user = model.FoldIn(pairs);
            Assert.That(user.SeenItems.ToArray(), Is.EqualTo(seen.ToArray()));
            model.ScoreItems(user, scores);
            folded += Auc(scores, relevant, seen);
            model.ScoreItems(u, scores);
            trained += Auc(scores, relevant, seen);
            users++;
        }

        folded /= users;
        trained /= users;
        Assert.That(folded, Is.GreaterThan(0.8), $"folded AUC {folded:F3}, trained {trained:F3}");
        Assert.That(folded, Is.GreaterThan(trained - 0.05), $"folded AUC {folded:F3}, trained {trained:F3}");
    }

    /// <summary>Share of (relevant, irrelevant) pairs ordered correctly, seen items left out.</summary>
    private static double Auc(float[] scores, int[] relevant, ReadOnlySpan<int> seen)
    {
        var skip = new HashSet<int>(seen.ToArray());
        var rel = new HashSet<int>(relevant);
        double good = 0, pairs = 0;
        foreach (var r in relevant)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (rel.Contains(j) || skip.Contains(j))
                {
                    continue;
                }

                good += scores[r] > scores[j] ? 1 : scores[r] == scores[j] ? 0.5 : 0;
                pairs++;
            }
        }

        return good / pairs;
    }

    [Test]
    public void FoldInIsDeterministicAndSurvivesSaveAndLoad()
    {
        var model = Small.Fit(Groups());
        var pairs = new Dictionary<string, float> { ["i0"] = 1, ["i4"] = 3, ["i5"] = 1, ["i12"] = 2 };
        var a = model.FoldIn(pairs);
        var b = model.FoldIn(pairs);
        var c = RoundTrip(model).FoldIn(pairs);
        Assert.That(SameBits(a.Factors, b.Factors), Is.True);
        Assert.That(SameBits(a.Factors, c.Factors), Is.True);
        Assert.That(a.Algorithm, Is.EqualTo("bpr"));
        Assert.That(a.Factors.Length, Is.EqualTo(8));
        Assert.That(a.Bias, Is.Zero);
        var recs = model.Recommend(a, 10);
        Assert.That(recs.Select(r => r.ItemId), Has.None.AnyOf("i0", "i4", "i5", "i12"));
        Assert.That(model.Recommend(a, 10, new RecommendFilter { ExcludeSeen = false }).Count, Is.EqualTo(10));
    }

    [Test]
    public void FoldInRefusesNegativeValuesUnknownItemsAndNothing()
    {
        var model = Small.Epochs(2).Fit(Groups());
        Assert.That(Assert.Throws<ArgumentException>(() => model.FoldIn([new("i1", -1f)]))!.Message, Does.Contain("i1").And.Contain("negative"));
        Assert.Throws<KeyNotFoundException>(() => model.FoldIn([new("nope", 1f)]));
        Assert.Throws<ArgumentException>(() => model.FoldIn([]));
        Assert.Throws<ArgumentException>(() => model.FoldIn([new("i1", float.NaN)]));
    }

    [Test]
    public void FiltersAreHonoured()
    {
        var model = Small.Fit(Groups(domains: true));
        var seen = new HashSet<int>(model.SeenItems(model.UserIds.GetIndex("u2")).ToArray());
        var books = model.Recommend("u2", 100, "books");
        Assert.That(books, Is.Not.Empty);
        Assert.That(books.All(r => Number(r.ItemId) % 2 == 0 && !seen.Contains(r.Index)), Is.True);
        var allowed = model.Recommend("u2", 10, new RecommendFilter { AllowItems = ["i1", "i3", "i77"], ExcludeSeen = false });
        Assert.That(allowed.Select(r => r.ItemId), Is.EquivalentTo(new[] { "i1", "i3", "i77" }));
        var top = model.Recommend("u2", 3);
        var denied = model.Recommend("u2", 3, new RecommendFilter { DenyItems = [top[0].ItemId] });
        Assert.That(denied.Select(r => r.ItemId), Does.Not.Contain(top[0].ItemId));
        var predicate = model.Recommend("u2", 5, new RecommendFilter { Predicate = id => id.EndsWith('9') });
        Assert.That(predicate.All(r => r.ItemId.EndsWith('9')), Is.True);
        var withSeen = model.Recommend("u2", 80, new RecommendFilter { ExcludeSeen = false });
        Assert.That(withSeen, Has.Count.EqualTo(80));
        var many = model.RecommendMany(["u2", "u5"], 4, RecommendFilter.ForDomain("films"));
        Assert.That(many[0].Select(r => r.ItemId), Is.EqualTo(model.Recommend("u2", 4, "films").Select(r => r.ItemId)));
        Assert.That(many[1].All(r => Number(r.ItemId) % 2 == 1), Is.True);
    }

    [Test]
    public void AUserWithoutTrainingItemsIsRankedByTheItemBiases()
    {
        var data = Groups();
        var rows = new List<int>();
        for (var r = 0; r < data.Count; r++)
        {
            if (data.Users[r] != 0)
            {
                rows.Add(r);
            }
        }

        var model = Small.Fit(data.Subset(rows.ToArray()));
        Assert.That(model.SeenItems(0).Length, Is.Zero);
        var recs = model.Recommend("u0", 10);
        var byBias = Enumerable.Range(0, model.ItemIds.Count).OrderByDescending(i => model.ItemBiases[i]).ThenBy(i => i).Take(10);
        Assert.That(recs.Select(r => r.Index), Is.EqualTo(byBias));
    }

    [Test]
    public void DomainAwareNegativesComeFromThePositivesDomainAndNeverFromTheUsersItems()
    {
        var data = Groups(domains: true);
        var m = data.ToMatrix();
        var sampler = BprNegativeSampler.Create(data.ItemCount, data.ItemDomains, domainAware: true);
        Assert.That(sampler.DomainAware, Is.True);
        var rng = BprRandom.For(1, 2);
        var counts = new int[data.ItemCount];
        var row = m.ItemsOf(0).ToArray();
        for (var n = 0; n < 100_000; n++)
        {
            var positive = row[n % row.Length];
            var j = sampler.Sample(ref rng, row, positive);
            Assert.That(j, Is.GreaterThanOrEqualTo(0));
            Assert.That(data.ItemDomains[j], Is.EqualTo(data.ItemDomains[positive]));
            Assert.That(row.Contains(j), Is.False);
            counts[j]++;
        }

        // Uniform within the domain: every candidate of a domain is drawn about equally often.
        foreach (var domain in new[] { 0, 1 })
        {
            var candidates = Enumerable.Range(0, data.ItemCount).Where(i => data.ItemDomains[i] == domain && !row.Contains(i)).Select(i => counts[i]).ToArray();
            // About 1,300 draws per candidate: ±20% is more than five standard deviations.
            Assert.That(candidates.Min(), Is.GreaterThan(candidates.Average() * 0.8));
            Assert.That(candidates.Max(), Is.LessThan(candidates.Average() * 1.2));
        }

        var plain = BprNegativeSampler.Create(data.ItemCount, data.ItemDomains, domainAware: false);
        var crossed = 0;
        for (var n = 0; n < 2000; n++)
        {
            var j = plain.Sample(ref rng, row, row[0]);
            crossed += data.ItemDomains[j] != data.ItemDomains[row[0]] ? 1 : 0;
        }

        Assert.That(crossed, Is.GreaterThan(500), "without domain awareness, negatives come from every domain");
    }

    [Test]
    public void AUserWhoHasEveryItemGetsNoNegativeInsteadOfALoopForever()
    {
        var all = Enumerable.Range(0, 10).ToArray();
        var rng = BprRandom.For(1, 1);
        Assert.That(BprNegativeSampler.Create(10, default, false).Sample(ref rng, all, 3), Is.EqualTo(-1));
        var domains = new[] { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1 };
        Assert.That(BprNegativeSampler.Create(10, domains, true).Sample(ref rng, new[] { 0, 1, 2 }, 1), Is.EqualTo(-1));
        Assert.That(BprNegativeSampler.Create(10, domains, true).Sample(ref rng, new[] { 0, 1, 2 }, 4), Is.GreaterThanOrEqualTo(3));
    }

    [Test]
    public void DomainAwareTrainingIsRecordedAndAppliesToFoldIn()
    {
        var model = Small.Fit(Groups(domains: true));
        Assert.That(model.Training!.Parameters["domainAwareNegatives"], Is.EqualTo("true"));
        var plain = Small.DomainAwareNegatives(false).Fit(Groups(domains: true));
        Assert.That(plain.Training!.Parameters["domainAwareNegatives"], Is.EqualTo("false"));
        Assert.That(SameBits(model.ItemFactors.AsSpan(), plain.ItemFactors.AsSpan()), Is.False);
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(8)]
    [TestCase(15)]
    [TestCase(16)]
    [TestCase(33)]
    [TestCase(64)]
    [TestCase(100)]
    public unsafe void TheVectorKernelsMatchTheScalarFormulasAtAnyLength(int k)
    {
        var rng = new Random(k);
        float[] Row() => Enumerable.Range(0, k).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var p = Row();
        var qi = Row();
        var qj = Row();
        var expectedDot = 0.0;
        for (var f = 0; f < k; f++)
        {
            expectedDot += p[f] * (double)(qi[f] - qj[f]);
        }

        const float g = 0.3f, au = 0.99f, ai = 0.98f, aj = 0.97f;
        var ep = p.Select((v, f) => (au * v) + (g * (qi[f] - qj[f]))).ToArray();
        var ei = qi.Select((v, f) => (ai * v) + (g * p[f])).ToArray();
        var ej = qj.Select((v, f) => (aj * v) - (g * p[f])).ToArray();
        var eu = p.Select((v, f) => (au * v) + (g * (qi[f] - qj[f]))).ToArray();
        var pu = (float[])p.Clone();
        fixed (float* pp = p, ii = qi, jj = qj, uu = pu)
        {
            Assert.That(BprStep.DotDifference(pp, ii, jj, k), Is.EqualTo(expectedDot).Within(1e-5));
            BprStep.UpdateUser(uu, ii, jj, k, g, au);
            BprStep.Update(pp, ii, jj, k, g, au, ai, aj);
        }

        Assert.That(p, Is.EqualTo(ep).Within(1e-6f));
        Assert.That(qi, Is.EqualTo(ei).Within(1e-6f));
        Assert.That(qj, Is.EqualTo(ej).Within(1e-6f));
        Assert.That(pu, Is.EqualTo(eu).Within(1e-6f));
    }

    [TestCase(0f)]
    [TestCase(3f)]
    [TestCase(-3f)]
    [TestCase(40f)]
    [TestCase(-40f)]
    [TestCase(200f)]
    [TestCase(-200f)]
    public void TheGradientAndLossAreStableForLargeScoreDifferences(float x)
    {
        var g = BprStep.Gradient(x, out var loss);
        Assert.That(g, Is.EqualTo(1 / (1 + Math.Exp(x))).Within(1e-6));
        Assert.That(loss, Is.EqualTo(Math.Log(1 + Math.Exp(-x))).Within(1e-5 * Math.Max(1, Math.Abs(x))));
        Assert.That(float.IsFinite(g) && float.IsFinite(loss), Is.True);
    }

    private static IEnumerable<TestCaseData> BadOptions()
    {
        static TestCaseData Case(string name, Func<BprBuilder, BprBuilder> set) => new TestCaseData(name, set).SetArgDisplayNames(name);

        yield return Case("Factors", b => b.Factors(0));
        yield return Case("Factors", b => b.Factors(5000));
        yield return Case("Epochs", b => b.Epochs(0));
        yield return Case("LearningRate", b => b.LearningRate(0));
        yield return Case("LearningRate", b => b.LearningRate(float.NaN));
        yield return Case("LearningRate", b => b.LearningRate(11));
        yield return Case("LearningRate", b => b.LearningRate(5).Regularization(0.5f));
        yield return Case("Schedule", b => b.Schedule((BprLearningRateSchedule)9));
        yield return Case("UserRegularization", b => b.UserRegularization(-0.1f));
        yield return Case("PositiveItemRegularization", b => b.PositiveItemRegularization(101));
        yield return Case("NegativeItemRegularization", b => b.NegativeItemRegularization(float.PositiveInfinity));
        yield return Case("BiasRegularization", b => b.BiasRegularization(-1));
        yield return Case("SamplesPerEpoch", b => b.SamplesPerEpoch(0));
        yield return Case("SamplesPerEpoch", b => b.SamplesPerEpoch(double.NaN));
        yield return Case("InitStandardDeviation", b => b.InitStandardDeviation(0));
        yield return Case("FoldInEpochs", b => b.FoldInEpochs(0));
        yield return Case("Threads", b => b.Threads(-1));
        yield return Case("Threads", b => b.Threads(1025));
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionsAreRefusedNamingTheOption(string name, Func<BprBuilder, BprBuilder> set)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => set(Small).Fit(Groups()));
        Assert.That(e!.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain(name));
    }

    [Test]
    public void EmptyOrNegativeTrainingDataIsRefusedByName()
    {
        var empty = Groups().Subset([], "nothing");
        Assert.That(Assert.Throws<ArgumentException>(() => Small.Fit(empty))!.Message, Does.Contain("nothing").And.Contain("empty"));
        var negative = new InteractionSetBuilder().Add("a", "x", 1).Add("a", "y", -2).Add("b", "x", 1).Build("signed");
        Assert.That(Assert.Throws<ArgumentException>(() => Small.Fit(negative))!.Message, Does.Contain("signed").And.Contain("row 1"));
        Assert.Throws<ArgumentNullException>(() => Small.Fit(null!));
    }

    [Test]
    public void ADivergingLearningRateRaisesTrainingDivergedExceptionNamingTheOption()
    {
        var e = Assert.Throws<TrainingDivergedException>(() => Small.LearningRate(10).Regularization(0).BiasRegularization(0).InitStandardDeviation(10).Fit(Groups()));
        Assert.That(e!.Message, Does.Contain("LearningRate").And.Contain("bpr"));
    }

    [Test]
    public void CancellationIsHonouredBeforeAndDuringTraining()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.That(() => Small.Fit(Groups(), null, cancelled.Token), Throws.InstanceOf<OperationCanceledException>());

        using var cts = new CancellationTokenSource();
        var epochs = 0;
        var progress = new SynchronousProgress<TrainingProgress>(r =>
        {
            epochs = r.Iteration;
            if (r.Iteration == 2)
            {
                cts.Cancel();
            }
        });
        Assert.That(() => Small.Epochs(50).Fit(Groups(), progress, cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(epochs, Is.EqualTo(2));
    }

    [Test]
    public void AnEpochStopsPartWayWhenCancelled()
    {
        var data = Groups();
        // About 1.5 million steps at k = 64: far longer than the 10 ms before the token is cancelled.
        using var session = new BprSession(data, new BprOptions { Factors = 64, SamplesPerEpoch = 1000, Deterministic = true });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(10));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(() => session.RunEpoch(0, 0.05f, cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
    }

    [Test]
    public void TheBitSetAndTheBinarySearchDrawTheSameNegatives()
    {
        var data = Groups(domains: true);
        var o = new BprOptions { Factors = 8, Epochs = 3, Deterministic = true };
        using var searched = new BprSession(data, o, bitSetBudget: 0);
        using var bits = new BprSession(data, o);
        for (var e = 0; e < 3; e++)
        {
            Assert.That(searched.RunEpoch(e, 0.1f, default), Is.EqualTo(bits.RunEpoch(e, 0.1f, default)));
        }

        Assert.That(SameBits(searched.ItemFactors, bits.ItemFactors), Is.True);
    }

    [Test]
    public void AnEpochAllocatesNothingOnOneThread()
    {
        using var session = new BprSession(Groups(domains: true), new BprOptions { Factors = 16, Deterministic = true });
        session.RunEpoch(0, 0.05f, default); // JIT and first-call work
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var e = 1; e <= 5; e++)
        {
            session.RunEpoch(e, 0.05f, default);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void EnginesWithoutABprKernelAreRefusedOrFallenBackFrom()
    {
        var e = Assert.Throws<NotSupportedException>(() => Small.OnEngine(new NoBprEngine()).Fit(Groups()));
        Assert.That(e!.Message, Does.Contain("bpr").And.Contain("IBprKernel"));
        Assert.That(Small.OnDevice(Device.Cpu).Fit(Groups()).Training!.Device, Is.EqualTo("cpu"));
        Assert.That(((IComputeEngine)CpuEngine.Default).TryGetKernel<IBprKernel>(), Is.Not.Null);
    }

    private sealed class NoBprEngine : IComputeEngine
    {
        public string Name => "none";

        public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    [Test]
    public void BuildersAreImmutable()
    {
        var a = Recommenders.Bpr();
        var b = a.Factors(16).Regularization(0.2f);
        Assert.That(a.Options.Factors, Is.EqualTo(new BprOptions().Factors));
        Assert.That(b.Options, Is.EqualTo(new BprOptions() with { Factors = 16, UserRegularization = 0.2f, PositiveItemRegularization = 0.2f, NegativeItemRegularization = 0.2f }));
        Assert.That(Recommenders.Bpr(b.Options).Options, Is.EqualTo(b.Options));
    }

    /// <summary>Reports on the calling thread (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
