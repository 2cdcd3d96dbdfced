using System.Runtime.Intrinsics;
using CrossRec.Engines.Cpu;
using CrossRec.Internal.Simd;

namespace CrossRec.Tests.Factorization;

/// <summary>
/// The SIMD kernels against scalar references, for every length that exercises the 512/256/128-bit steps
/// and the scalar tail. Run the suite with <c>DOTNET_EnableAVX512F=0</c> and <c>DOTNET_EnableHWIntrinsic=0</c>
/// as well to cover the fallbacks (the test names the vector widths it ran with).
/// </summary>
public unsafe class SgdKernelTests
{
    private static readonly int[] Lengths = [.. Enumerable.Range(1, 70), 96, 127, 128, 129, 256];

    [Test]
    public void DotMatchesScalarReference()
    {
        TestContext.Out.WriteLine($"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}");
        var rng = new Random(1);
        foreach (var n in Lengths)
        {
            var p = Random(n, rng);
            var q = Random(n, rng);
            double expected = 0;
            for (var f = 0; f < n; f++)
            {
                expected += (double)p[f] * q[f];
            }

            fixed (float* pp = p, pq = q)
            {
                Assert.That(SgdKernel.Dot(pp, pq, n), Is.EqualTo(expected).Within(1e-5 * n), $"length {n}");
            }
        }
    }

    [Test]
    public void UpdateMatchesScalarReference()
    {
        var rng = new Random(2);
        foreach (var n in Lengths)
        {
            var p = Random(n, rng);
            var q = Random(n, rng);
            var (ep, eq) = Reference(p, q, 0.99f, 0.03f);
            fixed (float* pp = p, pq = q)
            {
                SgdKernel.Update(pp, pq, n, 0.99f, 0.03f);
            }

            Assert.That(p, Is.EqualTo(ep).Within(1e-6f), $"p, length {n}");
            Assert.That(q, Is.EqualTo(eq).Within(1e-6f), $"q, length {n}");
        }
    }

    [Test]
    public void EveryRowKernelAgreesWithTheAnyLengthKernel()
    {
        var rng = new Random(3);
        var checkedKernels = 0;
        foreach (var stride in new[] { 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128 })
        {
            var kernel = SgdSession.ChooseKernel(stride);
            var p = Random(stride, rng);
            var q = Random(stride, rng);
            var p2 = (float[])p.Clone();
            var q2 = (float[])q.Clone();
            float e1, e2;
            fixed (float* pp = p, pq = q, pp2 = p2, pq2 = q2)
            {
                e1 = AnyLengthStep.Step(pp, pq, stride, 0.7f, 0.995f, 0.02f);
                e2 = StepWith(kernel, pp2, pq2, stride, 0.7f, 0.995f, 0.02f);
            }

            checkedKernels += kernel != 0 ? 1 : 0;
            Assert.That(e2, Is.EqualTo(e1).Within(1e-5f), $"error, stride {stride}, kernel {kernel}");
            Assert.That(p2, Is.EqualTo(p).Within(1e-6f), $"p, stride {stride}, kernel {kernel}");
            Assert.That(q2, Is.EqualTo(q).Within(1e-6f), $"q, stride {stride}, kernel {kernel}");
        }

        TestContext.Out.WriteLine($"{checkedKernels} fixed-size kernels checked (0 when the CPU has neither AVX-512 nor AVX2).");
        if (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated)
        {
            Assert.That(checkedKernels, Is.GreaterThan(0));
        }
    }

    [Test]
    public void StrideCoversTheFactorsAndSuitsTheVectorWidth()
    {
        foreach (var k in new[] { 1, 3, 4, 5, 8, 10, 16, 17, 32, 50, 64, 100, 128, 129 })
        {
            var stride = SgdKernel.Stride(k);
            Assert.That(stride, Is.GreaterThanOrEqualTo(k));
            if (Vector512.IsHardwareAccelerated && k > 8)
            {
                Assert.That(stride % 16, Is.Zero, $"k {k}");
            }
            else if (!Vector128.IsHardwareAccelerated)
            {
                Assert.That(stride, Is.EqualTo(k));
            }
        }
    }

    private static float StepWith(int kernel, float* p, float* q, int stride, float residual, float keep, float rate) => kernel switch
    {
        1 => FixedStep<Vec512, One>.Step(p, q, stride, residual, keep, rate),
        2 => FixedStep<Vec512, Two>.Step(p, q, stride, residual, keep, rate),
        3 => FixedStep<Vec512, Three>.Step(p, q, stride, residual, keep, rate),
        4 => FixedStep<Vec512, Four>.Step(p, q, stride, residual, keep, rate),
        5 => FixedStep<Vec512, Five>.Step(p, q, stride, residual, keep, rate),
        6 => FixedStep<Vec512, Six>.Step(p, q, stride, residual, keep, rate),
        7 => FixedStep<Vec512, Seven>.Step(p, q, stride, residual, keep, rate),
        8 => FixedStep<Vec512, Eight>.Step(p, q, stride, residual, keep, rate),
        -1 => FixedStep<Vec256, One>.Step(p, q, stride, residual, keep, rate),
        -2 => FixedStep<Vec256, Two>.Step(p, q, stride, residual, keep, rate),
        -3 => FixedStep<Vec256, Three>.Step(p, q, stride, residual, keep, rate),
        -4 => FixedStep<Vec256, Four>.Step(p, q, stride, residual, keep, rate),
        -5 => FixedStep<Vec256, Five>.Step(p, q, stride, residual, keep, rate),
        -6 => FixedStep<Vec256, Six>.Step(p, q, stride, residual, keep, rate),
        -7 => FixedStep<Vec256, Seven>.Step(p, q, stride, residual, keep, rate),
        -8 => FixedStep<Vec256, Eight>.Step(p, q, stride, residual, keep, rate),
        _ => AnyLengthStep.Step(p, q, stride, residual, keep, rate),
    };

    private static (float[] P, float[] Q) Reference(float[] p, float[] q, float a, float g)
    {
        var np = new float[p.Length];
        var nq = new float[q.Length];
        for (var f = 0; f < p.Length; f++)
        {
            np[f] = (a * p[f]) + (g * q[f]);
            nq[f] = (a * q[f]) + (g * p[f]);
        }

        return (np, nq);
    }

    private static float[] Random(int n, Random rng)
    {
        var x = new float[n];
        for (var j = 0; j < n; j++)
        {
            x[j] = (float)(rng.NextDouble() - 0.5);
        }

        return x;
    }
}
