using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CrossRec.Persistence;

namespace CrossRec.Serving.Approximate;

/// <summary>
/// One hierarchical navigable small-world graph (Malkov and Yashunin 2018) over a subset of a factor model's items (one
/// norm band of a <see cref="MipsIndex"/>), searched for the largest scores <c>p·q_j + b_j</c>.
/// </summary>
/// <remarks>
/// <para><b>MIPS as nearest neighbours.</b> Bachrach et al. (2014): with M the largest norm of the band's vectors
/// x_j = [q_j, b_j], item j becomes [x_j, √(M² − |x_j|²)] (every augmented item has norm M) and a query p becomes
/// [p, 1, 0]; then |query − item|² = |p|² + 1 + M² − 2(p·q_j + b_j), so the nearest items are those of the largest
/// score. The graph is built on the augmented items' distances, kept as similarities
/// (<c>x_i·x_j + a_i·a_j</c> = M² − distance²/2), and searched with the plain score: the augmentation needs one extra
/// float per item during the build and nothing afterwards.</para>
/// <para><b>Deterministic parallel build.</b> Items are inserted in the band's order, in batches of 1/32 of the graph
/// so far (at most 16,384). The items of a batch search the graph as it stood before the batch, on every worker at once
/// (each writes only its own links); then the reverse links are added per target item, also in parallel (each target's
/// list is written by one worker, pruned by the paper's heuristic when it overflows). Layers come from one seeded
/// generator and every choice is ordered by (similarity, index), so the graph depends on the model, the options and the
/// seed, never on the thread count. The dot product is this class's own (fixed order, independent of addresses), so a
/// rebuild on the same machine is bit-identical.</para>
/// <para><b>The search reads a compact copy.</b> The build works on the model's floats; a search walks on signed-byte
/// codes of the band's factors (one scale per band), stored in node order, and reports with each node found how far its
/// score can be from the exact one, so that <see cref="MipsIndex"/> re-scores exactly every node that may enter a list.
/// A small band is scanned instead (<see cref="Scan"/>): every node's code scored in memory order.</para>
/// <para>Immutable after the build and safe to share across threads: a search takes a scratch set (visited marks, two
/// heaps) from a pool and returns it. Links hold local indices (positions in <see cref="Ids"/>).</para>
/// </remarks>
internal sealed class HnswGraph
{
    /// <summary>Highest layer an item may be given (the layer of 10⁶ items with M = 4 is about 10).</summary>
    private const int MaxLayer = 30;

    /// <summary>A batch is at most 1/<c>BatchDivisor</c> of the graph built so far.</summary>
    private const int BatchDivisor = 32;

    private const int MaxBatch = 16_384;

    private readonly int[] _ids;
    private readonly int _n;
    private readonly int _k;
    private readonly int _m;
    private readonly int _m0;
    private readonly float[] _items;
    private readonly float[]? _bias;
    private readonly int[] _levels;
    private readonly int[] _count0;
    private readonly int[] _links0;
    private readonly int[]?[] _upper;
    private readonly int _entry;
    private readonly ConcurrentBag<Scratch> _pool = new();

    /// <summary>The search's compact copy of the nodes' factors: n × k signed bytes in node order, code × <see cref="_codeScale"/> ≈ factor (empty during the build).</summary>
    private readonly sbyte[] _codes;
    private readonly float _codeScale;

    private HnswGraph(int[] ids, int m, int k, float[] items, float[]? bias, int[] levels, int[] count0, int[] links0, int[]?[] upper, int entry, bool codes = true)
    {
        _ids = ids;
        _n = ids.Length;
        _k = k;
        _m = m;
        _m0 = 2 * m;
        _items = items;
        _bias = bias;
        _levels = levels;
        _count0 = count0;
        _links0 = links0;
        _upper = upper;
        _entry = entry;
        (_codes, _codeScale) = codes ? Quantize(ids, items, k) : ([], 1f);
    }

    /// <summary>Nodes in the graph.</summary>
    public int Count => _n;

    /// <summary>The model's item index of each graph node.</summary>
    public ReadOnlySpan<int> Ids => _ids;

    /// <summary>Bytes of the graph (links, counts, layers, ids), not counting the model's factors it searches.</summary>
    public long Bytes
    {
        get
        {
            long bytes = (((long)_links0.Length + _count0.Length + _levels.Length + _ids.Length) * sizeof(int)) + _codes.Length;
            foreach (var u in _upper)
            {
                bytes += u is null ? 0 : (long)u.Length * sizeof(int);
            }

            return bytes;
        }
    }

