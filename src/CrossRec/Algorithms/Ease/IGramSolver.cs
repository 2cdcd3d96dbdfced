namespace CrossRec.Algorithms.Ease;

/// <summary>
/// Capability kernel of EASE (<see cref="Recommenders.Ease()"/>): inverts the regularised Gram matrix
/// <c>XᵀX + λI</c>, symmetric positive definite, in float64 or float32. The managed <see cref="CpuEngine"/> provides it
/// (blocked, multi-threaded Cholesky and inverse); a GPU engine can provide it too, and
/// <see cref="EngineResolver.ResolveKernel{TKernel}"/> falls back to the CPU where it does not.
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once (each call owns its buffers).</remarks>
internal interface IGramSolver
{
    /// <summary>
    /// Replaces an n × n symmetric positive definite matrix by its inverse, in place.
    /// </summary>
    /// <param name="matrix">Row-major, at least n² elements. On entry only the lower triangle (diagonal
    /// included, <c>matrix[i·n + j]</c> with j ≤ i) is read; on exit all n² elements hold the symmetric inverse.</param>
    /// <param name="n">Order of the matrix (0 or more).</param>
    /// <param name="threads">Worker threads; 0 uses every core.</param>
    /// <param name="stageCompleted">Called once after the factorisation and once after the inversion; may be null.</param>
    /// <param name="cancellationToken">Honoured inside the long loops; the matrix is garbage after a cancellation.</param>
    /// <exception cref="ArithmeticException">The matrix is not numerically positive definite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    void InvertSpd(double[] matrix, int n, int threads, Action<GramSolverStage>? stageCompleted, CancellationToken cancellationToken);

    /// <summary>
    /// The same inverse in float32 (<see cref="EasePrecision.Single"/>). An engine without a float32 kernel inherits
    /// this default, which widens the lower triangle to float64, inverts that with the float64 overload and rounds
    /// the result back (it holds an extra n² doubles meanwhile).
    /// </summary>
    /// <param name="matrix">Row-major, at least n² elements; only the lower triangle is read, all n² are written.</param>
    /// <param name="n">Order of the matrix (0 or more).</param>
    /// <param name="threads">Worker threads; 0 uses every core.</param>
    /// <param name="stageCompleted">Called once after the factorisation (or half the work, for a kernel without one) and once after the inversion; may be null.</param>
    /// <param name="cancellationToken">Honoured inside the long loops; the matrix is garbage after a cancellation.</param>
    /// <exception cref="ArithmeticException">The matrix is not numerically positive definite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    void InvertSpd(float[] matrix, int n, int threads, Action<GramSolverStage>? stageCompleted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (n < 0 || (long)n * n > matrix.Length)
        {
            throw new ArgumentException($"An order-{n} matrix needs {(long)n * n} elements; the array has {matrix.Length}.", nameof(matrix));
        }

        var wide = new double[(long)n * n];
        for (long i = 0; i < n; i++)
        {
            for (long j = 0; j <= i; j++)
            {
                wide[(i * n) + j] = matrix[(i * n) + j];
            }
        }

        InvertSpd(wide, n, threads, stageCompleted, cancellationToken);
        for (long p = 0; p < (long)n * n; p++)
        {
            matrix[p] = (float)wide[p];
        }
    }
}

/// <summary>A finished stage of <c>IGramSolver.InvertSpd</c>.</summary>
internal enum GramSolverStage
{
    /// <summary>The Cholesky factor (or the engine's equivalent) is computed.</summary>
    Factorized = 1,

    /// <summary>The inverse is complete.</summary>
    Inverted = 2,
}
