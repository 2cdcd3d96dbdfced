using System.Buffers.Binary;
using System.Text;

namespace CrossRec.Tests.Fuzz;

/// <summary>
/// Crafted model files that got past the SHA-256 trailer into unvalidated fields before issue 13 (from the
/// issue's fuzzer and from <see cref="ModelFileFuzzTests"/>), each now refused by the reader's own check.
/// </summary>
public class ModelFileRegressionTests
{
    private static byte[] Model(string kind) => kind switch
    {
        "segmentation" or "conversion" or "factorization" => Saved(kind),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static byte[] Saved(string kind)
    {
        using var s = new MemoryStream();
        switch (kind)
        {
            case "factorization":
                global::CrossRec.Factorization.Biased().Factors(3).Epochs(2).Seed(1).Deterministic().Fit(ModelFileFuzzTests.Ratings(false)).Save(s);
                break;
            case "segmentation":
                var (points, _) = CrossRec.Tests.Segmentation.KMeansTests.Blobs(60, 3, 2, 1.0, 2);
                global::CrossRec.Segmentation.KMeans(3).Seed(1).Standardize().Fit(points).Save(s);
                break;
            default:
                global::CrossRec.Conversion.Logistic().Fit(ModelFileFuzzTests.ConversionTable.Value, "bought").Save(s);
                break;
        }

        return s.ToArray();
    }

    /// <summary>Rewrites one section with <paramref name="edit"/> and reseals the file (valid SHA-256).</summary>
    private static byte[] Edit(byte[] file, string tag, Action<byte[]> edit)
    {
        var (header, sections) = ModelMutator.Parse(file);
        var index = sections.FindIndex(s => s.Tag == tag);
        Assert.That(index, Is.GreaterThanOrEqualTo(0), $"section {tag}");
        var payload = (byte[])sections[index].Payload.Clone();
        edit(payload);
        sections[index] = (tag, payload);
        return ModelMutator.Build(header, sections);
    }

    private static void AssertRefused(string kind, byte[] file, string expected)
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFileFuzzTests.Load(kind, file))!;
        Assert.That(e.InnerException, Is.Null, "refused by the reader's own validation, not by the guard");
        Assert.That(e.Problem, Does.Contain(expected));
    }

    /// <summary>Offset of the first field after the device string that opens INFO.</summary>
    private static int AfterDevice(byte[] info) => 4 + BinaryPrimitives.ReadInt32LittleEndian(info);

    [Test]
    public void AStringLengthNearIntMaxValueIsRefused() =>
        AssertRefused("factorization", Edit(Model("factorization"), "UIDS", p => BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(4), int.MaxValue - 2)), "string length");

    [Test]
    public void AnArrayLengthNearIntMaxValueIsRefused() =>
        AssertRefused("factorization", Edit(Model("factorization"), "BIAS", p => BinaryPrimitives.WriteInt32LittleEndian(p, int.MaxValue)), "array length");

    [Test]
    public void AScaleWithMinAboveMaxIsRefused() =>
        AssertRefused("factorization", Edit(Model("factorization"), "META", p =>
        {
            p[8] = 1;
            BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(9), 5f);
            BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(13), 1f);
        }), "invalid rating scale");

    [Test]
    public void StoredTrainingOptionsOutOfRangeAreRefused() =>
        AssertRefused("factorization", Edit(Model("factorization"), "INFO", p => BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(AfterDevice(p) + 24), -5)), "stored training options are invalid");

    [Test]
    public void ADurationBeyondTimeSpanIsRefusedNotAnOverflowException() =>
        AssertRefused("factorization", Edit(Model("factorization"), "INFO", p => BinaryPrimitives.WriteDoubleLittleEndian(p.AsSpan(AfterDevice(p) + 8), 1e300)), "is not a duration");

    [Test]
    public void NegativeClusterSizesAreRefused() =>
        AssertRefused("segmentation", Edit(Model("segmentation"), "SHAP", p => BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(13), -3)), "negative cluster size");

    [Test]
    public void ClusterTimesDimensionOverflowIsRefusedNotAnOverflowException() =>
        AssertRefused("segmentation", Edit(Model("segmentation"), "SHAP", p =>
        {
            BinaryPrimitives.WriteInt32LittleEndian(p, 3);
            BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(4), 1 << 20);
        }), "do not fit");

    [Test]
    public void DuplicateEncodedColumnsAreRefusedNotAnArgumentException()
    {
        var file = Model("conversion");
        var columns = ((ConversionModel)ModelFileFuzzTests.Load("conversion", file)).Encoder.Columns;
        Assert.That(columns, Has.Count.GreaterThanOrEqualTo(2));
        var (header, sections) = ModelMutator.Parse(file);
        var at = sections.FindIndex(s => s.Tag == "ENCD");
        sections[at] = ("ENCD", Rename(sections[at].Payload, columns[1], columns[0]));
        AssertRefused("conversion", ModelMutator.Build(header, sections), "appears twice");
    }

    /// <summary>ENCD with the string <paramref name="from"/> (length-prefixed) replaced by <paramref name="to"/>.</summary>
    private static byte[] Rename(byte[] encd, string from, string to)
    {
        var needle = new byte[4 + Encoding.UTF8.GetByteCount(from)];
        BinaryPrimitives.WriteInt32LittleEndian(needle, needle.Length - 4);
        Encoding.UTF8.GetBytes(from, needle.AsSpan(4));
        var at = encd.AsSpan().IndexOf(needle);
        Assert.That(at, Is.GreaterThan(0));
        var replacement = new byte[4 + Encoding.UTF8.GetByteCount(to)];
        BinaryPrimitives.WriteInt32LittleEndian(replacement, replacement.Length - 4);
        Encoding.UTF8.GetBytes(to, replacement.AsSpan(4));
        return [.. encd.AsSpan(0, at), .. replacement, .. encd.AsSpan(at + needle.Length)];
    }

    [Test]
    public void ADuplicatedSectionIsRefused()
    {
        var (header, sections) = ModelMutator.Parse(Model("factorization"));
        sections.Add(sections[0]);
        AssertRefused("factorization", ModelMutator.Build(header, sections), "appears twice");
    }
}
