using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossRec.Engines.Cpu.KMeans;

/// <summary>
/// Centroids laid out for the assignment kernel: transposed (d × kPad, so one row holds coordinate f of
/// every centroid, contiguous) with squared norms, padded to a whole number of tiles with dummy
/// centroids whose norm is +∞ so they never win.
/// </summary>
internal sealed class CentroidBlock
{
    public CentroidBlock(int k, int d)
    {
        K = k;
        D = d;

        // A handful of centres (k-means++ candidates) use one-vector tiles, so they are not padded to 4 vectors.
        TileSize = k <= KMeansKernel.Width ? KMeansKernel.Width : KMeansKernel.Tile;
        KPad = (k + TileSize - 1) / TileSize * TileSize;
        Transposed = new float[d * KPad];
        Norms = new float[KPad];
    }

    public int K { get; }

    public int D { get; }

    public int KPad { get; }

    /// <summary>Centroids per tile: 4 vectors, or 1 vector for a narrow block.</summary>
    public int TileSize { get; }

    public bool Narrow => TileSize == KMeansKernel.Width;

    public float[] Transposed { get; }

    public float[] Norms { get; }

    /// <summary>Loads row-major centroids (k × d).</summary>
    public void Load(ReadOnlySpan<float> centroids)
    {
        Array.Clear(Transposed);
        for (var c = 0; c < K; c++)
        {
            var row = centroids.Slice(c * D, D);
            var norm = 0f;
            for (var f = 0; f < D; f++)
            {
                Transposed[(f * KPad) + c] = row[f];
                norm = MathF.FusedMultiplyAdd(row[f], row[f], norm);
            }

            Norms[c] = norm;
        }

        for (var c = K; c < KPad; c++)
        {
            Norms[c] = float.PositiveInfinity;
        }
    }
}

/// <summary>
/// The k-means assignment kernel: for each point, the nearest centroid, its squared distance and the
/// second-smallest squared distance, from ‖x‖² − 2x·c + ‖c‖².
/// </summary>
/// <remarks>
/// <para>Implementation note: this is a small GEMM micro-kernel rather than a dot product per (point,
/// centroid) pair. Four points are processed against a tile of 4 vectors of centroids at a time: for each
/// coordinate f, the four centroid vectors of row f of the transposed centroids are loaded once and
/// multiplied with each point's broadcast x[f] into 16 accumulators, so every load feeds four FMAs and the
/// accumulators stay in registers. A dot product per pair (TensorPrimitives.Dot) reloads the centroid for
/// every point and pays a call and a horizontal sum per pair; measured in KMeansBenchmarks.</para>
/// <para>It is written with <see cref="Vector{T}"/>, whose width the JIT picks for the machine (256 bits
/// with AVX2, 128 with SSE or NEON, a software fallback otherwise), so one code path serves every CPU.</para>
/// <para>Each accumulator lane sums x[f]·c[f] over f in order with fused multiply-adds; the scalar
/// <see cref="SquaredDistance"/> does the same, so a bound check in Hamerly's algorithm sees bit-identical
/// distances to the ones Lloyd's algorithm compares.</para>
/// </remarks>
internal static class KMeansKernel
{
    public static readonly int Width = Vector<float>.Count;

    public static readonly int Tile = 4 * Width;

    /// <summary>Squared norm of each row, accumulated like the kernel.</summary>
    public static void RowNorms(ReadOnlySpan<float> points, int d, Span<float> norms)
    {
        for (var r = 0; r < norms.Length; r++)
        {
            var row = points.Slice(r * d, d);
            var n = 0f;
            for (var f = 0; f < d; f++)
            {
                n = MathF.FusedMultiplyAdd(row[f], row[f], n);
            }

            norms[r] = n;
        }
    }

    /// <summary>‖x‖² − 2x·c + ‖c‖² for one point and one centroid (clamped at 0), with the kernel's rounding.</summary>
    public static float SquaredDistance(ReadOnlySpan<float> x, float xNorm, CentroidBlock c, int centroid)
    {
        var dot = 0f;
        var t = c.Transposed;
        for (var f = 0; f < x.Length; f++)
        {
            dot = MathF.FusedMultiplyAdd(x[f], t[(f * c.KPad) + centroid], dot);
        }

        return Math.Max(0f, xNorm - (2f * dot) + c.Norms[centroid]);
    }

