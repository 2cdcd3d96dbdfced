using System.Runtime.Intrinsics.Arm;

namespace CrossRec.Internal.Simd;

/// <summary>
/// One vector width of float lanes as a type — <see cref="Vec512"/>, <see cref="Vec256"/>, <see cref="Vec128"/>, or one
/// scalar lane (<see cref="Vec1"/>) — so a SIMD kernel is written once over <c>TVec</c> instead of once per width.
/// </summary>
/// <remarks>
/// <para>The operator-struct pattern of <c>System.Numerics.Tensors.TensorPrimitives</c>, applied to the vector itself
/// (the runtime's own <c>ISimdVector</c> is not public): members are static abstract, every implementation is a
/// single-field struct whose members are aggressively inlined, and the JIT compiles one specialised copy of a generic
/// method per struct instantiation, so <c>Kernel&lt;Vec512&gt;</c> is the code a hand-written <see cref="System.Runtime.Intrinsics.Vector512{T}"/>
/// kernel would be, and <c>TVec.Count</c> is a constant that folds branches on it away.</para>
/// <para>A caller picks the width from <see cref="IsHardwareAccelerated"/>; a kernel never runs a width the machine
/// lacks. <see cref="Vec1"/> is always available and is the fallback of machines without SIMD (and of
/// <c>DOTNET_EnableHWIntrinsic=0</c>).</para>
/// </remarks>
internal unsafe interface IVector<TSelf>
    where TSelf : unmanaged, IVector<TSelf>
{
    /// <summary>Float lanes.</summary>
    static abstract int Count { get; }

    /// <summary>True when this width runs in hardware here.</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>Every lane 0.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TSelf Create(float value);

    /// <summary>Loads <see cref="Count"/> floats.</summary>
    static abstract TSelf Load(float* source);

    /// <summary>Loads <see cref="Count"/> floats from an address aligned to the vector size.</summary>
    static abstract TSelf LoadAligned(float* source);

    /// <summary>Stores the lanes.</summary>
    static abstract void Store(TSelf value, float* destination);

    /// <summary>Stores the lanes to an address aligned to the vector size.</summary>
    static abstract void StoreAligned(TSelf value, float* destination);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf value);

    /// <summary>
    /// a·b + c per lane, fused (one rounding) exactly where <see cref="Fused.IsHardware"/> — the same choice at every width
    /// and for the scalar lane, so kernels of different widths that add in the same order give bit-identical sums.
    /// </summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>a·b + c per lane, fused or not, whichever is faster here (<c>Vector512.MultiplyAddEstimate</c>).</summary>
    static abstract TSelf MultiplyAddEstimate(TSelf a, TSelf b, TSelf c);

    /// <summary>Bit i set where lane i of <paramref name="left"/> ≥ lane i of <paramref name="right"/> (NaN compares false).</summary>
    static abstract ulong GreaterThanOrEqualBits(TSelf left, TSelf right);

    /// <summary>The sum of the lanes, halving the width down to 128 bits, then pairwise (the order of every CrossRec kernel's horizontal sums).</summary>
    static abstract float Sum(TSelf value);
}

/// <summary>The multiply-add choice of <see cref="IVector{TSelf}.MultiplyAdd"/>.</summary>
internal static class Fused
{
    /// <summary>
    /// True where the fused multiply-add is a hardware instruction (x86 FMA3, Arm AdvSimd). Chosen once for every
    /// width: a fused and an unfused multiply-add round differently.
    /// </summary>
    public static bool IsHardware => System.Runtime.Intrinsics.X86.Fma.IsSupported || AdvSimd.IsSupported;
}
