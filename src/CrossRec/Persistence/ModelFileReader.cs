using System.Buffers;
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
/// <remarks>
/// A file (or a seekable stream) is verified in one streaming pass and its sections are then read on demand
/// straight into the arrays the model keeps, so loading never holds the file's bytes and the model at once;
/// <see cref="Read{T}"/> closes the file when the model is built. A stream that cannot seek is copied into memory
/// first. Between the verification and the reads the file is held open: a save replaces a model by renaming a new file
/// over it, which leaves the open one intact.
/// </remarks>
internal sealed class ModelFileReader
{
    private const int HashLength = 32;
    private readonly Dictionary<string, (long Offset, int Length)> _sections = new(StringComparer.Ordinal);
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly Stream? _stream;
    private readonly long _base;
    private readonly bool _ownsStream;
    private readonly long _end;

    private ModelFileReader(string path, string kind, ushort version, ReadOnlyMemory<byte> memory, Stream? stream, long origin, long end, bool ownsStream)
    {
        _end = end;
        Path = path;
        Kind = kind;
        Version = version;
        _memory = memory;
        _stream = stream;
        _base = origin;
        _ownsStream = ownsStream;
    }

    public string Path { get; }

    public string Kind { get; }

    public ushort Version { get; }

    /// <summary>True when the file carried a keyed signature (verified when a key was given).</summary>
    public bool Signed { get; private init; }

