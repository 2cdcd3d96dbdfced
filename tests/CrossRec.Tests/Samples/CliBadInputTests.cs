using CrossRec.Trainer.Cli;

namespace CrossRec.Tests.Samples;

/// <summary>
/// Issue 21, findings 5, 6, 12 and 13 for the command line: a directory, a device or an unwritable path
/// given to an option is one line naming the option and exit code 2 (no stack trace); ids the output
/// format cannot carry are refused before training; <c>--out</c> is written atomically and a killed run's
/// temporary file is cleaned up by the next write.
/// </summary>
[NonParallelizable]
public sealed class CliBadInputTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousErr) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            return (CrossRec.Trainer.Program.Main(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
        }
    }

    private string Train() => _files.Write("train.tsv", string.Join('\n', Enumerable.Range(0, 60).Select(r => $"u{r % 12}\ti{(r * 7) % 15}")) + "\n");

    private string Users() => _files.Write("users.txt", "u1\nu2\n");

    private string Folder(string name)
    {
        var dir = _files.PathOf(name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void AssertOneLineUserError((int Code, string Out, string Err) run, string option, string problem)
    {
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(2), run.Err);
            Assert.That(run.Err.TrimEnd().Split('\n')[^1], Does.StartWith($"crossrec-trainer: --{option}: ").And.Contain(problem), "the last line of stderr is the error");
            Assert.That(run.Err, Does.Not.Contain("   at "), "no stack trace");
        });
    }

    [Test]
    public void ADirectoryGivenAsAnInputOrOutputFileIsOneLineNamingTheOptionAndExitCodeTwo()
    {
        var dir = Folder("a-folder");
        var train = Train();
        var users = Users();
        var output = _files.PathOf("out.tsv");
        AssertOneLineUserError(Run("topn", "--train", train, "--users", dir, "--out", output, "--algorithm", "popularity"), "users", "is a directory");
        AssertOneLineUserError(Run("topn", "--train", dir, "--users", users, "--out", output, "--algorithm", "popularity"), "train", "is a directory");
        AssertOneLineUserError(Run("topn", "--train", train, "--users", users, "--out", dir, "--algorithm", "popularity"), "out", "is a directory");
        AssertOneLineUserError(Run("topn", "--train", train, "--users", users, "--out", output, "--item-domains", dir, "--domain", "x", "--algorithm", "popularity"), "item-domains", "is a directory");
        AssertOneLineUserError(Run("topn", "--train", train, "--users", users, "--out", output, "--save", dir, "--algorithm", "popularity"), "save", "is a directory");
        AssertOneLineUserError(Run("train", "--load", dir), "load", "is a directory");
    }

    [Test]
    public void ADeviceOrKernelPathIsRefusedByNameBeforeAnythingIsRead()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/dev/zero"))
        {
            Assert.Ignore("needs /dev/zero");
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        AssertOneLineUserError(Run("topn", "--train", Train(), "--users", "/dev/zero", "--out", _files.PathOf("o.tsv"), "--algorithm", "popularity"), "users", "is a device");
        AssertOneLineUserError(Run("topn", "--train", "/dev/zero", "--users", Users(), "--out", _files.PathOf("o.tsv"), "--algorithm", "popularity"), "train", "is a device");
        AssertOneLineUserError(Run("topn", "--train", Train(), "--users", Users(), "--out", _files.PathOf("o.tsv"), "--save", "/proc/x", "--algorithm", "popularity"), "save", "kernel file");
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));

        var data = Run("train", "--data", "/dev/zero", "--format", "csv");
        Assert.Multiple(() =>
        {
            Assert.That(data.Code, Is.EqualTo(2), data.Err);
            Assert.That(data.Err, Does.Contain("/dev/zero").And.Contain("character device").And.Not.Contain("   at "));
        });
        var crossDomain = Run("crossdomain", "--data", "/dev/zero", "--source", "a", "--target", "b");
        Assert.That((crossDomain.Code, crossDomain.Err.Contains("character device", StringComparison.Ordinal)), Is.EqualTo((2, true)), crossDomain.Err);
    }

    [Test]
    public void AnUnwritableSaveIsOneLineNamingTheOptionNotAStackTrace()
    {
        var blocker = _files.Write("not-a-folder", "x");
        var run = Run("topn", "--train", Train(), "--users", Users(), "--out", _files.PathOf("o.tsv"), "--save", Path.Combine(blocker, "model.crossrec"), "--algorithm", "popularity");
        AssertOneLineUserError(run, "save", "Cannot save the model");
    }

    [Test]
    public void AnItemIdWithACommaIsRefusedBeforeTrainingBecauseTheOutputCouldNotCarryIt()
    {
        var train = _files.Write("commas.tsv", "u1\ti,3\nu1\ti4\nu2\ti4\nu3\ti5\n");
        var output = _files.PathOf("o.tsv");
        var run = Run("topn", "--train", train, "--users", Users(), "--out", output, "--algorithm", "popularity");
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(2), run.Err);
            Assert.That(run.Err, Does.Contain("'i,3' contains a comma").And.Not.Contain("   at "));
            Assert.That(File.Exists(output), Is.False);
        });
    }

    [Test]
    public void TheCommandLineDuplicateMessageAdvisesWhatTheCommandLineCanDo()
    {
        var train = _files.Write("dup.tsv", "u1\ti1\nu1\ti1\nu2\ti2\n");
        var run = Run("topn", "--train", train, "--users", Users(), "--out", _files.PathOf("o.tsv"), "--algorithm", "popularity");
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(2));
            Assert.That(run.Err, Does.Contain("already appeared at line 1").And.Not.Contain("LoadOptions"));
        });
    }

    [Test]
    public void TopNOutReplacesThePreviousFileWholeAndRemovesAKilledRunsTemporaryFile()
    {
        var output = _files.PathOf("out.tsv");
        File.WriteAllText(output, "previous\n");
        // What a run killed mid-write leaves: a temporary file of a process that no longer exists.
        var stale = _files.PathOf($".out.tsv.{int.MaxValue - 7}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(stale, "half");
        var live = _files.PathOf($".out.tsv.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"); // a concurrent writer in this process
        File.WriteAllText(live, "busy");

        var run = Run("topn", "--train", Train(), "--users", Users(), "--out", output, "--algorithm", "popularity");
        Assert.That(run.Code, Is.EqualTo(0), run.Err);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllLines(output), Has.Length.EqualTo(2).And.All.StartWith("u"));
            Assert.That(File.Exists(stale), Is.False, "the killed run's temporary file is removed");
            Assert.That(File.Exists(live), Is.True, "a live writer's temporary file is left alone");
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(output)!, ".out.tsv.*.tmp"), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public void AWriteThatFailsLeavesThePreviousOutputUntouched()
    {
        var output = _files.PathOf("kept.tsv");
        File.WriteAllText(output, "previous\n");
        Assert.Throws<InvalidOperationException>(() => CliFiles.WriteText("out", output, w =>
        {
            w.WriteLine("half of the new output");
            throw new InvalidOperationException("killed mid-write");
        }));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(output), Is.EqualTo("previous\n"));
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(output)!, ".kept.tsv.*.tmp"), Is.Empty);
        });
    }

    [Test]
    public void UsersFileIdsFollowTheLibraryIdPolicy()
    {
        var users = _files.Write("bad-users.txt", "u1\nu2\u200B\n");
        var run = Run("topn", "--train", Train(), "--users", users, "--out", _files.PathOf("o.tsv"), "--algorithm", "popularity");
        Assert.Multiple(() =>
        {
            Assert.That(run.Code, Is.EqualTo(2));
            Assert.That(run.Err, Does.Contain("line 2").And.Contain("U+200B").And.Not.Contain("   at "));
        });
    }
}
