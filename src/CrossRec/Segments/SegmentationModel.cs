using CrossRec.Persistence;

namespace CrossRec.Segments;

/// <summary>
/// A fitted segmentation: k-means centroids in the input feature space, plus the standardisation learned
/// on the training rows when the builder asked for it. Assigns new users to segments and profiles
/// segments against interaction data. Immutable and thread-safe.
/// </summary>
public sealed class SegmentationModel
{
    private const string FileKind = "segmentation";
    private readonly float[] _centroids;
    private readonly float[]? _means;
    private readonly float[]? _scales;
    private readonly int[] _sizes;

    internal SegmentationModel(float[] centroids, int clusters, int dimensions, float[]? means, float[]? scales, IReadOnlyList<string>? columnNames, int[] sizes, KMeansResult? result, IdMap? rowIds)
    {
        _centroids = centroids;
        Clusters = clusters;
        Dimensions = dimensions;
        _means = means;
        _scales = scales;
        ColumnNames = columnNames;
        _sizes = sizes;
        Result = result;
        RowIds = rowIds;
    }

    /// <summary>Number of segments k.</summary>
    public int Clusters { get; }

    /// <summary>Number of input features d.</summary>
    public int Dimensions { get; }

    /// <summary>Names of the input features, when the training matrix had them.</summary>
    public IReadOnlyList<string>? ColumnNames { get; }

    /// <summary>The k-means run behind the model (assignments of the training rows, inertia, iterations); null for a loaded model.</summary>
    public KMeansResult? Result { get; }

    /// <summary>Ids of the training rows (users), when the training matrix had them.</summary>
    public IdMap? RowIds { get; }