    /// <summary>Opens, verifies and indexes a model file of the expected kind (null: any kind); with a key, only a file signed with it is accepted.</summary>
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
                // A device such as /dev/zero would be read forever; a FIFO blocks.
                throw new ModelFormatException(path, $"the path {Data.Parsing.InputFile.Problem(path)}.");
        }

        // A regular file: its length is known before anything is read, and the header is checked first,
        // so a large file that is not a model costs one small read.
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            var magic = new byte[ModelFileWriter.Magic.Length];
            if (file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.AsSpan().SequenceEqual(ModelFileWriter.Magic))
            {
                throw new ModelFormatException(path, "not a CrossRec model file (the 'CROSSREC' header is missing).");
            }

            return Index(null, file, 0, file.Length, ownsStream: true, path, expectedKind, key);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Verifies and indexes the rest of a stream (null kind: any kind). A seekable stream is read in place (and left open);
    /// another is copied into memory first.
    /// </summary>
    public static ModelFileReader Open(Stream stream, string? expectedKind, ModelSigningKey? key = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        const string name = "(stream)";

        // The header first: an endless or foreign stream (/dev/zero, a text file) is refused after 8 bytes.
        var origin = stream.CanSeek ? stream.Position : 0;
        var magic = new byte[ModelFileWriter.Magic.Length];
        var got = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (got < magic.Length || !magic.AsSpan().SequenceEqual(ModelFileWriter.Magic))
        {
            throw new ModelFormatException(name, "not a CrossRec model file (the 'CROSSREC' header is missing).");
        }

        if (stream.CanSeek)
        {
            return Index(null, stream, origin, stream.Length - origin, ownsStream: false, name, expectedKind, key);
        }

        using var copy = new MemoryStream();
        copy.Write(magic);
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), name, expectedKind, key);
    }

    /// <summary>
    /// Runs a model reader over this file and closes the file. The readers validate every field before allocating from it;
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
        catch (IOException e)
        {
            throw new ModelFormatException(Path, $"the file could not be read after it was verified ({e.Message})", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException or IndexOutOfRangeException
                                      or FormatException or KeyNotFoundException or NotSupportedException or InvalidCastException or NullReferenceException)
        {
            throw new ModelFormatException(Path, $"the content is inconsistent ({e.GetType().Name}: {e.Message})", e);
        }
        finally
        {
            if (_ownsStream)
            {
                _stream!.Dispose();
            }
            else if (_stream is { CanSeek: true })
            {
                // A caller's stream is left at its end, where reading it through (the non-seekable path) leaves it.
                _stream.Position = _end;
            }
        }
    }

    /// <summary>Verifies and indexes a container held in memory.</summary>
    public static ModelFileReader Parse(byte[] bytes, string name, string? expectedKind, ModelSigningKey? key = null) =>
        Index(bytes, null, 0, bytes.Length, ownsStream: false, name, expectedKind, key);

    /// <summary>
    /// A container nested in a section of this file (a blend's component): the next <c>Bytes</c> field of
    /// <paramref name="section"/>, verified and indexed where it lies, without copying it out.
    /// </summary>
    public ModelFileReader Nested(PayloadReader section, string name, string? expectedKind)
    {
        var (offset, length) = section.TakeWindow();
        return _stream is null
            ? Index(_memory.Slice((int)offset, length).ToArray(), null, 0, length, ownsStream: false, name, expectedKind, null)
            : Index(null, _stream, _base + offset, length, ownsStream: false, name, expectedKind, null);
    }

    public bool Has(string tag) => _sections.ContainsKey(tag);

    /// <summary>A section's payload as it is stored (tests that craft files from real ones).</summary>
    public byte[] SectionBytes(string tag)
    {
        var (offset, length) = _sections[tag];
        var bytes = new byte[length];
        ReadAt(offset, bytes);
        return bytes;
    }

    /// <summary>A reader over a required section.</summary>
    public PayloadReader Section(string tag)
    {
        if (!_sections.TryGetValue(tag, out var section))
        {
            throw new ModelFormatException(Path, $"required section '{tag}' is missing.");
        }

        return _stream is null
            ? new PayloadReader(_memory.Slice((int)section.Offset, section.Length), Path, tag, section.Offset)
            : new PayloadReader(_stream, _base + section.Offset, section.Length, Path, tag, section.Offset);
    }

    /// <summary>
    /// Verifies a container of <paramref name="length"/> bytes (in <paramref name="bytes"/>, or in <paramref name="stream"/>
    /// from <paramref name="origin"/>): end marker, SHA-256 (and signature), then the header and the section table.
    /// </summary>
    private static ModelFileReader Index(byte[]? bytes, Stream? stream, long origin, long length, bool ownsStream, string name, string? expectedKind, ModelSigningKey? key)
    {
        void ReadAt(long offset, Span<byte> into)
        {
            if (bytes is not null)
            {
                bytes.AsSpan((int)offset, into.Length).CopyTo(into);
                return;
            }

            stream!.Position = origin + offset;
            stream.ReadExactly(into);
        }

        var magic = ModelFileWriter.Magic;
        var endLength = ModelFileWriter.EndMagic.Length;
        Span<byte> small = stackalloc byte[16];
        if (length < magic.Length)
        {
            throw new ModelFormatException(name, "not a CrossRec model file (the 'CROSSREC' header is missing).");
        }

        ReadAt(0, small[..magic.Length]);
        if (!small[..magic.Length].SequenceEqual(magic))
        {
            throw new ModelFormatException(name, "not a CrossRec model file (the 'CROSSREC' header is missing).");
        }

        var signed = false;
        if (length >= endLength)
        {
            ReadAt(length - endLength, small[..endLength]);
            signed = small[..endLength].SequenceEqual(ModelFileWriter.SignedEndMagic);
        }

        var signatureLength = signed ? HashLength : 0;
        var end = signed ? ModelFileWriter.SignedEndMagic : ModelFileWriter.EndMagic;
        var minimum = magic.Length + 4 + 1 + 4 + HashLength + signatureLength + endLength;
        if (length < minimum || !small[..endLength].SequenceEqual(end))
        {
            throw new ModelFormatException(name, $"the file is truncated ({length} bytes, end marker missing); it was not completely written or was cut short.");
        }

        var bodyLength = length - endLength - HashLength - signatureLength;
        var trailer = new byte[HashLength + signatureLength];
        ReadAt(bodyLength, trailer);
        byte[] actualHash;
        byte[]? actualSignature = null;
        if (bytes is not null)
        {
            var body = bytes.AsSpan(0, (int)bodyLength);
            actualHash = SHA256.HashData(body);
            if (key is not null && signed)
            {
                actualSignature = key.Sign(body);
            }
        }
        else
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var hmac = key is not null && signed ? key.CreateHmac() : null;
            var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
            try
            {
                stream!.Position = origin;
                for (var left = bodyLength; left > 0;)
                {
                    var chunk = buffer.AsSpan(0, (int)Math.Min(left, buffer.Length));
                    stream.ReadExactly(chunk);
                    hash.AppendData(chunk);
                    hmac?.AppendData(chunk);
                    left -= chunk.Length;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            actualHash = hash.GetHashAndReset();
            actualSignature = hmac?.GetHashAndReset();
        }

        if (!CryptographicOperations.FixedTimeEquals(trailer.AsSpan(0, HashLength), actualHash))
        {
            throw new ModelFormatException(name, "checksum mismatch: the file was altered or corrupted after it was written.");
        }

        if (key is not null)
        {
            if (!signed)
            {
                throw new ModelFormatException(name, "the file is not signed, but a signing key was given, so only files signed with that key are accepted (it may not come from your application; re-save it with Save(path, key)).");
            }

            if (!CryptographicOperations.FixedTimeEquals(trailer.AsSpan(HashLength, HashLength), actualSignature))
            {
                throw new ModelFormatException(name, "the signature does not match the signing key: the file was signed with another key, or altered after it was signed.");
            }
        }

        long pos = magic.Length;
        if (pos + 5 > bodyLength)
        {
            throw new ModelFormatException(name, "the header is damaged.");
        }

        ReadAt(pos, small[..5]);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(small);
        int kindLength = small[4];
        pos += 5;
        if (version > ModelFileWriter.FormatVersion)
        {
            throw new ModelFormatException(name, $"format version {version} is newer than this CrossRec version reads ({ModelFileWriter.FormatVersion}); upgrade the CrossRec package.");
        }

        if (pos + kindLength + 4 > bodyLength)
        {
            throw new ModelFormatException(name, "the header is damaged.");
        }

        var kindBytes = new byte[kindLength];
        ReadAt(pos, kindBytes);
        var kind = Encoding.ASCII.GetString(kindBytes);
        pos += kindLength;
        if (expectedKind is not null && kind != expectedKind)
        {
            throw new ModelFormatException(name, $"this file holds a '{kind}' model, not a '{expectedKind}' model.");
        }

        var reader = new ModelFileReader(name, kind, version, bytes, stream, origin, origin + length, ownsStream) { Signed = signed };
        ReadAt(pos, small[..4]);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(small);
        pos += 4;
        for (var s = 0u; s < count; s++)
        {
            if (pos + 12 > bodyLength)
            {
                throw new ModelFormatException(name, $"section {s} header runs past the end of the file.");
            }

            ReadAt(pos, small[..12]);
            var tag = Encoding.ASCII.GetString(small[..4]);
            if (reader._sections.ContainsKey(tag))
            {
                throw new ModelFormatException(name, $"section '{tag}' appears twice.");
            }

            var sectionLength = BinaryPrimitives.ReadUInt64LittleEndian(small[4..]);
            pos += 12;
            if (sectionLength > (ulong)(bodyLength - pos))
            {
                throw new ModelFormatException(name, $"section '{tag}' claims {sectionLength} bytes but only {bodyLength - pos} remain.");
            }

            if (sectionLength > (ulong)Array.MaxLength)
            {
                throw new ModelFormatException(name, $"section '{tag}' holds {sectionLength:N0} bytes, more than a section can ({Array.MaxLength:N0}).");
            }

            reader._sections[tag] = (pos, (int)sectionLength);
            pos += (long)sectionLength;
        }

        if (pos != bodyLength)
        {
            throw new ModelFormatException(name, $"{bodyLength - pos} unexpected bytes after the last section.");
        }

        return reader;
    }

    /// <summary>The section tags, in file order (tests that craft files from real ones).</summary>
    public IEnumerable<string> Tags => _sections.Keys;

    private void ReadAt(long offset, Span<byte> into)
    {
        if (_stream is null)
        {
            _memory.Span.Slice((int)offset, into.Length).CopyTo(into);
            return;
        }

        _stream.Position = _base + offset;
        _stream.ReadExactly(into);
    }
}

