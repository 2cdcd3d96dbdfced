using System.Text;

namespace CrossRec.Trainer.Cli;

/// <summary>
/// Path options checked up front, so a mistake is one line naming the option instead of a stack trace
/// halfway through a run: an input must be an existing regular file (not a directory, a device such as
/// <c>/dev/zero</c> or a FIFO); an output must not be a directory or a special file. Outputs are written
/// like model files: to a temporary file beside the target, flushed to disk, then renamed over it, so a
/// killed run leaves the previous output whole; temporary files a killed run left are removed on the next
/// write to the same path.
/// </summary>
public static class CliFiles
{
    /// <summary>Throws <see cref="OptionException"/> unless <paramref name="path"/> is an existing regular file.</summary>
    public static string Input(string option, string path)
    {
        if (Directory.Exists(path))
        {
            throw new OptionException(option, $"'{path}' is a directory; give a file.");
        }

        if (!File.Exists(path))
        {
            throw new OptionException(option, $"'{path}' does not exist.");
        }

        if (Special(path) is { } what)
        {
            throw new OptionException(option, $"'{path}' is {what}, not a regular file; give a file.");
        }

        return path;
    }

    /// <summary>Throws <see cref="OptionException"/> when <paramref name="path"/> cannot be an output file (a directory, a special file, an empty name).</summary>
    public static string Output(string option, string path)
    {
        if (path.Length == 0 || path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar))
        {
            throw new OptionException(option, $"'{path}' names a folder; give a file path.");
        }

        if (Directory.Exists(path))
        {
            throw new OptionException(option, $"'{path}' is a directory; give a file path.");
        }

        // Outputs are written whole (a temporary file renamed over the target): a device or kernel file would be
        // replaced, not written to (as root, /dev/null itself), so both are refused.
        if (Special(path) is { } special)
        {
            throw new OptionException(option, $"'{path}' is {special}; outputs are written whole and would replace it: give a regular file path.");
        }

        return path;
    }

    /// <summary>Runs a library save (itself atomic) and turns a failure into one line naming the option.</summary>
    public static void Save(string option, string path, Action<string> save)
    {
        Output(option, path);
        try
        {
            save(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionException(option, e.Message);
        }
    }

    /// <summary>
    /// Writes a text output atomically: a temporary file in the target's folder, flushed to disk, renamed over
    /// <paramref name="path"/>. A failure names the option and the path; the previous file is untouched.
    /// </summary>
    public static void WriteText(string option, string path, Action<TextWriter> write)
    {
        Output(option, path);
        if (File.Exists(path) && Special(path) is "a device")
        {
            // /dev/null or a terminal: nothing to protect, and a device cannot be renamed over.
            using var direct = new StreamWriter(path, append: false, new UTF8Encoding(false));
            write(direct);
            return;
        }

        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        string? temp = null;
        try
        {
            Directory.CreateDirectory(dir);
            RemoveStaleTemporaries(dir, name);
            temp = Path.Combine(dir, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16))
            {
                write(writer);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
            temp = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionException(option, $"cannot write '{path}': {e.Message.Replace(temp ?? "\0", "(temporary file)", StringComparison.Ordinal)}");
        }
        finally
        {
            if (temp is not null)
            {
                try
                {
                    File.Delete(temp);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>
    /// Removes <c>.NAME.PID.GUID.tmp</c> files beside an output whose writing process is gone (a killed run);
    /// files of a live process (a concurrent writer) are left alone.
    /// </summary>
    public static int RemoveStaleTemporaries(string dir, string name)
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(dir, $".{name}.*.tmp"))
        {
            var middle = Path.GetFileName(file)[(name.Length + 2)..^4]; // PID.GUID
            var dot = middle.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || !int.TryParse(middle.AsSpan(0, dot), out var pid) || middle.Length - dot - 1 != 32 || Alive(pid))
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

    private static bool Alive(int pid)
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

    /// <summary>What a non-regular file is ("a character device", ...), or null for a regular file (or where this cannot be told).</summary>
    private static string? Special(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            // /dev holds devices (endless, or a terminal); /proc and /sys kernel files. The library's loaders
            // also refuse a device or FIFO anywhere by its file type; this names the option first.
            var info = new FileInfo(path);
            var resolved = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName : info.FullName;
            return resolved.StartsWith("/dev/", StringComparison.Ordinal) ? "a device"
                : resolved.StartsWith("/proc/", StringComparison.Ordinal) || resolved.StartsWith("/sys/", StringComparison.Ordinal) ? "a kernel file"
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
