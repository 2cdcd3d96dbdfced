using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

internal sealed partial class TorchEngine : ILogisticKernel
{
    /// <inheritdoc />
    /// <remarks>
    /// Newton's method on the device in float64: gradient Xᵀ(w(p − y)) + β/C and Hessian Xᵀdiag(w p(1−p))X + I/C
    /// (the intercept unpenalised) from one matrix product each, solved by Cholesky, with a backtracking line
    /// search on the objective. Same objective, stopping rule and result type as the CPU engine.
    /// </remarks>
    public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (x.Rows == 0)
        {
            throw new ArgumentException("Logistic regression needs at least one row.", nameof(x));
        }

        if (y.Length != x.Rows)
        {
            throw new ArgumentException($"The design matrix has {x.Rows} rows but there are {y.Length} labels.", nameof(y));
        }

        var labels = new float[y.Length];
        var positives = 0;
        for (var r = 0; r < y.Length; r++)
        {
            labels[r] = y[r] ? 1f : 0f;
            positives += y[r] ? 1 : 0;
        }

        if (positives == 0 || positives == y.Length)
        {
            throw new ArgumentException($"The training labels hold a single class among {y.Length} rows; logistic regression needs both.", nameof(y));
        }

        var watch = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var n = x.Rows;
        var d = x.Columns + 1;
        var design = torch.cat([TorchCompat.Floats(x.ToArray(), n, x.Columns, _device), torch.ones(n, 1, dtype: ScalarType.Float32, device: _device)], 1).to(ScalarType.Float64);
        var target = TorchCompat.Floats(labels, _device).to(ScalarType.Float64);
        var weight = (target * options.PositiveWeight) + ((1 - target) * options.NegativeWeight);
        var weightSum = weight.sum().item<double>();
        var penalty = torch.ones(d, dtype: ScalarType.Float64, device: _device) / options.C;
        penalty[d - 1] = 0;
        var rate = (target * weight).sum().item<double>() / weightSum;
        var beta = torch.zeros(d, dtype: ScalarType.Float64, device: _device);
        beta[d - 1] = Math.Log(rate / (1 - rate));

        double Objective(Tensor b)
        {
            using var s = torch.NewDisposeScope();
            var z = design.mv(b);
            var softplus = torch.nn.functional.softplus(z);
            return ((weight * (softplus - (target * z))).sum() + (0.5 * (penalty * b * b).sum())).item<double>();
        }

        var f = Objective(beta);
        var iterations = 0;
        var converged = false;
        for (; iterations < options.MaxIterations; iterations++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var step = torch.NewDisposeScope();
            var p = design.mv(beta).sigmoid();
            var gradient = design.t().mv(weight * (p - target)) + (penalty * beta);
            if (gradient.abs().max().item<double>() <= options.Tolerance * Math.Max(1.0, weightSum))
            {
                converged = true;
                break;
            }

            var curvature = weight * p * (1 - p);
            var hessian = design.t().mm(design * curvature.unsqueeze(1)) + torch.diag(penalty);
            var direction = TorchCompat.CholeskySolve(gradient.unsqueeze(1), TorchCompat.Cholesky(hessian)).squeeze(1);
            var slope = -(gradient * direction).sum().item<double>();
            var t = 1.0;
            Tensor trial;
            double fNew;
            while (true)
            {
                trial = beta - (direction * t);
                fNew = Objective(trial);
                if (fNew <= f + (1e-4 * t * slope) || t < 1e-10)
                {
                    break;
                }

                t *= 0.5;
            }

            if (fNew > f)
            {
                break;
            }

            beta.copy_(trial);
            f = fNew;
        }

        var values = TorchCompat.ToDoubles(beta);
        double[] variances;
        using (var cov = torch.NewDisposeScope())
        {
            var p = design.mv(beta).sigmoid();
            var hessian = design.t().mm(design * (weight * p * (1 - p)).unsqueeze(1)) + torch.diag(penalty);
            variances = TorchCompat.ToDoubles(torch.linalg.inv(hessian).diag());
        }

        return new LogisticFit(values[..^1], values[^1], iterations, converged, f, Name, LogisticSolver.Newton, watch.Elapsed.TotalSeconds, variances);
    }
}
