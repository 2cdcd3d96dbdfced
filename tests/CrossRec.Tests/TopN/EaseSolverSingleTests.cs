using CrossRec.Algorithms.Ease;
using CrossRec.Engines.Cpu.Ease;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Tests.TopN;

[NonParallelizable] // toggles the process-wide SpdInverseSingle.ForcePath
public sealed class EaseSolverSingleTests
{
    private static readonly IGramSolver Solver = CpuEngine.Kernel<IGramSolver>();

    [TestCase(1, -1)]
    [TestCase(7, -1)]
    [TestCase(SpdInverseSingle.Block - 1, -1)]
    [TestCase(SpdInverseSingle.Block, -1)]
    [TestCase(SpdInverseSingle.Block + 1, -1)]
    [TestCase(300, -1)]
    [TestCase(1, (int)PackedTilePath.Vector512)]
    [TestCase(7, (int)PackedTilePath.Vector256)]
    [TestCase(SpdInverseSingle.Block + 1, (int)PackedTilePath.Vector256)]
    [TestCase(300, (int)PackedTilePath.Vector256)]
    [TestCase(7, (int)PackedTilePath.Scalar)]
    [TestCase(SpdInverseSingle.Block - 1, (int)PackedTilePath.Scalar)]
    [TestCase(300, (int)PackedTilePath.Scalar)]
    public void TheFloat32InverseMatchesTheFloat64OneWhateverTheOrderAndKernel(int n, int kernel)
    {
        PackedTilePath? path = kernel < 0 ? null : (PackedTilePath)kernel;
        if (path == PackedTilePath.Vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Assert.Ignore("512-bit vectors are not accelerated on this machine.");
        }

        if (path == PackedTilePath.Vector256 && !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            Assert.Ignore("256-bit vectors are not accelerated on this machine.");
        }

        var (gram, reference) = RandomSpd(n, seed: n);
        var single = new float[n * n];
        var wide = (double[])gram.Clone();
        // Only the lower triangle may be read.
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                single[(i * n) + j] = j > i ? float.NaN : (float)gram[(i * n) + j];
                wide[(i * n) + j] = j > i ? double.NaN : gram[(i * n) + j];
            }
        }

        SpdInverseSingle.ForcePath = path;
        try
        {
            Solver.InvertSpd(single, n, 0, null, default);
        }
        finally
        {
            SpdInverseSingle.ForcePath = null;
        }

        Solver.InvertSpd(wide, n, 0, null, default);
        var expected = reference.Inverse();
        var worst = 0.0;
        var worstWide = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                worst = Math.Max(worst, Math.Abs(single[(i * n) + j] - wide[(i * n) + j]));
                worstWide = Math.Max(worstWide, Math.Abs(wide[(i * n) + j] - expected[i, j]));
                Assert.That(single[(i * n) + j], Is.EqualTo(single[(j * n) + i]), "symmetric");
            }
        }

        // Condition numbers below 3 and entries of order 1: float32 rounding (6e-8) grown by a few hundred operations.
        Assert.That(worstWide, Is.LessThan(1e-10));
        Assert.That(worst, Is.LessThan(1e-5));
    }

    [Test]
    public void TheFloat32InverseIsAccurateOnAnEaseGramMatrix()
    {
        // Binary XᵀX + λI of a sparse random X with λ = 5 × the mean diagonal (EASE's default scale): far from the identity.
        const int n = 260;
        var rng = new Random(3);
        var x = Matrix<double>.Build.Dense(600, n, (_, j) => rng.NextDouble() < 0.5 / (1 + (j / 20.0)) ? 1 : 0);
        var g = x.TransposeThisAndMultiply(x);
        var lambda = 5 * g.Diagonal().Average();
        g += Matrix<double>.Build.DenseIdentity(n) * lambda;
        var single = new float[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                single[(i * n) + j] = (float)g[i, j];
            }
        }

        Solver.InvertSpd(single, n, 0, null, default);
        var expected = g.Inverse();
        var worst = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                worst = Math.Max(worst, Math.Abs(single[(i * n) + j] - expected[i, j]) / Math.Abs(expected[j, j]));
            }
        }

        // What EASE uses, P[i, j] / P[j, j], to float32 precision.
        Assert.That(worst, Is.LessThan(1e-5));
    }

    [Test]
    public void TheFloat32InverseIsBitIdenticalAtAnyThreadCount()
    {
        var (gram, _) = RandomSpd(300, seed: 4);
        var one = gram.Select(v => (float)v).ToArray();
        var two = (float[])one.Clone();
        var three = (float[])one.Clone();
        Solver.InvertSpd(one, 300, 1, null, default);
        Solver.InvertSpd(two, 300, 2, null, default);
        Solver.InvertSpd(three, 300, 3, null, default);
        Assert.That(two, Is.EqualTo(one));
        Assert.That(three, Is.EqualTo(one));
    }

    [TestCase(2, 1)]
    [TestCase(SpdInverseSingle.Block + 3, SpdInverseSingle.Block + 1)]
    public void AMatrixThatIsNotPositiveDefiniteIsNamedWithItsRow(int n, int badRow)
    {
        // The identity with one entry that makes the leading minor of order badRow + 1 negative.
        var a = new float[n * n];
        for (var i = 0; i < n; i++)
        {
            a[(i * n) + i] = 1;
        }

        a[(badRow * n) + badRow - 1] = 2;
        Assert.That(() => Solver.InvertSpd(a, n, 0, null, default), Throws.InstanceOf<ArithmeticException>().With.Message.Contains("positive definite").And.Message.Contains($"row {badRow} of {n}"));
    }

    [TestCase(5, 2, 1)]
    [TestCase(200, 150, 3)]
    [TestCase(200, 199, 198)]
    public void ANaNInTheLowerTriangleIsRefusedAsNotPositiveDefinite(int n, int row, int column)
    {
        var (gram, _) = RandomSpd(n, seed: 9);
        var a = gram.Select(v => (float)v).ToArray();
        a[(row * n) + column] = float.NaN;
        Assert.That(() => Solver.InvertSpd(a, n, 0, null, default), Throws.InstanceOf<ArithmeticException>().With.Message.Contains("positive definite"));
    }

    [Test]
    public void StagesAreReportedAndCancellationHonoured()
    {
        var (gram, _) = RandomSpd(300, seed: 2);
        var a = gram.Select(v => (float)v).ToArray();
        var stages = new List<GramSolverStage>();
        Solver.InvertSpd((float[])a.Clone(), 300, 0, stages.Add, default);
        Assert.That(stages, Is.EqualTo(new[] { GramSolverStage.Factorized, GramSolverStage.Inverted }));
        using var cts = new CancellationTokenSource();
        Assert.That(() => Solver.InvertSpd((float[])a.Clone(), 300, 0, _ => cts.Cancel(), cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(() => Solver.InvertSpd(new float[3], 2, 0, null, default), Throws.ArgumentException);
        var empty = new List<GramSolverStage>();
        Solver.InvertSpd(Array.Empty<float>(), 0, 0, empty.Add, default);
        Assert.That(empty, Is.EqualTo(new[] { GramSolverStage.Factorized, GramSolverStage.Inverted }));
    }

    [Test]
    public void AnEngineWithOnlyAFloat64KernelInvertsFloat32ThroughIt()
    {
        var (gram, _) = RandomSpd(70, seed: 6);
        var a = gram.Select(v => (float)v).ToArray();
        var expected = (float[])a.Clone();
        Solver.InvertSpd(expected, 70, 0, null, default);
        IGramSolver wideOnly = new WideOnly();
        wideOnly.InvertSpd(a, 70, 0, null, default);
        for (var p = 0; p < a.Length; p++)
        {
            Assert.That(a[p], Is.EqualTo(expected[p]).Within(1e-5));
        }
    }

    /// <summary>RᵀR/n + I for R uniform in [−1, 1]: symmetric positive definite, well conditioned.</summary>
    private static (double[] Flat, Matrix<double> Reference) RandomSpd(int n, int seed)
    {
        var rng = new Random(seed);
        var r = Matrix<double>.Build.Dense(n, n, (_, _) => (2 * rng.NextDouble()) - 1);
        var m = (r.TransposeThisAndMultiply(r) / n) + Matrix<double>.Build.DenseIdentity(n);
        var flat = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                flat[(i * n) + j] = m[i, j];
            }
        }

        return (flat, m);
    }

    /// <summary>A solver with the float64 kernel only (the float32 overload is the interface's default).</summary>
    private sealed class WideOnly : IGramSolver
    {
        public void InvertSpd(double[] matrix, int n, int threads, Action<GramSolverStage>? stageCompleted, CancellationToken cancellationToken) =>
            CpuEngine.Kernel<IGramSolver>().InvertSpd(matrix, n, threads, stageCompleted, cancellationToken);
    }
}