    /// <summary>
    /// Assigns <c>rows</c> points (row-major, d columns) to their nearest centroid. <paramref name="second"/>
    /// may be empty when the second-nearest distance is not needed. Ties go to the lower centroid index.
    /// </summary>
    /// <remarks>
    /// The running minimum is kept per vector lane (value, centroid index and, when asked, the second
    /// smallest) across tiles and reduced across lanes once per point, so choosing the nearest centroid
    /// costs a few vector instructions per W centroids instead of a compare and a branch per centroid.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Assign(ReadOnlySpan<float> points, ReadOnlySpan<float> norms, CentroidBlock c, Span<int> best, Span<float> bestDistance, Span<float> second)
    {
        var d = c.D;
        var rows = norms.Length;
        var wantSecond = !second.IsEmpty;
        Span<float> dots = stackalloc float[4 * Tile];
        Span<Vector<float>> min1 = stackalloc Vector<float>[4];
        Span<Vector<float>> min2 = stackalloc Vector<float>[4];
        Span<Vector<int>> arg = stackalloc Vector<int>[4];
        var r = 0;
        while (r < rows)
        {
            var group = rows - r >= 4 ? 4 : 1;
            for (var p = 0; p < group; p++)
            {
                min1[p] = new Vector<float>(float.PositiveInfinity);
                min2[p] = new Vector<float>(float.PositiveInfinity);
                arg[p] = Vector<int>.Zero;
            }

            for (var tile = 0; tile < c.KPad; tile += c.TileSize)
            {
                Dots(points, r, group, c, tile, dots);
                for (var p = 0; p < group; p++)
                {
                    Fold(dots.Slice(p * Tile, c.TileSize), c.Norms.AsSpan(tile, c.TileSize), norms[r + p], tile, ref min1[p], ref min2[p], ref arg[p], wantSecond);
                }
            }

            for (var p = 0; p < group; p++)
            {
                Reduce(min1[p], min2[p], arg[p], out best[r + p], out bestDistance[r + p], out var secondDistance);
                if (wantSecond)
                {
                    second[r + p] = secondDistance;
                }
            }

            r += group;
        }
    }

    /// <summary>Distances of one tile (Tile centroids) folded into the per-lane running minima.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(ReadOnlySpan<float> dots, ReadOnlySpan<float> centroidNorms, float xNorm, int tile, ref Vector<float> min1, ref Vector<float> min2, ref Vector<int> arg, bool wantSecond)
    {
        var w = Width;
        var xn = new Vector<float>(xNorm);
        var two = new Vector<float>(2f);
        ref var dot = ref MemoryMarshal.GetReference(dots);
        ref var cn = ref MemoryMarshal.GetReference(centroidNorms);
        for (var v = 0; v < dots.Length / w; v++)
        {
            // Same operation order as SquaredDistance: (‖x‖² − 2·dot) + ‖c‖², clamped at 0.
            var dist = Vector.Max(Vector<float>.Zero, (xn - (two * Vector.LoadUnsafe(ref dot, (nuint)(v * w)))) + Vector.LoadUnsafe(ref cn, (nuint)(v * w)));
            if (wantSecond)
            {
                min2 = Vector.Min(min2, Vector.Max(min1, dist));
            }

            var closer = Vector.LessThan(dist, min1);
            min1 = Vector.ConditionalSelect(closer, dist, min1);
            arg = Vector.ConditionalSelect(closer, new Vector<int>(tile + (v * w)) + Iota, arg);
        }
    }

    /// <summary>Across lanes: the smallest distance (lowest centroid index on ties) and the second smallest.</summary>
    private static void Reduce(Vector<float> min1, Vector<float> min2, Vector<int> arg, out int best, out float bestDistance, out float second)
    {
        var lane = 0;
        for (var l = 1; l < Vector<float>.Count; l++)
        {
            if (min1[l] < min1[lane] || (min1[l] == min1[lane] && arg[l] < arg[lane]))
            {
                lane = l;
            }
        }

        best = arg[lane];
        bestDistance = min1[lane];
        second = min2[lane];
        for (var l = 0; l < Vector<float>.Count; l++)
        {
            if (l != lane && min1[l] < second)
            {
                second = min1[l];
            }
        }
    }

