using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace CrossRec.Persistence;

/// <summary>
/// Reads and verifies a container written by <see cref="ModelFileWriter"/>. The whole file is checked
/// (end marker, SHA-256, section bounds) before any section is handed out, so a truncated or tampered
/// file is refused with a <see cref="ModelFormatException"/> and never half-loaded.
/// </summary>
internal sealed class ModelFileReader
{
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _sections = new(StringComparer.Ordinal);

    private ModelFileReader(string path, string kind, ushort version)
    {
        Path = path;
        Kind = kind;
        Version = version;
    }

    public string Path { get; }

    public string Kind { get; }

    public ushort Version { get; }

    /// <summary>True when the file carried a keyed signature (verified when a key was given).</summary>
    public bool Signed { get; private init; }

    /// <summary>Reads, verifies and indexes a model file of the expected kind (null: any kind); with a key, only a file signed with it is accepted.</summary>
    public static ModelFileReader Open(string path, string? expectedKind, ModelSigningKey? key = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        switch (Data.Parsing.InputFile.Of(path))
        {
            case Data.Parsing.InputFile.Kind.Missing:
                throw new FileNotFoundException($"Model file not found: {path}", path);
            case Data.Parsing.InputFile.Kind.Regular:
                break;
            default:
                // A device such as /dev/zero would be read forever (File.ReadAllBytes of an endless file); a FIFO blocks.
                throw new ModelFormatException(path, $"the path {Data.Parsing.InputFile.Problem(path)}.");
        }

        // A regular file: its length is known before anything is allocated, and the header is checked first,
        // so a large file that is not a model costs one small read.
        using (var head = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            var magic = new byte[ModelFileWriter.Magic.Length];
            if (head.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.AsSpan().SequenceEqual(ModelFileWriter.Magic))
            {
                throw new ModelFormatException(path, "not a CrossRec model file (the 'CROSSREC' header is missing).");
            }

            if (head.Length > Array.MaxLength)
            {
                throw new ModelFormatException(path, $"the file is {head.Length:N0} bytes, more than a model file can hold ({Array.MaxLength:N0}).");
            }
        }

        return Parse(File.ReadAllBytes(path), path, expectedKind, key);
    }

