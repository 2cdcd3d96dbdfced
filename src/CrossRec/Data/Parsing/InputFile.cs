using System.Runtime.InteropServices;

namespace CrossRec.Data.Parsing;

/// <summary>
/// What a path given as an input file is: a regular file, missing, a directory, or a special file (a
/// character or block device such as <c>/dev/zero</c>, a FIFO, a socket). Every loader refuses all but a
/// regular file <b>before opening it</b>: a device can be endless and opening a FIFO blocks until a writer
/// appears, so neither may be read "to see".
/// </summary>
internal static partial class InputFile
{
    internal enum Kind
    {
        Missing,
        Regular,
        Directory,
        CharacterDevice,
        BlockDevice,
        Fifo,
        Socket,
        Other,
    }

    /// <summary>The kind of <paramref name="path"/> (symbolic links followed).</summary>
    public static Kind Of(string path)
    {
        if (Directory.Exists(path))
        {
            return Kind.Directory;
        }

        if (!File.Exists(path))
        {
            return Kind.Missing;
        }

        return OperatingSystem.IsWindows() ? Kind.Regular : UnixKind(path);
    }

    /// <summary>
    /// Null when <paramref name="path"/> is a regular file; otherwise what it is, as a sentence fragment
    /// ("is a directory, not a file", "does not exist", ...).
    /// </summary>
    public static string? Problem(string path) => Of(path) switch
    {
        Kind.Regular => null,
        Kind.Missing => "does not exist",
        Kind.Directory => "is a directory, not a file",
        Kind.CharacterDevice => "is a character device (such as /dev/zero or a terminal), not a regular file; it may never end, so it is not read",
        Kind.BlockDevice => "is a block device, not a regular file",
        Kind.Fifo => "is a named pipe (FIFO), not a regular file; write the data to a file first",
        Kind.Socket => "is a socket, not a regular file",
        _ => "is not a regular file",
    };

    /// <summary>
    /// Throws <see cref="IOException"/> naming <paramref name="path"/> unless it is missing or a regular file: a model or
    /// output file is written to a temporary file and renamed over the target, which would replace a directory, a device
    /// (run as root, <c>/dev/null</c> itself), a named pipe or a socket rather than write to it.
    /// </summary>
    public static void RequireReplaceable(string path)
    {
        var kind = Of(path);
        if (kind is Kind.Missing or Kind.Regular)
        {
            return;
        }

        var what = kind switch
        {
            Kind.Directory => "is a directory",
            Kind.CharacterDevice => "is a character device (such as /dev/null)",
            Kind.BlockDevice => "is a block device",
            Kind.Fifo => "is a named pipe (FIFO)",
            Kind.Socket => "is a socket",
            _ => "is not a regular file",
        };
        throw new IOException($"{path} {what}; files are written whole (a temporary file renamed over the target), which would replace it rather than write to it: give a regular file path.");
    }

    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file: <see cref="FileNotFoundException"/> when it
    /// does not exist, <see cref="DataFormatException"/> naming the path when it is a directory or a special file.
    /// </summary>
    public static void RequireRegular(string path, string what = "Data file")
    {
        var kind = Of(path);
        if (kind == Kind.Regular)
        {
            return;
        }

        if (kind == Kind.Missing)
        {
            throw new FileNotFoundException($"{what} not found: {path}", path);
        }

        throw new DataFormatException(path, 0, 0, $"{Problem(path)}.");
    }

    private static Kind UnixKind(string path)
    {
        try
        {
            Span<byte> status = stackalloc byte[256]; // the runtime's FileStatus is about 120 bytes; Mode is its second int32
            if (Stat(path, status) != 0)
            {
                return Kind.Regular; // cannot tell: let the open report it
            }

            return (BitConverter.ToInt32(status[4..]) & 0xF000) switch
            {
                0x8000 => Kind.Regular,
                0x4000 => Kind.Directory,
                0x2000 => Kind.CharacterDevice,
                0x6000 => Kind.BlockDevice,
                0x1000 => Kind.Fifo,
                0xC000 => Kind.Socket,
                _ => Kind.Other,
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Kind.Regular; // a runtime without the shim: the line and size limits still bound the read
        }
    }

    // The .NET runtime's own stat shim (what File.GetAttributes uses); its FileStatus starts with
    // int32 Flags, int32 Mode, where Mode carries the POSIX S_IFMT file-type bits.
    private static unsafe int Stat(string path, Span<byte> status)
    {
        fixed (byte* p = status)
        {
            return SystemNativeStat(path, p);
        }
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SystemNativeStat(string path, byte* output);
}
