using CrossRec.Engines.Cpu;

namespace CrossRec.Tests.Factorization;

public class SgdTrainerTests
{
    private static readonly Lazy<InteractionSet> Small = new(() => SgdTestData.Planted(120, 80, 0.3, seed: 11));

    private static BiasedFactorizationBuilder Quick() =>
        CrossRec.Factorization.Biased().OnDevice(Device.Cpu).Factors(8).Epochs(5).LearningRate(0.02f).BiasLearningRate(0.02f)
            .Regularization(0.05f).LearningRateDecay(1f).InitStandardDeviation(0.05f);

    public static IEnumerable<TestCaseData> BadOptions()
    {
        var o = new FactorizationOptions();
        yield return new TestCaseData(o with { Factors = 0 }, "Factors").SetName("Factors 0");
        yield return new TestCaseData(o with { Factors = 5000 }, "Factors").SetName("Factors 5000");
        yield return new TestCaseData(o with { Epochs = 0 }, "Epochs").SetName("Epochs 0");
        yield return new TestCaseData(o with { LearningRate = 0 }, "LearningRate").SetName("LearningRate 0");
        yield return new TestCaseData(o with { LearningRate = float.NaN }, "LearningRate").SetName("LearningRate NaN");
        yield return new TestCaseData(o with { LearningRate = 1.5f }, "LearningRate").SetName("LearningRate 1.5");
        yield return new TestCaseData(o with { BiasLearningRate = -0.1f }, "BiasLearningRate").SetName("BiasLearningRate negative");
        yield return new TestCaseData(o with { Regularization = -1 }, "Regularization").SetName("Regularization negative");
        yield return new TestCaseData(o with { Regularization = float.PositiveInfinity }, "Regularization").SetName("Regularization infinite");
        yield return new TestCaseData(o with { BiasRegularization = 101 }, "BiasRegularization").SetName("BiasRegularization 101");
        yield return new TestCaseData(o with { LearningRateDecay = 0 }, "LearningRateDecay").SetName("LearningRateDecay 0");
        yield return new TestCaseData(o with { LearningRateDecay = 1.01f }, "LearningRateDecay").SetName("LearningRateDecay 1.01");
        yield return new TestCaseData(o with { InitStandardDeviation = 0 }, "InitStandardDeviation").SetName("InitStandardDeviation 0");
        yield return new TestCaseData(o with { Threads = -1 }, "Threads").SetName("Threads -1");
        yield return new TestCaseData(o with { EarlyStoppingPatience = 0 }, "EarlyStoppingPatience").SetName("EarlyStoppingPatience 0");
        yield return new TestCaseData(o with { DomainWeights = new Dictionary<string, float> { ["film"] = 0 } }, "DomainWeights[film]").SetName("DomainWeights 0");
        yield return new TestCaseData(o with { DomainWeights = new Dictionary<string, float> { ["film"] = float.NaN } }, "DomainWeights[film]").SetName("DomainWeights NaN");
    }

