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

    [Test]
    public void ASaveOverANamedPipeIsRefusedByNameAndLeavesThePipe()
    {
        // A rename over a special file would replace it (run as root, /dev/null itself): the save refuses it instead.
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("named pipes in the file system are a Unix thing");
        }

        var fifo = _files.PathOf("model.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false }))
        {
            mkfifo!.WaitForExit();
            if (mkfifo.ExitCode != 0)
            {
                Assert.Ignore("mkfifo is not available");
            }
        }

        var data = new InteractionSetBuilder().Add("u1", "i1", 1f).Add("u2", "i1", 1f).Build();
        var e = Assert.Throws<IOException>(() => Recommenders.Popularity().Fit(data).Save(fifo))!;
        Assert.That(e.Message, Does.Contain(fifo).And.Contain("named pipe"));
        Assert.That(InputFile.Of(fifo), Is.EqualTo(InputFile.Kind.Fifo), "the pipe is still there");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(fifo)!, ".model.fifo.*.tmp"), Is.Empty, "no temporary file left");
    }
}
