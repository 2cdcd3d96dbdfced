using System.Globalization;

namespace CrossRec.Data;

/// <summary>
/// Side features of items (genre, category, release-year band, tags) or of users (age band, region,
/// occupation): for each id, a set of named features with positive weights (1 for a categorical feature).
/// Immutable. Load one from a delimited file (<see cref="Load"/>), build one in code
/// (<see cref="CreateBuilder"/>), or use a dataset helper such as <see cref="MovieLens.LoadItemFeatures100K"/>.
/// </summary>
/// <remarks>
/// Stored as compressed rows: each id's features sorted by feature index, distinct, with their weights.
/// Ids need not match an interaction set: item ids that appear only here are new items a feature-aware model
/// can recommend, user ids that appear only here are users known by their attributes alone.
/// </remarks>
public sealed partial class FeatureSet
{
    private readonly int[] _offsets;
    private readonly int[] _features;
    private readonly float[] _weights;

    internal FeatureSet(string kind, string sourceName, IdMap ids, IdMap features, int[] offsets, int[] featureIndex, float[] weights)
    {
        Kind = kind;
        SourceName = sourceName;
        Ids = ids;
        Features = features;
        _offsets = offsets;
        _features = featureIndex;
        _weights = weights;
    }

    /// <summary>What the ids name: "item" or "user" (or another kind given when it was made); used in messages.</summary>
    public string Kind { get; }

    /// <summary>The file it was read from, or a description of where it came from.</summary>
    public string SourceName { get; }

    /// <summary>The ids that have features, in order of first appearance.</summary>
    public IdMap Ids { get; }

    /// <summary>The feature names, in order of first appearance.</summary>
    public IdMap Features { get; }

    /// <summary>Number of ids.</summary>
    public int Count => Ids.Count;

    /// <summary>Number of (id, feature) pairs.</summary>
    public int PairCount => _features.Length;

