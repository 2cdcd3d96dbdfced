using System.Globalization;

namespace CrossRec.Trainer.Cli;

/// <summary>
/// A small, strict command-line parser: <c>--name value</c> options and <c>--flag</c> switches. Unknown
/// options, missing values and unparsable numbers are errors that name the option.
/// </summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private Arguments()
    {
    }

    /// <summary>Parses arguments; <paramref name="flags"/> are the options that take no value.</summary>
    public static Arguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> flags)
    {
        var result = new Arguments();
        for (var a = 0; a < args.Count; a++)
        {
            var arg = args[a];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"unexpected argument '{arg}' (options start with --).");
            }

            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (!flags.Contains(name))
            {
                if (a + 1 >= args.Count)
                {
                    throw new UsageException($"option --{name} needs a value.");
                }

                value = args[++a];
            }

            if (!result._values.TryAdd(name, value))
            {
                throw new UsageException($"option --{name} is given twice.");
            }
        }

        return result;
    }

    public bool Has(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v))
        {
            return false;
        }

        return v is null || v is "true" or "1" ? true : v is "false" or "0" ? false : throw new UsageException($"option --{name} takes no value (or true/false), got '{v}'.");
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v : null;
    }

    public int? Int(string name, int min, int max)
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }

        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            throw new UsageException($"option --{name} must be an integer in {min}..{max}, got '{s}'.");
        }

        return v;
    }

    public float? Float(string name, float min, float max)
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }

        if (!float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v) || v < min || v > max)
        {
            throw new UsageException($"option --{name} must be a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}], got '{s}'.");
        }

        return v;
    }

    /// <summary>Throws for options that no part of the command asked about (typos).</summary>
    public void RejectUnknown()
    {
        foreach (var name in _values.Keys)
        {
            if (!_used.Contains(name))
            {
                throw new UsageException($"unknown option --{name}.");
            }
        }
    }
}

/// <summary>A command-line mistake; the message says which option and what is allowed.</summary>
public sealed class UsageException(string message) : Exception(message);
