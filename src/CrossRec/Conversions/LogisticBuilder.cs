namespace CrossRec.Conversions;

/// <summary>Immutable fluent builder of a logistic conversion model; options are validated by <c>Fit</c>.</summary>
[OptionSetters(typeof(LogisticOptions))]
public sealed partial class LogisticBuilder
{
    private readonly IComputeEngine? _engine;

    internal LogisticBuilder(LogisticOptions options, IComputeEngine? engine)
    {
        Options = options;
        _engine = engine;
    }

    /// <summary>Options collected so far.</summary>
    public LogisticOptions Options { get; }

    /// <summary>Class weights: each positive counts <paramref name="positive"/> times, each negative <paramref name="negative"/> times.</summary>
    public LogisticBuilder ClassWeights(double positive, double negative) => With(Options with { PositiveWeight = positive, NegativeWeight = negative });

    private LogisticBuilder With(LogisticOptions options) => new(options, _engine);

    /// <summary>Runs on a specific engine (default: the managed CPU engine).</summary>
    internal LogisticBuilder OnEngine(IComputeEngine engine) => new(Options, engine ?? throw new ArgumentNullException(nameof(engine)));

    /// <summary>
    /// Learns the feature encoding on <paramref name="train"/> and fits the model.
    /// </summary>
    /// <param name="train">Training rows.</param>
    /// <param name="target">The binary target column.</param>
    /// <param name="positive">The target value that counts as a conversion; null recognises yes/true/1 (case-insensitive).</param>
    /// <param name="drop">Columns to leave out (identifiers, leaks such as bank-marketing's <c>duration</c>).</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    /// <exception cref="ArgumentException">The target is not binary, has missing values, or holds a single class; a feature is constant.</exception>
    public ConversionModel Fit(TabularData train, string target, string? positive = null, IEnumerable<string>? drop = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Options.Validate();
        var (labels, positiveLabel) = TargetLabels.Read(train, target, positive);
        var dropSet = new HashSet<string>(drop ?? [], StringComparer.Ordinal) { target };
        foreach (var d in dropSet)
        {
            _ = train[d];
        }

        var features = train.Columns.Select(c => c.Name).Where(n => !dropSet.Contains(n)).ToArray();
        var encoder = FeatureEncoder.Learn(train, features);
        var x = encoder.Encode(train);
        var fit = (_engine ?? CpuEngine.Default).FitLogistic(x, labels, Options, cancellationToken);
        fit.Note = ThreadCount.Join(fit.Note, ThreadCount.ClampWarning(Options.Threads, "LogisticOptions.Threads"));
        return new ConversionModel(encoder, fit.Coefficients.ToArray(), fit.Intercept, target, positiveLabel, fit);
    }
}

/// <summary>Reads a binary target column as booleans.</summary>
internal static class TargetLabels
{
    private static readonly string[] PositiveNames = ["yes", "true", "1", "y", "t"];

    public static (bool[] Labels, string Positive) Read(TabularData data, string target, string? positive)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var column = data[target];
        var texts = Enumerable.Range(0, data.RowCount).Select(column.Text).ToArray();
        var missing = Array.FindIndex(texts, t => t.Length == 0);
        if (missing >= 0)
        {
            throw new ArgumentException($"{data.SourceName}: the target '{target}' is missing in data row {missing}; every row needs a label.");
        }

        var distinct = texts.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length > 2)
        {
            throw new ArgumentException($"{data.SourceName}: the target '{target}' is not binary: it takes {distinct.Length} values ({string.Join(", ", distinct.Take(6))}{(distinct.Length > 6 ? ", ..." : "")}).");
        }

        positive ??= distinct.FirstOrDefault(d => PositiveNames.Contains(d, StringComparer.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"{data.SourceName}: cannot tell which value of '{target}' ({string.Join(", ", distinct)}) is the conversion; name it (positive / --positive).");
        if (!distinct.Contains(positive, StringComparer.Ordinal))
        {
            var match = distinct.FirstOrDefault(d => string.Equals(d, positive, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"{data.SourceName}: the positive value '{positive}' does not occur in '{target}' (values: {string.Join(", ", distinct)}).");
            positive = match;
        }

        var labels = texts.Select(t => t == positive).ToArray();
        if (distinct.Length < 2)
        {
            throw new ArgumentException($"{data.SourceName}: the target '{target}' holds a single class ('{distinct[0]}'); a conversion model needs both outcomes.");
        }

        return (labels, positive);
    }
}
