using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace CrossRec.Data.Parsing;

/// <summary>
/// Streams the lines of a text file as spans over one reusable buffer: no string per line, CRLF and LF,
/// BOM detection, a missing final newline tolerated. A returned span is valid until the next call.
/// </summary>
/// <remarks>
/// Without an explicit encoding the file is read as <b>strict</b> UTF-8: lines are split on the byte 0x0A
/// (which never occurs inside a multi-byte UTF-8 sequence) and each line is decoded on its own, so an
/// invalid byte sequence is pinned to its line (<see cref="InvalidByteOffset"/>) instead of being replaced
/// by U+FFFD without a word (which merges Latin-1 ids such as <c>café</c> and <c>cafè</c>). A UTF-16 BOM
/// switches to a UTF-16 decoder. An explicit encoding is used as given (its own fallback decides what
/// happens to invalid bytes).
/// <para>
/// Reading is bounded: a line longer than the limit (<see cref="DefaultMaxLineBytes"/> unless the caller
/// sets another) is a <see cref="DataFormatException"/> naming the file and line <b>before</b> the buffer
/// grows past it, so an endless line (<c>/dev/zero</c>, a binary file, a file with CR-only line ends)
/// costs at most a few MB and milliseconds. Directories and special files (devices, FIFOs) are refused by
/// name before they are opened. A file that changed while it was read (a writer still appending, or
/// rewriting it in place) is refused at its end: its length and last-write time, taken from the open
/// handle when it was opened, must be unchanged and every byte of that length read. A last line without a
/// line end is flagged (<see cref="LastLineUnterminated"/>): a half-written row in a file whose writer is
/// paused looks exactly like that, and nothing else can tell it from a file that simply lacks the final
/// newline, so the loaders name it in their reports.
/// </para>
/// </remarks>
internal sealed class LineReader : IDisposable
{
    /// <summary>The default longest line, in bytes (UTF-8) or chars (another encoding): 1 MiB.</summary>
    public const int DefaultMaxLineBytes = 1 << 20;

    private readonly string _path;
    private readonly int _maxLine;
    private readonly Stream _stream;
    private readonly StreamReader? _reader;
    private char[] _buffer = new char[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;
    private readonly long _lengthAtOpen;
    private readonly DateTime _writtenAtOpen;

    // Strict UTF-8 mode.
    private byte[] _bytes = [];
    private int _byteStart;
    private int _byteEnd;
    private bool _first = true;

    public LineReader(string path, Encoding? encoding = null, int maxLineBytes = DefaultMaxLineBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 16);
        InputFile.RequireRegular(path);
        _path = path;
        _maxLine = maxLineBytes;
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        (_lengthAtOpen, _writtenAtOpen) = Stamp();
        if (encoding is null)
        {
            var head = new byte[2];
            var n = _stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            _stream.Position = 0;
            var utf16 = n == 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF));
            if (!utf16)
            {
                _bytes = new byte[1 << 16];
                return;
            }

            encoding = head[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode;
        }

