using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Engines.Cpu.Logistic;

/// <summary>
/// L2-regularised logistic regression with an unpenalised intercept on the CPU:
/// <c>min Σ wᵢ [log(1 + e^{zᵢ}) − yᵢ zᵢ] + ‖β‖²/(2C)</c>, <c>zᵢ = xᵢ·β + β₀</c>.
/// Newton's method (IRLS) with a backtracking line search for moderate width — quadratic convergence, a
/// (d+1)² Hessian accumulated over row chunks in parallel and solved by Cholesky (MathNet) — and L-BFGS
/// for wide inputs, where the Hessian would not pay for itself.
/// </summary>
internal static class LogisticTrainer
{
    private const int NewtonMaxWidth = 400;
    private const int ChunkRows = 2048;

    /// <summary>The fixed number of row blocks of the deterministic reduction (at most; see <c>Evaluate</c>).</summary>
    private const int MaxBlocks = 32;

    public static LogisticFit Fit(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions o, string device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        if (x.Rows == 0)
        {
            throw new ArgumentException("Logistic regression needs at least one row.", nameof(x));
        }

        if (y.Length != x.Rows)
        {
            throw new ArgumentException($"The design matrix has {x.Rows} rows but there are {y.Length} labels.", nameof(y));
        }

        var positives = 0;
        foreach (var label in y)
        {
            positives += label ? 1 : 0;
        }

        if (positives == 0 || positives == y.Length)
        {
            throw new ArgumentException($"The training labels hold a single class ({(positives == 0 ? "no positive" : "no negative")} among {y.Length} rows); logistic regression needs both.", nameof(y));
        }

        var problem = new Problem(x, y.ToArray(), o);
        var solver = o.Solver == LogisticSolver.Auto ? (x.Columns + 1 <= NewtonMaxWidth ? LogisticSolver.Newton : LogisticSolver.Lbfgs) : o.Solver;
        var watch = Stopwatch.StartNew();
        var (beta, iterations, converged, objective) = solver == LogisticSolver.Newton ? Newton(problem, ct) : Lbfgs(problem, ct);
        double[]? variances = null;
        if (x.Columns + 1 <= 2000)
        {
            variances = problem.CovarianceDiagonal(beta);
        }

        var coefficients = beta.AsSpan(0, x.Columns).ToArray();
        return new LogisticFit(coefficients, beta[x.Columns], iterations, converged, objective, device, solver, watch.Elapsed.TotalSeconds, variances);
    }

    private static (double[] Beta, int Iterations, bool Converged, double Objective) Newton(Problem p, CancellationToken ct)
    {
        var d = p.Dim;
        var beta = new double[d];
        beta[d - 1] = p.InitialIntercept();
        var grad = new double[d];
        var hess = new double[d * d];
        var trial = new double[d];
        var f = p.Evaluate(beta, grad, hess);
        for (var it = 1; it <= p.Options.MaxIterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            if (p.Converged(grad))
            {
                return (beta, it - 1, true, f);
            }

            var h = Matrix<double>.Build.Dense(d, d, hess); // column-major; H is symmetric
            var g = Vector<double>.Build.Dense(grad);
            var step = h.Cholesky().Solve(g);
            var slope = -g.DotProduct(step);
            var t = 1.0;
            double fNew;
            while (true)
            {
                for (var j = 0; j < d; j++)
                {
                    trial[j] = beta[j] - (t * step[j]);
                }

                fNew = p.Evaluate(trial, null, null);
                if (fNew <= f + (1e-4 * t * slope) || t < 1e-10)
                {
                    break;
                }

                t *= 0.5;
            }

            if (fNew > f)
            {
                return (beta, it, p.Converged(grad), f); // no further progress possible in double precision
            }

            (beta, trial) = (trial, beta);
            f = p.Evaluate(beta, grad, hess);
        }

        return (beta, p.Options.MaxIterations, p.Converged(grad), f);
    }

