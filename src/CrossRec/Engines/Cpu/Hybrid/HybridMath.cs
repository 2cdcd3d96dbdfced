using System.Numerics;
using System.Runtime.InteropServices;

namespace CrossRec.Engines.Cpu.Hybrid;

/// <summary>
/// The arithmetic of the hybrid model, shared by training, the model's representations and fold-in. Every
/// reduction runs in a fixed order that depends only on k (whole <see cref="Vector{T}"/> lanes, then lanes summed
/// left to right, then the tail), never on where the arrays sit in memory, so a trained and a reloaded model
/// compute bit-identical representations, and a seeded run repeats exactly.
/// </summary>
internal static class HybridMath
{
    /// <summary>x·y in the fixed order.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var n = x.Length;
        var i = 0;
        var sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y[..n]);
            var acc = Vector<float>.Zero;
            for (var v = 0; v < vx.Length; v++)
            {
                acc += vx[v] * vy[v];
            }

            for (var l = 0; l < Vector<float>.Count; l++)
            {
                sum += acc[l];
            }

            i = vx.Length * Vector<float>.Count;
        }

        for (; i < n; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>destination += a·x, element by element (a multiply, then an add: never fused, so every width gives the scalar result).</summary>
    public static void AddScaled(Span<float> destination, float a, ReadOnlySpan<float> x)
    {
        var n = destination.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            // Hand-vectorised: the hybrid's training spends most of its time here and in AdagradStep (k-wide rows, one
            // per feature of the user and of each sampled item), and the JIT does not vectorise the scalar loop.
            var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x[..n]);
            var va = new Vector<float>(a);
            for (var v = 0; v < vd.Length; v++)
            {
                vd[v] += va * vx[v];
            }

            i = vd.Length * Vector<float>.Count;
        }

        for (; i < n; i++)
        {
            destination[i] += a * x[i];
        }
    }

    /// <summary>
    /// The representation of one sparse row: <c>Σ w_f E[f]</c> into <paramref name="destination"/> (k wide) and
    /// <c>Σ w_f b[f]</c> returned (0 without biases). Entries are added in row order.
    /// </summary>
    public static float Represent(ReadOnlySpan<int> features, ReadOnlySpan<float> weights, ReadOnlySpan<float> embeddings, ReadOnlySpan<float> biases, Span<float> destination)
    {
        var k = destination.Length;
        destination.Clear();
        var bias = 0f;
        for (var e = 0; e < features.Length; e++)
        {
            var f = features[e];
            AddScaled(destination, weights[e], embeddings.Slice(f * k, k));
            if (!biases.IsEmpty)
            {
                bias += weights[e] * biases[f];
            }
        }

        return bias;
    }

    /// <summary>
    /// One Adagrad step on a parameter row: g = <paramref name="scale"/>·<paramref name="direction"/> + λ·θ,
    /// G += g², θ −= η·g/√G (G starts at 1).
    /// </summary>
    /// <remarks>Element by element with the same operations at every vector width (square root and division are correctly
    /// rounded), so the vectorised and the scalar path give bit-identical parameters.</remarks>
    public static void AdagradStep(Span<float> parameters, Span<float> accumulated, float scale, ReadOnlySpan<float> direction, float rate, float regularization)
    {
        var n = parameters.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vp = MemoryMarshal.Cast<float, Vector<float>>(parameters);
            var vacc = MemoryMarshal.Cast<float, Vector<float>>(accumulated[..n]);
            var vdir = MemoryMarshal.Cast<float, Vector<float>>(direction[..n]);
            var vs = new Vector<float>(scale);
            var vr = new Vector<float>(regularization);
            var vrate = new Vector<float>(rate);
            for (var v = 0; v < vp.Length; v++)
            {
                var g = (vs * vdir[v]) + (vr * vp[v]);
                var a = vacc[v] + (g * g);
                vacc[v] = a;
                vp[v] -= vrate * g / Vector.SquareRoot(a);
            }

            i = vp.Length * Vector<float>.Count;
        }

        for (; i < n; i++)
        {
            var g = (scale * direction[i]) + (regularization * parameters[i]);
            var a = accumulated[i] + (g * g);
            accumulated[i] = a;
            parameters[i] -= rate * g / MathF.Sqrt(a);
        }
    }

    /// <summary>One Adagrad step on a scalar parameter (an item-feature bias).</summary>
    public static void AdagradStep(ref float parameter, ref float accumulated, float gradient, float rate, float regularization)
    {
        var g = gradient + (regularization * parameter);
        accumulated += g * g;
        parameter -= rate * g / MathF.Sqrt(accumulated);
    }

    /// <summary>WARP's rank weight ln⌊(n−1)/N⌋ after N draws among n candidates (0 when that floor is 1 or less).</summary>
    public static float WarpWeight(int candidates, int draws) => MathF.Log(Math.Max(1, (candidates - 1) / draws));

    /// <summary>BPR's step coefficient σ(−x) for x = s_i − s_j and its loss −ln σ(x), computed without overflow.</summary>
    public static float BprCoefficient(float x, out double loss)
    {
        if (x >= 0)
        {
            var e = MathF.Exp(-x);
            loss = Math.Log(1 + (double)e);
            return e / (1 + e);
        }

        var ex = MathF.Exp(x);
        loss = -x + Math.Log(1 + (double)ex);
        return 1 / (1 + ex);
    }

    /// <summary>True when <paramref name="item"/> is among a user's ascending positives.</summary>
    public static bool Contains(ReadOnlySpan<int> sortedItems, int item) => sortedItems.BinarySearch(item) >= 0;
}