        _reader = new StreamReader(_stream, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    /// <summary>
    /// Test hook: called with the path when the reader first meets the end of the file, before it returns the
    /// file's last line. Async-local, so a test that sets it affects only its own reads.
    /// </summary>
    internal static AsyncLocal<Action<string>?> EndOfFileReached { get; } = new();

    /// <summary>True when the line last returned was the file's last and had no line end (possibly cut short by a writer).</summary>
    public bool LastLineUnterminated { get; private set; }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// -1 when the line last returned is valid text; otherwise the 0-based byte offset, within that line,
    /// of its first invalid UTF-8 sequence (the line is then returned with U+FFFD in place of invalid bytes).
    /// </summary>
    public int InvalidByteOffset { get; private set; } = -1;

    /// <summary>When <see cref="InvalidByteOffset"/> is set: the 0-based char index of the first replacement in the returned line.</summary>
    public int InvalidCharOffset { get; private set; } = -1;

    /// <summary>When <see cref="InvalidByteOffset"/> is set: up to 4 bytes from the invalid sequence on, in hex (e.g. "E9 2C").</summary>
    public string InvalidBytes { get; private set; } = "";

    public bool TryReadLine(out ReadOnlySpan<char> line) =>
        _reader is null ? TryReadUtf8Line(out line) : TryReadDecodedLine(out line);

    public void Dispose()
    {
        _reader?.Dispose();
        _stream.Dispose();
    }

    private bool TryReadUtf8Line(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            var pending = _bytes.AsSpan(_byteStart, _byteEnd - _byteStart);
            if (_first && (pending.Length >= 3 || _eof))
            {
                _first = false;
                if (pending.StartsWith("\uFEFF"u8))
                {
                    _byteStart += 3;
                    continue;
                }
            }

            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0 || (_eof && !pending.IsEmpty))
            {
                var raw = newline >= 0 ? pending[..newline] : pending;
                _byteStart = newline >= 0 ? _byteStart + newline + 1 : _byteEnd;
                if (raw.Length > 0 && raw[^1] == (byte)'\r')
                {
                    raw = raw[..^1];
                }

                LastLineUnterminated = newline < 0;
                LineNumber++;
                _first = false;
                line = Decode(raw);
                return true;
            }

            if (_eof)
            {
                CheckNotGrown();
                line = default;
                return false;
            }

            FillBytes();
        }
    }

    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> raw)
    {
        InvalidByteOffset = -1;
        InvalidCharOffset = -1;
        if (_buffer.Length < raw.Length)
        {
            _buffer = new char[Math.Max(raw.Length, _buffer.Length * 2)];
        }

        var status = Utf8.ToUtf16(raw, _buffer, out var read, out var written, replaceInvalidSequences: false);
        if (status == OperationStatus.Done)
        {
            return _buffer.AsSpan(0, written);
        }

        InvalidByteOffset = read;
        InvalidCharOffset = written;
        InvalidBytes = string.Join(" ", raw.Slice(read, Math.Min(4, raw.Length - read)).ToArray().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
        Utf8.ToUtf16(raw, _buffer, out _, out written, replaceInvalidSequences: true);
        return _buffer.AsSpan(0, written);
    }

    private void FillBytes()
    {
        var pending = _byteEnd - _byteStart;
        if (_byteStart > 0)
        {
            Array.Copy(_bytes, _byteStart, _bytes, 0, pending);
            _byteStart = 0;
            _byteEnd = pending;
        }

        if (_byteEnd == _bytes.Length)
        {
            // A line longer than the buffer: grow it, but never past the limit.
            if (_byteEnd >= _maxLine)
            {
                throw TooLong();
            }

            Array.Resize(ref _bytes, Math.Min(_bytes.Length * 2, _maxLine + 1));
        }

        var read = _stream.Read(_bytes, _byteEnd, _bytes.Length - _byteEnd);
        if (read == 0)
        {
            _eof = true;
            EndOfFileReached.Value?.Invoke(_path);
        }

        _byteEnd += read;
    }

    private bool TryReadDecodedLine(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var newline = pending.IndexOf('\n');
            if (newline >= 0)
            {
                line = TrimCarriageReturn(pending[..newline]);
                _start += newline + 1;
                LineNumber++;
                LastLineUnterminated = false;
                return true;
            }

            if (_eof)
            {
                if (pending.IsEmpty)
                {
                    CheckNotGrown();
                    line = default;
                    return false;
                }

                line = TrimCarriageReturn(pending);
                _start = _end;
                LineNumber++;
                LastLineUnterminated = true;
                return true;
            }

            Fill();
        }
    }

    private void Fill()
    {
        var pending = _end - _start;
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, pending);
            _start = 0;
            _end = pending;
        }

        if (_end == _buffer.Length)
        {
            if (_end >= _maxLine)
            {
                throw TooLong();
            }

            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxLine + 1));
        }

        var read = _reader!.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
            EndOfFileReached.Value?.Invoke(_path);
        }

        _end += read;
    }

    private DataFormatException TooLong() => new(_path, LineNumber + 1, 0,
        $"the line is longer than {_maxLine:N0} {(_reader is null ? "bytes" : "characters")} (LoadOptions.MaxLineBytes) without a line end: not a text file of rows (a device, a binary or compressed file, CR-only line ends?).");

    /// <summary>The file's length and last-write time, from the open handle (not the path: a file renamed over the path is another file).</summary>
    private (long Length, DateTime Written) Stamp()
    {
        try
        {
            var handle = _stream is FileStream f ? f.SafeFileHandle : null;
            return handle is null ? (-1, default) : (RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return (-1, default);
        }
    }

    /// <summary>
    /// At the end of the file: refuses a file that changed while it was read (a writer still appending, or
    /// rewriting it in place), comparing its length and last-write time now with those at open and with the
    /// bytes read.
    /// </summary>
    private void CheckNotGrown()
    {
        var (length, written) = Stamp();
        if (length < 0 || _lengthAtOpen < 0)
        {
            return;
        }

        var read = _stream.Position;
        if (length != read || length != _lengthAtOpen || written != _writtenAtOpen)
        {
            var what = length > read ? "grew" : length < read ? "shrank" : "was rewritten";
            throw new DataFormatException(_path, LineNumber, 0, $"the file changed while it was read ({what}: {_lengthAtOpen:N0} bytes when opened, {read:N0} bytes read, {length:N0} bytes now"
                + (written != _writtenAtOpen ? $", last written {written:O}, after it was opened" : "")
                + "): it is still being written, so its last rows may be incomplete. Load it once the writer has finished (a writer should write to a temporary name and rename when done).");
        }
    }

    private static ReadOnlySpan<char> TrimCarriageReturn(ReadOnlySpan<char> line) =>
        line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
}
