using CrossRec.Engines.Cpu.ImplicitAls;
using CrossRec.Persistence;

namespace CrossRec.Tests.TopN;

public sealed class ImplicitAlsTests
{
    private static readonly InteractionSet Data = ImplicitAlsTestData.Clustered();

    private static ImplicitAlsBuilder Small => Recommenders.ImplicitAls().Factors(8).Iterations(8);

    [Test]
    public void ItLearnsTheTasteGroupsAndBeatsPopularityByFar()
    {
        var (train, test) = Data.SplitPerUser(0.25, seed: 3);
        var als = CrossRec.Evaluation.Ranking(Small.Fit(train), test, new RankingOptions { K = 10 });
        var pop = CrossRec.Evaluation.Ranking(Recommenders.Popularity().Fit(train), test, new RankingOptions { K = 10 });
        TestContext.Out.WriteLine($"ials NDCG@10 {als.Ndcg:F4}, popularity {pop.Ndcg:F4}");
        Assert.That(als.Ndcg, Is.GreaterThan(pop.Ndcg * 1.5));
    }

    [Test]
    public void BinaryDataTrainsAndTheConfidenceIsNormalisedToItsScale()
    {
        var binary = ImplicitAlsTestData.Clustered(binary: true);
        var (train, test) = binary.SplitPerUser(0.25, seed: 3);
        var model = Small.Fit(train);
        Assert.Multiple(() =>
        {
            Assert.That(model.Alpha, Is.EqualTo(7f / MathF.Log(2f)).Within(1e-4), "mean confidence 1 + α for values 1 under log(1 + r)");
            Assert.That(model.Training!.Parameters["alpha"], Is.EqualTo("7"));
            Assert.That(CrossRec.Evaluation.Ranking(model, test, new RankingOptions { K = 10 }).Ndcg, Is.GreaterThan(CrossRec.Evaluation.Ranking(Recommenders.Popularity().Fit(train), test, new RankingOptions { K = 10 }).Ndcg * 1.5));
        });
    }

    [TestCase(AlsSolver.ConjugateGradient)]
    [TestCase(AlsSolver.Cholesky)]
    public void TheModelIsIdenticalForAnyThreadCount(AlsSolver solver)
    {
        var b = Small.Solver(solver);
        var one = b.Threads(1).Fit(Data);
        foreach (var threads in new[] { 2, 3, 8 })
        {
            var many = b.Threads(threads).Fit(Data);
            Assert.That(many.UserFactors.AsSpan().ToArray(), Is.EqualTo(one.UserFactors.AsSpan().ToArray()), $"{threads} threads");
            Assert.That(many.ItemFactors.AsSpan().ToArray(), Is.EqualTo(one.ItemFactors.AsSpan().ToArray()), $"{threads} threads");
            Assert.That(many.Training!.History.Select(h => h.Loss), Is.EqualTo(one.Training!.History.Select(h => h.Loss)), $"{threads} threads");
        }
    }

    [Test]
    public void ProgressReportsEveryIterationWithAFallingObjectiveAndTheTrainingInfoIsFilled()
    {
        var reports = new List<TrainingProgress>();
        var model = Small.Fit(Data, new SynchronousProgress(reports.Add));
        Assert.Multiple(() =>
        {
            Assert.That(reports.Select(r => r.Iteration), Is.EqualTo(Enumerable.Range(1, 8)));
            Assert.That(reports.All(r => r.Algorithm == "ials" && r.Device == "cpu" && r.TotalIterations == 8), Is.True);
            for (var n = 1; n < reports.Count; n++)
            {
                Assert.That(reports[n].Loss, Is.LessThan(reports[n - 1].Loss), $"iteration {n + 1}");
            }

            var t = model.Training!;
            Assert.That(t.Algorithm, Is.EqualTo("ials"));
            Assert.That(t.Device, Is.EqualTo("cpu"));
            Assert.That(t.Iterations, Is.EqualTo(8));
            Assert.That(t.History, Has.Count.EqualTo(8));
            Assert.That(t.Parameters.Keys, Is.SupersetOf(new[] { "factors", "iterations", "regularization", "weightedRegularization", "regularizationExponent", "alpha", "effectiveAlpha", "confidence", "normalizeConfidence", "epsilon", "solver", "cgSteps", "seed", "threads" }));
            Assert.That(t.Note, Is.Null);
            Assert.That(model.Algorithm, Is.EqualTo("ials"));
            Assert.That(model.CanExplain, Is.True);
        });
    }