    /// <summary>Builds the graph over the items <paramref name="ids"/> (in this insertion order); <paramref name="inserted"/> is called after each batch with the items added.</summary>
    public static HnswGraph Build(FactorScoring scoring, int[] ids, ApproximateServingOptions options, Random random, ParallelOptions parallel, Action<int> inserted)
    {
        var n = ids.Length;
        var k = scoring.Factors;
        var m = options.M;
        var items = scoring.ItemFactors;
        var bias = scoring.ItemBias;

        // Augmentation: a_j = √(M² − |q_j|² − b_j²) over the band (clamped at 0 against rounding).
        var norms = new double[n];
        var maxNorm = 0d;
        for (var i = 0; i < n; i++)
        {
            norms[i] = SquaredNorm(scoring, ids[i]);
            maxNorm = Math.Max(maxNorm, norms[i]);
        }

        var augment = new float[n];
        for (var i = 0; i < n; i++)
        {
            augment[i] = (float)Math.Sqrt(Math.Max(0, maxNorm - norms[i]));
        }

        var levels = new int[n];
        var scale = 1 / Math.Log(m);
        for (var i = 0; i < n; i++)
        {
            levels[i] = Math.Min(MaxLayer, (int)(-Math.Log(1 - random.NextDouble()) * scale));
        }

        var upper = new int[]?[n];
        for (var i = 0; i < n; i++)
        {
            if (levels[i] > 0)
            {
                upper[i] = new int[levels[i] * (m + 1)];
            }
        }

        if ((long)n * 2 * m > Array.MaxLength)
        {
            throw new NotSupportedException($"{n} items × {2 * m} links are more than one array holds; lower {nameof(ApproximateServingOptions.M)}.");
        }

        var graph = new HnswGraph(ids, m, k, items, bias, levels, new int[n], new int[n * 2 * m], upper, 0, codes: false);
        if (n == 0)
        {
            return graph;
        }

        var builder = new Builder(graph, augment, options.EfConstruction);
        var done = 1;
        inserted(1);
        while (done < n)
        {
            parallel.CancellationToken.ThrowIfCancellationRequested();
            var batch = Math.Min(n - done, Math.Clamp(done / BatchDivisor, 1, MaxBatch));
            builder.InsertBatch(done, batch, parallel);
            done += batch;
            inserted(batch);
        }

        return new HnswGraph(ids, m, k, items, bias, levels, graph._count0, graph._links0, upper, builder.Entry);
    }

    /// <summary>|[q_j, b_j]|² in double.</summary>
    internal static double SquaredNorm(FactorScoring scoring, int j)
    {
        var k = scoring.Factors;
        double s = 0;
        foreach (var v in scoring.ItemFactors.AsSpan(j * k, k))
        {
            s += (double)v * v;
        }

        if (scoring.ItemBias is { } bias)
        {
            s += (double)bias[j] * bias[j];
        }

        return s;
    }

    /// <summary>
    /// Adds to <paramref name="found"/> the model indices of the up to <paramref name="ef"/> nodes of the largest score for
    /// <paramref name="query"/> among the allowed ones (<paramref name="mask"/>[item] true, null: all, and
    /// <paramref name="excluded"/>[item] ≠ <paramref name="mark"/>), each with its score from the compact copy of the
    /// factors; returns how far such a score can lie from <c>query·q_j + b_j</c> in exact arithmetic (Σ|query_f| × half
    /// a quantisation step), so that a caller can skip exact re-scoring of a node that cannot enter its list.
    /// </summary>
    /// <remarks>The walk scores nodes from signed-byte codes (one cache line per node at k = 64 instead of four floats'
    /// worth, read from one contiguous array): the search is bound by memory reads of scattered nodes.</remarks>
    public float Search(ReadOnlySpan<float> query, int ef, bool[]? mask, int[] excluded, int mark, List<(int Item, float Score)> found, out int scored)
    {
        scored = 0;
        if (_n == 0)
        {
            return 0f;
        }

        var s = Rent();
        try
        {
            ef = Math.Min(ef, _n);
            var scaled = s.Query;
            var absolute = Scale(query, scaled);
            var scorer = new CodeScorer(this, scaled, _bias is null ? 0f : 1f);
            var ep = _entry;
            var epSim = scorer.Score(ep);
            s.Scored = 1;
            for (var level = _levels[_entry]; level > 0; level--)
            {
                (ep, epSim) = Greedy(ref scorer, ep, epSim, level, s);
            }

            SearchLayer(ref scorer, ep, epSim, ef, 0, s, mask, excluded, mark);
            scored = s.Scored;
            while (s.Results.TryDequeue(out var j, out var score))
            {
                found.Add((_ids[j], score));
            }

            return Slack(absolute);
        }
        finally
        {
            _pool.Add(s);
        }
    }

