using CrossRec.Engines.Cpu.Hybrid;

namespace CrossRec.Tests.Hybrid;

/// <summary>
/// The hybrid's vectorised element-wise steps give the scalar formula's result bit for bit at every length (whole
/// vectors plus a tail), so a seeded fit is the same on every machine whatever its vector width, and with or without
/// SIMD.
/// </summary>
[TestFixture]
public sealed class HybridMathTests
{
    [Test]
    public void AddScaledIsTheScalarResultBitForBit()
    {
        var rng = new Random(3);
        for (var n = 1; n <= 70; n++)
        {
            var x = Draw(rng, n);
            var destination = Draw(rng, n);
            var expected = (float[])destination.Clone();
            var a = (float)(rng.NextDouble() - 0.5) * 3;
            for (var i = 0; i < n; i++)
            {
                expected[i] += a * x[i];
            }

            HybridMath.AddScaled(destination, a, x);
            Assert.That(Bits(destination), Is.EqualTo(Bits(expected)), $"length {n}");
        }
    }

    [Test]
    public void AdagradStepIsTheScalarResultBitForBit()
    {
        var rng = new Random(5);
        for (var n = 1; n <= 70; n++)
        {
            var parameters = Draw(rng, n);
            var accumulated = Draw(rng, n).Select(v => 1 + Math.Abs(v)).ToArray();
            var direction = Draw(rng, n);
            var (scale, rate, regularization) = ((float)rng.NextDouble() - 0.5f, 0.05f, n % 2 == 0 ? 0f : 1e-3f);
            var expectedParameters = (float[])parameters.Clone();
            var expectedAccumulated = (float[])accumulated.Clone();
            for (var i = 0; i < n; i++)
            {
                var g = (scale * direction[i]) + (regularization * expectedParameters[i]);
                var sum = expectedAccumulated[i] + (g * g);
                expectedAccumulated[i] = sum;
                expectedParameters[i] -= rate * g / MathF.Sqrt(sum);
            }

            HybridMath.AdagradStep(parameters, accumulated, scale, direction, rate, regularization);
            Assert.That(Bits(parameters), Is.EqualTo(Bits(expectedParameters)), $"parameters, length {n}");
            Assert.That(Bits(accumulated), Is.EqualTo(Bits(expectedAccumulated)), $"accumulated, length {n}");
        }
    }

    private static float[] Draw(Random rng, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) * 2)];

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
