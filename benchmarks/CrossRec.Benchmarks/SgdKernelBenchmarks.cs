using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CrossRec.Engines.Cpu;
using CrossRec.Benchmarks.Baselines;
using CrossRec.Internal.Simd;

namespace CrossRec.Benchmarks;

/// <summary>
/// The SGD row step (dot product, error, fused update of both rows) over 4096 random (user, item) row
/// pairs that fit in L2, at k = 32/64/128: the trainer's specialised kernel, its any-length kernel, and
/// the same step composed from <see cref="TensorPrimitives"/> calls (the baseline the hand-written
/// kernels must beat to be worth their code). Run with <c>DOTNET_EnableAVX512=0</c> (AVX2 kernels) and
/// <c>DOTNET_EnableHWIntrinsic=0</c> (scalar fallback) to see the other paths.
/// </summary>
[MemoryDiagnoser]
public unsafe class SgdKernelBenchmarks
{
    private const int Rows = 256;
    private const int Pairs = 4096;
    private float* _p;
    private float* _q;
    private int[] _users = [];
    private int[] _items = [];
    private float[] _scratch = [];
    private int _kernel;

    [Params(32, 64, 128)]
    public int K { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = (float*)NativeMemory.AlignedAlloc((nuint)(Rows * K * sizeof(float)), 64);
        _q = (float*)NativeMemory.AlignedAlloc((nuint)(Rows * K * sizeof(float)), 64);
        var rng = new Random(1);
        for (var j = 0; j < Rows * K; j++)
        {
            _p[j] = (float)(rng.NextDouble() - 0.5) * 0.1f;
            _q[j] = (float)(rng.NextDouble() - 0.5) * 0.1f;
        }

        _users = Enumerable.Range(0, Pairs).Select(_ => rng.Next(Rows)).ToArray();
        _items = Enumerable.Range(0, Pairs).Select(_ => rng.Next(Rows)).ToArray();
        _scratch = new float[K];
        _kernel = SgdSession.ChooseKernel(K);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_p);
        NativeMemory.AlignedFree(_q);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pairs)]
    public float TensorPrimitivesComposed()
    {
        var k = K;
        var sum = 0f;
        for (var n = 0; n < Pairs; n++)
        {
            var p = new Span<float>(_p + (_users[n] * k), k);
            var q = new Span<float>(_q + (_items[n] * k), k);
            var e = 0.5f - TensorPrimitives.Dot(p, q);
            var g = 0.001f * e;
            p.CopyTo(_scratch);
            TensorPrimitives.Multiply(p, 0.9999f, p);
            TensorPrimitives.MultiplyAdd(q, g, p, p);
            TensorPrimitives.Multiply(q, 0.9999f, q);
            TensorPrimitives.MultiplyAdd(_scratch, g, q, q);
            sum += e;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public float AnyLength()
    {
        var k = K;
        var sum = 0f;
        for (var n = 0; n < Pairs; n++)
        {
            sum += AnyLengthStep.Step(_p + (_users[n] * k), _q + (_items[n] * k), k, 0.5f, 0.9999f, 0.001f);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public float Specialised() => _kernel switch
    {
        2 => Run<FixedStep<Vec512, Two>>(),
        4 => Run<FixedStep<Vec512, Four>>(),
        8 => Run<FixedStep<Vec512, Eight>>(),
        -4 => Run<FixedStep<Vec256, Four>>(),
        -8 => Run<FixedStep<Vec256, Eight>>(),
        _ => Run<AnyLengthStep>(),
    };

    /// <summary>The hand-written kernel per vector width that <c>FixedStep</c> replaced (commit 0ab6475), side by side.</summary>
    [Benchmark(OperationsPerInvoke = Pairs)]
    public float LegacySpecialised() => _kernel switch
    {
        2 => RunLegacy<LegacyFixed512Step<LegacyTwo>>(),
        4 => RunLegacy<LegacyFixed512Step<LegacyFour>>(),
        8 => RunLegacy<LegacyFixed512Step<LegacyEight>>(),
        -4 => RunLegacy<LegacyFixed256Step<LegacyFour>>(),
        -8 => RunLegacy<LegacyFixed256Step<LegacyEight>>(),
        _ => RunLegacy<LegacyAnyLengthStep>(),
    };

    private float RunLegacy<TStep>()
        where TStep : struct, ILegacySgdRowStep
    {
        var k = K;
        var sum = 0f;
        for (var n = 0; n < Pairs; n++)
        {
            sum += TStep.Step(_p + (_users[n] * k), _q + (_items[n] * k), k, 0.5f, 0.9999f, 0.001f);
        }

        return sum;
    }

    private float Run<TStep>()
        where TStep : struct, ISgdRowStep
    {
        var k = K;
        var sum = 0f;
        for (var n = 0; n < Pairs; n++)
        {
            sum += TStep.Step(_p + (_users[n] * k), _q + (_items[n] * k), k, 0.5f, 0.9999f, 0.001f);
        }

        return sum;
    }
}
