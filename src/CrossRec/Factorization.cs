namespace CrossRec;

/// <summary>Entry point of the fluent factorization API.</summary>
/// <example>
/// <code>
/// var model = Factorization.Biased()
///     .Factors(64).Epochs(40).LearningRate(0.007f).Regularization(0.04f)
///     .Seed(7)
///     .Fit(train, progress, cancellationToken);
/// </code>
/// </example>
public static class Factorization
{
    /// <summary>Starts a biased matrix factorization with the library's default options.</summary>
    public static BiasedFactorizationBuilder Biased() => new(new FactorizationOptions(), Device.Auto, null);

    /// <summary>Starts a biased matrix factorization from explicit options.</summary>
    public static BiasedFactorizationBuilder Biased(FactorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new BiasedFactorizationBuilder(options, Device.Auto, null);
    }
}
