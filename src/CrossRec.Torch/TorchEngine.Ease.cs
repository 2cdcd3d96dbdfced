using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

internal sealed partial class TorchEngine : IGramSolver
{
    /// <inheritdoc />
    /// <remarks>
    /// In float64 on the device: the lower triangle is mirrored into a full matrix, factored by
    /// <c>torch.linalg.cholesky_ex</c> (its info says whether the matrix is positive definite, without an
    /// exception from inside libtorch) and inverted by <c>cholesky_inverse</c>. It holds three n × n float64
    /// matrices at once (the matrix, its factor and the inverse): a Gram matrix whose 24·n² bytes exceed
    /// <see cref="MemoryBudget"/> is refused by name with that size. <paramref name="threads"/> is not used
    /// (libtorch sizes its own pools); cancellation is checked before and between the two stages.
    /// </remarks>
    public void InvertSpd(double[] matrix, int n, int threads, Action<GramSolverStage>? stageCompleted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        Check.Range(n, 0, 46_340, nameof(n));
        Check.Range(threads, 0, ThreadCount.Max, nameof(threads));
        if (matrix.Length < (long)n * n)
        {
            throw new ArgumentException($"The matrix has {matrix.Length} elements; n = {n} needs {(long)n * n}.", nameof(matrix));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (n == 0)
        {
            stageCompleted?.Invoke(GramSolverStage.Factorized);
            stageCompleted?.Invoke(GramSolverStage.Inverted);
            return;
        }

        MemoryBudget().Require($"The EASE Gram matrix inverse (3 × {n} × {n} float64: the matrix, its Cholesky factor and the inverse)", 24L * n * n, Name);
        using var scope = torch.NewDisposeScope();
        var lower = torch.tensor(matrix.AsSpan(0, n * n).ToArray(), [n, n], dtype: ScalarType.Float64, device: _device).tril_();
        var full = lower + lower.tril(-1).t();
        lower.Dispose();
        var (factor, info) = torch.linalg.cholesky_ex(full);
        full.Dispose();
        var failed = info.item<int>();
        if (failed != 0)
        {
            throw new ArithmeticException($"The Gram matrix is not positive definite on {Name} (torch.linalg.cholesky_ex: the leading minor of order {failed} is not positive).");
        }

        stageCompleted?.Invoke(GramSolverStage.Factorized);
        cancellationToken.ThrowIfCancellationRequested();
        var inverse = factor.cholesky_inverse();
        factor.Dispose();
        if (!inverse.isfinite().all().item<bool>())
        {
            throw new ArithmeticException($"The inverse of the Gram matrix is not finite on {Name}.");
        }

        TorchCompat.ToDoubles(inverse).CopyTo(matrix, 0);
        stageCompleted?.Invoke(GramSolverStage.Inverted);
    }
}
