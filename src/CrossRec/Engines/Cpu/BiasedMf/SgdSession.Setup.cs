// Biased-MF SGD session (see SgdSession.cs): grid sizing, prefetch distance, per-domain weights and factor initialisation.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace CrossRec.Engines.Cpu.BiasedMf;

internal sealed unsafe partial class SgdSession
{
    /// <summary>
    /// Grid size: bins enough to keep a block's rows of P and Q within about 1 MiB (most of this machine's
    /// 1.25 MiB per-core L2) when the rows are not prefetched, 3 MiB when they are (prefetching hides the
    /// L3 latency, and fewer, larger blocks mean fewer scheduling steps); and with several threads at least
    /// 2·threads bins (Blocked needs free rows and columns to choose from; Hogwild needs blocks to deal out).
    /// </summary>
    /// <remarks>Measured on the 10M-rating synthetic set, one thread, with prefetching: 16 bins (1.9 MiB
    /// blocks) and 8 bins (3.8 MiB) within 5% of each other and 8–15% ahead of 30 bins at k = 64; at
    /// k = 128, 16 bins 15% ahead of 59. One bin (the whole 31 MiB at once) ran at 0.43× of 30 bins.</remarks>
    internal static int AutoBins(int users, int items, int stride, int threads, SgdParallelism parallelism, bool prefetch)
    {
        var blockBytes = prefetch ? 3.0 * (1 << 20) : 1 << 20;
        var bytes = ((double)users + items) * stride * sizeof(float);
        var bins = (int)Math.Ceiling(bytes / blockBytes);
        if (threads > 1)
        {
            bins = Math.Max(bins, 2 * threads);
        }

        return Math.Clamp(bins, 1, Math.Max(1, Math.Min(256, Math.Min(users, items))));
    }

    /// <summary>
    /// Prefetch every cache line of the rows of the rating <see cref="PrefetchDistance"/> ahead when P and Q
    /// together outgrow 2 MiB (so they live in L3 or memory), none otherwise.
    /// </summary>
    /// <remarks>Measured (one thread, A/B epochs interleaved): on the 10M-rating synthetic set 1.6× (k = 32),
    /// 1.6–1.9× (k = 64) and 1.55× (k = 128) the updates/s of no prefetching; prefetching only the first line
    /// of each row gained nothing; distances 16 and 32 gained less than 8 at k = 32 and 128. On MovieLens
    /// 100K, whose rows fit in L2, prefetching cost 12–18%, hence the threshold.</remarks>
    internal static int AutoPrefetchLines(int users, int items, int stride)
    {
        const double InCache = 2 << 20;
        var bytes = ((double)users + items) * stride * sizeof(float);
        return bytes > InCache ? (stride * sizeof(float) + 63) / 64 : 0;
    }

    private static T Track<T>(T value, List<IDisposable> disposables)
        where T : IDisposable
    {
        disposables.Add(value);
        return value;
    }

    private static void Copy(AlignedBuffer<float> from, AlignedBuffer<float> to) =>
        Buffer.MemoryCopy(from.Pointer, to.Pointer, to.Length * sizeof(float), from.Length * sizeof(float));

    /// <summary>
    /// Per-item loss weights from <see cref="FactorizationOptions.DomainWeights"/> (original item order),
    /// or null when none are set. Unknown domain names are an error.
    /// </summary>
    internal static float[]? ResolveDomainWeights(InteractionSet train, FactorizationOptions o)
    {
        if (o.DomainWeights is not { Count: > 0 } weights)
        {
            return null;
        }

        if (train.Domains is not { } domains)
        {
            throw new ArgumentException(
                $"{nameof(FactorizationOptions.DomainWeights)} names domain(s) {string.Join(", ", weights.Keys.Select(d => $"'{d}'"))}, but the training data ({train.SourceName}) has no item domains.",
                nameof(o));
        }

        var byDomain = new float[domains.Count];
        Array.Fill(byDomain, 1f);
        foreach (var (name, weight) in weights)
        {
            if (!domains.TryGetIndex(name, out var d))
            {
                throw new ArgumentException(
                    $"{nameof(FactorizationOptions.DomainWeights)} names domain '{name}', which the training data ({train.SourceName}) does not have; its domains are: {string.Join(", ", domains.Select(x => $"'{x}'"))}.",
                    nameof(o));
            }

            byDomain[d] = weight;
        }

        var itemDomains = train.ItemDomains;
        var result = new float[train.ItemCount];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = itemDomains[i] >= 0 ? byDomain[itemDomains[i]] : 1f;
        }

        return result;
    }

    /// <summary>
    /// Normal(0, σ) in the first k lanes of every row that has training ratings; rows without ratings stay
    /// 0, so an id that is in the map but not in the training rows predicts from the biases alone.
    /// </summary>
    /// <remarks>MathNet's polar-method sampler on its xoshiro256** generator: 2.4× faster than Box–Muller on
    /// <see cref="Random"/> (7.7M values: 116 ms against 277 ms), which matters at 10M ratings.</remarks>
    private void InitFactors(float* rows, int[] counts, float sd, int seed)
    {
        var rng = new Xoshiro256StarStar(seed, threadSafe: false);
        var buffer = new double[K];
        for (var r = 0; r < counts.Length; r++)
        {
            if (counts[r] == 0)
            {
                continue;
            }

            Normal.Samples(rng, buffer, 0, sd);
            var row = rows + ((long)r * Stride);
            for (var f = 0; f < K; f++)
            {
                row[f] = (float)buffer[f];
            }
        }
    }
}
