using System.Runtime.CompilerServices;

namespace CrossRec.Internal.Simd;

/// <summary>One float lane as an <see cref="IVector{TSelf}"/>: the scalar fallback of kernels written over the vector width.</summary>
internal readonly unsafe struct Vec1 : IVector<Vec1>
{
    private readonly float _value;

    private Vec1(float value) => _value = value;

    public static int Count => 1;

    public static bool IsHardwareAccelerated => true;

    public static Vec1 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 Create(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 Load(float* source) => new(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 LoadAligned(float* source) => new(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec1 value, float* destination) => *destination = value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreAligned(Vec1 value, float* destination) => *destination = value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 operator +(Vec1 left, Vec1 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 operator -(Vec1 left, Vec1 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 operator *(Vec1 left, Vec1 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 operator -(Vec1 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 MultiplyAdd(Vec1 a, Vec1 b, Vec1 c) =>
        new(Fused.IsHardware ? MathF.FusedMultiplyAdd(a._value, b._value, c._value) : (a._value * b._value) + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec1 MultiplyAddEstimate(Vec1 a, Vec1 b, Vec1 c) => new(float.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong GreaterThanOrEqualBits(Vec1 left, Vec1 right) => left._value >= right._value ? 1UL : 0UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vec1 value) => value._value;
}
