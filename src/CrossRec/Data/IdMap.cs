using System.Collections;

namespace CrossRec.Data;

/// <summary>
/// An immutable, bidirectional map between external identifiers (user ids, item ids, domain names)
/// and the dense indices <c>0..Count-1</c> that every engine works with.
/// </summary>
/// <remarks>
/// Implementation note: a map produced by extending another one (for example the ids of a test file
/// loaded against a training set) keeps the parent's indices unchanged and remembers its parent, so
/// <see cref="Extends(IdMap)"/> can tell in O(depth) that indices may be used directly without a
/// lookup per row.
/// </remarks>
public sealed class IdMap : IReadOnlyList<string>
{
    private readonly string[] _ids;
    private readonly Dictionary<string, int> _index;
    private readonly IdMap? _parent;

    private IdMap(string kind, string[] ids, Dictionary<string, int> index, IdMap? parent)
    {
        Kind = kind;
        _ids = ids;
        _index = index;
        _parent = parent;
    }

    /// <summary>What the ids name ("user", "item", "domain", ...); used in error messages.</summary>
    public string Kind { get; }

    /// <summary>Number of distinct ids.</summary>
    public int Count => _ids.Length;

    /// <summary>The external id of a dense index.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not in <c>0..Count-1</c>.</exception>
    public string this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_ids.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The {Kind} index must be in 0..{_ids.Length - 1}.");
            }

            return _ids[index];
        }
    }

    /// <summary>Creates a map from distinct ids, in order (the first id gets index 0).</summary>
    /// <exception cref="ArgumentException">An id is null, empty or repeated.</exception>
    public static IdMap Create(string kind, IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(ids);
        var builder = new Builder(kind);
        foreach (var id in ids)
        {
            ArgumentException.ThrowIfNullOrEmpty(id, nameof(ids));
            if (builder.Contains(id))
            {
                throw new ArgumentException($"The {kind} id '{id}' appears more than once.", nameof(ids));
            }

            builder.GetOrAdd(id);
        }

        return builder.Build();
    }

    /// <summary>An empty map of the given kind.</summary>
    public static IdMap Empty(string kind) => new(kind, [], new Dictionary<string, int>(StringComparer.Ordinal), null);

    /// <summary>Returns the dense index of an id, or -1 when the id is unknown.</summary>
    public int IndexOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _index.TryGetValue(id, out var i) ? i : -1;
    }

    /// <summary>Looks up the dense index of an id.</summary>
    public bool TryGetIndex(string id, out int index)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _index.TryGetValue(id, out index);
    }

    /// <summary>Returns the dense index of an id.</summary>
    /// <exception cref="KeyNotFoundException">The id is not in the map; the message names the id and its kind.</exception>
    public int GetIndex(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!_index.TryGetValue(id, out var i))
        {
            throw new KeyNotFoundException($"Unknown {Kind} id '{id}': it is not among the {Count} {Kind} ids this data or model knows.");
        }

        return i;
    }

    /// <summary>True when the id is in the map.</summary>
    public bool Contains(string id) => id is not null && _index.ContainsKey(id);

    /// <summary>
    /// True when this map is <paramref name="other"/> itself or was built by extending it, so every index
    /// valid in <paramref name="other"/> names the same id here.
    /// </summary>
    public bool Extends(IdMap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var m = this; m is not null; m = m._parent)
        {
            if (ReferenceEquals(m, other))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Starts a builder that keeps every index of this map and appends new ids after them.</summary>
    public Builder ToBuilder() => new(this);

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_ids).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => $"IdMap({Kind}, {Count} ids)";

    internal ReadOnlySpan<string> AsSpan() => _ids;

    /// <summary>
    /// A mutable, single-threaded builder that assigns dense indices in order of first appearance.
    /// Lookups by <see cref="ReadOnlySpan{T}"/> of chars do not allocate for ids already seen, which keeps
    /// streaming loaders allocation-free per row.
    /// </summary>
    public sealed class Builder
    {
        private readonly string _kind;
        private readonly List<string> _ids;
        private readonly Dictionary<string, int> _index;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanLookup;
        private readonly IdMap? _parent;
        private bool _built;

        /// <summary>Numeric ids below this value use the dense cache (16M entries, 64 MB at most).</summary>
        private const int NumericCacheLimit = 1 << 24;

        /// <summary>Dense index + 1 of each numeric id seen so far (0 = not cached); grows on demand.</summary>
        private int[] _numeric = [];

        /// <summary>Creates an empty builder for ids of the given kind.</summary>
        public Builder(string kind)
        {
            ArgumentNullException.ThrowIfNull(kind);
            _kind = kind;
            _ids = new List<string>();
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            _spanLookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        internal Builder(IdMap parent)
        {
            _kind = parent.Kind;
            _parent = parent;
            _ids = new List<string>(parent._ids);
            _index = new Dictionary<string, int>(parent._index, StringComparer.Ordinal);
            _spanLookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        /// <summary>Number of ids so far.</summary>
        public int Count => _ids.Count;

        /// <summary>True when the id has been added.</summary>
        public bool Contains(string id) => _index.ContainsKey(id);

        /// <summary>The id at a dense index.</summary>
        public string this[int index] => _ids[index];

        /// <summary>True when the id has been added; no allocation.</summary>
        public bool TryGetIndex(ReadOnlySpan<char> id, out int index) => _spanLookup.TryGetValue(id, out index);

        /// <summary>Returns the index of an id, adding it if new.</summary>
        public int GetOrAdd(string id)
        {
            ArgumentNullException.ThrowIfNull(id);
            ThrowIfBuilt();
            if (_index.TryGetValue(id, out var i))
            {
                return i;
            }

            i = _ids.Count;
            _ids.Add(id);
            _index.Add(id, i);
            return i;
        }

        /// <summary>Returns the index of an id, adding it if new; allocates a string only for a new id.</summary>
        public int GetOrAdd(ReadOnlySpan<char> id)
        {
            ThrowIfBuilt();
            if (TryParseCanonical(id, out var number))
            {
                return GetOrAddNumeric(id, number);
            }

            if (_spanLookup.TryGetValue(id, out var i))
            {
                return i;
            }

            return GetOrAdd(id.ToString());
        }

        /// <summary>
        /// Ids that are canonical decimal numbers (what rating files mostly hold) are looked up in a dense array
        /// indexed by their value, with the dictionary behind it as the source of truth. Measured on 10M
        /// MovieLens-layout rows (100k users, 20k items): the two dictionary lookups per row, each touching a
        /// hash bucket, an entry and a string scattered over the heap, were 3.3–4.5 s of a 5–6 s load; the
        /// array is a few MB and stays in cache.
        /// </summary>
        private int GetOrAddNumeric(ReadOnlySpan<char> id, int number)
        {
            if (number < NumericCacheLimit)
            {
                if (number >= _numeric.Length)
                {
                    Array.Resize(ref _numeric, Math.Min(NumericCacheLimit, Math.Max(number + 1, _numeric.Length * 2)));
                }

                var cached = _numeric[number];
                if (cached != 0)
                {
                    return cached - 1;
                }
            }

            var i = _spanLookup.TryGetValue(id, out var found) ? found : GetOrAdd(id.ToString());
            if (number < NumericCacheLimit)
            {
                _numeric[number] = i + 1;
            }

            return i;
        }

        /// <summary>
        /// True for "0" and for 1–9 digits without a leading zero: exactly the strings that <see cref="int.ToString()"/>
        /// produces, so value and text determine each other and the cache can never confuse "7" with "007".
        /// </summary>
        private static bool TryParseCanonical(ReadOnlySpan<char> id, out int number)
        {
            number = 0;
            if (id.IsEmpty || id.Length > 9 || (id[0] == '0' && id.Length > 1))
            {
                return false;
            }

            foreach (var c in id)
            {
                var digit = c - '0';
                if ((uint)digit > 9)
                {
                    return false;
                }

                number = (number * 10) + digit;
            }

            return true;
        }

        /// <summary>Freezes the ids into an immutable <see cref="IdMap"/>. The builder cannot be used afterwards.</summary>
        public IdMap Build()
        {
            ThrowIfBuilt();
            _built = true;
            if (_parent is not null && _ids.Count == _parent.Count)
            {
                return _parent; // nothing new: keep reference identity so Extends/ReferenceEquals fast paths hold
            }

            return new IdMap(_kind, _ids.ToArray(), _index, _parent);
        }

        private void ThrowIfBuilt()
        {
            if (_built)
            {
                throw new InvalidOperationException("This IdMap.Builder has already built its map.");
            }
        }
    }

    /// <summary>Maps ids of <paramref name="source"/> to indices of this map (-1 where unknown).</summary>
    internal int[] Translate(IdMap source)
    {
        var result = new int[source.Count];
        if (source.Extends(this) || Extends(source))
        {
            var shared = Math.Min(Count, source.Count);
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = i < shared ? i : -1;
            }

            return result;
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _index.TryGetValue(source._ids[i], out var j) ? j : -1;
        }

        return result;
    }
}