    private static readonly Vector<int> Iota = CreateIota();

    private static Vector<int> CreateIota()
    {
        Span<int> values = stackalloc int[Vector<int>.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i;
        }

        return new Vector<int>(values);
    }

    /// <summary>dots[p·Tile + j] = x_p · c_{tile+j} for four points.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4(ReadOnlySpan<float> x, int d, CentroidBlock c, int tile, Span<float> dots)
    {
        var w = Width;
        ref var t = ref MemoryMarshal.GetArrayDataReference(c.Transposed);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        Vector<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector<float> a30 = default, a31 = default, a32 = default, a33 = default;
        for (var f = 0; f < d; f++)
        {
            var offset = (nuint)((f * c.KPad) + tile);
            var c0 = Vector.LoadUnsafe(ref t, offset);
            var c1 = Vector.LoadUnsafe(ref t, offset + (nuint)w);
            var c2 = Vector.LoadUnsafe(ref t, offset + (nuint)(2 * w));
            var c3 = Vector.LoadUnsafe(ref t, offset + (nuint)(3 * w));
            var x0f = new Vector<float>(Unsafe.Add(ref x0, f));
            var x1f = new Vector<float>(Unsafe.Add(ref x0, d + f));
            var x2f = new Vector<float>(Unsafe.Add(ref x0, (2 * d) + f));
            var x3f = new Vector<float>(Unsafe.Add(ref x0, (3 * d) + f));
            a00 = Vector.FusedMultiplyAdd(x0f, c0, a00);
            a01 = Vector.FusedMultiplyAdd(x0f, c1, a01);
            a02 = Vector.FusedMultiplyAdd(x0f, c2, a02);
            a03 = Vector.FusedMultiplyAdd(x0f, c3, a03);
            a10 = Vector.FusedMultiplyAdd(x1f, c0, a10);
            a11 = Vector.FusedMultiplyAdd(x1f, c1, a11);
            a12 = Vector.FusedMultiplyAdd(x1f, c2, a12);
            a13 = Vector.FusedMultiplyAdd(x1f, c3, a13);
            a20 = Vector.FusedMultiplyAdd(x2f, c0, a20);
            a21 = Vector.FusedMultiplyAdd(x2f, c1, a21);
            a22 = Vector.FusedMultiplyAdd(x2f, c2, a22);
            a23 = Vector.FusedMultiplyAdd(x2f, c3, a23);
            a30 = Vector.FusedMultiplyAdd(x3f, c0, a30);
            a31 = Vector.FusedMultiplyAdd(x3f, c1, a31);
            a32 = Vector.FusedMultiplyAdd(x3f, c2, a32);
            a33 = Vector.FusedMultiplyAdd(x3f, c3, a33);
        }

        ref var o = ref MemoryMarshal.GetReference(dots);
        Store(ref o, 0, w, a00, a01, a02, a03);
        Store(ref o, Tile, w, a10, a11, a12, a13);
        Store(ref o, 2 * Tile, w, a20, a21, a22, a23);
        Store(ref o, 3 * Tile, w, a30, a31, a32, a33);
    }

