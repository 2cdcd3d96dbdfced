namespace CrossRec.Tests.Fuzz;

/// <summary>
/// Size of a fuzz run: a fixed seed (CROSSREC_FUZZ_SEED overrides it) and a wall-clock budget per target
/// (CROSSREC_FUZZ_SECONDS, default small enough that the whole fuzz suite stays under 60 s in CI; set it
/// higher, e.g. 600, for a long run). Iteration <c>i</c> of a target always draws from the same
/// <see cref="Random"/> stream, so a reported (seed, iteration) pair reproduces on its own.
/// </summary>
internal static class FuzzBudget
{
    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("CROSSREC_FUZZ_SEED"), out var s) ? s : 20261201;

    public static TimeSpan PerTarget(double defaultSeconds) =>
        TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("CROSSREC_FUZZ_SECONDS"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : defaultSeconds);

    /// <summary>The random stream of one iteration of one target: the same in every process (not <see cref="HashCode.Combine{T1, T2}"/>, which .NET seeds per process).</summary>
    public static Random For(string target, long iteration) =>
        new(unchecked((((Seed * 31) + StableHash(target)) * 7919) + (int)iteration + (int)(iteration >> 32)));

    private static int StableHash(string text)
    {
        var h = 17;
        foreach (var c in text)
        {
            h = (h * 31) + c;
        }

        return h;
    }
}

/// <summary>Distinct failures of a fuzz run (by exception type and first frame), with how to reproduce each.</summary>
internal sealed class FuzzFindings
{
    private readonly Dictionary<string, string> _distinct = new(StringComparer.Ordinal);

    public int Total { get; private set; }

    public void Add(string target, long iteration, string what, Exception e)
    {
        Total++;
        var origin = e.InnerException ?? e;
        var frame = origin.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("CrossRec.", StringComparison.Ordinal))?.Trim() ?? "";
        var key = $"{origin.GetType().Name} {frame}";
        if (_distinct.Count < 20 && !_distinct.ContainsKey(key))
        {
            var message = e.Message.Length > 200 ? e.Message[..200] : e.Message;
            _distinct[key] = $"{target} iteration {iteration} (seed {FuzzBudget.Seed}) {what}: {e.GetType().FullName}: {message}\n    {frame}" +
                (e.InnerException is { } inner ? $"\n    inner {inner.GetType().Name}: {inner.Message}" : "");
        }
    }

    public override string ToString() => string.Join("\n", _distinct.Values);
}
