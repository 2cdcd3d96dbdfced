namespace CrossRec.Algorithms.Hybrid;

/// <summary>The ranking loss a hybrid model is trained with.</summary>
public enum HybridLoss
{
    /// <summary>
    /// Weighted approximate-rank pairwise loss (Weston, Bengio and Usunier 2011): for each positive, negatives are
    /// drawn until one scores within a margin of 1 of it (at most <see cref="HybridOptions.MaxSampled"/>); the
    /// hinge step is weighted by <c>ln⌊(n−1)/N⌋</c> for N draws, so positives ranked low (found quickly) move most.
    /// </summary>
    Warp = 0,

    /// <summary>Bayesian personalised ranking (Rendle et al. 2009): one fresh negative per positive, step −ln σ(s_i − s_j).</summary>
    Bpr = 1,
}

/// <summary>
/// Hyperparameters of the hybrid recommender (Kula 2015, "LightFM"): each user is the sum of the embeddings of
/// its features, each item the sum of the embeddings of its features plus a bias per item feature, optionally with
/// one identity feature per training user and item; the score <c>p_u·q_i + b_i</c> is trained for ranking by SGD
/// with per-parameter Adagrad steps and negatives sampled afresh at every step. Immutable; use <c>with</c>
/// expressions or the builder from <see cref="Recommenders.Hybrid()"/>. <see cref="Validate"/> names the option
/// and its range when a value is out of range.
/// </summary>
/// <remarks>
/// How the defaults were chosen (by validation inside training data, never on test users) is in
/// <c>docs/decisions/hybrid.md</c>.
/// </remarks>
public sealed record HybridOptions
{
    /// <summary>Embedding size k (1..1024).</summary>
    public int Factors { get; init; } = 64;

    /// <summary>Passes over the training positives (1..10000).</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Adagrad's base step size η (0 &lt; η ≤ 10): a parameter with accumulated squared gradient G moves by η·g/√G.</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>The ranking loss.</summary>
    public HybridLoss Loss { get; init; } = HybridLoss.Warp;

    /// <summary>Most negatives WARP draws for one positive before it gives up on the step (1..10000); unused by BPR.</summary>
    public int MaxSampled { get; init; } = 10;

    /// <summary>L2 penalty on the item-feature embeddings and biases, applied at every step that updates them (0 ≤ λ ≤ 10).</summary>
    public float ItemRegularization { get; init; }

    /// <summary>L2 penalty on the user-feature embeddings, applied at every step that updates them (0 ≤ λ ≤ 10).</summary>
    public float UserRegularization { get; init; }

    /// <summary>
    /// Give every item with training interactions its own identity feature next to its side features (true), or
    /// represent items by their side features alone. Items without training interactions never get one: they are
    /// scored from their side features (that is how new items are served).
    /// </summary>
    public bool ItemIdentity { get; init; } = true;

    /// <summary>
    /// Probability (0 ≤ ρ &lt; 1) that a training step represents its positive and its negative item without their
    /// identity features (the other features' weights rescaled to the same total), each item drawn on its own. The
    /// item's side features must then rank it alone, which is how an item without interactions is served, while warm
    /// items keep their identity the rest of the time (the dropout idea of Volkovs, Yu and Poutanen 2017,
    /// "DropoutNet", applied to LightFM's identity features). Unused without <see cref="ItemIdentity"/>. Use it with
    /// <see cref="HybridLoss.Warp"/>: with <see cref="HybridLoss.Bpr"/>, whose every step moves the shared feature rows,
    /// set it to 0 (docs/decisions/hybrid.md has the measurements).
    /// </summary>
    public float IdentityDropout { get; init; } = 0.5f;

    /// <summary>Give every user with training interactions its own identity feature next to its attributes (true), or represent users by their attributes alone.</summary>
    public bool UserIdentity { get; init; } = true;

    /// <summary>Scale each user's and item's feature weights (identity included) to sum to 1, so a representation is a weighted mean of embeddings whatever the number of features.</summary>
    public bool NormalizeFeatures { get; init; } = true;

    /// <summary>Fold-in passes over a new user's items (1..10000): the user's free vector takes this many passes of n steps for n items, the item side fixed.</summary>
    public int FoldInEpochs { get; init; } = 20;

    /// <summary>Seed of the initialisation, the shuffles, the negatives and the fold-in.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        Check.Range(Factors, 1, 1024, nameof(Factors));
        Check.Range(Epochs, 1, 10_000, nameof(Epochs));
        Check.OpenClosed(LearningRate, 0, 10, nameof(LearningRate));
        if (!Enum.IsDefined(Loss))
        {
            throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"{nameof(Loss)} must be {nameof(HybridLoss.Warp)} or {nameof(HybridLoss.Bpr)}.");
        }

        Check.Range(MaxSampled, 1, 10_000, nameof(MaxSampled));
        Check.Closed(ItemRegularization, 0, 10, nameof(ItemRegularization));
        Check.Closed(UserRegularization, 0, 10, nameof(UserRegularization));
        Check.Range(FoldInEpochs, 1, 10_000, nameof(FoldInEpochs));
        if (!float.IsFinite(IdentityDropout) || IdentityDropout < 0 || IdentityDropout >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(IdentityDropout), IdentityDropout, $"{nameof(IdentityDropout)} must be at least 0 and below 1; got {IdentityDropout}.");
        }
    }
}