    [TestCaseSource(nameof(BadOptions))]
    public void BadOptionIsRejectedWithItsName(FactorizationOptions options, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CrossRec.Factorization.Biased(options).OnDevice(Device.Cpu).Fit(Small.Value));
        Assert.That(e!.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain(name));
    }

    [TestCase(0.03f, 50f, null, null, "Regularization")]
    [TestCase(0.03f, 0.05f, 0.5f, 2f, "BiasRegularization")]
    public void StepThatFlipsTheSignOfTheParametersIsRejected(float rate, float regularization, float? biasRate, float? biasRegularization, string name)
    {
        var options = new FactorizationOptions { LearningRate = rate, Regularization = regularization, BiasLearningRate = biasRate, BiasRegularization = biasRegularization };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CrossRec.Factorization.Biased(options).OnDevice(Device.Cpu).Fit(Small.Value));
        Assert.That(e!.ParamName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain(name).And.Contain("must be below 1"));
    }

    [Test]
    public void DefaultsLearnTheSyntheticDataDownToItsNoiseFloor()
    {
        // SyntheticRatings' defaults: noise 0.5 and whole-star rounding, so even the planted parameters
        // score about √(0.5² + 1/12) ≈ 0.58; a bias-only model sits near √(0.9² + 0.58²) ≈ 1.07.
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 3000, Items = 1000, Ratings = 150_000 });
        var (train, test) = data.SplitRandom(0.1, seed: 5);
        var defaults = CrossRec.Factorization.Biased().OnDevice(Device.Cpu).Fit(train).Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"default options: test RMSE {defaults:F4}");
        Assert.That(defaults, Is.LessThan(0.75));
    }

    [Test]
    public void EmptyTrainingSetIsRejected()
    {
        var empty = Small.Value.Subset(ReadOnlySpan<int>.Empty, "empty");
        var e = Assert.Throws<ArgumentException>(() => Quick().Fit(empty));
        Assert.That(e!.Message, Does.Contain("empty"));
    }

    [Test]
    public void EarlyStoppingWithoutValidationSetIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Quick().EarlyStopping(2).Fit(Small.Value));
        Assert.That(e!.Message, Does.Contain(nameof(FactorizationOptions.EarlyStoppingPatience)));
    }

    [Test]
    public void EmptyValidationSetIsRejected()
    {
        var empty = Small.Value.Subset(ReadOnlySpan<int>.Empty, "empty-validation");
        var e = Assert.Throws<ArgumentException>(() => Quick().Fit(Small.Value, empty));
        Assert.That(e!.Message, Does.Contain("empty-validation").And.Contain("empty"));
    }

    [Test]
    public void ReportsProgressOncePerEpoch()
    {
        var (train, validation) = SgdTestData.Split(Small.Value, 0.2, seed: 1);
        var progress = new RecordingProgress<TrainingProgress>();
        var model = Quick().Epochs(7).Fit(train, validation, progress);

        Assert.That(progress.Reports.Select(r => r.Iteration), Is.EqualTo(Enumerable.Range(1, 7)));
        foreach (var r in progress.Reports)
        {
            Assert.That(r.Algorithm, Is.EqualTo("biased-mf"));
            Assert.That(r.TotalIterations, Is.EqualTo(7));
            Assert.That(double.IsFinite(r.Loss), Is.True);
            Assert.That(r.Metrics[TrainingProgress.TrainRmseMetric], Is.EqualTo(r.Loss));
            Assert.That(r.Metrics[TrainingProgress.ValidationRmseMetric], Is.GreaterThan(0));
            Assert.That(r.Metrics[TrainingProgress.UpdatesPerSecondMetric], Is.GreaterThan(0));
            Assert.That(r.Device, Is.EqualTo("cpu"));
        }

        Assert.That(progress.Reports.Select(r => r.Elapsed), Is.Ordered);
        Assert.That(model.Info!.History.Select(e => e.TrainRmse), Is.EqualTo(progress.Reports.Select(r => r.Loss)));
        Assert.That(model.Info.History.Select(e => e.ValidationRmse), Is.EqualTo(progress.Reports.Select(r => (double?)r.Metrics[TrainingProgress.ValidationRmseMetric])));
        Assert.That(model.Info.EpochsRun, Is.EqualTo(7));
    }

    [Test]
    public void LearningRateDecaysEveryEpoch()
    {
        var progress = new RecordingProgress<TrainingProgress>();
        Quick().Epochs(4).LearningRate(0.02f).LearningRateDecay(0.5f).Fit(Small.Value, progress);
        Assert.That(progress.Reports.Select(r => r.Metrics[TrainingProgress.LearningRateMetric]), Is.EqualTo(new[] { 0.02, 0.01, 0.005, 0.0025 }).Within(1e-7));
    }

    [Test]
    public void TrainingErrorFallsOnLearnableData()
    {
        var progress = new RecordingProgress<TrainingProgress>();
        Quick().Epochs(20).Fit(Small.Value, progress);
        Assert.That(progress.Reports[^1].Loss, Is.LessThan(progress.Reports[0].Loss * 0.8));
    }

    [Test]
    public void CancelledTokenStopsBeforeTraining()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => Quick().Fit(Small.Value, cancellationToken: cts.Token));
    }

    [Test]
    public void CancellationBetweenEpochsStopsTraining()
    {
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress<TrainingProgress>(r =>
        {
            if (r.Iteration == 2)
            {
                cts.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => Quick().Epochs(50).Fit(Small.Value, progress, cts.Token));
        Assert.That(progress.Reports, Has.Count.EqualTo(2));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void CancellationIsHonouredInsideAnEpoch(int threads)
    {
        // 150k ratings: ~10 chunks of 16k per epoch; cancel when the first chunk starts.
        var data = SgdTestData.Planted(1000, 500, 0.3, seed: 5);
        var options = new FactorizationOptions { Factors = 8, Epochs = 1, Threads = threads };
        using var cts = new CancellationTokenSource();
        using var session = new SgdSession(data, null, options, new SgdSettings(threads, SgdParallelism.Blocked, Bins: 1 + threads));
        var chunks = 0;
        session.ChunkStarting = () =>
        {
            Interlocked.Increment(ref chunks);
            cts.Cancel();
        };

        Assert.Throws<OperationCanceledException>(() => session.RunEpoch(cts.Token));
        Assert.That(chunks, Is.LessThanOrEqualTo(threads), "every worker stops at its next chunk");
        Assert.That(session.Epoch, Is.Zero);
    }

    [Test]
    public void EarlyStoppingKeepsTheBestEpoch()
    {
        // No regularisation and a large step: validation error bottoms out early, then rises.
        var (train, validation) = SgdTestData.Split(Small.Value, 0.2, seed: 2);
        var model = CrossRec.Factorization.Biased().OnDevice(Device.Cpu).Factors(32).Epochs(200).LearningRate(0.05f).Regularization(0f)
            .InitStandardDeviation(0.1f).Deterministic().EarlyStopping(3).Fit(train, validation);

        var history = model.Info!.History;
        var best = history.MinBy(r => r.ValidationRmse!.Value)!;
        Assert.That(history, Has.Count.LessThan(200), "training stopped early");
        Assert.That(model.Info!.BestEpoch, Is.EqualTo(best.Epoch));
        Assert.That(model.Info.EpochsRun, Is.EqualTo(best.Epoch + 3));
        Assert.That(history[^1].ValidationRmse, Is.GreaterThan(best.ValidationRmse!.Value));
        Assert.That(model.Evaluate(validation).Rmse, Is.EqualTo(best.ValidationRmse!.Value).Within(1e-5), "the model holds the best epoch's parameters");
    }

    [Test]
    public void DeterministicTrainingIsBitIdentical()
    {
        var a = Quick().Epochs(6).Seed(3).Deterministic().Fit(Small.Value);
        var b = Quick().Epochs(6).Seed(3).Deterministic().Fit(Small.Value);
        var c = Quick().Epochs(6).Seed(4).Deterministic().Fit(Small.Value);

        Assert.That(Bits(a), Is.EqualTo(Bits(b)));
        Assert.That(Bits(a), Is.Not.EqualTo(Bits(c)), "the seed matters");
    }

    [Test]
    public void DeterministicOverridesThreads()
    {
        var a = Quick().Threads(2).Deterministic().Fit(Small.Value);
        var b = Quick().Threads(1).Fit(Small.Value);
        Assert.That(Bits(a), Is.EqualTo(Bits(b)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TwoThreadsReachTheAccuracyOfOne(bool hogwild)
    {
        var parallelism = hogwild ? SgdParallelism.Hogwild : SgdParallelism.Blocked;
        var (train, test) = SgdTestData.Split(SgdTestData.Planted(1000, 600, 0.25, seed: 8), 0.2, seed: 3);
        var options = new FactorizationOptions { Factors = 8, Epochs = 20, LearningRate = 0.02f, Regularization = 0.05f, InitStandardDeviation = 0.1f, LearningRateDecay = 0.95f };
        var one = SgdTrainer.Train(train, null, options, new SgdSettings(1), null, "cpu", default).Evaluate(test).Rmse;
        var two = SgdTrainer.Train(train, null, options, new SgdSettings(2, parallelism), null, "cpu", default).Evaluate(test).Rmse;
        Assert.That(two, Is.EqualTo(one).Within(0.01 * one));
        Assert.That(one, Is.LessThan(0.35), "the planted structure was learned (noise 0.3)");
    }

    [Test]
    public void AbsurdLearningRateDivergesWithAMessageNamingIt()
    {
        var e = Assert.Throws<TrainingDivergedException>(() => Quick().LearningRate(1f).Regularization(0f).InitStandardDeviation(1f).Epochs(50).Fit(Small.Value));
        Assert.That(e!.Message, Does.Contain(nameof(FactorizationOptions.LearningRate)).And.Contain("learning rate 1"));
    }

    [Test]
    public void UsersAndItemsWithoutTrainingRatingsGetZeroFactors()
    {
        // Keep every row except those of user u0 and item i0: both stay in the id maps.
        var data = Small.Value;
        var u0 = data.UserIds.GetIndex("u0");
        var i0 = data.ItemIds.GetIndex("i0");
        var rows = Enumerable.Range(0, data.Count).Where(r => data.Users[r] != u0 && data.Items[r] != i0).ToArray();
        var model = Quick().Fit(data.Subset(rows));

        Assert.That(model.UserFactors.Row(u0).ToArray(), Has.All.EqualTo(0f));
        Assert.That(model.ItemFactors.Row(i0).ToArray(), Has.All.EqualTo(0f));
        Assert.That(model.UserBiases[u0], Is.Zero);
        Assert.That(model.Predict(u0, 1), Is.EqualTo(Math.Clamp(model.GlobalMean + model.ItemBiases[1], 1f, 5f)).Within(1e-6f));
    }

    [Test]
    public void UnknownDomainWeightIsAnError()
    {
        var data = SgdTestData.Planted(40, 30, 0.4, seed: 1, domains: true);
        var e = Assert.Throws<ArgumentException>(() => Quick().DomainWeights(new Dictionary<string, float> { ["books"] = 2f }).Fit(data));
        Assert.That(e!.Message, Does.Contain("'books'").And.Contain(nameof(FactorizationOptions.DomainWeights)).And.Contain("'film'").And.Contain("'course'"));
    }

    [Test]
    public void DomainWeightsOnDataWithoutDomainsAreAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => Quick().DomainWeights(new Dictionary<string, float> { ["film"] = 2f }).Fit(Small.Value));
        Assert.That(e!.Message, Does.Contain("'film'").And.Contain("no item domains"));
    }

    [Test]
    public void UnitDomainWeightsChangeNothing()
    {
        var data = SgdTestData.Planted(60, 40, 0.4, seed: 2, domains: true);
        var plain = Quick().Deterministic().Fit(data);
        var ones = Quick().Deterministic().DomainWeights(new Dictionary<string, float> { ["film"] = 1f, ["course"] = 1f }).Fit(data);
        Assert.That(Bits(ones), Is.EqualTo(Bits(plain)));
    }

    [Test]
    public void DomainWeightShiftsTheFitTowardsTheHeavierDomain()
    {
        var data = SgdTestData.Planted(150, 100, 0.3, seed: 3, domains: true, noise: 0.5);
        var film = data.Domains!.GetIndex("film");
        var filmRows = Enumerable.Range(0, data.Count).Where(r => data.ItemDomains[data.Items[r]] == film).ToArray();
        var filmSet = data.Subset(filmRows);

        double FilmRmse(float weight) => Quick().Epochs(15).Deterministic()
            .DomainWeights(new Dictionary<string, float> { ["film"] = weight }).Fit(data).Evaluate(filmSet).Rmse;

        Assert.That(FilmRmse(4f), Is.LessThan(FilmRmse(0.25f)));
    }

    private static List<int> Bits(FactorizationModel m)
    {
        var bits = new List<int> { BitConverter.SingleToInt32Bits(m.GlobalMean) };
        foreach (var v in m.UserBiases)
        {
            bits.Add(BitConverter.SingleToInt32Bits(v));
        }

        foreach (var v in m.ItemBiases)
        {
            bits.Add(BitConverter.SingleToInt32Bits(v));
        }

        foreach (var v in m.UserFactors.AsSpan())
        {
            bits.Add(BitConverter.SingleToInt32Bits(v));
        }

        foreach (var v in m.ItemFactors.AsSpan())
        {
            bits.Add(BitConverter.SingleToInt32Bits(v));
        }

        return bits;
    }
}
