// Biased-MF SGD session (see SgdSession.cs): the hot loop — workers, blocks, the SIMD kernel choice and the per-rating sweep.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using CrossRec.Internal.Simd;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace CrossRec.Engines.Cpu.BiasedMf;

internal sealed unsafe partial class SgdSession
{
    /// <summary>The body every worker runs each epoch: take blocks until none are left.</summary>
    private void Work(int worker)
    {
        var step = new Step(
            GlobalMean,
            _rate,
            1f - (_rate * _o.Regularization),
            _biasRate,
            1f - (_biasRate * _o.EffectiveBiasRegularization));
        while (true)
        {
            var b = _scheduler.Take();
            if (b < 0)
            {
                return;
            }

            try
            {
                var se = _itemWeights is null
                    ? Block(b, step, default(Unweighted))
                    : Block(b, step, new ItemWeights(_itemWeights.Pointer));
                _blockError[b] = se;
                if (!double.IsFinite(se))
                {
                    _diverged = true;
                    _scheduler.Stop();
                }
            }
            catch
            {
                _scheduler.Stop();
                throw;
            }
            finally
            {
                _scheduler.Release(b);
            }
        }
    }

    private double Block<TWeights>(int block, in Step step, TWeights weights)
        where TWeights : struct, IRatingWeights
    {
        var start = _grid.BlockStart[block];
        var end = _grid.BlockStart[block + 1];
        double se = 0;
        for (var c = start; c < end; c += Chunk)
        {
            ChunkStarting?.Invoke();
            if (_cancellation.IsCancellationRequested)
            {
                _scheduler.Stop();
                return se;
            }

            var entries = _grid.Entries + c;
            var count = Math.Min(Chunk, end - c);
            se += _kernel switch
            {
                1 => Sweep<TWeights, FixedStep<Vec512, One>>(entries, count, step, weights),
                2 => Sweep<TWeights, FixedStep<Vec512, Two>>(entries, count, step, weights),
                3 => Sweep<TWeights, FixedStep<Vec512, Three>>(entries, count, step, weights),
                4 => Sweep<TWeights, FixedStep<Vec512, Four>>(entries, count, step, weights),
                5 => Sweep<TWeights, FixedStep<Vec512, Five>>(entries, count, step, weights),
                6 => Sweep<TWeights, FixedStep<Vec512, Six>>(entries, count, step, weights),
                7 => Sweep<TWeights, FixedStep<Vec512, Seven>>(entries, count, step, weights),
                8 => Sweep<TWeights, FixedStep<Vec512, Eight>>(entries, count, step, weights),
                -1 => Sweep<TWeights, FixedStep<Vec256, One>>(entries, count, step, weights),
                -2 => Sweep<TWeights, FixedStep<Vec256, Two>>(entries, count, step, weights),
                -3 => Sweep<TWeights, FixedStep<Vec256, Three>>(entries, count, step, weights),
                -4 => Sweep<TWeights, FixedStep<Vec256, Four>>(entries, count, step, weights),
                -5 => Sweep<TWeights, FixedStep<Vec256, Five>>(entries, count, step, weights),
                -6 => Sweep<TWeights, FixedStep<Vec256, Six>>(entries, count, step, weights),
                -7 => Sweep<TWeights, FixedStep<Vec256, Seven>>(entries, count, step, weights),
                -8 => Sweep<TWeights, FixedStep<Vec256, Eight>>(entries, count, step, weights),
                _ => Sweep<TWeights, AnyLengthStep>(entries, count, step, weights),
            };
            if (!double.IsFinite(se))
            {
                return se;
            }
        }

        return se;
    }

