using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossRec.Internal.Simd;

/// <summary>256-bit vectors of 8 floats (AVX2/AVX) as an <see cref="IVector{TSelf}"/>.</summary>
internal readonly unsafe struct Vec256 : IVector<Vec256>
{
    private readonly Vector256<float> _value;

    internal Vec256(Vector256<float> value) => _value = value;

    public static int Count => Vector256<float>.Count;

    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    public static Vec256 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Create(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 Load(float* source) => new(Vector256.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 LoadAligned(float* source) => new(Vector256.LoadAligned(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec256 value, float* destination) => value._value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreAligned(Vec256 value, float* destination) => value._value.StoreAligned(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator +(Vec256 left, Vec256 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator -(Vec256 left, Vec256 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator *(Vec256 left, Vec256 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 operator -(Vec256 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 MultiplyAdd(Vec256 a, Vec256 b, Vec256 c) =>
        new(Fused.IsHardware ? Vector256.FusedMultiplyAdd(a._value, b._value, c._value) : (a._value * b._value) + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256 MultiplyAddEstimate(Vec256 a, Vec256 b, Vec256 c) => new(Vector256.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong GreaterThanOrEqualBits(Vec256 left, Vec256 right) => Vector256.GreaterThanOrEqual(left._value, right._value).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vec256 value) => Vec128.Sum(new Vec128(value._value.GetLower() + value._value.GetUpper()));
}
