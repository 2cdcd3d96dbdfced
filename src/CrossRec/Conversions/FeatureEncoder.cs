using System.Globalization;

namespace CrossRec.Conversions;

/// <summary>
/// Turns table columns into a numeric design matrix, with the encoding learned on the training rows and
/// stored with the model so scoring applies exactly the same transformation.
/// </summary>
/// <remarks>
/// <para><b>Numeric columns</b> are standardised with the training mean and (population) standard
/// deviation. A missing value is imputed with the training mean (0 after standardisation); when the
/// training rows had missing values, an extra 0/1 feature "<c>column (missing)</c>" records it.</para>
/// <para><b>Categorical columns</b> are one-hot encoded over the levels seen in training (no level is
/// dropped; the L2 penalty keeps the fit identifiable). A missing value is its own level "(missing)" when
/// training had one. A level never seen in training — or a missing value when training had none — encodes
/// as all zeros, so it contributes nothing and the score falls back on the other features.</para>
/// <para><b>Constant columns</b> (a single value or level in training) carry no information and are
/// refused with an error naming the column; drop them.</para>
/// </remarks>
public sealed class FeatureEncoder
{
    internal const string MissingLevel = "(missing)";
    private readonly ColumnEncoding[] _columns;
    private readonly string[] _names;

    internal FeatureEncoder(ColumnEncoding[] columns)
    {
        _columns = columns;
        _names = columns.SelectMany(c => c.FeatureNames()).ToArray();
    }

    internal IReadOnlyList<ColumnEncoding> Encodings => _columns;

    /// <summary>Names of the encoded features, in design-matrix column order ("age", "job=admin.", "pdays (missing)", ...).</summary>
    public IReadOnlyList<string> FeatureNames => _names;

    /// <summary>The source columns the encoder reads.</summary>
    public IReadOnlyList<string> Columns => _columns.Select(c => c.Column).ToArray();

    /// <summary>Learns the encoding of the given columns from training rows.</summary>
    /// <exception cref="ArgumentException">No columns, or a column is constant or entirely missing (the message names it).</exception>
    public static FeatureEncoder Learn(TabularData train, IEnumerable<string> columns)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(columns);
        var encodings = new List<ColumnEncoding>();
        foreach (var name in columns)
        {
            var column = train[name];
            encodings.Add(column.IsNumeric ? LearnNumeric(column, train.SourceName) : LearnCategorical(column, train.SourceName));
        }

        if (encodings.Count == 0)
        {
            throw new ArgumentException($"{train.SourceName}: no feature columns to encode.", nameof(columns));
        }

