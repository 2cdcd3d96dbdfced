using CrossRec.Tests.TopN;

namespace CrossRec.Torch.Tests;

/// <summary>
/// The Torch engine's recommender kernels against the managed engine's, kernel by kernel: the same inputs give
/// the same numbers (to float tolerance), runs repeat bit for bit, and what does not fit the memory budget is
/// refused by name with the size it needed.
/// </summary>
public class TorchKernelTests
{
    private static TorchEngine Engine => RecommenderCases.Engine;

    private static IComputeEngine Cpu => CpuEngine.Default;

    [Test]
    public void TheEngineDeclaresEveryRecommenderKernel()
    {
        IComputeEngine engine = Engine;
        Assert.That(engine.TryGetKernel<IImplicitAlsKernel>(), Is.Not.Null);
        Assert.That(engine.TryGetKernel<IBprKernel>(), Is.Not.Null);
        Assert.That(engine.TryGetKernel<IGramSolver>(), Is.Not.Null);
        Assert.That(engine.TryGetKernel<IItemSimilarityKernel>(), Is.Not.Null);
        var (resolved, _, note) = EngineResolver.ResolveKernel<IImplicitAlsKernel>(Device.Auto, engine, "ials");
        Assert.That(resolved, Is.SameAs(engine));
        Assert.That(note, Is.Null);
    }

    [TestCase(AlsSolver.ConjugateGradient)]
    [TestCase(AlsSolver.Cholesky)]
    public void ImplicitAlsFollowsTheCpuKernelIterationByIteration(AlsSolver solver)
    {
        var data = ImplicitTestData.Groups(counts: true).ToMatrix();
        var options = new ImplicitAlsOptions { Factors = 16, Solver = solver };
        var rng = new Random(5);
        var x = Enumerable.Range(0, data.UserCount * 16).Select(_ => (float)(rng.NextDouble() * 0.01)).ToArray();
        var y = Enumerable.Range(0, data.ItemCount * 16).Select(_ => (float)(rng.NextDouble() * 0.01)).ToArray();
        using var reference = Cpu.TryGetKernel<IImplicitAlsKernel>()!.Start(data, options, x, y);
        using var torch = ((IComputeEngine)Engine).TryGetKernel<IImplicitAlsKernel>()!.Start(data, options, x, y);
        for (var iteration = 1; iteration <= 4; iteration++)
        {
            var expected = reference.Iterate(default);
            var actual = torch.Iterate(default);
            TestContext.Out.WriteLine($"{solver} iteration {iteration}: objective cpu {expected:R}, {Engine.Name} {actual:R}");
            // Float32 sums in another order: conjugate gradient's few steps carry ~1e-4 % differences along.
            Assert.That(actual, Is.EqualTo(expected).Within(0.01).Percent, $"iteration {iteration}");
        }

        Assert.That(torch.FactorsFinite(), Is.True);
        var (xc, yc, xt, yt) = (new float[x.Length], new float[y.Length], new float[x.Length], new float[y.Length]);
        reference.CopyFactors(xc, yc);
        torch.CopyFactors(xt, yt);
        Assert.That(MaxRelativeDifference(xc, xt), Is.LessThan(1e-3), "user factors");
        Assert.That(MaxRelativeDifference(yc, yt), Is.LessThan(1e-3), "item factors");
    }

