using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossRec.Internal.Simd;

/// <summary>128-bit vectors of 4 floats (SSE, Arm AdvSimd) as an <see cref="IVector{TSelf}"/>.</summary>
internal readonly unsafe struct Vec128 : IVector<Vec128>
{
    private readonly Vector128<float> _value;

    internal Vec128(Vector128<float> value) => _value = value;

    public static int Count => Vector128<float>.Count;

    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    public static Vec128 Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 Create(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 Load(float* source) => new(Vector128.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 LoadAligned(float* source) => new(Vector128.LoadAligned(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec128 value, float* destination) => value._value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreAligned(Vec128 value, float* destination) => value._value.StoreAligned(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator +(Vec128 left, Vec128 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator -(Vec128 left, Vec128 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator *(Vec128 left, Vec128 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 operator -(Vec128 value) => new(-value._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 MultiplyAdd(Vec128 a, Vec128 b, Vec128 c) =>
        new(Fused.IsHardware ? Vector128.FusedMultiplyAdd(a._value, b._value, c._value) : (a._value * b._value) + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128 MultiplyAddEstimate(Vec128 a, Vec128 b, Vec128 c) => new(Vector128.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong GreaterThanOrEqualBits(Vec128 left, Vec128 right) => Vector128.GreaterThanOrEqual(left._value, right._value).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vec128 value)
    {
        var v = value._value;
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }
}
