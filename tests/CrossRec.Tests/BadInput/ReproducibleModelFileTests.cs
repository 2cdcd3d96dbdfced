namespace CrossRec.Tests.BadInput;

/// <summary>
/// Issue 21, finding 8: the same data, options and seed give byte-identical model files, for every model kind (run
/// facts such as the training seconds are not saved; the conversion fit reduces in a fixed order).
/// </summary>
public class ReproducibleModelFileTests
{
    [Test]
    public void EveryModelKindSavesByteIdenticalFilesForIdenticalFits()
    {
        var first = Fuzz.ModelFileFuzzTests.BuildModels();
        var second = Fuzz.ModelFileFuzzTests.BuildModels();
        Assert.That(second.Keys, Is.EquivalentTo(first.Keys));
        Assert.Multiple(() =>
        {
            foreach (var (kind, bytes) in first)
            {
                Assert.That(second[kind], Is.EqualTo(bytes).AsCollection, $"{kind}: two identical fits saved different files");
            }
        });
        TestContext.Out.WriteLine($"{first.Count} kinds byte-identical: {string.Join(", ", first.Keys)}");
    }

    [Test]
    public void TheHybridSavesByteIdenticalFilesForIdenticalFits()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 120, Items = 60, Ratings = 1500, Seed = 4 });
        byte[] Fit()
        {
            using var stream = new MemoryStream();
            Recommenders.Hybrid().Factors(8).Epochs(3).Seed(2).Fit(data).Save(stream);
            return stream.ToArray();
        }

        var first = Fit();
        var second = Fit();
        Assert.That(second, Is.EqualTo(first).AsCollection);
    }

    [Test]
    public void ALoadedModelReportsNoTrainingTimeButKeepsWhatItWasTrainedWith()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 120, Items = 60, Ratings = 1500, Seed = 4 });
        var model = Recommenders.ImplicitAls().Factors(4).Iterations(3).Seed(1).Fit(data);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = Recommender.Load(stream);
        Assert.That(loaded.Training!.Seconds, Is.Zero);
        Assert.That(loaded.Training.Parameters, Is.EqualTo(model.Training!.Parameters));
        Assert.That(loaded.Training.Iterations, Is.EqualTo(model.Training.Iterations));
    }
}