    /// <summary>Reads the rest of a stream, then verifies and indexes it (null kind: any kind).</summary>
    public static ModelFileReader Open(Stream stream, string? expectedKind, ModelSigningKey? key = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        // The header first: an endless or foreign stream (/dev/zero, a text file) is refused after 8 bytes.
        var magic = new byte[ModelFileWriter.Magic.Length];
        var got = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (got < magic.Length || !magic.AsSpan().SequenceEqual(ModelFileWriter.Magic))
        {
            throw new ModelFormatException("(stream)", "not a CrossRec model file (the 'CROSSREC' header is missing).");
        }

        copy.Write(magic);
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), "(stream)", expectedKind, key);
    }

    /// <summary>
    /// Runs a model reader over this file. The readers validate every field before allocating from it;
    /// should an unforeseen inconsistency still surface as another exception, it is reported as a
    /// <see cref="ModelFormatException"/> (with the original as inner exception), so a crafted file can
    /// raise nothing else. A recommender's approximate index, when the file has one, is read and attached here.
    /// </summary>
    public T Read<T>(Func<ModelFileReader, T> read)
    {
        try
        {
            var result = read(this);
            if (result is RecommenderModel model && Has(Serving.Approximate.MipsIndex.SectionTag))
            {
                // A saved approximate index (RecommenderModel.WithApproximateServing) comes back with its model.
                model.ReadApproximateIndex(this);
            }

            return result;
        }
        catch (ModelFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException or IndexOutOfRangeException
                                      or FormatException or KeyNotFoundException or NotSupportedException or InvalidCastException or NullReferenceException)
        {
            throw new ModelFormatException(Path, $"the content is inconsistent ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>Verifies and indexes a container held in memory.</summary>
    public static ModelFileReader Parse(byte[] bytes, string name, string? expectedKind, ModelSigningKey? key = null)
    {
        var magic = ModelFileWriter.Magic;
        var end = ModelFileWriter.EndMagic;
        const int hashLength = 32;
        var signed = bytes.Length >= end.Length && bytes.AsSpan(bytes.Length - end.Length).SequenceEqual(ModelFileWriter.SignedEndMagic);
        var signatureLength = signed ? hashLength : 0;
        if (signed)
        {
            end = ModelFileWriter.SignedEndMagic;
        }

        if (bytes.Length < magic.Length || !bytes.AsSpan(0, magic.Length).SequenceEqual(magic))
        {
            throw new ModelFormatException(name, "not a CrossRec model file (the 'CROSSREC' header is missing).");
        }

        var minimum = magic.Length + 4 + 1 + 4 + hashLength + signatureLength + end.Length;
        if (bytes.Length < minimum || !bytes.AsSpan(bytes.Length - end.Length).SequenceEqual(end))
        {
            throw new ModelFormatException(name, $"the file is truncated ({bytes.Length} bytes, end marker missing); it was not completely written or was cut short.");
        }

        var bodyLength = bytes.Length - end.Length - hashLength - signatureLength;
        var expectedHash = bytes.AsSpan(bodyLength, hashLength);
        var actualHash = SHA256.HashData(bytes.AsSpan(0, bodyLength));
        if (!CryptographicOperations.FixedTimeEquals(expectedHash, actualHash))
        {
            throw new ModelFormatException(name, "checksum mismatch: the file was altered or corrupted after it was written.");
        }

        if (key is not null)
        {
            if (!signed)
            {
                throw new ModelFormatException(name, "the file is not signed, but a signing key was given, so only files signed with that key are accepted (it may not come from your application; re-save it with Save(path, key)).");
            }

            var signature = bytes.AsSpan(bodyLength + hashLength, hashLength);
            if (!CryptographicOperations.FixedTimeEquals(signature, key.Sign(bytes.AsSpan(0, bodyLength))))
            {
                throw new ModelFormatException(name, "the signature does not match the signing key: the file was signed with another key, or altered after it was signed.");
            }
        }

        var body = bytes.AsMemory(0, bodyLength);
        var pos = magic.Length;
        var span = body.Span;
        var version = BinaryPrimitives.ReadUInt16LittleEndian(span[pos..]);
        pos += 4;
        if (version > ModelFileWriter.FormatVersion)
        {
            throw new ModelFormatException(name, $"format version {version} is newer than this CrossRec version reads ({ModelFileWriter.FormatVersion}); upgrade the CrossRec package.");
        }

        int kindLength = span[pos++];
        if (pos + kindLength + 4 > span.Length)
        {
            throw new ModelFormatException(name, "the header is damaged.");
        }

        var kind = Encoding.ASCII.GetString(span.Slice(pos, kindLength));
        pos += kindLength;
        if (expectedKind is not null && kind != expectedKind)
        {
            throw new ModelFormatException(name, $"this file holds a '{kind}' model, not a '{expectedKind}' model.");
        }

        var reader = new ModelFileReader(name, kind, version) { Signed = signed };
        var count = BinaryPrimitives.ReadUInt32LittleEndian(span[pos..]);
        pos += 4;
        for (var s = 0u; s < count; s++)
        {
            if (pos + 12 > span.Length)
            {
                throw new ModelFormatException(name, $"section {s} header runs past the end of the file.");
            }

            var tag = Encoding.ASCII.GetString(span.Slice(pos, 4));
            if (reader._sections.ContainsKey(tag))
            {
                throw new ModelFormatException(name, $"section '{tag}' appears twice.");
            }

            var length = BinaryPrimitives.ReadUInt64LittleEndian(span[(pos + 4)..]);
            pos += 12;
            if (length > (ulong)(span.Length - pos))
            {
                throw new ModelFormatException(name, $"section '{tag}' claims {length} bytes but only {span.Length - pos} remain.");
            }

            reader._sections[tag] = body.Slice(pos, (int)length);
            pos += (int)length;
        }

        if (pos != span.Length)
        {
            throw new ModelFormatException(name, $"{span.Length - pos} unexpected bytes after the last section.");
        }

        return reader;
    }

    public bool Has(string tag) => _sections.ContainsKey(tag);

    /// <summary>The section tags, in file order (tests that craft files from real ones).</summary>
    public IEnumerable<string> Tags => _sections.Keys;

    /// <summary>A section's payload as it is stored (tests that craft files from real ones).</summary>
    public byte[] SectionBytes(string tag) => _sections[tag].ToArray();

    /// <summary>A reader over a required section.</summary>
    public PayloadReader Section(string tag)
    {
        if (!_sections.TryGetValue(tag, out var payload))
        {
            throw new ModelFormatException(Path, $"required section '{tag}' is missing.");
        }

        return new PayloadReader(payload, Path, tag);
    }
}

/// <summary>Reads one section's payload with bounds checks that name the file and section.</summary>
internal sealed class PayloadReader
{
    private readonly ReadOnlyMemory<byte> _payload;
    private readonly string _file;
    private readonly string _tag;
    private int _pos;

    public PayloadReader(ReadOnlyMemory<byte> payload, string file, string tag)
    {
        _payload = payload;
        _file = file;
        _tag = tag;
    }

    public bool AtEnd => _pos == _payload.Length;

    /// <summary>Bytes left to read in the section.</summary>
    public int Remaining => _payload.Length - _pos;

    /// <summary>
    /// Reads an element count and checks, before anything is allocated from it, that it lies in
    /// <paramref name="min"/>..<paramref name="max"/> and that that many elements of at least
    /// <paramref name="minBytesEach"/> bytes fit in what is left of the section.
    /// </summary>
    public int Count(string what, int minBytesEach, int min = 0, int max = int.MaxValue)
    {
        var count = Int32();
        if (count < min || count > max)
        {
            throw Fail($"{what} {count} outside {min}..{max}");
        }

        if ((long)count * minBytesEach > Remaining)
        {
            throw Fail($"{what} {count} needs at least {(long)count * minBytesEach} bytes but {Remaining} remain");
        }

        return count;
    }

    /// <summary>An Int32 that must lie in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public int Int32In(int min, int max, string what)
    {
        var v = Int32();
        if (v < min || v > max)
        {
            throw Fail($"{what} {v} outside {min}..{max}");
        }

        return v;
    }

    /// <summary>A finite Single.</summary>
    public float FiniteSingle(string what)
    {
        var v = Single();
        if (!float.IsFinite(v))
        {
            throw Fail($"{what} is not finite ({v})");
        }

        return v;
    }

    /// <summary>A finite Double.</summary>
    public double FiniteDouble(string what)
    {
        var v = Double();
        if (!double.IsFinite(v))
        {
            throw Fail($"{what} is not finite ({v})");
        }

        return v;
    }

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public bool Boolean() => Take(1)[0] switch
    {
        0 => false,
        1 => true,
        var b => throw Fail($"invalid boolean byte {b}"),
    };

    public string? String()
    {
        var length = Int32();
        if (length == -1)
        {
            return null;
        }

        if (length < 0 || length > Remaining)
        {
            throw Fail($"string length {length} does not fit the {Remaining} bytes left");
        }

        return Encoding.UTF8.GetString(Take(length));
    }

    public string RequiredString() => String() ?? throw Fail("unexpected null string");

    public float[] Singles(int? expectedLength = null) => Array<float>(expectedLength);

    public double[] Doubles(int? expectedLength = null) => Array<double>(expectedLength);

    public int[] Int32s(int? expectedLength = null) => Array<int>(expectedLength);

    public byte[] Bytes() => Array<byte>(null);

    /// <summary>(name, value) pairs written by <see cref="PayloadWriter.Parameters"/>: at most 1000, no name twice.</summary>
    public Dictionary<string, string> Parameters()
    {
        var count = Count("parameters", 8, 0, 1000);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var k = 0; k < count; k++)
        {
            var key = RequiredString();
            if (!parameters.TryAdd(key, RequiredString()))
            {
                throw Fail($"parameter '{key}' appears twice");
            }
        }

        return parameters;
    }

    public string[] Strings(int? expectedLength = null)
    {
        var count = ArrayCount(expectedLength, 4);
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = RequiredString();
        }

        return result;
    }

    /// <summary>Throws unless the whole payload was consumed.</summary>
    public void End()
    {
        if (!AtEnd)
        {
            throw Fail($"{_payload.Length - _pos} unread bytes");
        }
    }

    public ModelFormatException Fail(string problem) => new(_file, $"section '{_tag}' is inconsistent: {problem}.");

    private T[] Array<T>(int? expectedLength)
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        var count = ArrayCount(expectedLength, size);
        var result = new T[count];
        Take(count * size).CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    private int ArrayCount(int? expectedLength, int elementSize)
    {
        var count = Int32();
        if (count < 0 || (long)count * elementSize > _payload.Length - _pos)
        {
            throw Fail($"array length {count} does not fit the section");
        }

        if (expectedLength is { } e && e != count)
        {
            throw Fail($"expected {e} elements, found {count}");
        }

        return count;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _payload.Length - _pos)
        {
            throw Fail($"needs {count} more bytes at offset {_pos} of {_payload.Length}");
        }

        var span = _payload.Span.Slice(_pos, count);
        _pos += count;
        return span;
    }
}
