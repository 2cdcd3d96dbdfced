namespace CrossRec.Tests.Engines;

/// <summary>
/// The contract every <see cref="IComputeEngine"/> meets, run against each engine: the CPU engine here,
/// the TorchSharp engine in tests/CrossRec.Torch.Tests (which compiles this file too). Results are compared
/// with the managed CPU engine as the reference.
/// </summary>
public abstract class EngineContractTests
{
    private static readonly Lazy<InteractionSet> Synthetic = new(() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 2000, Items = 800, Ratings = 80_000, Seed = 11 }));

    /// <summary>The engine under test.</summary>
    private protected abstract IComputeEngine Engine { get; }

    private static IComputeEngine Reference => CpuEngine.Default;

    [Test]
    public void FactorizationOnMovieLensMatchesTheCpuEngine()
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA");
        var dir = root is null ? null : Path.Combine(root, "ml-100k");
        if (dir is null || !Directory.Exists(dir))
        {
            Assert.Ignore("CROSSREC_DATA is not set (or has no ml-100k/): the MovieLens comparison needs it.");
        }

        var (train, test) = MovieLens.Load100KFold(dir!, 1);
        var options = new FactorizationOptions { Seed = 3 };
        var engine = Engine.Factorize(train, null, options, null, default).Evaluate(test).Rmse;
        var reference = Reference.Factorize(train, null, options, null, default).Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"ML-100K u1 test RMSE: {Engine.Name} {engine:F4}, cpu {reference:F4}");
        Assert.That(engine, Is.EqualTo(reference).Within(0.005));
    }

    [Test]
    public void FactorizationLearnsThePlantedStructure()
    {
        var (train, test) = Synthetic.Value.SplitRandom(0.1, 2);
        var options = new FactorizationOptions { Seed = 5 };
        var reports = new List<EpochReport>();
        var model = Engine.Factorize(train, null, options, new Collect<EpochReport>(reports), default);
        var reference = Reference.Factorize(train, null, options, null, default).Evaluate(test).Rmse;
        var rmse = model.Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"synthetic test RMSE: {Engine.Name} {rmse:F4}, cpu {reference:F4}");
        Assert.That(rmse, Is.EqualTo(reference).Within(0.01));
        Assert.That(reports, Has.Count.EqualTo(options.Epochs));
        Assert.That(reports.Select(r => r.Device), Has.All.EqualTo(Engine.Name));
        Assert.That(model.Info!.Device, Is.EqualTo(Engine.Name));
    }

    [Test]
    public void DomainWeightsFitTheWeightedDomainCloser()
    {
        var data = SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { Users = 1500, Courses = 80, Films = 120, Seed = 5 }).Ratings;
        var options = new FactorizationOptions { Factors = 16, Epochs = 10, Seed = 2 };
        var film = data.Domains!.GetIndex(SyntheticCrossDomain.FilmDomain);
        var rows = Enumerable.Range(0, data.Count).Where(r => data.ItemDomains[data.Items[r]] == film).ToArray();
        var films = data.Subset(rows);
        var plain = Engine.Factorize(data, null, options, null, default).Evaluate(films).Rmse;
        var weighted = Engine.Factorize(data, null, options with { DomainWeights = new Dictionary<string, float> { [SyntheticCrossDomain.FilmDomain] = 4f } }, null, default).Evaluate(films).Rmse;
        TestContext.Out.WriteLine($"{Engine.Name}: film training RMSE unweighted {plain:F4}, film weight 4 {weighted:F4}");
        Assert.That(weighted, Is.LessThan(plain - 0.005));
    }

    [Test]
    public void AModelFromTheEngineIsSavedLoadedAndServedByTheCore()
    {
        var (train, _) = Synthetic.Value.SplitRandom(0.1, 3);
        var model = Engine.Factorize(train, null, new FactorizationOptions { Factors = 16, Epochs = 3 }, null, default);
        var path = Path.Combine(Path.GetTempPath(), $"crossrec-engine-{Guid.NewGuid():N}.model");
        try
        {
            model.Save(path);
            var loaded = FactorizationModel.Load(path);
            Assert.That(loaded.Predict("u1", "i5"), Is.EqualTo(model.Predict("u1", "i5")));
            Assert.That(loaded.Recommend("u1", 5).Select(r => r.ItemId), Is.EqualTo(model.Recommend("u1", 5).Select(r => r.ItemId)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void KMeansInertiaMatchesTheCpuEngineFromTheSameStart()
    {
        var points = Mixture(20_000, 16, 12, 4);
        var init = ReadOnlyMatrix.Create(Enumerable.Range(0, 12).SelectMany(c => points.Row(c * 1009).ToArray()).ToArray(), 12, 16);
        var options = new KMeansOptions { Clusters = 12, InitialCentroids = init, Algorithm = KMeansAlgorithm.Lloyd };
        var engine = Engine.Cluster(points, options, null, default);
        var reference = Reference.Cluster(points, options, null, default);
        TestContext.Out.WriteLine($"k-means inertia: {Engine.Name} {engine.Inertia:F1}, cpu {reference.Inertia:F1}");
        Assert.That(engine.Inertia, Is.EqualTo(reference.Inertia).Within(0.001 * reference.Inertia));
        Assert.That(engine.Device, Is.EqualTo(Engine.Name));
    }

    [Test]
    public void KMeansWithItsOwnSeedingFindsTheBlobs()
    {
        var points = Mixture(5000, 4, 5, 9, spread: 30);
        var result = Engine.Cluster(points, new KMeansOptions { Clusters = 5, Restarts = 2, Seed = 1 }, null, default);
        var reference = Reference.Cluster(points, new KMeansOptions { Clusters = 5, Restarts = 2, Seed = 1 }, null, default);
        Assert.That(result.Inertia, Is.EqualTo(reference.Inertia).Within(0.001 * reference.Inertia));
    }

    [Test]
    public void LogisticAucMatchesTheCpuEngine()
    {
        var rng = new Random(8);
        const int n = 6000, d = 6;
        var x = new float[n * d];
        var y = new bool[n];
        for (var r = 0; r < n; r++)
        {
            var z = -1.0;
            for (var j = 0; j < d; j++)
            {
                x[(r * d) + j] = (float)((rng.NextDouble() * 2) - 1);
                z += (j - 2.5) * 0.6 * x[(r * d) + j];
            }

            y[r] = rng.NextDouble() < 1 / (1 + Math.Exp(-z));
        }

        var matrix = ReadOnlyMatrix.Create(x, n, d);
        var engine = Engine.FitLogistic(matrix, y, new LogisticOptions(), default);
        var reference = Reference.FitLogistic(matrix, y, new LogisticOptions(), default);
        double Auc(LogisticFit fit)
        {
            var p = new double[n];
            for (var r = 0; r < n; r++)
            {
                var z = fit.Intercept;
                for (var j = 0; j < d; j++)
                {
                    z += fit.Coefficients[j] * x[(r * d) + j];
                }

                p[r] = 1 / (1 + Math.Exp(-z));
            }

            return ConversionMetrics.Compute(y, p).Auc;
        }

        var (a, b) = (Auc(engine), Auc(reference));
        TestContext.Out.WriteLine($"logistic AUC: {Engine.Name} {a:F5}, cpu {b:F5}; objective {engine.Objective:F4} vs {reference.Objective:F4}");
        Assert.That(a, Is.EqualTo(b).Within(0.002));
        Assert.That(engine.Converged, Is.True);
        Assert.That(engine.Objective, Is.EqualTo(reference.Objective).Within(1e-6 * reference.Objective));
    }

    [Test]
    public void BadInputIsRefusedWithAClearMessage()
    {
        var points = Mixture(10, 2, 2, 1);
        Assert.That(() => Engine.Cluster(points, new KMeansOptions { Clusters = 11 }, null, default), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("exceeds the number of points"));
        Assert.That(() => Engine.FitLogistic(points, new bool[10], new LogisticOptions(), default), Throws.ArgumentException.With.Message.Contains("single class"));
        Assert.That(() => Engine.Factorize(Synthetic.Value, null, new FactorizationOptions { LearningRate = 5f }, null, default), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("LearningRate"));
        Assert.That(() => Engine.Factorize(Synthetic.Value, null, new FactorizationOptions { LearningRate = 1f, Epochs = 3, InitStandardDeviation = 1f }, null, default), Throws.TypeOf<TrainingDivergedException>().With.Message.Contains("learning rate"));
    }

    internal static ReadOnlyMatrix Mixture(int n, int d, int components, int seed, double spread = 1.5)
    {
        var rng = new Random(seed);
        var centres = new double[components * d];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = (rng.NextDouble() * 2 - 1) * spread;
        }

        var x = new float[n * d];
        for (var r = 0; r < n; r++)
        {
            var c = rng.Next(components);
            for (var f = 0; f < d; f++)
            {
                x[(r * d) + f] = (float)(centres[(c * d) + f] + (rng.NextDouble() * 2) - 1);
            }
        }

        return ReadOnlyMatrix.Create(x, n, d);
    }

    private sealed class Collect<T>(List<T> into) : IProgress<T>
    {
        public void Report(T value) => into.Add(value);
    }
}