    /// <summary>
    /// Which row kernel fits <paramref name="stride"/> on this CPU: n &gt; 0 for n 512-bit vectors, −n for
    /// n 256-bit vectors, 0 for the any-length kernel.
    /// </summary>
    internal static int ChooseKernel(int stride)
    {
        return Pick<FixedStep<Vec512, One>>(1) ?? Pick<FixedStep<Vec512, Two>>(2) ?? Pick<FixedStep<Vec512, Three>>(3) ?? Pick<FixedStep<Vec512, Four>>(4)
            ?? Pick<FixedStep<Vec512, Five>>(5) ?? Pick<FixedStep<Vec512, Six>>(6) ?? Pick<FixedStep<Vec512, Seven>>(7) ?? Pick<FixedStep<Vec512, Eight>>(8)
            ?? Pick<FixedStep<Vec256, One>>(-1) ?? Pick<FixedStep<Vec256, Two>>(-2) ?? Pick<FixedStep<Vec256, Three>>(-3) ?? Pick<FixedStep<Vec256, Four>>(-4)
            ?? Pick<FixedStep<Vec256, Five>>(-5) ?? Pick<FixedStep<Vec256, Six>>(-6) ?? Pick<FixedStep<Vec256, Seven>>(-7) ?? Pick<FixedStep<Vec256, Eight>>(-8)
            ?? 0;

        int? Pick<TStep>(int id)
            where TStep : struct, ISgdRowStep => TStep.Supports(stride) ? id : null;
    }

    /// <summary>
    /// The SGD inner loop over a run of ratings: with residual ρ = r − (μ + b_u + b_i), the row kernel computes
    /// e = ρ − p_u·q_i and steps p_u, q_i; then b ← b + η_b(w·e − λ_b·b) for both biases.
    /// Returns Σ e² (unweighted).
    /// </summary>
    /// <remarks>Cross-domain extensions (say a per-domain user bias) add their term to ρ and their update
    /// next to the bias updates here.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the first epoch runs optimised code, not tier-0 + OSR
    private double Sweep<TWeights, TStep>(SgdEntry* entries, int count, in Step s, TWeights weights)
        where TWeights : struct, IRatingWeights
        where TStep : struct, ISgdRowStep
    {
        // Locals, not fields or the `in` struct: stores through the row pointers could alias memory, so the
        // JIT would otherwise reload every constant after every store.
        var p = _p.Pointer;
        var q = _q.Pointer;
        var bu = _bu.Pointer;
        var bi = _bi.Pointer;
        var stride = Stride;
        var mean = s.Mean;
        var rate = s.Rate;
        var keep = s.Keep;
        var biasRate = s.BiasRate;
        var biasKeep = s.BiasKeep;
        var prefetchLines = _prefetchLines;
        double se = 0;
        for (var n = 0; n < count; n++)
        {
            if (prefetchLines > 0 && n + PrefetchDistance < count)
            {
                var ahead = entries + n + PrefetchDistance;
                var pa = (byte*)(p + ((nint)ahead->User * stride));
                var qa = (byte*)(q + ((nint)ahead->Item * stride));
                for (var line = 0; line < prefetchLines; line++)
                {
                    Sse.Prefetch0(pa + (line * 64));
                    Sse.Prefetch0(qa + (line * 64));
                }
            }

            var u = entries[n].User;
            var i = entries[n].Item;
            var w = weights.Of(i);
            var e = TStep.Step(p + ((nint)u * stride), q + ((nint)i * stride), stride, entries[n].Value - (mean + bu[u] + bi[i]), keep, rate * w);
            se += e * e;
            var we = w * e;
            bu[u] = (biasKeep * bu[u]) + (biasRate * we);
            bi[i] = (biasKeep * bi[i]) + (biasRate * we);
        }

        return se;
    }

    /// <summary>Per-rating loss weight.</summary>
    private interface IRatingWeights
    {
        float Of(int item);
    }

    /// <summary>
    /// The constants of one epoch's steps. <c>Keep = 1 − η·λ</c> is the shrink factor of the L2 penalty,
    /// so a factor step is one multiply and one fused multiply-add per lane.
    /// </summary>
    private readonly record struct Step(float Mean, float Rate, float Keep, float BiasRate, float BiasKeep);

    private readonly struct Unweighted : IRatingWeights
    {
        public float Of(int item) => 1f;
    }

    private readonly struct ItemWeights(float* weights) : IRatingWeights
    {
        public float Of(int item) => weights[item];
    }
}
