namespace CrossRec.Algorithms.Hybrid;

/// <summary>
/// The heavy half of hybrid training an engine offers: it holds the feature embeddings and item-feature biases
/// where its hardware wants them and runs ranking epochs (WARP or BPR, negatives sampled afresh, Adagrad steps)
/// over the positives of a <see cref="HybridProblem"/>. Everything around it (features to sparse rows, identity
/// features, normalisation, progress, divergence, the model) is done once, before the seam, in
/// <see cref="HybridBuilder"/>. Get an engine's implementation with <see cref="IComputeEngine.TryGetKernel{T}"/>.
/// </summary>
internal interface IHybridKernel
{
    /// <summary>Initialises the parameters from <see cref="HybridOptions.Seed"/> (embeddings uniform in ±0.5/k, biases 0) and returns the session that trains them.</summary>
    IHybridSession Start(HybridProblem problem, HybridOptions options);
}

/// <summary>One hybrid training run on an engine. Not thread-safe; dispose it when done.</summary>
internal interface IHybridSession : IDisposable
{
    /// <summary>
    /// One pass over a fresh shuffle of every positive (user, item) pair; each step samples negatives uniformly
    /// from <see cref="HybridProblem.NegativeCandidates"/> (skipping the user's positives) under
    /// <see cref="HybridOptions.Loss"/>, and moves the embeddings of the user's, the positive's and the negative's
    /// features by Adagrad.
    /// </summary>
    /// <param name="epoch">0-based epoch; with the seed it fixes the shuffle and the negatives.</param>
    /// <param name="cancellationToken">Checked inside the epoch as well as before it.</param>
    HybridEpochResult RunEpoch(int epoch, CancellationToken cancellationToken);

    /// <summary>True when every parameter is finite.</summary>
    bool ParametersFinite();

    /// <summary>Copies the parameters out: user-feature embeddings (user features × k), item-feature embeddings (item features × k), item-feature biases.</summary>
    void CopyParameters(Span<float> userEmbeddings, Span<float> itemEmbeddings, Span<float> itemBiases);
}

/// <summary>
/// A hybrid training problem on plain arrays: users and items as sparse rows over their feature spaces (identity
/// features already appended and weights already normalised), and the positives as per-user sorted item lists.
/// </summary>
/// <param name="UserFeatureCount">Columns of the user rows (named features then identities).</param>
/// <param name="UserOffsets">CSR offsets of the user rows (users + 1).</param>
/// <param name="UserFeatures">Feature index of each user-row entry.</param>
/// <param name="UserWeights">Weight of each user-row entry.</param>
/// <param name="ItemFeatureCount">Columns of the item rows.</param>
/// <param name="ItemIdentityStart">The first identity column of the item rows (the named features come before it).</param>
/// <param name="ItemOffsets">CSR offsets of the item rows (items + 1).</param>
/// <param name="ItemFeatures">Feature index of each item-row entry.</param>
/// <param name="ItemWeights">Weight of each item-row entry.</param>
/// <param name="PositiveOffsets">CSR offsets of each user's positive items (users + 1).</param>
/// <param name="PositiveItems">Each user's positive items, ascending and distinct.</param>
/// <param name="NegativeCandidates">The items negatives are drawn from: those with at least one training interaction (an item absent from training is no evidence of dislike).</param>
internal sealed record HybridProblem(
    int UserFeatureCount,
    int[] UserOffsets,
    int[] UserFeatures,
    float[] UserWeights,
    int ItemFeatureCount,
    int ItemIdentityStart,
    int[] ItemOffsets,
    int[] ItemFeatures,
    float[] ItemWeights,
    int[] PositiveOffsets,
    int[] PositiveItems,
    int[] NegativeCandidates)
{
    /// <summary>Number of users (rows of the user matrix).</summary>
    public int Users => UserOffsets.Length - 1;

    /// <summary>Number of items (rows of the item matrix).</summary>
    public int Items => ItemOffsets.Length - 1;
}

/// <summary>What one hybrid epoch measured, before each step's update.</summary>
/// <param name="Loss">Mean loss per step: WARP's weighted hinge (0 when no violating negative was found), or BPR's −ln σ(s_i − s_j).</param>
/// <param name="SampledAuc">Share of the first sampled negatives that scored below their positive (ties half): the training AUC on the sampled pairs.</param>
/// <param name="Steps">Positives visited.</param>
/// <param name="Updates">Steps that changed the parameters (WARP skips a step when it finds no negative within the margin).</param>
internal readonly record struct HybridEpochResult(double Loss, double SampledAuc, long Steps, long Updates);
