using CrossRec.Engines.Cpu.Ease;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Tests.TopN;

[NonParallelizable] // toggles the process-wide GemmTile.ForcePortable
public sealed class EaseSolverTests
{
    [TestCase(1, false)]
    [TestCase(3, false)]
    [TestCase(31, false)]
    [TestCase(64, false)]
    [TestCase(65, false)]
    [TestCase(130, false)]
    [TestCase(301, false)]
    [TestCase(3, true)]
    [TestCase(65, true)]
    [TestCase(301, true)]
    public void TheBlockedInverseMatchesMathNetWhateverTheOrderAndKernel(int n, bool portable)
    {
        var (gram, reference) = RandomSpd(n, seed: n);
        var a = (double[])gram.Clone();
        // Only the lower triangle may be read.
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                a[(i * n) + j] = double.NaN;
            }
        }

        GemmTile.ForcePortable = portable;
        try
        {
            CpuEngine.Kernel<IGramSolver>().InvertSpd(a, n, 0, null, default);
        }
        finally
        {
            GemmTile.ForcePortable = false;
        }

        var expected = reference.Inverse();
        var worst = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                worst = Math.Max(worst, Math.Abs(a[(i * n) + j] - expected[i, j]));
            }
        }

        // The matrices have condition numbers below 100 and entries of order 1: float64 agrees to ~1e-13.
        Assert.That(worst, Is.LessThan(1e-10));
    }

    [Test]
    public void TheInverseIsBitIdenticalAtAnyThreadCount()
    {
        var (gram, _) = RandomSpd(200, seed: 4);
        var one = (double[])gram.Clone();
        var two = (double[])gram.Clone();
        CpuEngine.Kernel<IGramSolver>().InvertSpd(one, 200, 1, null, default);
        CpuEngine.Kernel<IGramSolver>().InvertSpd(two, 200, 2, null, default);
        Assert.That(two, Is.EqualTo(one));
    }

    [Test]
    public void AMatrixThatIsNotPositiveDefiniteIsNamed()
    {
        var a = new double[] { 1, 2, 2, 1 }; // eigenvalues 3 and −1
        Assert.That(() => CpuEngine.Kernel<IGramSolver>().InvertSpd(a, 2, 0, null, default), Throws.InstanceOf<ArithmeticException>().With.Message.Contains("positive definite"));
    }

    [Test]
    public void StagesAreReportedAndCancellationHonoured()
    {
        var (gram, _) = RandomSpd(150, seed: 2);
        var stages = new List<GramSolverStage>();
        CpuEngine.Kernel<IGramSolver>().InvertSpd((double[])gram.Clone(), 150, 0, stages.Add, default);
        Assert.That(stages, Is.EqualTo(new[] { GramSolverStage.Factorized, GramSolverStage.Inverted }));
        using var cts = new CancellationTokenSource();
        Assert.That(() => CpuEngine.Kernel<IGramSolver>().InvertSpd((double[])gram.Clone(), 150, 0, _ => cts.Cancel(), cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(() => CpuEngine.Kernel<IGramSolver>().InvertSpd(new double[3], 2, 0, null, default), Throws.ArgumentException);
        Assert.That(((IComputeEngine)CpuEngine.Default).TryGetKernel<IGramSolver>(), Is.SameAs(CpuEngine.Kernel<IGramSolver>()));
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
}
