namespace CrossRec.Conversions;

/// <summary>Optimiser of logistic regression.</summary>
public enum LogisticSolver
{
    /// <summary>Newton/IRLS for moderate width, L-BFGS for wide inputs.</summary>
    Auto = 0,

    /// <summary>Newton's method (iteratively reweighted least squares), quadratic convergence.</summary>
    Newton = 1,

    /// <summary>Limited-memory BFGS, for wide inputs.</summary>
    Lbfgs = 2,
}

/// <summary>Options of L2-regularised logistic regression. Immutable; validated when fitting.</summary>
public sealed record LogisticOptions
{
    /// <summary>
    /// Inverse regularisation strength C, as in scikit-learn: the objective is
    /// <c>Σ wᵢ·logloss(yᵢ, xᵢ·β + β₀) + ‖β‖² / (2C)</c>; the intercept is not penalised (0 &lt; C ≤ 1e12).
    /// </summary>
    public double C { get; init; } = 1.0;

    /// <summary>Weight of every positive example (class weight; 0 &lt; w ≤ 1e6).</summary>
    public double PositiveWeight { get; init; } = 1.0;

    /// <summary>Weight of every negative example (class weight; 0 &lt; w ≤ 1e6).</summary>
    public double NegativeWeight { get; init; } = 1.0;

    /// <summary>Maximum iterations (1..100000).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Stop when the gradient's max-norm, divided by the total example weight, falls below this (0 &lt; tol ≤ 1).</summary>
    public double Tolerance { get; init; } = 1e-8;

    /// <summary>Optimiser (<see cref="LogisticSolver"/>).</summary>
    public LogisticSolver Solver { get; init; } = LogisticSolver.Auto;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to the core count, with a warning in <see cref="LogisticFit.Note"/>.</summary>
    public int Threads { get; init; }

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    public void Validate()
    {
        Check.OpenClosed(C, 0, 1e12, nameof(C));
        Check.OpenClosed(PositiveWeight, 0, 1e6, nameof(PositiveWeight));
        Check.OpenClosed(NegativeWeight, 0, 1e6, nameof(NegativeWeight));
        Check.Range(MaxIterations, 1, 100_000, nameof(MaxIterations));
        Check.OpenClosed(Tolerance, 0, 1, nameof(Tolerance));
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Solver must be Auto, Newton or Lbfgs.");
        }
    }
}

/// <summary>Coefficients of a fitted logistic regression on an encoded design matrix. Immutable.</summary>
public sealed class LogisticFit
{
    private readonly double[] _coefficients;

    private readonly double[]? _standardErrors;

    internal LogisticFit(double[] coefficients, double intercept, int iterations, bool converged, double objective, string device, LogisticSolver solver, double seconds, double[]? variances)
    {
        _coefficients = coefficients;
        Intercept = intercept;
        Iterations = iterations;
        Converged = converged;
        Objective = objective;
        Device = device;
        Solver = solver;
        Seconds = seconds;
        _standardErrors = variances?.Select(Math.Sqrt).ToArray();
    }

    /// <summary>The optimiser that ran (Newton or L-BFGS).</summary>
    public LogisticSolver Solver { get; }

    /// <summary>Anything the user should know about the run (a <see cref="LogisticOptions.Threads"/> above the core count, clamped), or null. Not stored in model files.</summary>
    public string? Note { get; internal set; } // set once by the builder before the fit is handed out

    /// <summary>Wall time of the fit, in seconds.</summary>
    public double Seconds { get; }

    /// <summary>
    /// Approximate standard errors of the coefficients, intercept last: square roots of the diagonal of the
    /// inverse Hessian of the penalised objective at the optimum. Empty for inputs over 2000 columns.
    /// </summary>
    public ReadOnlySpan<double> StandardErrors => _standardErrors;

    /// <summary>One coefficient per column of the design matrix.</summary>
    public ReadOnlySpan<double> Coefficients => _coefficients;

    /// <summary>Intercept β₀.</summary>
    public double Intercept { get; }

    /// <summary>Iterations run.</summary>
    public int Iterations { get; }

    /// <summary>True when the tolerance was met.</summary>
    public bool Converged { get; }

    /// <summary>Final value of the regularised objective.</summary>
    public double Objective { get; }

    /// <summary>Engine that fitted it.</summary>
    public string Device { get; }

    internal double[] CoefficientArray => _coefficients;
}
