using CrossRec.Tests;
using System.Text;

namespace CrossRec.Tests.Segmentation;

public class NpyTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    [TestCase(false)]
    [TestCase(true)]
    public void RoundTripsFloat32AndFloat64(bool asFloat64)
    {
        var m = ReadOnlyMatrix.Create([1f, -2.5f, 3e-8f, 4f, 5f, 6f], 2, 3);
        var path = _files.PathOf("m.npy");
        Npy.Write(path, m, asFloat64);
        var back = Npy.Read(path);
        Assert.That(back.Rows, Is.EqualTo(2));
        Assert.That(back.Columns, Is.EqualTo(3));
        Assert.That(back.AsSpan().ToArray(), Is.EqualTo(m.AsSpan().ToArray()));
        var header = Encoding.Latin1.GetString(File.ReadAllBytes(path), 10, 70);
        Assert.That(header, Does.Contain(asFloat64 ? "'<f8'" : "'<f4'").And.Contain("(2, 3)"));
    }

    private string Raw(string header, int dataBytes)
    {
        var path = _files.PathOf($"{Guid.NewGuid():N}.npy");
        var h = Encoding.Latin1.GetBytes(header.PadRight(118) + "\n");
        using var f = File.Create(path);
        f.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)h.Length, 0]);
        f.Write(h);
        f.Write(new byte[dataBytes]);
        return path;
    }

    [Test]
    public void UnsupportedFilesAreRefusedWithTheReason()
    {
        Assert.That(() => Npy.Read(Raw("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16)), Throws.TypeOf<DataFormatException>().With.Message.Contains("Fortran"));
        Assert.That(() => Npy.Read(Raw("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", 32)), Throws.TypeOf<DataFormatException>().With.Message.Contains("'<i8' is not supported"));
        Assert.That(() => Npy.Read(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12)), Throws.TypeOf<DataFormatException>().With.Message.Contains("truncated"));
        Assert.That(() => Npy.Read(Raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }", 32)), Throws.TypeOf<DataFormatException>().With.Message.Contains("3-dimensional"));
        var notNpy = _files.Write("x.npy", "hello world");
        Assert.That(() => Npy.Read(notNpy), Throws.TypeOf<DataFormatException>().With.Message.Contains("magic"));
    }
}