    /// <summary>One line: segments, their sizes, dimensions and whether features were standardised, e.g. <c>k-means: 8 segments of 943 rows (sizes 201, 154, …) over 64 dimensions, standardised</c>.</summary>
    public override string ToString()
    {
        var rows = 0L;
        foreach (var size in _sizes)
        {
            rows += size;
        }

        var sizes = string.Join(", ", _sizes.Take(8).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))) + (_sizes.Length > 8 ? ", …" : "");
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"k-means: {Clusters} segments of {rows} rows (sizes {sizes}) over {Dimensions} dimensions{(Standardized ? ", standardised" : "")}");
    }

    /// <summary>True when inputs are standardised (z-scores with the training means and deviations) before assignment.</summary>
    public bool Standardized => _means is not null;

    /// <summary>Training rows in each segment.</summary>
    public ReadOnlySpan<int> Sizes => _sizes;

    /// <summary>Segment centres in the input feature space (k × d), rows "segment 0" … "segment k−1".</summary>
    public ReadOnlyMatrix Centroids
    {
        get
        {
            var centres = (float[])_centroids.Clone();
            if (_means is not null)
            {
                for (var c = 0; c < Clusters; c++)
                {
                    for (var f = 0; f < Dimensions; f++)
                    {
                        centres[(c * Dimensions) + f] = (centres[(c * Dimensions) + f] * _scales![f]) + _means[f];
                    }
                }
            }

            return ReadOnlyMatrix.Create(centres, Clusters, Dimensions, null, ColumnNames);
        }
    }

    /// <summary>Segment of a training row by its id.</summary>
    /// <exception cref="KeyNotFoundException">Unknown id, or the model has no training assignments.</exception>
    public int SegmentOf(string rowId)
    {
        if (RowIds is null || Result is null)
        {
            throw new KeyNotFoundException("This model has no training row ids; assign features with Assign instead.");
        }

        return Result.Assignments[RowIds.GetIndex(rowId)];
    }

    /// <summary>The nearest segment of one feature vector (in the input space).</summary>
    /// <exception cref="ArgumentException">Wrong length or a NaN/∞ value.</exception>
    public int Assign(ReadOnlySpan<float> features)
    {
        if (features.Length != Dimensions)
        {
            throw new ArgumentException($"The feature vector has {features.Length} values; the model was trained on {Dimensions}.", nameof(features));
        }

        var best = -1;
        var bestDistance = double.PositiveInfinity;
        for (var c = 0; c < Clusters; c++)
        {
            double distance = 0;
            for (var f = 0; f < Dimensions; f++)
            {
                var v = features[f];
                if (!float.IsFinite(v))
                {
                    throw new ArgumentException($"Feature {f} is {v}; features must be finite.", nameof(features));
                }

                double z = _means is null ? v : (v - _means[f]) / _scales![f];
                var diff = z - _centroids[(c * Dimensions) + f];
                distance += diff * diff;
            }

            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = c;
            }
        }

        return best;
    }

    /// <summary>The nearest segment of every row of a matrix.</summary>
    public int[] Assign(ReadOnlyMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Columns != Dimensions)
        {
            throw new ArgumentException($"The matrix has {features.Columns} columns; the model was trained on {Dimensions}.", nameof(features));
        }

        var result = new int[features.Rows];
        Parallel.For(0, features.Rows, r => result[r] = Assign(features.Row(r)));
        return result;
    }

    /// <summary>
    /// Profiles the segments of the training rows (which must be users with ids) against interactions:
    /// size, activity, mean value, and the labels (genres, domains, or items) over-represented in each segment.
    /// </summary>
    /// <param name="interactions">Interactions of the users (matched by user id).</param>
    /// <param name="itemLabels">Labels of each item id (genres, categories); null uses the interactions' domains, or else the items themselves.</param>
    /// <param name="top">Labels listed per segment.</param>
    /// <param name="minCount">A label needs at least this many interactions in a segment to be listed.</param>
    public IReadOnlyList<SegmentProfile> Profile(InteractionSet interactions, IReadOnlyDictionary<string, IReadOnlyList<string>>? itemLabels = null, int top = 5, int minCount = 10)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        if (Result is null || RowIds is null)
        {
            throw new InvalidOperationException("Profiles need the training assignments and row ids (fit on a matrix with row ids, e.g. model.UserFactors).");
        }

        return SegmentProfiler.Build(this, interactions, itemLabels, top, minCount);
    }

    /// <summary>Saves the centroids, standardisation and feature names in CrossRec's checksummed format, atomically.</summary>
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
        file.Add("SHAP", new PayloadWriter().Int32(Clusters).Int32(Dimensions).Boolean(Standardized).Int32s(_sizes));
        file.Add("CENT", new PayloadWriter().Singles(_centroids));
        if (_means is not null)
        {
            file.Add("SCAL", new PayloadWriter().Singles(_means).Singles(_scales));
        }

        if (ColumnNames is not null)
        {
            file.Add("COLS", new PayloadWriter().Strings(ColumnNames));
        }

        return file;
    }

    /// <summary>Loads a model saved by <see cref="Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind, or inconsistent.</exception>
    public static SegmentationModel Load(string path) => ModelFileReader.Open(path, FileKind).Read(Read);

    /// <summary>Loads a model saved by <see cref="Save(string, ModelSigningKey)"/>, accepting it only when it was signed with <paramref name="key"/>.</summary>
    /// <exception cref="ModelFormatException">The file is unsigned, signed with another key, truncated, altered, of another kind, or inconsistent.</exception>
    public static SegmentationModel Load(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ModelFileReader.Open(path, FileKind, key).Read(Read);
    }

    /// <summary>Loads a model written by <see cref="Save(Stream)"/>.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind, or inconsistent.</exception>
    public static SegmentationModel Load(Stream stream) => ModelFileReader.Open(stream, FileKind).Read(Read);

    private static SegmentationModel Read(ModelFileReader file)
    {
        var shape = file.Section("SHAP");
        var k = shape.Int32In(1, 1 << 20, "cluster count");
        var d = shape.Int32In(1, 1 << 20, "dimension count");
        var standardized = shape.Boolean();
        var sizes = shape.Int32s(k);
        shape.End();
        foreach (var size in sizes)
        {
            if (size < 0)
            {
                throw shape.Fail($"negative cluster size {size}");
            }
        }

        var cent = file.Section("CENT");
        if ((long)k * d * sizeof(float) > cent.Remaining)
        {
            throw cent.Fail($"{k} × {d} centroids do not fit the {cent.Remaining} bytes of the section");
        }

        var centroids = cent.Singles(k * d);
        cent.End();
        float[]? means = null, scales = null;
        if (standardized)
        {
            var scal = file.Section("SCAL");
            means = scal.Singles(d);
            scales = scal.Singles(d);
            scal.End();
            if (scales.Any(s => !(s > 0) || !float.IsFinite(s)))
            {
                throw scal.Fail("non-positive or non-finite scale");
            }
        }

        string[]? names = null;
        if (file.Has("COLS"))
        {
            var cols = file.Section("COLS");
            names = cols.Strings(d);
            cols.End();
        }

        if (centroids.Any(v => !float.IsFinite(v)) || (means?.Any(v => !float.IsFinite(v)) ?? false))
        {
            throw cent.Fail("non-finite values");
        }

        if (means is not null)
        {
            for (var c = 0; c < k; c++)
            {
                for (var f = 0; f < d; f++)
                {
                    if (!float.IsFinite((centroids[(c * d) + f] * scales![f]) + means[f]))
                    {
                        throw cent.Fail($"centroid {c}, feature {f} is not finite in the input space");
                    }
                }
            }
        }

        if (names is not null && names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw file.Section("COLS").Fail("a column name appears twice");
        }

        return new SegmentationModel(centroids, k, d, means, scales, names, sizes, null, null);
    }

    internal float[] RawCentroids => _centroids;

    internal (float[] Means, float[] Scales) Scaling => (_means!, _scales!);
}