    [Test]
    public void TheGramInverseMatchesTheCpuSolverAndRefusesWhatIsNotPositiveDefinite()
    {
        const int n = 300;
        var rng = new Random(3);
        var m = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var s = i == j ? 2.0 : 0.0;
                for (var r = 0; r < n; r++)
                {
                    s += m[(r * n) + i] * m[(r * n) + j];
                }

                a[(i * n) + j] = s;
                if (j < i)
                {
                    a[(j * n) + i] = double.NaN; // the upper triangle must not be read
                }
            }
        }

        var expected = (double[])a.Clone();
        Cpu.TryGetKernel<IGramSolver>()!.InvertSpd(expected, n, 0, null, default);
        var actual = (double[])a.Clone();
        var stages = new List<GramSolverStage>();
        ((IComputeEngine)Engine).TryGetKernel<IGramSolver>()!.InvertSpd(actual, n, 0, stages.Add, default);
        Assert.That(stages, Is.EqualTo(new[] { GramSolverStage.Factorized, GramSolverStage.Inverted }));
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual, (e, t) => Math.Abs(e - t)).Max();
        TestContext.Out.WriteLine($"n = {n}: max |inverse difference| {worst:E2} (max |entry| {scale:E2})");
        Assert.That(worst, Is.LessThan(1e-9 * scale));
        for (var i = 0; i < n; i++)
        {
            Assert.That(actual[(i * n) + (i / 2)], Is.EqualTo(actual[((i / 2) * n) + i]), "symmetric");
        }

        var indefinite = (double[])a.Clone();
        indefinite[(7 * n) + 7] = -1;
        var thrown = Assert.Throws<ArithmeticException>(() => Engine.InvertSpd(indefinite, n, 0, null, default));
        Assert.That(thrown!.Message, Does.Contain("not positive definite"));
    }

    [TestCase(0.5f, 0f)]
    [TestCase(0.3f, 2f)]
    public void ItemSimilaritiesMatchTheCpuKernelAndRepeatBitForBit(float asymmetry, float shrinkage)
    {
        var data = ImplicitTestData.Groups(counts: true).ToMatrix();
        var weights = data.UserValues.ToArray().Select(v => MathF.Log(1 + v)).ToArray();
        var options = new ItemSimilarityOptions { Neighbors = 20, Asymmetry = asymmetry, Shrinkage = shrinkage, Deterministic = true };
        var expected = Cpu.TryGetKernel<IItemSimilarityKernel>()!.TopNeighbors(data, weights, options, default);
        var actual = Engine.TopNeighbors(data, weights, options, default);
        var again = Engine.TopNeighbors(data, weights, options, default);
        Assert.That(again.Items.ToArray(), Is.EqualTo(actual.Items.ToArray()));
        Assert.That(again.Weights.ToArray(), Is.EqualTo(actual.Weights.ToArray()));
        var same = 0;
        for (var i = 0; i < data.ItemCount; i++)
        {
            var e = expected.NeighborsOf(i).ToArray();
            var t = actual.NeighborsOf(i).ToArray();
            Assert.That(t, Has.None.EqualTo(i), "never its own neighbour");
            Assert.That(actual.WeightsOf(i).ToArray(), Has.All.GreaterThan(0f));
            same += e.SequenceEqual(t) ? 1 : 0;
            foreach (var j in e.Intersect(t))
            {
                Assert.That(actual.Weight(i, j), Is.EqualTo(expected.Weight(i, j)).Within(1e-5f * expected.Weight(i, j)), $"item {i}, neighbour {j}");
            }
        }

        TestContext.Out.WriteLine($"α {asymmetry}, shrinkage {shrinkage}: {same} of {data.ItemCount} neighbour lists identical to the CPU kernel's");
        Assert.That(same, Is.GreaterThanOrEqualTo(data.ItemCount * 0.97));
    }

    [Test]
    public void BprRunsAreBitIdenticalForASeedAndTheOrderedSumsAgreeWithIndexAdd()
    {
        var data = ImplicitTestData.Groups(domains: true);
        var options = new BprOptions { Factors = 16, Epochs = 4, Seed = 9, Deterministic = true };
        float[] Train(bool ordered)
        {
            using var session = new TorchBprSession(Engine, Engine.Name == "libtorch-cpu" ? TorchSharp.torch.CPU : TorchSharp.torch.CUDA, data, options, 256, ordered);
            for (var epoch = 0; epoch < 4; epoch++)
            {
                var r = session.RunEpoch(epoch, 0.05f, default);
                Assert.That(r.Steps + r.Skipped, Is.EqualTo(data.ToMatrix().NonZeros));
            }

            var p = new float[data.UserCount * 16];
            var q = new float[data.ItemCount * 16];
            var b = new float[data.ItemCount];
            session.CopyParameters(p, q, b);
            return [.. p, .. q, .. b];
        }

        var indexAdd = Train(false);
        Assert.That(Train(false), Is.EqualTo(indexAdd), "index_add_ on libtorch CPU");
        var ordered = Train(true);
        Assert.That(Train(true), Is.EqualTo(ordered), "ordered sums");
        Assert.That(MaxRelativeDifference(indexAdd, ordered), Is.LessThan(1e-3));
    }

    [Test]
    public void BprNegativesAreNeverTheUsersOwnItemsAndStayInTheirDomain()
    {
        var data = ImplicitTestData.Groups(domains: true);
        var model = Recommenders.Bpr().Factors(8).Epochs(30).Seed(2).OnEngine(Engine).Fit(data);
        var cpu = Recommenders.Bpr().Factors(8).Epochs(30).Seed(2).Fit(data);
        var loss = double.Parse(model.Training!.Parameters["finalLoss"], System.Globalization.CultureInfo.InvariantCulture);
        var cpuLoss = double.Parse(cpu.Training!.Parameters["finalLoss"], System.Globalization.CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"final training loss: {Engine.Name} {loss:F4}, cpu {cpuLoss:F4}");
        Assert.That(model.Training.Device, Is.EqualTo(Engine.Name));
        Assert.That(loss, Is.EqualTo(cpuLoss).Within(0.05));
        Assert.That(model.Training.Parameters["domainAwareNegatives"], Is.EqualTo("true"));
    }

    [Test]
    public void WhatDoesNotFitTheBudgetIsRefusedByNameWithTheSizeNeeded()
    {
        var small = new TorchEngine(new TorchEngineOptions { MemoryBudgetBytes = 1L << 20 });
        var data = ImplicitTestData.Groups();
        var als = Assert.Throws<InsufficientMemoryException>(() => Recommenders.ImplicitAls().Factors(512).OnEngine(small).Fit(data));
        TestContext.Out.WriteLine(als!.Message);
        Assert.That(als.Message, Does.Contain("factor tables").And.Contains("needs").And.Contains("MemoryBudgetBytes"));
        var bpr = Assert.Throws<InsufficientMemoryException>(() => Recommenders.Bpr().Factors(1024).OnEngine(small).Fit(data));
        Assert.That(bpr!.Message, Does.Contain("BPR at k = 1024"));
        var gram = Assert.Throws<InsufficientMemoryException>(() => small.InvertSpd(new double[400 * 400], 400, 0, null, default));
        TestContext.Out.WriteLine(gram!.Message);
        Assert.That(gram.Message, Does.Contain("EASE Gram matrix").And.Contains("3840000 bytes"));
        Assert.That(() => new TorchEngineOptions { MemoryBudgetBytes = 10 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MemoryBudgetBytes"));
        Assert.That(() => new TorchEngineOptions { BprBatchSize = 0 }.Validate(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("BprBatchSize"));
        Assert.That(Engine.MemoryBudget().Bytes, Is.GreaterThan(1L << 20));
    }

    private static double MaxRelativeDifference(float[] expected, float[] actual)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        var scale = expected.Max(MathF.Abs);
        return expected.Zip(actual, (e, t) => Math.Abs(e - t)).Max() / scale;
    }
}
