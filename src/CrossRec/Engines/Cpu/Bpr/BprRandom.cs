using System.Runtime.CompilerServices;

namespace CrossRec.Engines.Cpu.Bpr;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014) as a value type: one add and three multiply-xor-shifts per
/// number, no virtual call and no allocation, so a worker keeps it in registers through the hot loop.
/// Every BPR step draws one or more numbers (the negative, its rejections), so <see cref="Random"/>'s
/// virtual dispatch would be a visible share of a step that costs tens of nanoseconds.
/// </summary>
internal struct BprRandom
{
    private ulong _state;

    public BprRandom(ulong seed) => _state = seed;

    /// <summary>A generator for one stream of a run: the seed and up to two stream numbers (epoch, worker) mixed.</summary>
    public static BprRandom For(int seed, int stream, int substream = 0)
    {
        var z = ((ulong)(uint)seed << 32) | (uint)stream;
        z = Mix(z ^ (0x9E3779B97F4A7C15UL * (ulong)(uint)(substream + 1)));
        return new BprRandom(z);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in 0..<paramref name="count"/>−1 (Lemire's multiply-shift on the high 32 bits; bias below 2⁻³² · count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int count) => (int)(((NextUInt64() >> 32) * (ulong)(uint)count) >> 32);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box–Muller; used only for initialisation).</summary>
    public double NextNormal()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
