using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossRec.Internal.Simd;

/// <summary>512-bit vectors of 16 floats (AVX-512) as an <see cref="IVector{TSelf}"/>.</summary>
internal readonly unsafe struct Vec512 : IVector<Vec512>
{
    private readonly Vector512<float> _value;

    private Vec512(Vector512<float> value) => _value = value;

    public static int Count => Vector512<float>.Count;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    public static Vec512 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Create(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 LoadAligned(float* source) => new(Vector512.LoadAligned(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec512 value, float* destination) => value._value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreAligned(Vec512 value, float* destination) => value._value.StoreAligned(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator +(Vec512 left, Vec512 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator -(Vec512 left, Vec512 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator *(Vec512 left, Vec512 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 operator -(Vec512 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 MultiplyAdd(Vec512 a, Vec512 b, Vec512 c) =>
        new(Fused.IsHardware ? Vector512.FusedMultiplyAdd(a._value, b._value, c._value) : (a._value * b._value) + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512 MultiplyAddEstimate(Vec512 a, Vec512 b, Vec512 c) => new(Vector512.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong GreaterThanOrEqualBits(Vec512 left, Vec512 right) => Vector512.GreaterThanOrEqual(left._value, right._value).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vec512 value) => Vec256.Sum(new Vec256(value._value.GetLower() + value._value.GetUpper()));
}
