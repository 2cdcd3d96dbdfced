using CrossRec.Persistence;

namespace CrossRec.Conversions;

/// <summary>One feature's part in a score: coefficient × encoded value, on the log-odds scale.</summary>
/// <param name="Feature">Encoded feature name ("age", "job=student", ...).</param>
/// <param name="Value">Encoded (standardised or 0/1) value for this row.</param>
/// <param name="Contribution">Coefficient × value: how much the feature moves the log-odds.</param>
public readonly record struct FeatureContribution(string Feature, double Value, double Contribution);

/// <summary>
/// A fitted conversion model: the feature encoding learned on the training rows plus logistic-regression
/// coefficients. Scores are calibrated probabilities that the target takes its positive value.
/// Immutable and thread-safe.
/// </summary>
public sealed class ConversionModel
{
    private const string FileKind = "conversion";
    private readonly double[] _coefficients;

    internal ConversionModel(FeatureEncoder encoder, double[] coefficients, double intercept, string target, string positiveLabel, LogisticFit? fit)
    {
        Encoder = encoder;
        _coefficients = coefficients;
        Intercept = intercept;
        Target = target;
        PositiveLabel = positiveLabel;
        Fit = fit;
    }

    /// <summary>The feature encoding (names, standardisation, one-hot levels).</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>Coefficient of each encoded feature (same order as <see cref="FeatureEncoder.FeatureNames"/>).</summary>
    public ReadOnlySpan<double> Coefficients => _coefficients;

    /// <summary>Intercept (log-odds of a row whose features are all at their training mean / reference).</summary>
    public double Intercept { get; }

    /// <summary>The target column the model predicts.</summary>
    public string Target { get; }

    /// <summary>The target value counted as a conversion.</summary>
    public string PositiveLabel { get; }

    /// <summary>Fit diagnostics (iterations, convergence, standard errors, time); null for a loaded model.</summary>
    public LogisticFit? Fit { get; }