    private static (double[] Beta, int Iterations, bool Converged, double Objective) Lbfgs(Problem p, CancellationToken ct)
    {
        const int memory = 10;
        var d = p.Dim;
        var beta = new double[d];
        beta[d - 1] = p.InitialIntercept();
        var grad = new double[d];
        var f = p.Evaluate(beta, grad, null);
        var s = new List<double[]>(memory);
        var y = new List<double[]>(memory);
        var rho = new List<double>(memory);
        var alpha = new double[memory];
        var direction = new double[d];
        var trial = new double[d];
        var trialGrad = new double[d];
        for (var it = 1; it <= p.Options.MaxIterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            if (p.Converged(grad))
            {
                return (beta, it - 1, true, f);
            }

            // Two-loop recursion: direction = −H⁻¹g with the last `memory` curvature pairs (oldest first).
            grad.CopyTo(direction, 0);
            for (var k = s.Count - 1; k >= 0; k--)
            {
                alpha[k] = rho[k] * TensorPrimitives.Dot(s[k], direction);
                TensorPrimitives.MultiplyAdd(y[k], -alpha[k], direction, direction);
            }

            var gamma = s.Count > 0
                ? TensorPrimitives.Dot(s[^1], y[^1]) / TensorPrimitives.Dot(y[^1], y[^1])
                : 1.0 / Math.Max(1e-12, TensorPrimitives.Norm(grad));
            TensorPrimitives.Multiply(direction, gamma, direction);
            for (var k = 0; k < s.Count; k++)
            {
                var b = rho[k] * TensorPrimitives.Dot(y[k], direction);
                TensorPrimitives.MultiplyAdd(s[k], alpha[k] - b, direction, direction);
            }

            TensorPrimitives.Negate(direction, direction);
            var slope = TensorPrimitives.Dot(grad, direction);
            if (slope >= 0)
            {
                // Stale curvature: restart from steepest descent.
                s.Clear();
                y.Clear();
                rho.Clear();
                TensorPrimitives.Multiply(grad, -1.0 / Math.Max(1e-12, TensorPrimitives.Norm(grad)), direction);
                slope = TensorPrimitives.Dot(grad, direction);
            }

            var t = 1.0;
            double fNew;
            while (true)
            {
                TensorPrimitives.MultiplyAdd(direction, t, beta, trial);
                fNew = p.Evaluate(trial, trialGrad, null);
                if (fNew <= f + (1e-4 * t * slope) || t < 1e-12)
                {
                    break;
                }

                t *= 0.5;
            }

            if (fNew > f)
            {
                return (beta, it, p.Converged(grad), f);
            }

            var sNew = s.Count == memory ? s[0] : new double[d];
            var yNew = y.Count == memory ? y[0] : new double[d];
            TensorPrimitives.Subtract(trial, beta, sNew);
            TensorPrimitives.Subtract(trialGrad, grad, yNew);
            var sy = TensorPrimitives.Dot(sNew, yNew);
            if (sy > 1e-12)
            {
                if (s.Count == memory)
                {
                    s.RemoveAt(0);
                    y.RemoveAt(0);
                    rho.RemoveAt(0);
                }

                s.Add(sNew);
                y.Add(yNew);
                rho.Add(1.0 / sy);
            }

            (beta, trial) = (trial, beta);
            (grad, trialGrad) = (trialGrad, grad);
            f = fNew;
        }

        return (beta, p.Options.MaxIterations, p.Converged(grad), f);
    }

    /// <summary>Data, labels and weights; evaluates objective, gradient and Hessian in parallel over row chunks.</summary>
    private sealed class Problem
    {
        private readonly ReadOnlyMatrix _x;
        private readonly bool[] _y;
        private readonly double _invC;
        private readonly int _threads;

        public Problem(ReadOnlyMatrix x, bool[] y, LogisticOptions options)
        {
            _x = x;
            _y = y;
            Options = options;
            _invC = 1.0 / options.C;
            _threads = ThreadCount.Effective(options.Threads);
            Dim = x.Columns + 1;
            foreach (var label in y)
            {
                WeightSum += label ? options.PositiveWeight : options.NegativeWeight;
            }
        }

        public LogisticOptions Options { get; }

        public int Dim { get; }

        public double WeightSum { get; }

        public double InitialIntercept()
        {
            double pos = 0;
            foreach (var label in _y)
            {
                pos += label ? Options.PositiveWeight : 0;
            }

            var rate = pos / WeightSum;
            return Math.Log(rate / (1 - rate));
        }

        /// <summary>Converged when the gradient max-norm, relative to the total weight, is below the tolerance.</summary>
        public bool Converged(double[] grad) => Math.Abs(TensorPrimitives.MaxMagnitude(grad)) <= Options.Tolerance * Math.Max(1.0, WeightSum);