        return new FeatureEncoder(encodings.ToArray());
    }

    /// <summary>Encodes every row of a table (which must hold the encoder's columns).</summary>
    /// <exception cref="KeyNotFoundException">A column is missing from the table.</exception>
    /// <exception cref="DataFormatException">A numeric column holds text that is not a number.</exception>
    public ReadOnlyMatrix Encode(TabularData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var width = _names.Length;
        var values = new float[checked(data.RowCount * width)];
        var offset = 0;
        foreach (var c in _columns)
        {
            c.Encode(data[c.Column], data.SourceName, values, offset, width);
            offset += c.Width;
        }

        return ReadOnlyMatrix.Wrap(values, data.RowCount, width, null, _names);
    }

    private static ColumnEncoding LearnNumeric(TabularColumn column, string source)
    {
        double sum = 0, sumSq = 0;
        var present = 0;
        var missing = false;
        foreach (var v in column.Numbers)
        {
            if (double.IsNaN(v))
            {
                missing = true;
                continue;
            }

            present++;
            sum += v;
        }

        if (present == 0)
        {
            throw new ArgumentException($"{source}: column '{column.Name}' has no value in the training rows; drop it.");
        }

        var mean = sum / present;
        foreach (var v in column.Numbers)
        {
            if (!double.IsNaN(v))
            {
                sumSq += (v - mean) * (v - mean);
            }
        }

        var sd = Math.Sqrt(sumSq / present);
        if (!double.IsFinite(mean) || !double.IsFinite(sd))
        {
            // Values near the double range (±3e307) overflow the sums: compute on values divided by the largest
            // magnitude instead (only then, so ordinary columns keep their exact encoding).
            (mean, sd) = ScaledMoments(column.Numbers, present);
            if (!double.IsFinite(mean) || !double.IsFinite(sd))
            {
                throw new ArgumentException($"{source}: column '{column.Name}' cannot be standardised: its mean or standard deviation is not a finite number even after rescaling (values up to {MaxMagnitude(column.Numbers).ToString("G3", CultureInfo.InvariantCulture)}). Rescale the column or drop it.");
            }
        }

        if (sd == 0 || sd < 1e-12 * Math.Max(1, Math.Abs(mean)))
        {
            throw new ArgumentException($"{source}: column '{column.Name}' is constant ({mean.ToString(CultureInfo.InvariantCulture)}) in the training rows and carries no information; drop it.");
        }

        return new ColumnEncoding(column.Name, true, mean, sd, missing, []);
    }

    private static double MaxMagnitude(ReadOnlySpan<double> values)
    {
        var max = 0.0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                max = Math.Max(max, Math.Abs(v));
            }
        }

        return max;
    }

    /// <summary>Mean and population standard deviation computed on values divided by their largest magnitude, then scaled back.</summary>
    private static (double Mean, double Sd) ScaledMoments(ReadOnlySpan<double> values, int present)
    {
        var scale = MaxMagnitude(values);
        double sum = 0, sumSq = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                sum += v / scale;
            }
        }

        var mean = sum / present;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                var d = (v / scale) - mean;
                sumSq += d * d;
            }
        }

        return (mean * scale, Math.Sqrt(sumSq / present) * scale);
    }

    private static ColumnEncoding LearnCategorical(TabularColumn column, string source)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in column.Categories)
        {
            var key = v ?? MissingLevel;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        if (counts.Count < 2)
        {
            throw new ArgumentException($"{source}: column '{column.Name}' has a single level ('{counts.Keys.FirstOrDefault()}') in the training rows and carries no information; drop it.");
        }

        var levels = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToArray();
        return new ColumnEncoding(column.Name, false, 0, 1, false, levels);
    }

    /// <summary>How one source column becomes features.</summary>
    internal sealed class ColumnEncoding(string column, bool numeric, double mean, double sd, bool missingIndicator, string[] levels)
    {
        private readonly Dictionary<string, int> _levelIndex = levels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);

        public string Column { get; } = column;

        public bool IsNumeric { get; } = numeric;

        public double Mean { get; } = mean;

        public double StandardDeviation { get; } = sd;

        public bool MissingIndicator { get; } = missingIndicator;

        public string[] Levels { get; } = levels;

        public int Width => IsNumeric ? (MissingIndicator ? 2 : 1) : Levels.Length;

        public IEnumerable<string> FeatureNames()
        {
            if (IsNumeric)
            {
                yield return Column;
                if (MissingIndicator)
                {
                    yield return $"{Column} {MissingLevel}";
                }
            }
            else
            {
                foreach (var level in Levels)
                {
                    yield return $"{Column}={level}";
                }
            }
        }

        public void Encode(TabularColumn column, string source, float[] values, int offset, int width)
        {
            if (IsNumeric)
            {
                var numbers = column.IsNumeric ? column.Numbers.ToArray() : ParseNumbers(column, source);
                for (var r = 0; r < numbers.Length; r++)
                {
                    var v = numbers[r];
                    var cell = (r * width) + offset;
                    values[cell] = double.IsNaN(v) ? 0f : Standardize(v, r, source);
                    if (MissingIndicator)
                    {
                        values[cell + 1] = double.IsNaN(v) ? 1f : 0f;
                    }
                }

                return;
            }

            for (var r = 0; r < column.Count; r++)
            {
                var text = column.Text(r);
                var key = text.Length == 0 && (column.IsNumeric ? double.IsNaN(column.Numbers[r]) : column.Categories[r] is null) ? MissingLevel : text;
                if (_levelIndex.TryGetValue(key, out var level))
                {
                    values[(r * width) + offset + level] = 1f;
                }
            }
        }

        /// <summary>(v − mean) / sd as a float; refuses, naming the column and row, a value that leaves the float range (it would make every score NaN or ±1).</summary>
        private float Standardize(double v, int row, string source)
        {
            var z = (v - Mean) / StandardDeviation;
            if (!double.IsFinite(z))
            {
                z = (v / StandardDeviation) - (Mean / StandardDeviation); // v − mean overflowed: the same quotient without it
            }

            if (!(Math.Abs(z) <= float.MaxValue))
            {
                throw new DataFormatException(source, row + 2, 0, $"column '{Column}' holds {v.ToString("G6", CultureInfo.InvariantCulture)} in data row {row}, {z.ToString("G3", CultureInfo.InvariantCulture)} standard deviations from the training mean {Mean.ToString("G6", CultureInfo.InvariantCulture)}: beyond float range, so the score would not be a number. Check the value or its unit.");
            }

            return (float)z;
        }

        private double[] ParseNumbers(TabularColumn column, string source)
        {
            var result = new double[column.Count];
            for (var r = 0; r < result.Length; r++)
            {
                var text = column.Categories[r];
                if (text is null)
                {
                    result[r] = double.NaN;
                }
                else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out result[r]) || !double.IsFinite(result[r]))
                {
                    throw new DataFormatException(source, r + 2, 0, $"column '{Column}' was numeric in training but holds '{CrossRec.Data.Parsing.Excerpt.Of(text)}' in data row {r}.");
                }
            }

            return result;
        }
    }
}
