namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// Bayesian personalised ranking (Rendle et al. 2009) with the library's defaults: a latent-factor
    /// model with item biases, trained by SGD to rank each user's items above freshly sampled items they
    /// do not have. Interaction values are not used (every pair is a positive).
    /// </summary>
    /// <example>
    /// <code>
    /// var bpr = Recommenders.Bpr().Factors(64).Epochs(40).Fit(train, progress, cancellationToken);
    /// var top = bpr.Recommend("196", count: 10);
    /// </code>
    /// </example>
    public static BprBuilder Bpr() => new(new BprOptions(), Device.Auto, null);

    /// <summary>Bayesian personalised ranking from explicit options.</summary>
    public static BprBuilder Bpr(BprOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new BprBuilder(options, Device.Auto, null);
    }
}
