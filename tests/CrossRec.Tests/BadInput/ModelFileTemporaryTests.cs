namespace CrossRec.Tests.BadInput;

/// <summary>
/// Issue 21, finding 9: a save killed mid-write leaves a hidden temporary file beside the model; the next
/// save to the same path removes it (unless its process is still alive, a concurrent save).
/// </summary>
public class ModelFileTemporaryTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    [Test]
    public void TheNextSaveToAPathRemovesTheTemporaryFilesOfKilledSavesAndKeepsThoseOfLiveOnes()
    {
        var model = _files.PathOf("model.crossrec");
        var dead = _files.PathOf($".model.crossrec.{int.MaxValue - 3}.{Guid.NewGuid():N}.tmp");
        var live = _files.PathOf($".model.crossrec.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var other = _files.PathOf($".other.crossrec.{int.MaxValue - 3}.{Guid.NewGuid():N}.tmp");
        foreach (var f in new[] { dead, live, other })
        {
            File.WriteAllBytes(f, new byte[1024]);
        }

        var data = new InteractionSetBuilder().Add("u1", "i1", 1f).Add("u2", "i1", 1f).Add("u2", "i2", 1f).Build();
        Recommenders.Popularity().Fit(data).Save(model);
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(model), Is.True);
            Assert.That(File.Exists(dead), Is.False, "the killed save's temporary file is removed");
            Assert.That(File.Exists(live), Is.True, "a live save's temporary file is left alone");
            Assert.That(File.Exists(other), Is.True, "temporary files of another target are not touched");
        });
        Assert.That(Recommender.Load(model).Algorithm, Is.EqualTo("popularity"));
    }
}