        /// <summary>Objective; fills the gradient and the full (symmetric) Hessian when given.</summary>
        public double Evaluate(double[] beta, double[]? grad, double[]? hess)
        {
            var d = Dim;
            var chunks = (_x.Rows + ChunkRows - 1) / ChunkRows;
            if (grad is not null)
            {
                Array.Clear(grad);
            }

            if (hess is not null)
            {
                Array.Clear(hess);
            }

            // Deterministic reduction: the rows are cut into a fixed number of blocks that does not depend on the thread
            // count, each block sums its chunks in order, and the blocks are added in block order, so the same data gives
            // bit-identical coefficients at any thread count and on every run (thread-local accumulators merged as
            // threads finish did not). Fewer blocks when each holds a large Hessian, to bound the memory.
            var perBlockBytes = hess is null ? (long)d * 8 : (long)d * d * 8;
            var blocks = (int)Math.Clamp(Math.Min(MaxBlocks, (256L << 20) / Math.Max(1, perBlockBytes)), 1, Math.Max(1, chunks));
            var partial = new Accumulator[blocks];
            Parallel.For(
                0,
                blocks,
                new ParallelOptions { MaxDegreeOfParallelism = _threads },
                b =>
                {
                    var acc = new Accumulator(d, grad is not null, hess is not null);
                    var first = (int)((long)chunks * b / blocks);
                    var end = (int)((long)chunks * (b + 1) / blocks);
                    for (var chunk = first; chunk < end; chunk++)
                    {
                        Accumulate(beta, chunk * ChunkRows, Math.Min(_x.Rows, (chunk + 1) * ChunkRows), acc);
                    }

                    partial[b] = acc;
                });

            double total = 0;
            foreach (var acc in partial)
            {
                total += acc.Loss;
                if (grad is not null)
                {
                    TensorPrimitives.Add(grad, acc.Gradient!, grad);
                }

                if (hess is not null)
                {
                    TensorPrimitives.Add(hess, acc.Hessian!, hess);
                }
            }

            var penalty = 0.0;
            for (var j = 0; j < d - 1; j++)
            {
                penalty += beta[j] * beta[j];
                if (grad is not null)
                {
                    grad[j] += beta[j] * _invC;
                }
            }

            if (hess is not null)
            {
                // Only the upper triangle was accumulated: mirror it, then add the ridge (not on the intercept).
                for (var r = 0; r < d; r++)
                {
                    for (var c = r + 1; c < d; c++)
                    {
                        hess[(c * d) + r] = hess[(r * d) + c];
                    }

                    if (r < d - 1)
                    {
                        hess[(r * d) + r] += _invC;
                    }
                }
            }

            return total + (0.5 * penalty * _invC);
        }

        /// <summary>Diagonal of the inverse Hessian at β: the approximate variances of the estimates (intercept last).</summary>
        public double[] CovarianceDiagonal(double[] beta)
        {
            var hess = new double[Dim * Dim];
            Evaluate(beta, null, hess);
            var inverse = Matrix<double>.Build.Dense(Dim, Dim, hess).Cholesky().Solve(Matrix<double>.Build.DenseIdentity(Dim));
            return inverse.Diagonal().ToArray();
        }

        // Hot loop: compiled fully optimised on first use, so a one-off fit does not run tier-0 code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Accumulate(double[] beta, int start, int end, Accumulator acc)
        {
            var d = Dim;
            var k = d - 1;
            var row = acc.Row;
            var coefficients = beta.AsSpan(0, k);
            for (var r = start; r < end; r++)
            {
                var xr = _x.Row(r);
                for (var j = 0; j < k; j++)
                {
                    row[j] = xr[j];
                }

                row[k] = 1.0;
                var z = TensorPrimitives.Dot(row.AsSpan(0, k), coefficients) + beta[k];
                var label = _y[r];
                var w = label ? Options.PositiveWeight : Options.NegativeWeight;

                // log(1 + e^z) − y·z, computed without overflow for large |z|.
                var softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                acc.Loss += w * (softplus - (label ? z : 0));
                if (acc.Gradient is null && acc.Hessian is null)
                {
                    continue;
                }

                var prob = 1.0 / (1.0 + Math.Exp(-z));
                if (acc.Gradient is not null)
                {
                    TensorPrimitives.MultiplyAdd(row, w * (prob - (label ? 1 : 0)), acc.Gradient, acc.Gradient);
                }

                if (acc.Hessian is not null)
                {
                    // Rank-1 update of the upper triangle: H[j, j..] += s·x_j·x[j..].
                    var s = w * prob * (1 - prob);
                    for (var j = 0; j < d; j++)
                    {
                        var a = s * row[j];
                        if (a != 0)
                        {
                            var target = acc.Hessian.AsSpan((j * d) + j, d - j);
                            TensorPrimitives.MultiplyAdd(row.AsSpan(j), a, target, target);
                        }
                    }
                }
            }
        }

        private sealed class Accumulator(int d, bool gradient, bool hessian)
        {
            public double Loss;

            public double[] Row { get; } = new double[d];

            public double[]? Gradient { get; } = gradient ? new double[d] : null;

            public double[]? Hessian { get; } = hessian ? new double[d * d] : null;
        }
    }
}
