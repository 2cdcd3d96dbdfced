using CrossRec.Tests.Engines;
using TorchSharp;

namespace CrossRec.Torch.Tests;

/// <summary>The shared engine contract, run against the TorchSharp engine (libtorch CPU; CUDA with CROSSREC_TORCH_DEVICE=cuda).</summary>
[TestFixture]
public class TorchEngineContractTests : EngineContractTests
{
    private protected override IComputeEngine Engine => CrossRec.Tests.TopN.RecommenderCases.Engine;
}

/// <summary>Torch-specific behaviour: dispose scopes, ALS, device selection.</summary>
public class TorchEngineTests
{
    [Test]
    public void NativeTensorsDoNotAccumulateAcrossEpochs()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 500, Items = 200, Ratings = 10_000 });
        var engine = new TorchEngine(TorchDevice.Cpu);
        var live = new List<long>();
        var progress = new Probe(() => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        engine.Factorize(data, null, new FactorizationOptions { Factors = 8, Epochs = 6 }, progress, default);
        Assert.That(live, Has.Count.EqualTo(6));
        Assert.That(live.Distinct().Count(), Is.EqualTo(1), $"live tensors per epoch: {string.Join(", ", live)}");
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        engine.Factorize(data, null, new FactorizationOptions { Factors = 8, Epochs = 2 }, null, default);
        Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(after), "a whole training run leaves no tensor behind");
    }

    [Test]
    public void AlsConvergesInFewEpochs()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 2000, Items = 800, Ratings = 80_000, Seed = 11 });
        var (train, test) = data.SplitRandom(0.1, 2);
        var options = new FactorizationOptions { Algorithm = FactorizationAlgorithm.Als, Factors = 16, Epochs = 8, Regularization = 0.1f, InitStandardDeviation = 0.1f };
        var als = new TorchEngine(TorchDevice.Cpu).Factorize(train, null, options, null, default).Evaluate(test).Rmse;
        var sgd = CpuEngine.Default.Factorize(train, null, new FactorizationOptions(), null, default).Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"ALS (8 epochs) {als:F4}, CPU SGD defaults {sgd:F4}");
        Assert.That(als, Is.LessThan(sgd + 0.05));
    }

    [Test]
    public void TheCudaBatchSizeKeepsRmseOnParWithTheCpuEngine()
    {
        // CUDA's default batch is 65,536 ratings; the same arithmetic runs on libtorch CPU here, so this shows
        // the GPU setting learns as well as the CPU engine before any GPU is at hand (MovieLens-sized data:
        // 200k ratings, three batches per epoch).
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 4000, Items = 1500, Ratings = 220_000, Seed = 12 });
        var (train, test) = data.SplitRandom(0.1, 3);
        var options = new FactorizationOptions { Seed = 4 };
        var gpuBatch = new TorchEngine(new TorchEngineOptions { Device = TorchDevice.Cpu, BatchSize = 65_536 }).Factorize(train, null, options, null, default).Evaluate(test).Rmse;
        var cpu = CpuEngine.Default.Factorize(train, null, options, null, default).Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"test RMSE: Torch with batch 65,536 {gpuBatch:F4}, CPU engine {cpu:F4}");
        Assert.That(gpuBatch, Is.EqualTo(cpu).Within(0.01));
    }

    [Test]
    public void AutoUsesTheCpuEngineWithoutAGpu()
    {
        Assume.That(torch.cuda.is_available(), Is.False, "this machine has a GPU");
        Assert.That(EngineResolver.Resolve(Device.Auto, out var reason), Is.SameAs(CpuEngine.Default));
        Assert.That(reason, Does.Contain("no CUDA device"));
        Assert.That(() => EngineResolver.Resolve(Device.Cuda), Throws.InvalidOperationException.With.Message.Contains("CUDA"));
        Assert.That(() => new TorchEngine(TorchDevice.Cuda), Throws.InvalidOperationException.With.Message.Contains("CUDA"));
    }

    private sealed class Probe(Action action) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => action();
    }
}
