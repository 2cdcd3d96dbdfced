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
/// </remarks>
internal sealed class LineReader : IDisposable
{
    private readonly Stream _stream;
    private readonly StreamReader? _reader;
    private char[] _buffer = new char[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;

    // Strict UTF-8 mode.
    private byte[] _bytes = [];
    private int _byteStart;
    private int _byteEnd;
    private bool _first = true;

    public LineReader(string path, Encoding? encoding = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file not found: {path}", path);
        }

        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
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

                LineNumber++;
                _first = false;
                line = Decode(raw);
                return true;
            }

            if (_eof)
            {
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
            Array.Resize(ref _bytes, checked(_bytes.Length * 2)); // a line longer than the buffer
        }

        var read = _stream.Read(_bytes, _byteEnd, _bytes.Length - _byteEnd);
        if (read == 0)
        {
            _eof = true;
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
                return true;
            }

            if (_eof)
            {
                if (pending.IsEmpty)
                {
                    line = default;
                    return false;
                }

                line = TrimCarriageReturn(pending);
                _start = _end;
                LineNumber++;
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
            Array.Resize(ref _buffer, checked(_buffer.Length * 2)); // a line longer than the buffer
        }

        var read = _reader!.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private static ReadOnlySpan<char> TrimCarriageReturn(ReadOnlySpan<char> line) =>
        line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
}