    /// <summary>One line: target, positive label, feature count and the largest coefficients, e.g. <c>logistic P(converted = yes) over 12 features; largest |coefficient|: age 0.84, plan=gold 0.51, …</c>.</summary>
    public override string ToString()
    {
        var names = Encoder.FeatureNames;
        var top = Enumerable.Range(0, _coefficients.Length).OrderByDescending(j => Math.Abs(_coefficients[j])).ThenBy(j => j).Take(3)
            .Select(j => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{names[j]} {_coefficients[j]:0.###}"));
        return $"logistic P({Target} = {PositiveLabel}) over {_coefficients.Length} features; largest |coefficient|: {string.Join(", ", top)}{(_coefficients.Length > 3 ? ", …" : "")}";
    }

    /// <summary>Conversion probability of every row of a table that holds the model's feature columns.</summary>
    /// <exception cref="KeyNotFoundException">A feature column is missing from the table.</exception>
    /// <exception cref="DataFormatException">A numeric column holds text, or a value so far from the training mean that its standardised form leaves the float range (column and row named).</exception>
    public double[] Score(TabularData data)
    {
        var x = Encoder.Encode(data);
        var p = new double[x.Rows];
        for (var r = 0; r < p.Length; r++)
        {
            p[r] = Probability(x.Row(r));
        }

        return p;
    }

    /// <summary>
    /// The features that move one row's score most (largest |coefficient × value| first), with the
    /// probability itself: "why is this user likely to convert".
    /// </summary>
    public (double Probability, IReadOnlyList<FeatureContribution> Contributions) Explain(TabularData data, int row, int top = 5)
    {
        ArgumentNullException.ThrowIfNull(data);
        Check.Range(row, 0, data.RowCount - 1, nameof(row));
        Check.Range(top, 1, int.MaxValue, nameof(top));
        var x = Encoder.Encode(data.SelectRows([row])).Row(0);
        var parts = new List<FeatureContribution>(x.Length);
        for (var j = 0; j < x.Length; j++)
        {
            parts.Add(new FeatureContribution(Encoder.FeatureNames[j], x[j], _coefficients[j] * x[j]));
        }

        return (Probability(x), parts.OrderByDescending(c => Math.Abs(c.Contribution)).Take(top).ToArray());
    }

    /// <summary>Saves the model (encoding and coefficients) in CrossRec's checksummed format, atomically.</summary>
    public void Save(string path) => Writer().WriteAtomically(path);

    /// <summary>Saves the model signed with an application key (HMAC-SHA256), atomically; see <see cref="Load(string, ModelSigningKey)"/>.</summary>
    public void Save(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Writer().WriteAtomically(path, key);
    }

    /// <summary>Writes the model to a stream (not atomic).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Writer().WriteTo(stream);
    }

    private ModelFileWriter Writer()
    {
        var file = new ModelFileWriter(FileKind);
        file.Add("TRGT", new PayloadWriter().String(Target).String(PositiveLabel));
        file.Add("COEF", new PayloadWriter().Doubles(_coefficients).Double(Intercept));
        var enc = new PayloadWriter();
        var columns = Encoder.Encodings;
        enc.Int32(columns.Count);
        foreach (var c in columns)
        {
            enc.String(c.Column).Boolean(c.IsNumeric).Double(c.Mean).Double(c.StandardDeviation).Boolean(c.MissingIndicator).Strings(c.Levels);
        }

        file.Add("ENCD", enc);
        return file;
    }

    /// <summary>Loads a model saved by <see cref="Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind, or inconsistent.</exception>
    public static ConversionModel Load(string path) => ModelFileReader.Open(path, FileKind).Read(Read);

    /// <summary>Loads a model saved by <see cref="Save(string, ModelSigningKey)"/>, accepting it only when it was signed with <paramref name="key"/>.</summary>
    /// <exception cref="ModelFormatException">The file is unsigned, signed with another key, truncated, altered, of another kind, or inconsistent.</exception>
    public static ConversionModel Load(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ModelFileReader.Open(path, FileKind, key).Read(Read);
    }

    /// <summary>Loads a model written by <see cref="Save(Stream)"/>.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind, or inconsistent.</exception>
    public static ConversionModel Load(Stream stream) => ModelFileReader.Open(stream, FileKind).Read(Read);

    private static ConversionModel Read(ModelFileReader file)
    {
        var t = file.Section("TRGT");
        var target = t.RequiredString();
        var positive = t.RequiredString();
        t.End();
        var e = file.Section("ENCD");
        // Each column needs at least a name length, two flags, two doubles and a level count: 26 bytes.
        var count = e.Count("column count", 26, 1, 1_000_000);
        var seenColumns = new HashSet<string>(StringComparer.Ordinal);

        var columns = new FeatureEncoder.ColumnEncoding[count];
        for (var c = 0; c < count; c++)
        {
            var name = e.RequiredString();
            var numeric = e.Boolean();
            var mean = e.Double();
            var sd = e.Double();
            var indicator = e.Boolean();
            var levels = e.Strings();
            // The learner refuses a numeric column whose deviation is below 1e-12 of its magnitude (constant): such a scale is not one it writes.
            if (!double.IsFinite(mean) || !(sd > 0) || !double.IsFinite(sd) || (numeric && sd < 1e-12 * Math.Max(1, Math.Abs(mean))) || (!numeric && levels.Length < 2) || (numeric && levels.Length > 0))
            {
                throw e.Fail($"invalid encoding of column '{name}'");
            }

            if (!seenColumns.Add(name))
            {
                throw e.Fail($"column '{name}' appears twice");
            }

            if (levels.Distinct(StringComparer.Ordinal).Count() != levels.Length)
            {
                throw e.Fail($"a level of column '{name}' appears twice");
            }

            columns[c] = new FeatureEncoder.ColumnEncoding(name, numeric, mean, sd, indicator, levels);
        }

        e.End();
        var encoder = new FeatureEncoder(columns);
        if (encoder.FeatureNames.Distinct(StringComparer.Ordinal).Count() != encoder.FeatureNames.Count)
        {
            throw e.Fail("two features have the same name");
        }

        var k = file.Section("COEF");
        var coefficients = k.Doubles(encoder.FeatureNames.Count);
        var intercept = k.Double();
        k.End();
        if (!double.IsFinite(intercept) || coefficients.Any(v => !double.IsFinite(v)))
        {
            throw k.Fail("non-finite coefficients");
        }

        return new ConversionModel(encoder, coefficients, intercept, target, positive, null);
    }

    private double Probability(ReadOnlySpan<float> x)
    {
        var z = Intercept;
        for (var j = 0; j < x.Length; j++)
        {
            z += _coefficients[j] * x[j];
        }

        return 1.0 / (1.0 + Math.Exp(-z));
    }
}
