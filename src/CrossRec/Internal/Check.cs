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

    private static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
