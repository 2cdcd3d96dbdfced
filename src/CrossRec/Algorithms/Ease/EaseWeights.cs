using System.Numerics;
using System.Numerics.Tensors;

namespace CrossRec.Algorithms.Ease;

/// <summary>
/// EASE's item × item weights B over the kept items, sparse: row i holds, for at most K items j, the weight
/// <c>B[i, j]</c> (how much having item i adds to the score of item j), in compressed-row form sorted by j, never
/// the diagonal and never an exact zero. Rows are the K entries of largest magnitude of the dense row (ties:
/// smaller j first), so the pruning is deterministic and a fit gives byte-identical files. Immutable.
/// </summary>
/// <remarks>
/// In memory the rows are compressed while they hold less than a quarter of B, and dense (m × m floats, the pruned
/// weights as zeros) from there on: a scalar scatter-add costs several times a vectorised dense add per weight
/// (<c>docs/performance.md</c>), so at that density the dense rows score faster, in at most twice the memory of the
/// compressed ones (8 bytes a weight). Both give the same scores (each item adds <c>s · B[i, j]</c> in the same order, unfused, and
/// a pruned weight adds an exact 0); the file stores the compressed rows either way.
/// </remarks>
internal sealed class EaseWeights
{
    private readonly int _order;
    private readonly int[]? _offsets;
    private readonly int[]? _columns;
    private readonly float[]? _values;
    private readonly float[]? _dense;

    /// <summary>Wraps compressed rows (taken, not copied) after checking them; dense in memory when they fill a quarter of B or more.</summary>
    /// <param name="offsets">Row offsets.</param>
    /// <param name="columns">Column indices.</param>
    /// <param name="values">Weights.</param>
    /// <param name="dense">Force dense (true) or compressed (false) rows in memory (tests); null chooses by density.</param>
    /// <exception cref="ArgumentException">The arrays are inconsistent (the message says how).</exception>
    public EaseWeights(int[] offsets, int[] columns, float[] values, bool? dense = null)
    {
        if (Problem(offsets, columns, values) is { } problem)
        {
            throw new ArgumentException($"Inconsistent EASE weights: {problem}.");
        }

        _order = offsets.Length - 1;
        Count = columns.Length;
        if (dense ?? DenseWorthy(_order, Count))
        {
            _dense = new float[(long)_order * _order];
            for (var i = 0; i < _order; i++)
            {
                for (var p = offsets[i]; p < offsets[i + 1]; p++)
                {
                    _dense[((long)i * _order) + columns[p]] = values[p];
                }
            }

            return;
        }

        _offsets = offsets;
        _columns = columns;
        _values = values;
    }

    private EaseWeights(int order, float[] dense, int count)
    {
        _order = order;
        _dense = dense;
        Count = count;
    }

    /// <summary>Number of kept items m (B is m × m).</summary>
    public int Order => _order;

    /// <summary>Stored (non-zero) weights.</summary>
    public int Count { get; }

    /// <summary>True when the rows are held dense in memory.</summary>
    internal bool IsDense => _dense is not null;

    /// <summary>The compressed rows (those held, or formed from the dense rows: the same arrays a compressed model holds).</summary>
    internal (int[] Offsets, int[] Columns, float[] Values) Compressed()
    {
        if (_dense is null)
        {
            return (_offsets!, _columns!, _values!);
        }

        var m = _order;
        var offsets = new int[m + 1];
        var columns = new int[Count];
        var values = new float[Count];
        var q = 0;
        for (var i = 0; i < m; i++)
        {
            var row = _dense.AsSpan((int)((long)i * m), m);
            for (var j = 0; j < m; j++)
            {
                if (row[j] != 0f)
                {
                    columns[q] = j;
                    values[q++] = row[j];
                }
            }

            offsets[i + 1] = q;
        }

        return (offsets, columns, values);
    }

    /// <summary><c>B[i, j]</c>; 0 when the entry was pruned or i = j.</summary>
    public float Weight(int i, int j)
    {
        if (_dense is not null)
        {
            return _dense[((long)i * _order) + j];
        }

        var start = _offsets![i];
        var k = _columns.AsSpan(start, _offsets[i + 1] - start).BinarySearch(j);
        return k >= 0 ? _values![start + k] : 0f;
    }

    /// <summary><c>acc[j] += s · B[i, j]</c> over row i's stored entries (s = 1 skips the multiply).</summary>
    /// <remarks>Compressed rows: a scalar scatter-add by index (AVX2 has no scatter), O(K) per row; dense rows: a vectorised add of m floats.</remarks>
    public void AddRow(int i, float s, bool unit, Span<float> acc)
    {
        if (_dense is not null)
        {
            var row = _dense.AsSpan((int)((long)i * _order), _order);
            if (unit)
            {
                TensorPrimitives.Add(acc, row, acc);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(row, s, acc, acc);
            }

            return;
        }

        var end = _offsets![i + 1];
        var columns = _columns!;
        var values = _values!;
        if (unit)
        {
            for (var p = _offsets[i]; p < end; p++)
            {
                acc[columns[p]] += values[p];
            }
        }
        else
        {
            for (var p = _offsets[i]; p < end; p++)
            {
                acc[columns[p]] += s * values[p];
            }
        }
    }

