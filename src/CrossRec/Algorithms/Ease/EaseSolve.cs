namespace CrossRec.Algorithms.Ease;

/// <summary>An <see cref="IGramSolver.InvertSpd(double[], int, int, Action{GramSolverStage}?, CancellationToken)"/> overload of one precision.</summary>
internal delegate void GramInverter<T>(T[] matrix, int n, int threads, Action<GramSolverStage>? stageCompleted, CancellationToken cancellationToken);

/// <summary>EASE's inverse and weights in the precision the Gram matrix was built in (<see cref="EaseOptions.Precision"/>).</summary>
internal static class EaseSolve
{
    /// <summary>Inverts the Gram matrix in place and forms the pruned weights B from it.</summary>
    /// <param name="gram">The lower triangle of <c>XᵀX + Λ</c> (m × m); garbage afterwards.</param>
    /// <param name="m">Kept items.</param>
    /// <param name="invert">The engine's inverse of this precision.</param>
    /// <param name="options">Validated options (threads, weights per item).</param>
    /// <param name="parallel">Threads and cancellation for forming B.</param>
    /// <param name="built">Called once, before the inverse starts (the Gram matrix is complete).</param>
    /// <param name="stageCompleted">The inverse's stages.</param>
    /// <exception cref="ArithmeticException">The matrix is not numerically positive definite.</exception>
    public static EaseWeights Weights<T>(T[] gram, int m, GramInverter<T> invert, EaseOptions options, ParallelOptions parallel, Action built, Action<GramSolverStage> stageCompleted)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        built();
        invert(gram, m, ThreadCount.Effective(options.Threads), stageCompleted, parallel.CancellationToken);
        return EaseWeights.FromInverse(gram, m, options.WeightsPerItem, parallel);
    }
}
