using CrossRec.Tests;
using CrossRec.Tests.Fuzz;

namespace CrossRec.Tests.BadInput;

public class ModelSigningTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    private static readonly ModelSigningKey Key = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly ModelSigningKey OtherKey = new(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray());

    [Test]
    public void ASignedModelLoadsWithItsKeyAndWithoutAKey()
    {
        var model = Recommenders.Popularity().Fit(ModelFileFuzzTests.Ratings(false));
        var path = _files.PathOf("signed.model");
        model.Save(path, Key);
        var withKey = Recommender.Load(path, Key);
        var withoutKey = Recommender.Load(path);
        Assert.That(withKey.Recommend("u1", 5).Select(s => s.ItemId), Is.EqualTo(model.Recommend("u1", 5).Select(s => s.ItemId)));
        Assert.That(withoutKey.UserIds.Count, Is.EqualTo(model.UserIds.Count));
    }

    [Test]
    public void AnotherKeyOrAnUnsignedFileIsRefusedWithAClearMessage()
    {
        var model = Recommenders.Popularity().Fit(ModelFileFuzzTests.Ratings(false));
        var signed = _files.PathOf("signed.model");
        var unsigned = _files.PathOf("unsigned.model");
        model.Save(signed, Key);
        model.Save(unsigned);
        Assert.That(() => Recommender.Load(signed, OtherKey), Throws.TypeOf<ModelFormatException>().With.Message.Contains("signed with another key"));
        Assert.That(() => Recommender.Load(unsigned, Key), Throws.TypeOf<ModelFormatException>().With.Message.Contains("not signed"));
    }

    [Test]
    public void ASignedFileAlteredWithARecomputedChecksumIsRefusedWithTheKey()
    {
        var model = Recommenders.Popularity().Fit(ModelFileFuzzTests.Ratings(false));
        using var s = new MemoryStream();
        model.Save(s, Key);
        var bytes = s.ToArray();
        // Forge: change a byte of the body and recompute the SHA-256, keeping the old signature.
        var bodyLength = bytes.Length - 8 - 64;
        bytes[bodyLength - 1] ^= 0x01;
        var hash = System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bodyLength));
        hash.CopyTo(bytes, bodyLength);
        Assert.That(() => Recommender.Load(new MemoryStream(bytes), Key), Throws.TypeOf<ModelFormatException>().With.Message.Contains("signature does not match"));
    }

    [Test]
    public void SegmentationAndConversionModelsSignToo()
    {
        var (points, _) = CrossRec.Tests.Segmentation.KMeansTests.Blobs(60, 3, 2, 1.0, 2);
        var seg = global::CrossRec.Segmentation.KMeans(3).Seed(1).Fit(points);
        var conv = global::CrossRec.Conversion.Logistic().Fit(ModelFileFuzzTests.ConversionTable.Value, "bought");
        var segPath = _files.PathOf("seg.model");
        var convPath = _files.PathOf("conv.model");
        seg.Save(segPath, Key);
        conv.Save(convPath, Key);
        Assert.That(SegmentationModel.Load(segPath, Key).Clusters, Is.EqualTo(3));
        Assert.That(ConversionModel.Load(convPath, Key).Target, Is.EqualTo("bought"));
        Assert.That(() => SegmentationModel.Load(segPath, OtherKey), Throws.TypeOf<ModelFormatException>());
        Assert.That(() => ConversionModel.Load(convPath, OtherKey), Throws.TypeOf<ModelFormatException>());
    }

    [Test]
    public void KeysShorterThan16BytesAreRefused()
    {
        Assert.That(() => new ModelSigningKey(new byte[15]), Throws.ArgumentException.With.Property("ParamName").EqualTo("key"));
        var generated = ModelSigningKey.Generate();
        Assert.That(ModelSigningKey.FromBase64(generated.ToBase64()).ToBase64(), Is.EqualTo(generated.ToBase64()));
        Assert.That(generated.ToString(), Does.Not.Contain(generated.ToBase64()));
    }

    [Test]
    public void ASaveIntoAMissingDriveOrUnwritablePlaceNamesTheTargetNotTheTempFile()
    {
        var model = Recommenders.Popularity().Fit(ModelFileFuzzTests.Ratings(false));
        var blocker = _files.Write("not-a-folder", "x");
        var target = Path.Combine(blocker, "model.crossrec");
        var e = Assert.Catch<IOException>(() => model.Save(target))!;
        Assert.That(e.Message, Does.Not.Contain(".tmp"));
    }
}
