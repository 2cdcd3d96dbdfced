using MathNet.Numerics.Distributions;

namespace CrossRec.Tests.Conversion;

public class LogisticRegressionTests
{
    private static readonly double[] TrueCoefficients = [0.8, -1.2, 0.5, 0.0];
    private const double TrueIntercept = -1.5;

    /// <summary>Rows with standard-normal features and labels drawn from the known logistic model.</summary>
    private static (ReadOnlyMatrix X, bool[] Y) Synthetic(int n, int seed)
    {
        var rng = new Random(seed);
        var d = TrueCoefficients.Length;
        var x = new float[n * d];
        var y = new bool[n];
        for (var r = 0; r < n; r++)
        {
            var z = TrueIntercept;
            for (var j = 0; j < d; j++)
            {
                x[(r * d) + j] = (float)Normal.Sample(rng, 0, 1);
                z += TrueCoefficients[j] * x[(r * d) + j];
            }

            y[r] = rng.NextDouble() < 1 / (1 + Math.Exp(-z));
        }

        return (ReadOnlyMatrix.Create(x, n, d), y);
    }

    [TestCase(LogisticSolver.Newton)]
    [TestCase(LogisticSolver.Lbfgs)]
    public void TheFitIsBitIdenticalOnEveryRunAndAtAnyThreadCount(LogisticSolver solver)
    {
        // 100,000 rows are 49 chunks: many blocks, summed in a fixed order whatever the threads.
        var (x, y) = Synthetic(100_000, 8);
        var fits = new[] { 0, 0, 1, 2, 3 }.Select(t => CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { Solver = solver, Threads = t }, default)).ToArray();
        foreach (var fit in fits.Skip(1))
        {
            Assert.That(fit.Coefficients.ToArray(), Is.EqualTo(fits[0].Coefficients.ToArray()).AsCollection);
            Assert.That(fit.Intercept, Is.EqualTo(fits[0].Intercept));
            Assert.That(fit.Objective, Is.EqualTo(fits[0].Objective));
        }
    }

    [TestCase(LogisticSolver.Newton)]
    [TestCase(LogisticSolver.Lbfgs)]
    public void RecoversKnownCoefficientsWithinSamplingError(LogisticSolver solver)
    {
        var (x, y) = Synthetic(20_000, 5);
        var fit = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { C = 1e6, Solver = solver }, default);
        Assert.That(fit.Converged, Is.True);
        var se = fit.StandardErrors.ToArray();
        for (var j = 0; j < TrueCoefficients.Length; j++)
        {
            // 4 standard errors: a false alarm about once in 16,000 coefficients.
            Assert.That(fit.Coefficients[j], Is.EqualTo(TrueCoefficients[j]).Within(4 * se[j]), $"coefficient {j}");
        }

        Assert.That(fit.Intercept, Is.EqualTo(TrueIntercept).Within(4 * se[^1]));
    }

    [Test]
    public void NewtonAndLbfgsReachTheSameOptimum()
    {
        var (x, y) = Synthetic(5_000, 9);
        var newton = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { C = 0.5, Solver = LogisticSolver.Newton }, default);
        var lbfgs = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { C = 0.5, Solver = LogisticSolver.Lbfgs }, default);
        Assert.That(lbfgs.Objective, Is.EqualTo(newton.Objective).Within(1e-6 * newton.Objective));
        for (var j = 0; j < TrueCoefficients.Length; j++)
        {
            Assert.That(lbfgs.Coefficients[j], Is.EqualTo(newton.Coefficients[j]).Within(1e-4));
        }
    }

    [Test]
    public void ProbabilitiesAreCalibratedByDecile()
    {
        var (x, y) = Synthetic(40_000, 11);
        var (tx, ty) = Synthetic(40_000, 12);
        var fit = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions(), default);
        var p = new double[tx.Rows];
        for (var r = 0; r < p.Length; r++)
        {
            var z = fit.Intercept;
            for (var j = 0; j < tx.Columns; j++)
            {
                z += fit.Coefficients[j] * tx[r, j];
            }

            p[r] = 1 / (1 + Math.Exp(-z));
        }

        var metrics = ConversionMetrics.Compute(ty, p);
        Assert.That(metrics.Calibration, Has.Count.EqualTo(10));
        foreach (var bin in metrics.Calibration)
        {
            Assert.That(bin.Calibrated, Is.True, $"decile {bin.Bin}: observed {bin.ObservedRate:P2}, band {bin.Low:P2}–{bin.High:P2}");
        }
    }

    [Test]
    public void StrongerPenaltyShrinksCoefficients()
    {
        var (x, y) = Synthetic(2_000, 3);
        var loose = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { C = 100 }, default);
        var tight = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { C = 0.001 }, default);
        Assert.That(Math.Abs(tight.Coefficients[1]), Is.LessThan(Math.Abs(loose.Coefficients[1]) / 3));
    }

    [Test]
    public void ClassWeightsShiftTheIntercept()
    {
        var (x, y) = Synthetic(5_000, 4);
        var plain = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions(), default);
        var weighted = CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { PositiveWeight = 4 }, default);
        Assert.That(weighted.Intercept, Is.EqualTo(plain.Intercept + Math.Log(4)).Within(0.1));
    }

    [Test]
    public void BadInputIsRefusedWithAClearMessage()
    {
        var (x, y) = Synthetic(100, 1);
        Assert.That(() => CpuEngine.Default.FitLogistic(x, new bool[100], new LogisticOptions(), default), Throws.ArgumentException.With.Message.Contains("single class"));
        Assert.That(() => CpuEngine.Default.FitLogistic(x, new bool[99], new LogisticOptions(), default), Throws.ArgumentException.With.Message.Contains("99 labels"));
        Assert.That(() => CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { C = 0 }, default), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("C must be"));
        Assert.That(() => CpuEngine.Default.FitLogistic(x, y, new LogisticOptions { MaxIterations = 0 }, default), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxIterations"));
    }
}