    /// <summary>
    /// Adds to <paramref name="found"/> every allowed node (as <see cref="Search"/>) whose score from the codes plus the
    /// returned slack reaches <paramref name="floor"/>, with that score: an exhaustive pass in memory order, cheaper than a
    /// walk on a band of a few thousand nodes.
    /// </summary>
    public float Scan(ReadOnlySpan<float> query, float floor, bool[]? mask, int[] excluded, int mark, List<(int Item, float Score)> found)
    {
        Span<float> scaled = _k <= 256 ? stackalloc float[_k] : new float[_k];
        var slack = Slack(Scale(query, scaled));
        if (Avx2.IsSupported && _k % 16 == 0 && _k <= MaxIntegerScanFactors)
        {
            return ScanIntegers(scaled, slack, floor, mask, excluded, mark, found);
        }

        ref var q = ref MemoryMarshal.GetReference(scaled);
        ref var codes = ref MemoryMarshal.GetArrayDataReference(_codes);
        for (var j = 0; j < _n; j++)
        {
            var id = _ids[j];
            var score = DotCodes(ref q, ref Unsafe.Add(ref codes, (nint)j * _k), _k);
            if (_bias is not null)
            {
                score += _bias[id];
            }

            if (score + slack >= floor && (mask is null || mask[id]) && excluded[id] != mark)
            {
                found.Add((id, score));
            }
        }

        return slack;
    }

    /// <summary>
    /// The most factors <see cref="ScanIntegers"/> takes: a lane of its 32-bit sums adds k/8 products of at most
    /// 32,767 × 127, which stays below 2³¹ up to k = 2,048.
    /// </summary>
    private const int MaxIntegerScanFactors = 2048;

