namespace CrossRec;

/// <summary>
/// Entry point of cross-domain recommendation: joint training of all domains in one latent space, and
/// the cold-start evaluation protocol that measures it against single-domain baselines.
/// </summary>
/// <example>
/// <code>
/// var joint = CrossDomain.Joint(Factorization.Biased().Factors(32).Epochs(30).Seed(7))
///     .Implicit(negativesPerPositive: 4)
///     .DomainWeight("film", 2f);
/// FactorizationModel model = joint.Fit(data);
/// var films = model.Recommend("u000042", 10, domain: "film");   // works for course-only users too
///
/// CrossDomainEvaluation result = CrossDomain.Protocol(source: "course", target: "film")
///     .HoldOut(0.2).K(10).Seed(7)
///     .Run(data, joint);
/// </code>
/// </example>
public static class CrossDomain
{
    /// <summary>Joint training with the library's default factorization options and implicit feedback (see <see cref="JointTrainingOptions"/>).</summary>
    public static JointFactorizationBuilder Joint() => new(Factorization.Biased(), new JointTrainingOptions());

    /// <summary>Joint training with a configured factorization (factors, epochs, learning rate, engine, …).</summary>
    public static JointFactorizationBuilder Joint(BiasedFactorizationBuilder factorization)
    {
        ArgumentNullException.ThrowIfNull(factorization);
        return new JointFactorizationBuilder(factorization, new JointTrainingOptions());
    }

    /// <summary>Starts the cold-start evaluation protocol for users known from <paramref name="source"/> and recommended <paramref name="target"/> items.</summary>
    public static CrossDomainProtocolBuilder Protocol(string source, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(target);
        return new CrossDomainProtocolBuilder(new CrossDomainProtocolOptions { Source = source, Target = target });
    }

    /// <summary>Starts the protocol from explicit options.</summary>
    public static CrossDomainProtocolBuilder Protocol(CrossDomainProtocolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CrossDomainProtocolBuilder(options);
    }
}