    /// <summary>Row i dense in <paramref name="row"/> (length m; zero where nothing is stored).</summary>
    public void CopyRow(int i, Span<float> row)
    {
        if (_dense is not null)
        {
            _dense.AsSpan((int)((long)i * _order), _order).CopyTo(row);
            return;
        }

        row.Clear();
        for (var p = _offsets![i]; p < _offsets[i + 1]; p++)
        {
            row[_columns![p]] = _values![p];
        }
    }

    /// <summary>
    /// <c>B[i, j] = −P[i, j] / P[j, j]</c> (rounded to float32) from the inverse P (row-major, m × m), keeping each row's
    /// <paramref name="perRow"/> entries of largest magnitude. The dense float B is never formed: each row is computed
    /// into a buffer of m floats and pruned at once, so training's peak is the inverse (float32 or float64) plus m · K entries.
    /// </summary>
    /// <typeparam name="T">The precision the inverse was computed in (float or double).</typeparam>
    public static EaseWeights FromInverse<T>(T[] inverse, int m, int perRow, ParallelOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scale = new double[m];
        for (var j = 0; j < m; j++)
        {
            scale[j] = -1.0 / double.CreateTruncating(inverse[((long)j * m) + j]);
        }

        var k = (int)Math.Min(perRow, Math.Max(0, m - 1));
        var counts = new int[m];
        if (DenseWorthy(m, (long)m * k))
        {
            // Dense rows in memory: each row is formed in place and its pruned weights set to 0.
            var dense = new float[(long)m * m];
            Parallel.For(
                0,
                m,
                options,
                () => (Magnitudes: new float[m], Columns: new int[k], Values: new float[k]),
                (i, _, buffers) =>
                {
                    var p = inverse.AsSpan((int)((long)i * m), m);
                    var row = dense.AsSpan((int)((long)i * m), m);
                    for (var j = 0; j < m; j++)
                    {
                        row[j] = (float)(double.CreateTruncating(p[j]) * scale[j]);
                    }

                    row[i] = 0f;
                    var count = SelectLargest(row, k, buffers.Magnitudes, buffers.Columns, buffers.Values);
                    counts[i] = count;
                    row.Clear();
                    for (var q = 0; q < count; q++)
                    {
                        row[buffers.Columns[q]] = buffers.Values[q];
                    }

                    return buffers;
                },
                _ => { });
            return new EaseWeights(m, dense, checked((int)counts.Sum(c => (long)c)));
        }

        var slotColumns = new int[(long)m * k];
        var slotValues = new float[(long)m * k];
        Parallel.For(
            0,
            m,
            options,
            () => (Row: new float[m], Magnitudes: new float[m]),
            (i, _, buffers) =>
            {
                var p = inverse.AsSpan((int)((long)i * m), m);
                var row = buffers.Row;
                for (var j = 0; j < m; j++)
                {
                    row[j] = (float)(double.CreateTruncating(p[j]) * scale[j]);
                }

                row[i] = 0f;
                counts[i] = SelectLargest(row, k, buffers.Magnitudes, slotColumns.AsSpan((int)((long)i * k), k), slotValues.AsSpan((int)((long)i * k), k));
                return buffers;
            },
            _ => { });
        return Compact(counts, k, slotColumns, slotValues);
    }

    /// <summary>Every non-zero off-diagonal entry of a dense row-major m × m matrix (model files of format version 1).</summary>
    public static EaseWeights FromDense(ReadOnlySpan<float> dense, int m)
    {
        var offsets = new int[m + 1];
        long count = 0;
        for (var i = 0; i < m; i++)
        {
            var row = dense.Slice((int)((long)i * m), m);
            for (var j = 0; j < m; j++)
            {
                if (j != i && row[j] != 0f)
                {
                    count++;
                }
            }

            offsets[i + 1] = checked((int)count);
        }

        var columns = new int[count];
        var values = new float[count];
        var q = 0;
        for (var i = 0; i < m; i++)
        {
            var row = dense.Slice((int)((long)i * m), m);
            for (var j = 0; j < m; j++)
            {
                if (j != i && row[j] != 0f)
                {
                    columns[q] = j;
                    values[q++] = row[j];
                }
            }
        }

        return new EaseWeights(offsets, columns, values);
    }

