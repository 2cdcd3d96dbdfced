using System.Diagnostics;
using System.Text;

namespace CrossRec.Tests.BadInput;

/// <summary>
/// Issue 21, findings 1, 2, 7 and 12: endless input, special files and directories, files still being
/// written, CR-only line ends and non-UTF-8 cross-domain files end in a clear error naming the file (and
/// line), quickly and without a runaway allocation.
/// </summary>
public class BoundedReadingTests
{
    private const string DevZero = "/dev/zero";
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    private static void RequireUnixDevices()
    {
        if (OperatingSystem.IsWindows() || !File.Exists(DevZero))
        {
            Assert.Ignore("needs /dev/zero (Unix)");
        }
    }

    [Test]
    public void DevZeroIsRefusedByNameByEveryLoaderWithinASecond()
    {
        RequireUnixDevices();
        var loads = new (string Name, Action Load)[]
        {
            ("DelimitedFile", () => DelimitedFile.Load(DevZero, new DelimitedFormat())),
            ("MovieLens", () => MovieLens.Load100K(DevZero)),
            ("TabularData", () => TabularData.LoadCsv(DevZero)),
            ("CrossDomainData.Load", () => CrossDomainData.Load(DevZero)),
            ("CrossDomainData.Open", () => CrossDomainData.Open(DevZero)),
            ("CrossDomainData per domain", () => CrossDomainData.Load([(DevZero, "a"), (DevZero, "b")])),
            ("Npy", () => Npy.Read(DevZero)),
        };
        foreach (var (name, load) in loads)
        {
            var watch = Stopwatch.StartNew();
            var e = Assert.Throws<DataFormatException>(() => load(), name)!;
            Assert.Multiple(() =>
            {
                Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), name);
                Assert.That(e.SourceName, Is.EqualTo(DevZero), name);
                Assert.That(e.Message, Does.Contain("character device"), name);
            });
        }
    }

    [Test]
    public void DevZeroAsAModelFileIsAModelFormatExceptionNotAnOutOfMemory()
    {
        RequireUnixDevices();
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<ModelFormatException>(() => Recommender.Load(DevZero))!;
        Assert.That(e.Message, Does.Contain(DevZero).And.Contain("character device"));

        using var endless = new FileStream(DevZero, FileMode.Open, FileAccess.Read);
        var fromStream = Assert.Throws<ModelFormatException>(() => ModelFileReader.Open(endless, null))!;
        Assert.That(fromStream.Message, Does.Contain("'CROSSREC' header is missing"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public void ANamedPipeIsRefusedWithoutBlockingOnIt()
    {
        RequireUnixDevices();
        var fifo = _files.PathOf("pipe.csv");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false }))
        {
            mkfifo!.WaitForExit();
            if (mkfifo.ExitCode != 0)
            {
                Assert.Ignore("mkfifo failed");
            }
        }

        // Opening a FIFO for reading blocks until a writer comes: a loader that opened it would never return.
        var load = Task.Run(() => DelimitedFile.Load(fifo, new DelimitedFormat()));
        var finished = Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(10))).GetAwaiter().GetResult() == load;
        Assert.That(finished, Is.True, "the loader blocked on the FIFO");
        var e = load.Exception!.InnerException as DataFormatException;
        Assert.That(e?.Message, Does.Contain("named pipe"));
    }

    [Test]
    public void AnEndlessLineInARegularFileIsRefusedAtTheLimitNamingFileAndLineWithoutReadingItAll()
    {
        var path = _files.PathOf("binary.csv");
        using (var f = File.Create(path))
        {
            f.Write("u1,i1,3\n"u8);
            f.Write(new byte[32 << 20]); // 32 MiB of zero bytes, no line end
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat()))!;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Multiple(() =>
        {
            Assert.That(e.SourceName, Is.EqualTo(path));
            Assert.That(e.Line, Is.EqualTo(2));
            Assert.That(e.Problem, Does.Contain("longer than 1,048,576 bytes").And.Contain("MaxLineBytes"));
            Assert.That(allocated, Is.LessThan(8L << 20), "the buffer grew past the limit");
        });

        var tighter = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat(), new LoadOptions { MaxLineBytes = 4096 }))!;
        Assert.That(tighter.Problem, Does.Contain("longer than 4,096 bytes"));
        var tabular = Assert.Throws<DataFormatException>(() => TabularData.LoadCsv(path, new TabularCsvOptions { MaxLineBytes = 4096 }))!;
        Assert.That(tabular.Line, Is.EqualTo(2));
    }

    [Test]
    public void LinesUpToTheLimitStillLoad()
    {
        var longId = new string('u', 300_000);
        var path = _files.Write("long.csv", $"{longId},i1,3\nb,i2,4\n");
        var data = DelimitedFile.Load(path, new DelimitedFormat { Header = HeaderMode.Absent });
        Assert.That(data.UserIds[0], Is.EqualTo(longId));
    }

    [Test]
    public void ADirectoryIsRefusedAsADirectoryNotAsAMissingFile()
    {
        var dir = _files.PathOf("a-folder");
        Directory.CreateDirectory(dir);
        var delimited = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(dir, new DelimitedFormat()))!;
        var tabular = Assert.Throws<DataFormatException>(() => TabularData.LoadCsv(dir))!;
        var crossDomain = Assert.Throws<DataFormatException>(() => CrossDomainData.Open(dir))!;
        var model = Assert.Throws<ModelFormatException>(() => Recommender.Load(dir))!;
        Assert.Multiple(() =>
        {
            Assert.That(delimited.Message, Does.Contain(dir).And.Contain("is a directory, not a file"));
            Assert.That(tabular.Message, Does.Contain("is a directory"));
            Assert.That(crossDomain.Message, Does.Contain("is a directory"));
            Assert.That(model.Message, Does.Contain(dir).And.Contain("is a directory"));
        });
    }

    [Test]
    public void AFileThatGrowsWhileItIsReadIsRefusedAtItsEnd()
    {
        var path = _files.Write("growing.csv", "u1,i1,1\nu2,i2,1");
        using var reader = new LineReader(path);
        Assert.That(reader.TryReadLine(out _), Is.True);
        Assert.That(reader.TryReadLine(out var half), Is.True);
        Assert.That(half.ToString(), Is.EqualTo("u2,i2,1"));
        Assert.That(reader.LastLineUnterminated, Is.True);
        File.AppendAllText(path, "x.5\nu3,i3,2\n"); // the writer finishes the half-written line after the reader met the end
        var e = Assert.Throws<DataFormatException>(() => reader.TryReadLine(out _))!;
        Assert.That(e.Problem, Does.Contain("changed while it was read").And.Contain("grew"));
    }

    [Test]
    public void ALastLineWithoutALineEndIsNamedInTheLoadReport()
    {
        var cut = DelimitedFile.Load(_files.Write("cut.csv", "u1,i1,1\nu2,i2,1"), new DelimitedFormat { Header = HeaderMode.Absent });
        var whole = DelimitedFile.Load(_files.Write("whole.csv", "u1,i1,1\nu2,i2,1\n"), new DelimitedFormat { Header = HeaderMode.Absent });
        Assert.Multiple(() =>
        {
            Assert.That(cut.LoadReport!.Warnings, Has.Some.Contains("(line 2) has no line end"));
            Assert.That(whole.LoadReport!.Warnings, Has.None.Contains("no line end"));
        });
    }

    [Test]
    public void ACarriageReturnOnlyFileIsNamedAsSuchNotAsAFileWithNoDataRows()
    {
        var path = _files.Write("mac.csv", "user,item,rating\r1,10,4\r2,10,5\r");
        var e = Assert.Throws<DataFormatException>(() => DelimitedFile.Load(path, new DelimitedFormat()))!;
        Assert.That(e.Problem, Does.Contain("CR only").And.Not.Contain("no data rows"));
    }

    [Test]
    public void CrossDomainFilesAreStrictUtf8SoLatin1IdsAreNotMerged()
    {
        var path = _files.PathOf("latin1.tsv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes("café\ti1\t1\tbooks\ncafè\ti2\t1\tmusic\n"));
        var e = Assert.Throws<DataFormatException>(() => CrossDomainData.Load(path))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Line, Is.EqualTo(1));
            Assert.That(e.Problem, Does.Contain("invalid UTF-8").And.Contain("E9"));
        });

        var perDomain = Assert.Throws<DataFormatException>(() => CrossDomainData.Open($"{path}:books,{path}:music"))!;
        Assert.That(perDomain.Problem, Does.Contain("invalid UTF-8"));
    }
}
