using CrossRec.Data.Synthetic;
using NUnit.Framework;

namespace CrossRec.Tests.Engines;

/// <summary>
/// Device.Auto with a CrossRec.Torch that cannot start: every trainer uses the managed engine and says why in
/// its training info (biased MF's <see cref="TrainingInfo.Note"/>, the recommenders' <see cref="RecommenderTrainingInfo.Note"/>).
/// </summary>
[TestFixture]
[NonParallelizable] // sets the process-wide EngineResolver.ProviderOverride
public class FallbackNoteTests
{
    private const string LoadError = "libLibTorchSharp.so: version `GLIBCXX_3.4.32' not found";

    [SetUp]
    public void BrokenTorch() => EngineResolver.ProviderOverride = new EngineResolver.TorchProvider(null, LoadError);

    [TearDown]
    public void RealTorch() => EngineResolver.ProviderOverride = null;

    private static InteractionSet Data() => SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 60, Items = 40, Ratings = 1_200, Seed = 5 });

    [Test]
    public void BiasedMfOnAutoRecordsWhyItRanOnTheManagedEngine()
    {
        var model = global::CrossRec.Factorization.Biased().Factors(4).Epochs(2).OnDevice(Device.Auto).Fit(Data());
        Assert.That(model.Info!.Device, Is.EqualTo(CpuEngine.Default.Name));
        Assert.That(model.Info.Note, Does.Contain("GLIBCXX_3.4.32").And.Contain("managed CPU engine"));
        Assert.That(model.Training!.Note, Is.EqualTo(model.Info.Note));
    }

    [Test]
    public void BiasedMfOnCpuHasNoNote()
    {
        var model = global::CrossRec.Factorization.Biased().Factors(4).Epochs(2).OnDevice(Device.Cpu).Fit(Data());
        Assert.That(model.Info!.Note, Is.Null);
    }

    [Test]
    public void BiasedMfOnCudaFailsWithTheReason()
    {
        Assert.That(
            () => global::CrossRec.Factorization.Biased().Factors(4).Epochs(2).OnDevice(Device.Cuda).Fit(Data()),
            Throws.InvalidOperationException.With.Message.Contains("GLIBCXX_3.4.32"));
    }

    [Test]
    public void ImplicitAlsOnAutoRecordsWhyItRanOnTheManagedEngine()
    {
        var model = Recommenders.ImplicitAls().Factors(4).Iterations(2).OnDevice(Device.Auto).Fit(Data());
        Assert.That(model.Training!.Note, Does.Contain("GLIBCXX_3.4.32"));
    }
}
