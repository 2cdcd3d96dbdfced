using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace CrossRec.Persistence;

/// <summary>
/// Writes CrossRec's versioned, checksummed binary container: a header (magic, format version, model
/// kind), tagged sections, and a SHA-256 trailer over everything before it. Files are written to a
/// temporary file in the target folder, flushed to disk, then renamed over the target, so a crash or a
/// full disk never leaves a half-written model under the real name.
/// </summary>
/// <remarks>
/// Layout (all integers little-endian):
/// <code>
/// "CROSSREC"  u16 formatVersion  u16 reserved  u8 kindLength  kind (ASCII)  u32 sectionCount
/// sectionCount × { 4-byte ASCII tag, u64 length, payload }
/// 32-byte SHA-256 of all bytes above, "CRXR-END"
/// </code>
/// A file signed with a <see cref="ModelSigningKey"/> ends instead with the SHA-256, the 32-byte
/// HMAC-SHA256 of the same bytes, and "CRXR-SIG".
/// </remarks>
internal sealed class ModelFileWriter
{
    internal const ushort FormatVersion = 1;
    internal static ReadOnlySpan<byte> Magic => "CROSSREC"u8;
    internal static ReadOnlySpan<byte> EndMagic => "CRXR-END"u8;
    internal static ReadOnlySpan<byte> SignedEndMagic => "CRXR-SIG"u8;

    private readonly string _kind;
    private readonly List<(string Tag, byte[] Payload)> _sections = new();

    public ModelFileWriter(string kind)
    {
        if (kind.Length is 0 or > 255 || !Ascii.IsValid(kind))
        {
            throw new ArgumentException("Model kind must be 1..255 ASCII characters.", nameof(kind));
        }

        _kind = kind;
    }

    /// <summary>Adds a section built by a <see cref="PayloadWriter"/>.</summary>
    public void Add(string tag, PayloadWriter payload)
    {
        if (tag.Length != 4 || !Ascii.IsValid(tag))
        {
            throw new ArgumentException("A section tag is exactly 4 ASCII characters.", nameof(tag));
        }

        foreach (var s in _sections)
        {
            if (s.Tag == tag)
            {
                throw new ArgumentException($"Section '{tag}' was added twice.", nameof(tag));
            }
        }

        _sections.Add((tag, payload.ToArray()));
    }

    /// <summary>Writes the file atomically (temporary file + rename), signed when a key is given.</summary>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/>, not the temporary file.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder or file is not writable; the message names <paramref name="path"/>.</exception>
    public void WriteAtomically(string path, ModelSigningKey? key = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            InputFile.RequireReplaceable(full);
            Directory.CreateDirectory(dir);
            RemoveStaleTemporaries(dir, Path.GetFileName(full));
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(stream, key);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(temp);
            throw new UnauthorizedAccessException($"Cannot save the model to {full}: access denied ({Describe(e, temp)}).", e);
        }
        catch (IOException e)
        {
            TryDelete(temp);
            throw new IOException($"Cannot save the model to {full}: {Describe(e, temp)}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes the container to a stream (not atomic; for in-memory use and tests), signed when a key is given.</summary>
    public void WriteTo(Stream stream, ModelSigningKey? key = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var hmac = key?.CreateHmac();
        void Put(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            hash.AppendData(bytes);
            hmac?.AppendData(bytes);
        }

        Span<byte> buf = stackalloc byte[16];
        Put(Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(buf, FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(buf[2..], 0);
        Put(buf[..4]);
        buf[0] = (byte)_kind.Length;
        Put(buf[..1]);
        Put(Encoding.ASCII.GetBytes(_kind));
        BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)_sections.Count);
        Put(buf[..4]);
        foreach (var (tag, payload) in _sections)
        {
            Put(Encoding.ASCII.GetBytes(tag));
            BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)payload.LongLength);
            Put(buf[..8]);
            Put(payload);
        }

        stream.Write(hash.GetHashAndReset());
        if (hmac is null)
        {
            stream.Write(EndMagic);
            return;
        }

        stream.Write(hmac.GetHashAndReset());
        stream.Write(SignedEndMagic);
    }

    /// <summary>
    /// Removes the <c>.NAME.PID.GUID.tmp</c> files that saves to the same path left when their process was
    /// killed mid-write (the previous model stays intact, but the temporary file would stay forever). A
    /// temporary file of a live process (a concurrent save) is left alone. Returns the number removed.
    /// </summary>
    internal static int RemoveStaleTemporaries(string dir, string name)
    {
        var removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(dir, $".{name}.*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (var file in candidates)
        {
            var middle = Path.GetFileName(file)[(name.Length + 2)..^4]; // PID.GUID
            var dot = middle.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || middle.Length - dot - 1 != 32 || !int.TryParse(middle.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || IsAlive(pid))
            {
                continue;
            }

            try
            {
                File.Delete(file);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return removed;
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>An I/O error's message with the hidden temporary file's name replaced by a description.</summary>
    private static string Describe(Exception e, string temp) =>
        e.Message.Replace(temp, "(temporary file beside it)", StringComparison.Ordinal).Replace(Path.GetFileName(temp), "(temporary file)", StringComparison.Ordinal);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original file is untouched either way.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Builds one section's payload: little-endian scalars, arrays and strings.</summary>
internal sealed class PayloadWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public PayloadWriter Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public PayloadWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public PayloadWriter Single(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public PayloadWriter Double(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public PayloadWriter Boolean(bool value)
    {
        _buffer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _buffer.Advance(1);
        return this;
    }

    public PayloadWriter String(string? value)
    {
        if (value is null)
        {
            return Int32(-1);
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        Int32(bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>Length-prefixed float array.</summary>
    public PayloadWriter Singles(ReadOnlySpan<float> values)
    {
        Int32(values.Length);
        WriteRaw(values);
        return this;
    }

    /// <summary>Length-prefixed double array.</summary>
    public PayloadWriter Doubles(ReadOnlySpan<double> values)
    {
        Int32(values.Length);
        WriteRaw(values);
        return this;
    }

    /// <summary>Length-prefixed int array.</summary>
    public PayloadWriter Int32s(ReadOnlySpan<int> values)
    {
        Int32(values.Length);
        WriteRaw(values);
        return this;
    }

    /// <summary>Count-prefixed list of strings.</summary>
    public PayloadWriter Strings(IReadOnlyList<string> values)
    {
        Int32(values.Count);
        foreach (var v in values)
        {
            String(v);
        }

        return this;
    }

    /// <summary>Count-prefixed (name, value) string pairs, sorted by name (ordinal): hyperparameters.</summary>
    public PayloadWriter Parameters(IReadOnlyDictionary<string, string> parameters)
    {
        Int32(parameters.Count);
        foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            String(key).String(value);
        }

        return this;
    }

    /// <summary>Length-prefixed byte array (a nested model file, say).</summary>
    public PayloadWriter Bytes(ReadOnlySpan<byte> values)
    {
        Int32(values.Length);
        _buffer.Write(values);
        return this;
    }

    /// <summary>Bytes as they are, no length prefix (a section payload copied from another file).</summary>
    public PayloadWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void WriteRaw<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("CrossRec model files are written on little-endian machines only.");
        }

        _buffer.Write(bytes);
    }
}