    /// <summary>Indices into <see cref="Features"/> of the features of id <paramref name="index"/> (an index into <see cref="Ids"/>), ascending.</summary>
    public ReadOnlySpan<int> FeatureIndices(int index)
    {
        CheckIndex(index);
        return _features.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);
    }

    /// <summary>The weights of <see cref="FeatureIndices"/>, aligned with it.</summary>
    public ReadOnlySpan<float> Weights(int index)
    {
        CheckIndex(index);
        return _weights.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);
    }

    /// <summary>The features of an id and their weights.</summary>
    /// <exception cref="KeyNotFoundException">The id has no features here.</exception>
    public IReadOnlyList<KeyValuePair<string, float>> FeaturesOf(string id)
    {
        var index = Ids.GetIndex(id);
        var list = new List<KeyValuePair<string, float>>(_offsets[index + 1] - _offsets[index]);
        for (var p = _offsets[index]; p < _offsets[index + 1]; p++)
        {
            list.Add(new(Features[_features[p]], _weights[p]));
        }

        return list;
    }

    /// <summary>The same features restricted to the given ids (in the given order); the feature vocabulary is kept.</summary>
    /// <exception cref="KeyNotFoundException">An id has no features here.</exception>
    public FeatureSet Subset(IEnumerable<string> ids, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var idBuilder = new IdMap.Builder(Kind);
        var offsets = new List<int> { 0 };
        var features = new List<int>();
        var weights = new List<float>();
        foreach (var id in ids)
        {
            var index = Ids.GetIndex(id);
            if (idBuilder.Contains(id))
            {
                throw new ArgumentException($"The {Kind} id '{id}' appears more than once.", nameof(ids));
            }

            idBuilder.GetOrAdd(id);
            features.AddRange(FeatureIndices(index));
            weights.AddRange(Weights(index));
            offsets.Add(features.Count);
        }

        return new FeatureSet(Kind, sourceName ?? SourceName, idBuilder.Build(), Features, [.. offsets], [.. features], [.. weights]);
    }

    /// <inheritdoc />
    public override string ToString() => $"FeatureSet({Kind}, {Count} ids, {Features.Count} features, {PairCount} pairs, {SourceName})";

    /// <summary>A builder for features made in code.</summary>
    /// <param name="kind">What the ids name ("item" or "user").</param>
    public static Builder CreateBuilder(string kind = "item")
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        return new Builder(kind);
    }

    /// <summary>
    /// Reads a feature file: one <c>id⇥feature</c> or <c>id⇥feature⇥weight</c> line per (id, feature) pair, an id's
    /// lines need not be adjacent. Blank lines and lines starting with <c>#</c> are skipped; UTF-8. A categorical
    /// feature has weight 1 (the default when the third column is absent).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="kind">What the ids name ("item" or "user"), for messages.</param>
    /// <param name="options">Delimiter and the ids the file may name; null for the defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">
    /// A line is malformed: not two or three fields, an empty id or feature, a weight that is not a finite number
    /// above 0, an (id, feature) pair given twice, an id outside <see cref="FeatureLoadOptions.KnownIds"/>, or no
    /// pairs at all. The message names the file, line and column.
    /// </exception>
    public static FeatureSet Load(string path, string kind = "item", FeatureLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        options ??= new FeatureLoadOptions();
        options.Validate();
        var builder = new Builder(kind);
        using var reader = new LineReader(path);
        var splitter = new FieldSplitter(options.Delimiter, quotes: false);
        while (reader.TryReadLine(out var line))
        {
            if (reader.InvalidByteOffset >= 0)
            {
                throw new DataFormatException(path, reader.LineNumber, 0, $"invalid UTF-8 at byte {reader.InvalidByteOffset} of the line ({reader.InvalidBytes}).");
            }

            if (line.IsWhiteSpace() || line.TrimStart()[0] == '#')
            {
                continue;
            }

            splitter.Split(line, out _);
            if (splitter.Count is < 2 or > 3)
            {
                throw new DataFormatException(path, reader.LineNumber, 0, $"expected 'id{Describe(options.Delimiter)}feature' or 'id{Describe(options.Delimiter)}feature{Describe(options.Delimiter)}weight', found {splitter.Count} field{(splitter.Count == 1 ? "" : "s")}.");
            }

            var id = splitter.Field(line, 0).Trim();
            if (id.IsEmpty)
            {
                throw new DataFormatException(path, reader.LineNumber, 1, $"the {kind} id is empty.");
            }

            var feature = splitter.Field(line, 1).Trim();
            if (feature.IsEmpty)
            {
                throw new DataFormatException(path, reader.LineNumber, 2, "the feature is empty.");
            }

            var weight = 1f;
            if (splitter.Count == 3)
            {
                var text = splitter.Field(line, 2).Trim();
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || !float.IsFinite(weight) || weight <= 0)
                {
                    throw new DataFormatException(path, reader.LineNumber, 3, $"the weight '{Excerpt.Of(text)}' is not a finite number above 0.");
                }
            }

            var idText = id.ToString();
            if (options.KnownIds is { } known && !known.Contains(idText))
            {
                throw new DataFormatException(path, reader.LineNumber, 1, $"unknown {kind} id '{Excerpt.Of(id)}' (not among the {known.Count} {known.Kind} ids this file was loaded against).");
            }

            if (builder.TryAdd(idText, feature.ToString(), weight, reader.LineNumber) is { } firstLine)
            {
                throw new DataFormatException(path, reader.LineNumber, 2, $"the feature '{Excerpt.Of(feature)}' of {kind} '{Excerpt.Of(id)}' is given twice (first on line {firstLine}).");
            }
        }

        if (builder.PairCount == 0)
        {
            throw new DataFormatException(path, 0, 0, "the file has no features.");
        }

        return builder.Build(path);
    }

    private static string Describe(string delimiter) => delimiter == "\t" ? "⇥" : delimiter;

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Ids.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The {Kind} index must be in 0..{Ids.Count - 1}.");
        }
    }

    /// <summary>Collects (id, feature, weight) triples; <see cref="Build"/> makes the immutable set. Not thread-safe.</summary>
    public sealed class Builder
    {
        private readonly string _kind;
        private readonly IdMap.Builder _ids;
        private readonly IdMap.Builder _featureIds = new("feature");
        private readonly List<List<(int Feature, float Weight)>> _rows = [];
        private readonly Dictionary<(int Id, int Feature), long> _firstLine = [];

        internal Builder(string kind)
        {
            _kind = kind;
            _ids = new IdMap.Builder(kind);
        }

        /// <summary>Number of (id, feature) pairs added so far.</summary>
        public int PairCount => _firstLine.Count;

        /// <summary>Adds one feature of an id.</summary>
        /// <param name="id">The item or user id.</param>
        /// <param name="feature">The feature's name ("genre:Drama", "age:25-34").</param>
        /// <param name="weight">Its weight, a finite number above 0 (1 for a categorical feature).</param>
        /// <exception cref="ArgumentException">The id or the feature is empty, the weight is not finite or not above 0, or the pair was added before.</exception>
        public Builder Add(string id, string feature, float weight = 1f)
        {
            ArgumentException.ThrowIfNullOrEmpty(id);
            ArgumentException.ThrowIfNullOrEmpty(feature);
            if (!float.IsFinite(weight) || weight <= 0)
            {
                throw new ArgumentException($"The weight of feature '{feature}' of {_kind} '{id}' is {weight.ToString(CultureInfo.InvariantCulture)}; weights must be finite and above 0.", nameof(weight));
            }

            if (TryAdd(id, feature, weight, 0) is not null)
            {
                throw new ArgumentException($"The feature '{feature}' of {_kind} '{id}' is added twice.", nameof(feature));
            }

            return this;
        }

        /// <summary>Adds categorical features (weight 1) of an id.</summary>
        public Builder Add(string id, IEnumerable<string> features)
        {
            ArgumentNullException.ThrowIfNull(features);
            foreach (var f in features)
            {
                Add(id, f);
            }

            return this;
        }

        /// <summary>The immutable feature set of everything added so far (the builder stays usable).</summary>
        /// <param name="sourceName">A description of where the features came from, for messages.</param>
        /// <exception cref="InvalidOperationException">Nothing was added.</exception>
        public FeatureSet Build(string? sourceName = null)
        {
            if (PairCount == 0)
            {
                throw new InvalidOperationException($"No {_kind} features were added.");
            }

            var offsets = new int[_rows.Count + 1];
            var features = new int[PairCount];
            var weights = new float[PairCount];
            var at = 0;
            for (var r = 0; r < _rows.Count; r++)
            {
                var row = _rows[r];
                row.Sort((a, b) => a.Feature.CompareTo(b.Feature));
                foreach (var (f, w) in row)
                {
                    features[at] = f;
                    weights[at++] = w;
                }

                offsets[r + 1] = at;
            }

            // Fresh maps each call (an IdMap.Builder builds once), so Build can be called again after more Adds.
            var ids = IdMap.Create(_kind, Enumerable.Range(0, _ids.Count).Select(i => _ids[i]));
            var names = IdMap.Create("feature", Enumerable.Range(0, _featureIds.Count).Select(f => _featureIds[f]));
            return new FeatureSet(_kind, sourceName ?? $"{_kind} features built in code", ids, names, offsets, features, weights);
        }

        /// <summary>Adds a pair, or returns the line where it was first added (0 in code) when it is already there.</summary>
        internal long? TryAdd(string id, string feature, float weight, long line)
        {
            var i = _ids.GetOrAdd(id);
            if (i == _rows.Count)
            {
                _rows.Add([]);
            }

            var f = _featureIds.GetOrAdd(feature);
            if (!_firstLine.TryAdd((i, f), line))
            {
                return _firstLine[(i, f)];
            }

            _rows[i].Add((f, weight));
            return null;
        }
    }
}

/// <summary>How <see cref="FeatureSet.Load"/> reads a feature file.</summary>
public sealed record FeatureLoadOptions
{
    /// <summary>The field delimiter (a tab by default).</summary>
    public string Delimiter { get; init; } = "\t";

    /// <summary>When set, every id in the file must be one of these (for example a training set's items); an unknown id is an error naming its line.</summary>
    public IdMap? KnownIds { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">The delimiter is empty.</exception>
    public void Validate() => ArgumentException.ThrowIfNullOrEmpty(Delimiter, nameof(Delimiter));
}