/// <summary>
/// Reads one section's payload with bounds checks that name the file and section: from memory, or from a seekable
/// stream, arrays straight into the array returned.
/// </summary>
internal sealed class PayloadReader
{
    private readonly ReadOnlyMemory<byte> _payload;
    private readonly Stream? _stream;
    private readonly long _start;
    private readonly int _length;
    private readonly long _offset;
    private readonly string _file;
    private readonly string _tag;
    private byte[] _scratch = [];
    private int _pos;

    public PayloadReader(ReadOnlyMemory<byte> payload, string file, string tag, long offset = 0)
    {
        _payload = payload;
        _length = payload.Length;
        _offset = offset;
        _file = file;
        _tag = tag;
    }

    /// <summary>A section of <paramref name="length"/> bytes at <paramref name="start"/> of a seekable stream (read on demand).</summary>
    public PayloadReader(Stream stream, long start, int length, string file, string tag, long offset)
    {
        _stream = stream;
        _start = start;
        _length = length;
        _offset = offset;
        _file = file;
        _tag = tag;
    }

    public bool AtEnd => _pos == _length;

    /// <summary>Bytes left to read in the section.</summary>
    public int Remaining => _length - _pos;

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

    /// <summary>Skips a length-prefixed byte array (as <see cref="Bytes"/> reads it) and returns where it lies in the container: a nested file read in place.</summary>
    public (long Offset, int Length) TakeWindow()
    {
        var count = ArrayCount(null, 1);
        var at = _offset + _pos;
        _pos += count;
        return (at, count);
    }

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
            throw Fail($"{_length - _pos} unread bytes");
        }
    }

    public ModelFormatException Fail(string problem) => new(_file, $"section '{_tag}' is inconsistent: {problem}.");

    private T[] Array<T>(int? expectedLength)
        where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        var count = ArrayCount(expectedLength, size);
        var result = new T[count];
        var into = MemoryMarshal.AsBytes(result.AsSpan());
        if (_stream is null)
        {
            Take(count * size).CopyTo(into);
        }
        else
        {
            // Straight from the file into the model's array: no copy of the section is held.
            _stream.Position = _start + _pos;
            _stream.ReadExactly(into);
            _pos += into.Length;
        }

        return result;
    }

    private int ArrayCount(int? expectedLength, int elementSize)
    {
        var count = Int32();
        if (count < 0 || (long)count * elementSize > _length - _pos)
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
        if (count < 0 || count > _length - _pos)
        {
            throw Fail($"needs {count} more bytes at offset {_pos} of {_length}");
        }

        if (_stream is null)
        {
            var span = _payload.Span.Slice(_pos, count);
            _pos += count;
            return span;
        }

        if (_scratch.Length < count)
        {
            _scratch = new byte[Math.Max(count, 64)];
        }

        var scratch = _scratch.AsSpan(0, count);
        _stream.Position = _start + _pos;
        _stream.ReadExactly(scratch);
        _pos += count;
        return scratch;
    }
}