    /// <summary>
    /// <see cref="Scan"/> in integers: the scaled query rounded to 16-bit steps of δ = max|scaled|/32,767, each node's
    /// codes widened to 16 bits, and pairs multiplied and added into 32-bit sums (<c>vpmaddwd</c>); the score is δ × the
    /// exact integer sum. The query's rounding moves a score by at most Σ_f |code_f| × δ/2 ≤ 63.5·k·δ, and the sum's
    /// conversion and scaling by two float roundings; both are added to the returned slack, so that no node that can
    /// enter the list is left out.
    /// </summary>
    /// <remarks>
    /// Implementation note: a scan scores every code of a band in memory order, so it is bound by arithmetic, not by
    /// memory; the float path widens each byte twice and converts it (6.1–6.3 ns a node at k = 64, 200k–1M items, where
    /// scans took half of a calibrated list's time). One multiply-add here covers 16 codes: calibrated lists at 1M σ 0.70
    /// came 1.29–1.41× faster, 200k 1.09–1.20× (docs/performance.md). A 512-bit variant (32 codes a multiply-add) gained
    /// nothing measurable over it at 200k and is not kept.
    /// </remarks>
    private float ScanIntegers(ReadOnlySpan<float> scaled, float slack, float floor, bool[]? mask, int[] excluded, int mark, List<(int Item, float Score)> found)
    {
        float largest = 0;
        foreach (var v in scaled)
        {
            largest = Math.Max(largest, Math.Abs(v));
        }

        var step = largest > 0 ? largest / 32767f : 1f;
        Span<short> steps = _k <= 256 ? stackalloc short[_k] : new short[_k];
        for (var f = 0; f < _k; f++)
        {
            steps[f] = (short)Math.Clamp(MathF.Round(scaled[f] / step), -32767f, 32767f);
        }

        // The query's rounding, then the float rounding of δ × the sum (two roundings of at most 127·k·max|scaled|).
        slack += (63.5f * _k * step) + (127f * _k * largest * 2.4e-7f);
        ref var t = ref Unsafe.As<short, byte>(ref MemoryMarshal.GetReference(steps));
        ref var codes = ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetArrayDataReference(_codes));
        for (var j = 0; j < _n; j++)
        {
            ref var c = ref Unsafe.Add(ref codes, (nint)j * _k);
            var sum = Vector256<int>.Zero;
            for (var f = 0; f < _k; f += 16)
            {
                var wide = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref Unsafe.Add(ref c, f)).AsSByte());
                sum = Avx2.Add(sum, Avx2.MultiplyAddAdjacent(wide, Vector256.LoadUnsafe(ref Unsafe.Add(ref t, f * 2)).AsInt16()));
            }

            var id = _ids[j];
            var score = Vector256.Sum(sum) * step;
            if (_bias is not null)
            {
                score += _bias[id];
            }

            if (score + slack >= floor && (mask is null || mask[id]) && excluded[id] != mark)
            {
                found.Add((id, score));
            }
        }

        return slack;
    }

    /// <summary>Writes query × the code scale into <paramref name="scaled"/>; returns Σ|query_f|.</summary>
    private float Scale(ReadOnlySpan<float> query, Span<float> scaled)
    {
        float absolute = 0;
        for (var f = 0; f < _k; f++)
        {
            scaled[f] = query[f] * _codeScale;
            absolute += Math.Abs(query[f]);
        }

        return absolute;
    }

    /// <summary>Half a quantisation step per factor; the float sums of the codes round too (relative 1e-5 of the magnitudes summed).</summary>
    private float Slack(float absolute) => (absolute * _codeScale * 0.5f) + (1e-5f * absolute * _codeScale * 127f);

    /// <summary>The compact copy: every factor of the nodes divided by one scale (the largest magnitude ÷ 127) and rounded.</summary>
    private static (sbyte[] Codes, float Scale) Quantize(int[] ids, float[] items, int k)
    {
        var max = 0f;
        foreach (var id in ids)
        {
            foreach (var v in items.AsSpan(id * k, k))
            {
                max = Math.Max(max, Math.Abs(v));
            }
        }

        var scale = max > 0 && float.IsFinite(max) ? max / 127f : 1f;
        var codes = new sbyte[(long)ids.Length * k];
        for (var j = 0; j < ids.Length; j++)
        {
            var row = items.AsSpan(ids[j] * k, k);
            for (var f = 0; f < k; f++)
            {
                codes[((long)j * k) + f] = (sbyte)Math.Clamp(MathF.Round(row[f] / scale), -127f, 127f);
            }
        }

        return (codes, scale);
    }

    /// <summary>Writes the graph (ids, entry, layers, links).</summary>
    public void Write(PayloadWriter payload)
    {
        var upperCounts = new List<int>();
        var upperLinks = new List<int>();
        for (var j = 0; j < _n; j++)
        {
            for (var level = 1; level <= _levels[j]; level++)
            {
                var links = Links(j, level);
                upperCounts.Add(links.Length);
                foreach (var l in links)
                {
                    upperLinks.Add(l);
                }
            }
        }

        var links0 = new int[_count0.Sum(c => (long)c)];
        var at = 0;
        for (var j = 0; j < _n; j++)
        {
            Links(j, 0).CopyTo(links0.AsSpan(at));
            at += _count0[j];
        }

        payload.Int32s(_ids).Int32(_entry).Int32s(_levels).Int32s(_count0).Int32s(links0)
            .Int32s(CollectionsMarshal.AsSpan(upperCounts)).Int32s(CollectionsMarshal.AsSpan(upperLinks));
    }

    /// <summary>
    /// Reads and validates what <see cref="Write"/> wrote: ids in the catalogue and not claimed by an
    /// earlier band (<paramref name="claimed"/>), every layer, count and link in bounds (no self-links, no repeats, an
    /// upper-layer link only to a node on that layer) and the entry on the top layer, so that a crafted section is
    /// refused by name and a search can never leave the arrays.
    /// </summary>
    public static HnswGraph Read(PayloadReader s, int m, FactorScoring scoring, bool[] claimed)
    {
        var items = scoring.Items;
        var ids = s.Int32s();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)items || claimed[id])
            {
                throw s.Fail($"band item {id} is outside 0..{items - 1} or in two bands");
            }

            claimed[id] = true;
        }

        var n = ids.Length;
        var m0 = 2 * m;
        var entry = s.Int32();
        var levels = s.Int32s(n);
        var count0 = s.Int32s(n);
        var flat0 = s.Int32s();
        var upperCounts = s.Int32s();
        var upperLinks = s.Int32s();
        if (n > 0 && (uint)entry >= (uint)n)
        {
            throw s.Fail($"entry node {entry} outside 0..{n - 1}");
        }

        var top = n > 0 ? levels[entry] : 0;
        if (top > MaxLayer)
        {
            throw s.Fail($"the entry is on layer {top}; layers end at {MaxLayer}");
        }

        long upperTotal = 0;
        for (var j = 0; j < n; j++)
        {
            if (levels[j] < 0 || levels[j] > top)
            {
                throw s.Fail($"node {j} is on layer {levels[j]}, outside 0..{top} (the entry's layer)");
            }

            upperTotal += levels[j];
        }

        if (upperCounts.Length != upperTotal)
        {
            throw s.Fail($"{upperCounts.Length} upper-layer link counts for {upperTotal} upper-layer entries");
        }

        var links0 = new int[n * m0];
        var seen = new HashSet<int>();
        var at = 0L;
        for (var j = 0; j < n; j++)
        {
            var c = count0[j];
            if (c < 0 || c > m0 || at + c > flat0.Length)
            {
                throw s.Fail($"node {j} has {c} bottom-layer links (at most {m0}, within the {flat0.Length} stored)");
            }

            var links = flat0.AsSpan((int)at, c);
            CheckLinks(links, j, 0, n, seen, s);
            links.CopyTo(links0.AsSpan(j * m0));
            at += c;
        }

        if (at != flat0.Length)
        {
            throw s.Fail($"{flat0.Length - at} bottom-layer links belong to no node");
        }

        var upper = new int[]?[n];
        var count = 0;
        at = 0;
        for (var j = 0; j < n; j++)
        {
            if (levels[j] == 0)
            {
                continue;
            }

            var list = new int[levels[j] * (m + 1)];
            for (var level = 1; level <= levels[j]; level++)
            {
                var c = upperCounts[count++];
                if (c < 0 || c > m || at + c > upperLinks.Length)
                {
                    throw s.Fail($"node {j} has {c} links on layer {level} (at most {m}, within the {upperLinks.Length} stored)");
                }

                var links = upperLinks.AsSpan((int)at, c);
                CheckLinks(links, j, level, n, seen, s);
                foreach (var l in links)
                {
                    if (levels[l] < level)
                    {
                        throw s.Fail($"node {j} links on layer {level} to node {l}, which is only on layers 0..{levels[l]}");
                    }
                }

                var offset = (level - 1) * (m + 1);
                list[offset] = c;
                links.CopyTo(list.AsSpan(offset + 1));
                at += c;
            }

            upper[j] = list;
        }

        if (at != upperLinks.Length)
        {
            throw s.Fail($"{upperLinks.Length - at} upper-layer links belong to no node");
        }

        return new HnswGraph(ids, m, scoring.Factors, scoring.ItemFactors, scoring.ItemBias, levels, count0, links0, upper, entry);
    }

    private static void CheckLinks(ReadOnlySpan<int> links, int node, int level, int n, HashSet<int> seen, PayloadReader s)
    {
        seen.Clear();
        foreach (var l in links)
        {
            if ((uint)l >= (uint)n || l == node || !seen.Add(l))
            {
                throw s.Fail($"node {node} has an invalid link to {l} on layer {level} (outside 0..{n - 1}, itself or repeated)");
            }
        }
    }

    /// <summary>
    /// The dot product of the search and the build: two 256-bit accumulators over the factors, in a fixed order
    /// (independent of the addresses, unlike <c>TensorPrimitives.Dot</c>, so builds are reproducible), unfused
    /// multiply-adds (the same bits on every machine). Hand-written because the search computes one short dot per
    /// visited item (tens of thousands per list) and the call overhead of a general routine would dominate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float a, ref float b, int k)
    {
        var f = 0;
        var s0 = Vector256<float>.Zero;
        var s1 = Vector256<float>.Zero;
        for (; f + 16 <= k; f += 16)
        {
            s0 += Vector256.LoadUnsafe(ref a, (nuint)f) * Vector256.LoadUnsafe(ref b, (nuint)f);
            s1 += Vector256.LoadUnsafe(ref a, (nuint)(f + 8)) * Vector256.LoadUnsafe(ref b, (nuint)(f + 8));
        }

        if (f + 8 <= k)
        {
            s0 += Vector256.LoadUnsafe(ref a, (nuint)f) * Vector256.LoadUnsafe(ref b, (nuint)f);
            f += 8;
        }

        var h = (s0 + s1).GetLower() + (s0 + s1).GetUpper();
        var sum = (h.GetElement(0) + h.GetElement(1)) + (h.GetElement(2) + h.GetElement(3));
        for (; f < k; f++)
        {
            sum += Unsafe.Add(ref a, f) * Unsafe.Add(ref b, f);
        }

        return sum;
    }

    /// <summary>
    /// The dot product of a (scaled) query and one node's codes, hand-written for the same reason as <see cref="Dot"/>:
    /// sixteen codes at a time widened to floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotCodes(ref float q, ref sbyte c, int k)
    {
        var f = 0;
        var s0 = Vector256<float>.Zero;
        var s1 = Vector256<float>.Zero;
        for (; f + 16 <= k; f += 16)
        {
            var wide = Vector256.WidenLower(Vector128.LoadUnsafe(ref c, (nuint)f).ToVector256Unsafe());
            s0 += Vector256.ConvertToSingle(Vector256.WidenLower(wide)) * Vector256.LoadUnsafe(ref q, (nuint)f);
            s1 += Vector256.ConvertToSingle(Vector256.WidenUpper(wide)) * Vector256.LoadUnsafe(ref q, (nuint)(f + 8));
        }

        var h = (s0 + s1).GetLower() + (s0 + s1).GetUpper();
        var sum = (h.GetElement(0) + h.GetElement(1)) + (h.GetElement(2) + h.GetElement(3));
        for (; f < k; f++)
        {
            sum += Unsafe.Add(ref q, f) * Unsafe.Add(ref c, f);
        }

        return sum;
    }

    private ref float Row(int j) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_items), (nint)_ids[j] * _k);

    private ReadOnlySpan<float> RowSpan(int j) => _items.AsSpan(_ids[j] * _k, _k);

    private float BiasOf(int j) => _bias is null ? 0f : _bias[_ids[j]];

    /// <summary>The similarity of item j to a query q: q·x_j + qb·b_j + qa·a_j (a: the augmentation, build only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Sim(ReadOnlySpan<float> q, float qb, float qa, float[]? augment, int j)
    {
        var s = Dot(ref MemoryMarshal.GetReference(q), ref Row(j), _k);
        if (_bias is not null)
        {
            s += qb * _bias[_ids[j]];
        }

        if (augment is not null)
        {
            s += qa * augment[j];
        }

        return s;
    }

    /// <summary>Item j's links on a layer.</summary>
    private ReadOnlySpan<int> Links(int j, int level)
    {
        if (level == 0)
        {
            return _links0.AsSpan(j * _m0, _count0[j]);
        }

        var list = _upper[j]!;
        var offset = (level - 1) * (_m + 1);
        return list.AsSpan(offset + 1, list[offset]);
    }

    private void SetLinks(int j, int level, ReadOnlySpan<int> links)
    {
        if (level == 0)
        {
            links.CopyTo(_links0.AsSpan(j * _m0, _m0));
            _count0[j] = links.Length;
            return;
        }

        var list = _upper[j]!;
        var offset = (level - 1) * (_m + 1);
        links.CopyTo(list.AsSpan(offset + 1, _m));
        list[offset] = links.Length;
    }

    /// <summary>Scores nodes for a walk: the similarity it maximises, and the first byte of what it reads (to prefetch).</summary>
    private interface IScorer
    {
        float Score(int j);

        ref byte Address(int j);
    }

    /// <summary>The build's similarity from the model's floats (<see cref="Sim"/>).</summary>
    private readonly ref struct FloatScorer(HnswGraph graph, ReadOnlySpan<float> q, float qb, float qa, float[]? augment) : IScorer
    {
        private readonly ReadOnlySpan<float> _q = q;

        public float Score(int j) => graph.Sim(_q, qb, qa, augment, j);

        public ref byte Address(int j) => ref Unsafe.As<float, byte>(ref graph.Row(j));
    }

    /// <summary>The search's score from the codes: (query × scale)·code_j + qb·b_j.</summary>
    private readonly ref struct CodeScorer(HnswGraph graph, ReadOnlySpan<float> scaled, float qb) : IScorer
    {
        private readonly ReadOnlySpan<float> _q = scaled;

        public float Score(int j)
        {
            var s = DotCodes(ref MemoryMarshal.GetReference(_q), ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(graph._codes), (nint)j * graph._k), graph._k);
            return graph._bias is null ? s : s + (qb * graph._bias[graph._ids[j]]);
        }

        public ref byte Address(int j) => ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(graph._codes), (nint)j * graph._k));
    }

    /// <summary>Greedy descent on one upper layer: moves to the best neighbour until none is better.</summary>
    private (int Item, float Sim) Greedy<TScorer>(ref TScorer scorer, int ep, float epSim, int level, Scratch s)
        where TScorer : IScorer, allows ref struct
    {
        var changed = true;
        while (changed)
        {
            changed = false;
            var links = Links(ep, level);
            s.Scored += links.Length;
            foreach (var j in links)
            {
                var sj = scorer.Score(j);
                if (sj > epSim || (sj == epSim && j < ep))
                {
                    ep = j;
                    epSim = sj;
                    changed = true;
                }
            }
        }

        return (ep, epSim);
    }

    /// <summary>
    /// The search of one layer from one entry (Algorithm 2 of the paper): leaves the best <paramref name="ef"/> allowed
    /// nodes in <see cref="Scratch.Results"/> (a min-heap on similarity). Disallowed nodes (mask false or excluded with
    /// <paramref name="excludeMark"/>, both by model index; null: none) are walked through but never kept.
    /// </summary>
    private void SearchLayer<TScorer>(ref TScorer scorer, int ep, float epSim, int ef, int level, Scratch s, bool[]? mask, int[]? excluded, int excludeMark)
        where TScorer : IScorer, allows ref struct
    {
        var visited = s.Visited;
        var stamp = s.NextVisit();
        var ids = _ids;
        var candidates = s.Candidates;
        var results = s.Results;
        candidates.Clear();
        results.Clear();
        visited[ep] = stamp;
        candidates.Enqueue(ep, -epSim);
        if ((mask is null || mask[ids[ep]]) && (excluded is null || excluded[ids[ep]] != excludeMark))
        {
            results.Enqueue(ep, epSim);
        }

        var lowest = results.Count >= ef ? epSim : float.NegativeInfinity;
        while (candidates.TryDequeue(out var c, out var negative))
        {
            if (-negative < lowest)
            {
                break;
            }

            var links = Links(c, level);
            if (Sse.IsSupported)
            {
                foreach (var j in links)
                {
                    if (visited[j] != stamp)
                    {
                        unsafe
                        {
                            Sse.Prefetch0(Unsafe.AsPointer(ref scorer.Address(j)));
                        }
                    }
                }
            }

            foreach (var j in links)
            {
                if (visited[j] == stamp)
                {
                    continue;
                }

                visited[j] = stamp;
                s.Scored++;
                var sj = scorer.Score(j);
                if (sj > lowest)
                {
                    candidates.Enqueue(j, -sj);
                    if ((mask is null || mask[ids[j]]) && (excluded is null || excluded[ids[j]] != excludeMark))
                    {
                        results.Enqueue(j, sj);
                        if (results.Count > ef)
                        {
                            results.Dequeue();
                        }

                        if (results.Count >= ef)
                        {
                            results.TryPeek(out _, out lowest);
                        }
                    }
                }
            }
        }
    }

    private Scratch Rent() => _pool.TryTake(out var s) ? s : new Scratch(_n, _k);

    /// <summary>One search's buffers: visited marks (one byte per node, by generation, cleared every 254 searches), the two heaps, the build's lists.</summary>
    private sealed class Scratch(int n, int k)
    {
        private int _visit;

        /// <summary>The query times the code scale.</summary>
        public float[] Query { get; } = new float[k];

        public byte[] Visited { get; } = new byte[n];

        /// <summary>Candidates to expand, best first (priority: −similarity).</summary>
        public PriorityQueue<int, float> Candidates { get; } = new();

        /// <summary>The best items so far, worst first (priority: similarity).</summary>
        public PriorityQueue<int, float> Results { get; } = new();

        public List<(int Item, float Sim)> Found { get; } = [];

        /// <summary>Nodes scored by the current search (<see cref="Search"/>'s count of work).</summary>
        public int Scored { get; set; }

        public List<int> Selected { get; } = [];

        public byte NextVisit()
        {
            if (++_visit == byte.MaxValue)
            {
                Array.Clear(Visited);
                _visit = 1;
            }

            return (byte)_visit;
        }
    }

    /// <summary>The build's state: the augmentation, the entry and its layer, and the batch steps.</summary>
    private sealed class Builder(HnswGraph index, float[] augment, int efConstruction)
    {
        private readonly int _efConstruction = efConstruction;

        public int Entry { get; private set; }

        private int Top => index._levels[Entry];

        /// <summary>Inserts items first..first + count − 1: their links in parallel on the graph as it stands, then the reverse links per target, then the entry.</summary>
        public void InsertBatch(int first, int count, ParallelOptions parallel)
        {
            var entry = Entry;
            var top = Top;
            if (count == 1)
            {
                Link(first, entry, top, index.Rent());
            }
            else
            {
                Parallel.For(first, first + count, parallel, () => index.Rent(), (j, _, s) => Link(j, entry, top, s), s => index._pool.Add(s));
            }

            // Reverse links: (target, layer, new item), grouped by target and layer, in a deterministic order.
            var pairs = new List<(int Target, int Level, int Item)>();
            for (var j = first; j < first + count; j++)
            {
                for (var level = Math.Min(index._levels[j], top); level >= 0; level--)
                {
                    foreach (var t in index.Links(j, level))
                    {
                        pairs.Add((t, level, j));
                    }
                }
            }

            var span = CollectionsMarshal.AsSpan(pairs);
            span.Sort();
            var starts = new List<int>();
            for (var p = 0; p < span.Length; p++)
            {
                if (p == 0 || span[p].Target != span[p - 1].Target || span[p].Level != span[p - 1].Level)
                {
                    starts.Add(p);
                }
            }

            starts.Add(span.Length);
            var groups = starts.ToArray();
            var all = pairs.ToArray();
            Parallel.For(0, groups.Length - 1, parallel, () => index.Rent(), (g, _, s) => Reverse(all.AsSpan(groups[g], groups[g + 1] - groups[g]), s), s => index._pool.Add(s));
            for (var j = first; j < first + count; j++)
            {
                if (index._levels[j] > index._levels[Entry])
                {
                    Entry = j;
                }
            }
        }

        /// <summary>Finds and sets item j's own links on every layer it shares with the graph.</summary>
        private Scratch Link(int j, int entry, int top, Scratch s)
        {
            var q = index.RowSpan(j);
            var qb = index.BiasOf(j);
            var qa = augment[j];
            var scorer = new FloatScorer(index, q, qb, qa, augment);
            var ep = entry;
            var epSim = scorer.Score(ep);
            for (var level = top; level > index._levels[j]; level--)
            {
                (ep, epSim) = index.Greedy(ref scorer, ep, epSim, level, s);
            }

            for (var level = Math.Min(index._levels[j], top); level >= 0; level--)
            {
                index.SearchLayer(ref scorer, ep, epSim, _efConstruction, level, s, null, null, 0);
                var found = s.Found;
                found.Clear();
                while (s.Results.TryDequeue(out var c, out var sc))
                {
                    found.Add((c, sc));
                }

                SortBestFirst(found);
                Select(found, level == 0 ? index._m0 : index._m, s.Selected);
                index.SetLinks(j, level, CollectionsMarshal.AsSpan(s.Selected));
                (ep, epSim) = found[0];
            }

            return s;
        }

        /// <summary>Adds new items to one target's list on one layer, pruning with the heuristic when it overflows.</summary>
        private Scratch Reverse(ReadOnlySpan<(int Target, int Level, int Item)> group, Scratch s)
        {
            var target = group[0].Target;
            var level = group[0].Level;
            var cap = level == 0 ? index._m0 : index._m;
            var current = index.Links(target, level);
            if (current.Length + group.Length <= cap)
            {
                var merged = s.Selected;
                merged.Clear();
                foreach (var l in current)
                {
                    merged.Add(l);
                }

                foreach (var p in group)
                {
                    merged.Add(p.Item);
                }

                index.SetLinks(target, level, CollectionsMarshal.AsSpan(merged));
                return s;
            }

            var q = index.RowSpan(target);
            var qb = index.BiasOf(target);
            var qa = augment[target];
            var found = s.Found;
            found.Clear();
            foreach (var l in current)
            {
                found.Add((l, index.Sim(q, qb, qa, augment, l)));
            }

            foreach (var p in group)
            {
                found.Add((p.Item, index.Sim(q, qb, qa, augment, p.Item)));
            }

            SortBestFirst(found);
            Select(found, cap, s.Selected);
            index.SetLinks(target, level, CollectionsMarshal.AsSpan(s.Selected));
            return s;
        }

        private static void SortBestFirst(List<(int Item, float Sim)> found) =>
            CollectionsMarshal.AsSpan(found).Sort(static (a, b) => a.Sim != b.Sim ? b.Sim.CompareTo(a.Sim) : a.Item.CompareTo(b.Item));

        /// <summary>
        /// The neighbour heuristic (Algorithm 4 of the paper, without extension): a candidate, taken best first, is kept
        /// when it is closer to the query than to every item kept before it, up to <paramref name="max"/> items.
        /// </summary>
        private void Select(List<(int Item, float Sim)> found, int max, List<int> selected)
        {
            selected.Clear();
            foreach (var (c, sc) in found)
            {
                if (selected.Count >= max)
                {
                    break;
                }

                var keep = true;
                var cq = index.RowSpan(c);
                var cb = index.BiasOf(c);
                foreach (var r in selected)
                {
                    if (index.Sim(cq, cb, augment[c], augment, r) > sc)
                    {
                        keep = false;
                        break;
                    }
                }

                if (keep)
                {
                    selected.Add(c);
                }
            }
        }
    }
}