    /// <summary>The same weights with each row cut to its <paramref name="perRow"/> entries of largest magnitude (the choice <see cref="FromInverse"/> makes).</summary>
    public EaseWeights Pruned(int perRow)
    {
        var m = Order;
        var k = (int)Math.Min(perRow, Math.Max(0, m - 1));
        var slotColumns = new int[(long)m * k];
        var slotValues = new float[(long)m * k];
        var counts = new int[m];
        var row = new float[m];
        var magnitudes = new float[m];
        for (var i = 0; i < m; i++)
        {
            CopyRow(i, row);
            counts[i] = SelectLargest(row, k, magnitudes, slotColumns.AsSpan((int)((long)i * k), k), slotValues.AsSpan((int)((long)i * k), k));
        }

        return Compact(counts, k, slotColumns, slotValues);
    }

    /// <summary>Rows are held dense from a quarter of B on (see the remarks).</summary>
    private static bool DenseWorthy(int m, long count) => m > 0 && count * 4 >= (long)m * m;

    /// <summary>What is wrong with the arrays, or null when they form valid weights.</summary>
    internal static string? Problem(int[] offsets, int[] columns, float[] values)
    {
        if (offsets.Length < 1)
        {
            return "no offsets";
        }

        if (columns.Length != values.Length)
        {
            return $"{columns.Length} columns but {values.Length} values";
        }

        var m = offsets.Length - 1;
        if (offsets[0] != 0 || offsets[m] != columns.Length)
        {
            return "the offsets do not span the entries";
        }

        for (var i = 0; i < m; i++)
        {
            if (offsets[i + 1] < offsets[i])
            {
                return $"the offsets decrease at row {i}";
            }
        }

        for (var i = 0; i < m; i++)
        {
            for (var p = offsets[i]; p < offsets[i + 1]; p++)
            {
                var j = columns[p];
                if ((uint)j >= (uint)m || j == i || (p > offsets[i] && j <= columns[p - 1]))
                {
                    return $"row {i} has column {j} out of range, repeated, unsorted or on the diagonal";
                }

                if (!float.IsFinite(values[p]) || values[p] == 0f)
                {
                    return $"row {i} has weight {values[p]} (must be finite and non-zero)";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Writes the at most <paramref name="k"/> non-zero entries of <paramref name="row"/> of largest magnitude (ties: smaller
    /// index first) into the slots, in index order; returns how many. <paramref name="scratch"/> has the row's length.
    /// </summary>
    private static int SelectLargest(ReadOnlySpan<float> row, int k, Span<float> scratch, Span<int> columns, Span<float> values)
    {
        var nonZero = 0;
        for (var j = 0; j < row.Length; j++)
        {
            if (row[j] != 0f)
            {
                scratch[nonZero++] = MathF.Abs(row[j]);
            }
        }

        var threshold = 0f;
        var atThreshold = int.MaxValue;
        if (nonZero > k)
        {
            if (k == 0)
            {
                return 0;
            }

            // The k-th largest magnitude; entries above it are all kept, entries equal to it by index until k are.
            threshold = KthLargest(scratch[..nonZero], k);
            var above = 0;
            foreach (var v in row)
            {
                if (MathF.Abs(v) > threshold)
                {
                    above++;
                }
            }

            atThreshold = k - above;
        }

        var count = 0;
        for (var j = 0; j < row.Length; j++)
        {
            var v = row[j];
            if (v == 0f)
            {
                continue;
            }

            var a = MathF.Abs(v);
            if (a > threshold || (a == threshold && atThreshold-- > 0))
            {
                columns[count] = j;
                values[count++] = v;
            }
        }

        return count;
    }

    /// <summary>The k-th largest value (1-based) of <paramref name="values"/>, which it reorders (quickselect, median of three).</summary>
    private static float KthLargest(Span<float> values, int k)
    {
        var lo = 0;
        var hi = values.Length - 1;
        var target = k - 1;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var a = values[lo];
            var b = values[mid];
            var c = values[hi];
            var pivot = a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (values[i] > pivot)
                {
                    i++;
                }

                while (values[j] < pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (target <= j)
            {
                hi = j;
            }
            else if (target >= i)
            {
                lo = i;
            }
            else
            {
                return values[target];
            }
        }

        return values[target];
    }

    private static EaseWeights Compact(int[] counts, int k, int[] slotColumns, float[] slotValues)
    {
        var m = counts.Length;
        var offsets = new int[m + 1];
        for (var i = 0; i < m; i++)
        {
            offsets[i + 1] = checked(offsets[i] + counts[i]);
        }

        var total = offsets[m];
        if (total == slotColumns.Length)
        {
            return new EaseWeights(offsets, slotColumns, slotValues);
        }

        var columns = new int[total];
        var values = new float[total];
        for (var i = 0; i < m; i++)
        {
            slotColumns.AsSpan((int)((long)i * k), counts[i]).CopyTo(columns.AsSpan(offsets[i]));
            slotValues.AsSpan((int)((long)i * k), counts[i]).CopyTo(values.AsSpan(offsets[i]));
        }

        return new EaseWeights(offsets, columns, values);
    }
}