    [Test]
    public void SaveAndLoadGiveBitIdenticalScoresFromAFileAStreamAndTheKindRegistry()
    {
        var model = Small.Fit(Data);
        using var files = new TempFiles();
        var path = files.PathOf("model.crx");
        model.Save(path);
        using var stream = new MemoryStream();
        model.Save(stream);
        var fromFile = ImplicitAlsModel.Load(path);
        stream.Position = 0;
        var fromStream = ImplicitAlsModel.Load(stream);
        stream.Position = 0;
        var anyKind = Recommender.Load(stream);
        var anyKindFile = Recommender.Load(path);
        var expected = new float[model.ItemIds.Count];
        var actual = new float[model.ItemIds.Count];
        foreach (var loaded in new RecommenderModel[] { fromFile, fromStream, anyKind, anyKindFile })
        {
            Assert.That(loaded, Is.TypeOf<ImplicitAlsModel>());
            for (var u = 0; u < model.UserIds.Count; u += 17)
            {
                model.ScoreItems(u, expected);
                loaded.ScoreItems(u, actual);
                Assert.That(actual, Is.EqualTo(expected), $"user {u}");
            }

            var als = (ImplicitAlsModel)loaded;
            Assert.That(als.UserFactors.AsSpan().ToArray(), Is.EqualTo(model.UserFactors.AsSpan().ToArray()));
            Assert.That(als.ItemFactors.AsSpan().ToArray(), Is.EqualTo(model.ItemFactors.AsSpan().ToArray()));
            Assert.That((als.Alpha, als.Epsilon, als.Regularization, als.RegularizationExponent, als.WeightedRegularization, als.Confidence), Is.EqualTo((model.Alpha, model.Epsilon, model.Regularization, model.RegularizationExponent, model.WeightedRegularization, model.Confidence)));
            Assert.That(als.Training!.Parameters, Is.EqualTo(model.Training!.Parameters));
            var pairs = new[] { KeyValuePair.Create("i3", 2f), KeyValuePair.Create("i40", 1f) };
            Assert.That(als.FoldIn(pairs).Factors.ToArray(), Is.EqualTo(model.FoldIn(pairs).Factors.ToArray()), "fold-in after loading");
            Assert.That(als.Explain("u5", "i7").Contributions, Is.EqualTo(model.Explain("u5", "i7").Contributions), "explanations after loading");
        }
    }

