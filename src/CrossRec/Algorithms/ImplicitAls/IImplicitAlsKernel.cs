namespace CrossRec.Algorithms.ImplicitAls;

/// <summary>
/// Capability kernel of implicit ALS (<see cref="Recommenders.ImplicitAls()"/>): the heavy math of one
/// training run, the half-sweeps that solve every item and every user. The builder owns the loop
/// (iterations, progress, divergence, cancellation) and the seeded initial factors, so every engine
/// starts from the same numbers and reports the same objective.
/// </summary>
/// <remarks>Obtain it with <see cref="IComputeEngine.TryGetKernel{T}"/>; the managed <see cref="CpuEngine"/> implements it.</remarks>
internal interface IImplicitAlsKernel
{
    /// <summary>Prepares a training run: takes the data and the initial factors, and holds them (on its device) until disposed.</summary>
    /// <param name="data">Training interactions; the confidence of each observed pair is <see cref="ImplicitAlsOptions.ConfidenceOf"/> of its summed value (values must be non-negative).</param>
    /// <param name="options">Validated hyperparameters.</param>
    /// <param name="userFactors">Initial user factors, users × k row-major; not modified.</param>
    /// <param name="itemFactors">Initial item factors, items × k row-major; not modified.</param>
    IImplicitAlsSession Start(InteractionMatrix data, ImplicitAlsOptions options, ReadOnlySpan<float> userFactors, ReadOnlySpan<float> itemFactors);
}

/// <summary>One implicit ALS training run on an engine (see <see cref="IImplicitAlsKernel.Start"/>).</summary>
internal interface IImplicitAlsSession : IDisposable
{
    /// <summary>
    /// One ALS iteration: solves every item against the user factors, then every user against the new
    /// item factors (so the user factors are always the best response to the item factors they are scored
    /// with), and returns the full objective <c>Σ_{u,i} c_ui (p_ui − x_u·y_i)² + penalties</c> afterwards.
    /// </summary>
    /// <param name="cancellationToken">Checked between blocks of rows.</param>
    double Iterate(CancellationToken cancellationToken);

    /// <summary>False when a factor is NaN or infinite.</summary>
    bool FactorsFinite();

    /// <summary>Copies the current factors out (users × k and items × k, row-major).</summary>
    void CopyFactors(Span<float> userFactors, Span<float> itemFactors);
}