    /// <summary>dots[j] = x · c_{tile+j} for one point.</summary>
    private static void Tile1(ReadOnlySpan<float> x, CentroidBlock c, int tile, Span<float> dots)
    {
        var w = Width;
        ref var t = ref MemoryMarshal.GetArrayDataReference(c.Transposed);
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (var f = 0; f < x.Length; f++)
        {
            var offset = (nuint)((f * c.KPad) + tile);
            var xf = new Vector<float>(x[f]);
            a0 = Vector.FusedMultiplyAdd(xf, Vector.LoadUnsafe(ref t, offset), a0);
            a1 = Vector.FusedMultiplyAdd(xf, Vector.LoadUnsafe(ref t, offset + (nuint)w), a1);
            a2 = Vector.FusedMultiplyAdd(xf, Vector.LoadUnsafe(ref t, offset + (nuint)(2 * w)), a2);
            a3 = Vector.FusedMultiplyAdd(xf, Vector.LoadUnsafe(ref t, offset + (nuint)(3 * w)), a3);
        }

        Store(ref MemoryMarshal.GetReference(dots), 0, w, a0, a1, a2, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float o, int start, int w, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d)
    {
        a.StoreUnsafe(ref o, (nuint)start);
        b.StoreUnsafe(ref o, (nuint)(start + w));
        c.StoreUnsafe(ref o, (nuint)(start + (2 * w)));
        d.StoreUnsafe(ref o, (nuint)(start + (3 * w)));
    }

    /// <summary>All squared distances: output[r·KPad + j] for the first K columns (rows × KPad buffer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AllDistances(ReadOnlySpan<float> points, ReadOnlySpan<float> norms, CentroidBlock c, Span<float> output)
    {
        var rows = norms.Length;
        Span<float> dots = stackalloc float[4 * Tile];
        for (var r = 0; r < rows;)
        {
            var group = rows - r >= 4 ? 4 : 1;
            for (var tile = 0; tile < c.KPad; tile += c.TileSize)
            {
                Dots(points, r, group, c, tile, dots);
                for (var p = 0; p < group; p++)
                {
                    Distances(dots.Slice(p * Tile, c.TileSize), c.Norms.AsSpan(tile, c.TileSize), norms[r + p], output.Slice(((r + p) * c.KPad) + tile, c.TileSize));
                }
            }

            r += group;
        }
    }

    /// <summary>Dot products of <paramref name="group"/> (4 or 1) points from row r with one tile; point p's at dots[p·Tile ..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dots(ReadOnlySpan<float> points, int r, int group, CentroidBlock c, int tile, Span<float> dots)
    {
        var d = c.D;
        if (c.Narrow)
        {
            if (group == 4)
            {
                Narrow4(points.Slice(r * d, 4 * d), d, c, tile, dots);
            }
            else
            {
                Narrow1(points.Slice(r * d, d), c, tile, dots[..Width]);
            }
        }
        else if (group == 4)
        {
            Tile4(points.Slice(r * d, 4 * d), d, c, tile, dots);
        }
        else
        {
            Tile1(points.Slice(r * d, d), c, tile, dots);
        }
    }

    /// <summary>Four points against one vector of centroids: four independent FMA chains instead of one.</summary>
    private static void Narrow4(ReadOnlySpan<float> x, int d, CentroidBlock c, int tile, Span<float> dots)
    {
        ref var t = ref MemoryMarshal.GetArrayDataReference(c.Transposed);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (var f = 0; f < d; f++)
        {
            var cf = Vector.LoadUnsafe(ref t, (nuint)((f * c.KPad) + tile));
            a0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref x0, f)), cf, a0);
            a1 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref x0, d + f)), cf, a1);
            a2 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref x0, (2 * d) + f)), cf, a2);
            a3 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref x0, (3 * d) + f)), cf, a3);
        }

        ref var o = ref MemoryMarshal.GetReference(dots);
        a0.StoreUnsafe(ref o, 0);
        a1.StoreUnsafe(ref o, (nuint)Tile);
        a2.StoreUnsafe(ref o, (nuint)(2 * Tile));
        a3.StoreUnsafe(ref o, (nuint)(3 * Tile));
    }

    /// <summary>dots[j] = x · c_{tile+j} for one point and one vector of centroids.</summary>
    private static void Narrow1(ReadOnlySpan<float> x, CentroidBlock c, int tile, Span<float> dots)
    {
        ref var t = ref MemoryMarshal.GetArrayDataReference(c.Transposed);
        var acc = Vector<float>.Zero;
        for (var f = 0; f < x.Length; f++)
        {
            acc = Vector.FusedMultiplyAdd(new Vector<float>(x[f]), Vector.LoadUnsafe(ref t, (nuint)((f * c.KPad) + tile)), acc);
        }

        acc.StoreUnsafe(ref MemoryMarshal.GetReference(dots));
    }

    private static void Distances(ReadOnlySpan<float> dots, ReadOnlySpan<float> centroidNorms, float xNorm, Span<float> output)
    {
        for (var j = 0; j < dots.Length; j++)
        {
            output[j] = Math.Max(0f, xNorm - (2f * dots[j]) + centroidNorms[j]);
        }
    }
}