    [Test]
    public void ATruncatedOrAlteredFileIsRefused()
    {
        var model = Small.Iterations(1).Fit(Data);
        using var files = new TempFiles();
        var path = files.PathOf("model.crx");
        model.Save(path);
        var bytes = File.ReadAllBytes(path);
        var cut = files.PathOf("cut.crx");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 3] ^= 0x40;
        var altered = files.PathOf("altered.crx");
        File.WriteAllBytes(altered, flipped);
        var popularity = files.PathOf("popularity.crx");
        Recommenders.Popularity().Fit(Data).Save(popularity);
        Assert.Multiple(() =>
        {
            Assert.That(() => ImplicitAlsModel.Load(cut), Throws.TypeOf<ModelFormatException>());
            Assert.That(() => ImplicitAlsModel.Load(altered), Throws.TypeOf<ModelFormatException>());
            Assert.That(() => ImplicitAlsModel.Load(popularity), Throws.TypeOf<ModelFormatException>().With.Message.Contains("popularity"));
            Assert.That(() => Recommender.Load(cut), Throws.TypeOf<ModelFormatException>());
        });
    }

    /// <summary>Files with a valid checksum whose content is wrong, as a crafted file would be.</summary>
    [TestCase("missing IALS", "required section 'IALS'")]
    [TestCase("unknown confidence", "confidence scaling 7")]
    [TestCase("negative alpha", "alpha -1")]
    [TestCase("NaN regularization", "regularization NaN")]
    [TestCase("exponent 3", "exponent 3")]
    [TestCase("extra bytes", "IALS")]
    [TestCase("item biases", "no item biases")]
    [TestCase("NaN factor", "non-finite")]
    [TestCase("factor count 0", "invalid factor count 0")]
    [TestCase("negative training value", "negative")]
    public void ACraftedFileIsRefusedWithAModelFormatException(string craft, string message)
    {
        var model = Small.Iterations(1).Fit(Data);
        var file = new ModelFileWriter("ials");
        if (craft == "negative training value")
        {
            var values = model.SeenValuesArray.ToArray();
            values[3] = -2f;
            var shadow = new ImplicitAlsModel(new RecommenderModel.CommonSections(model.UserIds, model.ItemIds, model.SeenOffsetsArray, model.SeenItemsArray, values, null, null, model.Training), model.Factors, model.UserFactorArray, model.ItemFactorArray, new ImplicitAlsOptions());
            shadow.WriteCommon(file);
        }
        else
        {
            model.WriteCommon(file);
        }

        var uf = model.UserFactorArray.ToArray();
        if (craft == "NaN factor")
        {
            uf[5] = float.NaN;
        }

        file.Add("FACT", new PayloadWriter().Int32(craft == "factor count 0" ? 0 : model.Factors).Singles(uf).Singles(model.ItemFactorArray));
        if (craft == "item biases")
        {
            file.Add("IBIA", new PayloadWriter().Singles(new float[model.ItemIds.Count]));
        }

        var ials = new PayloadWriter()
            .Int32(craft == "unknown confidence" ? 7 : 1)
            .Single(craft == "negative alpha" ? -1f : model.Alpha)
            .Single(model.Epsilon)
            .Single(craft == "NaN regularization" ? float.NaN : model.Regularization)
            .Boolean(true)
            .Single(craft == "exponent 3" ? 3f : 0.5f);
        if (craft == "extra bytes")
        {
            ials.Int32(1);
        }

        if (craft != "missing IALS")
        {
            file.Add("IALS", ials);
        }

        using var stream = new MemoryStream();
        file.WriteTo(stream);
        stream.Position = 0;
        Assert.That(() => ImplicitAlsModel.Load(stream), Throws.TypeOf<ModelFormatException>().With.Message.Contains(message));
    }

    [Test]
    public void FoldInOfATrainingUsersItemsReproducesTheExactHalfSweepAndItsTopTen()
    {
        // Tolerance: 1e-4 relative. Against a Cholesky-trained model the fold-in runs the same code on the
        // same Gram matrix as the last training half-sweep, so it reproduces the stored factors exactly.
        foreach (var solver in new[] { AlsSolver.Cholesky, AlsSolver.ConjugateGradient })
        {
            var model = Small.Solver(solver).Fit(Data);
            var m = Data.ToMatrix();
            var options = new ImplicitAlsOptions
            {
                Factors = model.Factors,
                Regularization = model.Regularization,
                WeightedRegularization = model.WeightedRegularization,
                RegularizationExponent = model.RegularizationExponent,
                Confidence = model.Confidence,
                Alpha = model.Alpha,
                Epsilon = model.Epsilon,
                NormalizeConfidence = false,
            };
            var sweep = AlsSession.SolveUsersExactly(m, options, model.ItemFactorArray);
            var k = model.Factors;
            for (var u = 0; u < model.UserIds.Count; u += 7)
            {
                var items = model.SeenItems(u).ToArray();
                var values = model.SeenValues(u).ToArray();
                var folded = model.FoldIn(items.Select((i, n) => KeyValuePair.Create(model.ItemIds[i], values[n])));
                var exact = sweep.AsSpan(u * k, k);
                Assert.That(ImplicitAlsTestData.RelativeError(folded.Factors, exact.ToArray().Select(v => (double)v).ToArray()), Is.LessThan(1e-4), $"{solver}, user {u}");
                if (solver == AlsSolver.Cholesky)
                {
                    Assert.That(folded.Factors.ToArray(), Is.EqualTo(model.UserFactors.Row(u).ToArray()), $"user {u}: the trained factors are the last exact half-sweep");
                }

                var scores = new float[model.ItemIds.Count];
                model.ScoreVector(exact, scores);
                foreach (var i in items)
                {
                    scores[i] = float.NegativeInfinity;
                }

                var top = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(10);
                Assert.That(model.Recommend(folded, 10).Select(r => r.Index), Is.EqualTo(top), $"{solver}, user {u}");
                Assert.That(folded.SeenItems.ToArray(), Is.EqualTo(items));
            }
        }
    }

    [Test]
    public void FoldInRefusesNegativeValuesAndUnknownItems()
    {
        var model = Small.Iterations(1).Fit(Data);
        Assert.Multiple(() =>
        {
            Assert.That(() => model.FoldIn([KeyValuePair.Create("i1", 1f), KeyValuePair.Create("i2", -1f)]), Throws.ArgumentException.With.Message.Contains("'i2'").And.Message.Contains("non-negative"));
            Assert.That(() => model.FoldIn([KeyValuePair.Create("nope", 1f)]), Throws.TypeOf<KeyNotFoundException>());
            Assert.That(() => model.FoldIn([]), Throws.ArgumentException);
        });
    }

    [TestCase(AlsSolver.Cholesky)]
    [TestCase(AlsSolver.ConjugateGradient)]
    public void ExplanationContributionsSumToTheExplainedScore(AlsSolver solver)
    {
        var model = Small.Solver(solver).Fit(Data);
        foreach (var (user, item) in new[] { ("u0", "i5"), ("u13", "i100"), ("u77", "i33") })
        {
            var seen = model.SeenItems(model.UserIds.GetIndex(user)).Length;
            var all = model.Explain(user, item, count: 1000);
            Assert.That(all.Contributions, Has.Count.EqualTo(seen));
            var sum = all.Contributions.Sum(c => (double)c.Contribution);
            Assert.That(sum, Is.EqualTo(all.Score).Within(1e-4 * Math.Max(1, Math.Abs(all.Score))), $"{user}/{item}");
            Assert.That(all.Contributions.Select(c => c.Contribution), Is.Ordered.Descending);
            var top3 = model.Explain(user, item, count: 3);
            Assert.That(top3.Contributions, Is.EqualTo(all.Contributions.Take(3)));
            if (solver == AlsSolver.Cholesky)
            {
                // The stored factors are the exact solve, so the explained score is the ranking score.
                Assert.That(all.Score, Is.EqualTo(model.ScoreOf(user, item)).Within(1e-4 * Math.Max(1, Math.Abs(all.Score))), $"{user}/{item}");
            }
        }
    }

    [Test]
    public void FiltersAreHonoured()
    {
        var model = Small.Iterations(2).Fit(Data);
        var u = model.UserIds[0];
        var seen = model.SeenItems(0).ToArray().Select(i => model.ItemIds[i]).ToHashSet();
        var plain = model.Recommend(u, 20);
        Assert.Multiple(() =>
        {
            Assert.That(plain.Select(r => r.ItemId), Has.None.AnyOf(seen.Cast<object>().ToArray()), "training items are left out by default");
            var withSeen = model.Recommend(u, model.ItemIds.Count, new RecommendFilter { ExcludeSeen = false });
            Assert.That(withSeen, Has.Count.EqualTo(model.ItemIds.Count));
            var allow = new[] { "i1", "i2", "i3", "i90" };
            Assert.That(model.Recommend(u, 10, new RecommendFilter { AllowItems = allow, ExcludeSeen = false }).Select(r => r.ItemId), Is.EquivalentTo(allow));
            var deny = plain.Take(3).Select(r => r.ItemId).ToArray();
            Assert.That(model.Recommend(u, 20, new RecommendFilter { DenyItems = deny }).Select(r => r.ItemId), Has.None.AnyOf(deny.Cast<object>().ToArray()));
            Assert.That(model.Recommend(u, 10, new RecommendFilter { Predicate = id => id.EndsWith('7') }).All(r => r.ItemId.EndsWith('7')), Is.True);
            Assert.That(model.SimilarItems("i4", 5).Select(r => r.ItemId), Has.None.EqualTo("i4"));
            var many = model.RecommendMany([u, model.UserIds[1]], 5);
            Assert.That(many[0].Select(r => r.Index), Is.EqualTo(model.Recommend(u, 5).Select(r => r.Index)));
        });
    }

    [Test]
    public void SimilarItemsFindItemsOfTheSameTasteGroup()
    {
        var model = Small.Fit(Data);
        // Items 0..29 are the first group's block; its popular head should be most similar to its own block.
        var similar = model.SimilarItems("i0", 5);
        Assert.That(similar.Count(r => int.Parse(r.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture) < 30), Is.GreaterThanOrEqualTo(4));
    }

    [TestCase("Factors", 0)]
    [TestCase("Factors", 5000)]
    [TestCase("Iterations", 0)]
    [TestCase("Regularization", 0f)]
    [TestCase("Regularization", float.NaN)]
    [TestCase("Alpha", -1f)]
    [TestCase("Epsilon", 0f)]
    [TestCase("CgSteps", 0)]
    [TestCase("RegularizationExponent", 2.5f)]
    [TestCase("Threads", -1)]
    [TestCase("Confidence", 9)]
    [TestCase("Solver", 9)]
    public void BadOptionsAreRefusedByName(string option, float value)
    {
        var o = new ImplicitAlsOptions();
        o = option switch
        {
            "Factors" => o with { Factors = (int)value },
            "Iterations" => o with { Iterations = (int)value },
            "Regularization" => o with { Regularization = value },
            "Alpha" => o with { Alpha = value },
            "Epsilon" => o with { Epsilon = value },
            "CgSteps" => o with { CgSteps = (int)value },
            "RegularizationExponent" => o with { RegularizationExponent = value },
            "Threads" => o with { Threads = (int)value },
            "Confidence" => o with { Confidence = (ConfidenceScaling)(int)value },
            "Solver" => o with { Solver = (AlsSolver)(int)value },
            _ => throw new ArgumentException(option),
        };
        Assert.That(() => Recommenders.ImplicitAls(o).Fit(Data), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains(option));
    }

    [Test]
    public void TooManyThreadsAreRefusedByName() =>
        Assert.That(() => Small.Threads(1025).Fit(Data), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Threads"));

    [Test]
    public void AnEmptyTrainingSetOrANegativeValueIsRefused()
    {
        var empty = Data.Subset(ReadOnlySpan<int>.Empty, "empty");
        var b = new InteractionSetBuilder();
        b.Add("a", "x", 1f);
        b.Add("b", "y", -3f);
        Assert.Multiple(() =>
        {
            Assert.That(() => Small.Fit(empty), Throws.ArgumentException.With.Message.Contains("empty"));
            Assert.That(() => Small.Fit(b.Build("neg")), Throws.ArgumentException.With.Message.Contains("row 1").And.Message.Contains("non-negative"));
        });
    }

    [Test]
    public void CancellationIsHonouredBeforeAndDuringTraining()
    {
        using var before = new CancellationTokenSource();
        before.Cancel();
        Assert.That(() => Small.Fit(Data, null, before.Token), Throws.InstanceOf<OperationCanceledException>());

        using var during = new CancellationTokenSource();
        var seen = 0;
        Assert.That(
            () => Small.Iterations(50).Fit(Data, new SynchronousProgress(_ =>
            {
                seen++;
                during.Cancel();
            }), during.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(seen, Is.EqualTo(1));
    }

    [Test]
    public void AnEngineWithoutTheKernelIsRefusedAndDeviceCpuWorks()
    {
        Assert.That(() => Small.OnEngine(new NoKernelEngine()).Fit(Data), Throws.TypeOf<NotSupportedException>().With.Message.Contains("ials"));
        Assert.That(Small.Iterations(1).OnDevice(Device.Cpu).Fit(Data).Training!.Device, Is.EqualTo("cpu"));
        Assert.That(Small.Iterations(1).OnEngine(CpuEngine.Default).Fit(Data).Training!.Note, Is.Null);
    }

    [Test]
    public void TheBuilderIsImmutable()
    {
        var a = Recommenders.ImplicitAls();
        var b = a.Factors(3).Alpha(2).Regularization(9).Iterations(4).Solver(AlsSolver.Cholesky).CgSteps(5).Epsilon(0.5f).Confidence(ConfidenceScaling.Linear).WeightedRegularization(false).RegularizationExponent(1).NormalizeConfidence(false).Seed(1).Threads(1);
        Assert.Multiple(() =>
        {
            Assert.That(a.Options, Is.EqualTo(new ImplicitAlsOptions()));
            Assert.That(b.Options, Is.EqualTo(new ImplicitAlsOptions { Factors = 3, Alpha = 2, Regularization = 9, Iterations = 4, Solver = AlsSolver.Cholesky, CgSteps = 5, Epsilon = 0.5f, Confidence = ConfidenceScaling.Linear, WeightedRegularization = false, RegularizationExponent = 1, NormalizeConfidence = false, Seed = 1, Threads = 1 }));
            Assert.That(b.Parameters["factors"], Is.EqualTo("3"));
            Assert.That(b.Algorithm, Is.EqualTo("ials"));
        });
    }

    [Test]
    public void WithoutNormalisationAlphaIsUsedAsGiven()
    {
        var model = Small.Iterations(1).NormalizeConfidence(false).Alpha(3).Fit(Data);
        Assert.That(model.Alpha, Is.EqualTo(3f));
        Assert.That(model.Training!.Parameters["effectiveAlpha"], Is.EqualTo("3"));
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private sealed class NoKernelEngine : IComputeEngine
    {
        public string Name => "none";

        public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
