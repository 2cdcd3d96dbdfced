using System.Globalization;

namespace CrossRec.Internal;

/// <summary>Option validation with messages that name the option and its allowed range.</summary>
internal static class Check
{
    public static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in {min}..{max}; got {value}.");
        }
    }

    public static void Range(long value, long min, long max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in {min}..{max}; got {value}.");
        }
    }

    /// <summary>min &lt; value ≤ max, finite.</summary>
    public static void OpenClosed(double value, double min, double max, string name)
    {
        if (!double.IsFinite(value) || value <= min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be greater than {F(min)} and at most {F(max)}; got {F(value)}.");
        }
    }

    /// <summary>min ≤ value ≤ max, finite.</summary>
    public static void Closed(double value, double min, double max, string name)
    {
        if (!double.IsFinite(value) || value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{F(min)}, {F(max)}]; got {F(value)}.");
        }
    }

    /// <summary>min &lt; value &lt; max, finite.</summary>
    public static void Open(double value, double min, double max, string name)
    {
        if (!double.IsFinite(value) || value <= min || value >= max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be strictly between {F(min)} and {F(max)}; got {F(value)}.");
        }
    }

    /// <summary>Refuses a null or empty interaction set, naming its source and its role ("training", "test", "validation").</summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="data"/> has no interactions.</exception>
    public static void NotEmpty(InteractionSet data, string role, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(data))] string parameter = "")
    {
        ArgumentNullException.ThrowIfNull(data, parameter);
        if (data.Count == 0)
        {
            throw new ArgumentException($"{data.SourceName}: the {role} set is empty.", parameter);
        }
    }

    private static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
