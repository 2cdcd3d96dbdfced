namespace CrossRec.Algorithms.Bpr;

/// <summary>
/// The heavy half of BPR training (Rendle et al. 2009) an engine offers: it holds the parameters
/// (user factors, item factors, item biases) where its hardware wants them and runs SGD epochs on
/// <c>ln σ(x̂(u,i) − x̂(u,j))</c> with freshly sampled negatives. The loop around it (learning-rate
/// schedule, progress, divergence, cancellation between epochs, the model) is written once, in
/// <see cref="BprBuilder"/>. Get an engine's implementation with <see cref="IComputeEngine.TryGetKernel{T}"/>.
/// </summary>
internal interface IBprKernel
{
    /// <summary>
    /// Initialises the parameters of a BPR model of <paramref name="train"/> from
    /// <see cref="BprOptions.Seed"/> (factors normal with <see cref="BprOptions.InitStandardDeviation"/>,
    /// biases 0, users without training items 0) and returns the session that trains them.
    /// </summary>
    /// <param name="train">Training interactions; every distinct (user, item) pair is a positive, values are not used.</param>
    /// <param name="options">Validated options.</param>
    IBprSession Start(InteractionSet train, BprOptions options);
}

/// <summary>One BPR training run on an engine: its parameters and the epochs that update them. Not thread-safe; dispose it when done.</summary>
internal interface IBprSession : IDisposable
{
    /// <summary>
    /// Runs one epoch at <paramref name="learningRate"/>: <see cref="BprOptions.SamplesPerEpoch"/> × positives
    /// SGD steps over a fresh shuffle of the positives, each with a negative drawn uniformly from the items
    /// the user does not have (from the positive's domain with <see cref="BprOptions.DomainAwareNegatives"/>).
    /// </summary>
    /// <param name="epoch">0-based epoch number; with the seed it fixes the shuffle and the negatives.</param>
    /// <param name="learningRate">Step size of this epoch (the caller applies the schedule).</param>
    /// <param name="cancellationToken">Checked inside the epoch as well as before it.</param>
    BprEpochResult RunEpoch(int epoch, float learningRate, CancellationToken cancellationToken);

    /// <summary>True when every parameter is finite.</summary>
    bool ParametersFinite();

    /// <summary>Copies the parameters out: P (users × k, row-major), Q (items × k) and, when the model has them, the item biases (empty span otherwise).</summary>
    void CopyParameters(Span<float> userFactors, Span<float> itemFactors, Span<float> itemBiases);
}

/// <summary>What one BPR epoch measured, before each step's update.</summary>
/// <param name="Loss">Mean of −ln σ(x̂(u,i) − x̂(u,j)) over the epoch's steps (lower is better; ln 2 ≈ 0.693 is chance).</param>
/// <param name="SampledAuc">Share of the epoch's (u, i, j) triples ranked correctly, x̂(u,i) &gt; x̂(u,j) (ties count half): the training AUC estimated on the sampled triples.</param>
/// <param name="Steps">SGD steps taken.</param>
/// <param name="Skipped">Steps skipped because no negative was found (a user who has every item of the positive's domain, or a run of rejections).</param>
internal readonly record struct BprEpochResult(double Loss, double SampledAuc, long Steps, long Skipped);
