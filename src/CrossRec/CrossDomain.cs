namespace CrossRec;

/// <summary>
/// Entry point of cross-domain recommendation: the default recommender <see cref="Auto()"/>, transfer
/// methods over any recommender (<see cref="Transfer(IRecommenderBuilder)"/>, <see cref="ItemKnn()"/>,
/// <see cref="Emcdr(IRecommenderBuilder?)"/>), joint biased MF by SGD (<see cref="Joint()"/>), and the
/// cold-start evaluation protocol that measures them against single-domain baselines.
/// </summary>
/// <example>
/// <code>
/// CrossDomainModel films = CrossDomain.Auto().Fit(data, target: "film");   // method chosen by nested validation
/// var top = films.Recommend("u000042", 10);                                 // a course-only user gets films
/// Console.WriteLine(films.Method);                                          // e.g. "joint-ials+popularity(0.25)"
///
/// CrossDomainComparison table = CrossDomain.Protocol(source: "course", target: "film").Seed(7).Compare(data);
/// Console.WriteLine(table.ToTable());   // default vs popularity, target-only, cross-domain item-kNN, p-values
///
/// var joint = CrossDomain.Joint()
///     .Configure(f => f.Seed(7).Threads(2))
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
    /// <summary>
    /// The factorization options <see cref="Joint()"/> starts from: k = 32, 30 epochs, learning rate 0.01 for
    /// factors and biases without decay, L2 penalty 0.02 on factors and biases, initial factor σ = 0.1.
    /// </summary>
    /// <remarks>
    /// Chosen for implicit-feedback cross-domain ranking by validation inside training data, so they differ from
    /// <see cref="Factorization.Biased()"/>'s defaults, which were chosen for rating RMSE (docs/decisions/cross-domain-defaults.md).
    /// </remarks>
    public static FactorizationOptions DefaultFactorizationOptions { get; } = new()
    {
        Factors = 32,
        Epochs = 30,
        LearningRate = 0.01f,
        BiasLearningRate = 0.01f,
        Regularization = 0.02f,
        BiasRegularization = 0.02f,
        LearningRateDecay = 1f,
        InitStandardDeviation = 0.1f,
    };

    /// <summary>
    /// Joint training with <see cref="DefaultFactorizationOptions"/> and implicit feedback (see
    /// <see cref="JointTrainingOptions"/>); adjust with <see cref="JointFactorizationBuilder.Configure"/>.
    /// </summary>
    public static JointFactorizationBuilder Joint() => new(Factorization.Biased(DefaultFactorizationOptions), new JointTrainingOptions());

    /// <summary>Joint training with a configured factorization (factors, epochs, learning rate, engine, …).</summary>
    public static JointFactorizationBuilder Joint(BiasedFactorizationBuilder factorization)
    {
        ArgumentNullException.ThrowIfNull(factorization);
        return new JointFactorizationBuilder(factorization, new JointTrainingOptions());
    }

    /// <summary>
    /// The library's default cross-domain recommender: chooses among joint implicit ALS, joint EASE,
    /// cross-domain item-kNN and EMCDR (and their blends with target popularity) by running the cold-start
    /// protocol nested inside the training data, then refits the winner. See <see cref="CrossDomainAutoBuilder"/>.
    /// </summary>
    public static CrossDomainAutoBuilder Auto() => new(null, null, 0.2, 7, 10, 0);

    /// <summary>
    /// Decorates any recommender: it is trained on every domain at once (one latent space, or one
    /// item-item model), and recommends target items; a target-cold user is scored from their other
    /// domains' items (their trained factors, or the model's fold-in of a new user).
    /// </summary>
    public static CrossDomainBuilder Transfer(IRecommenderBuilder recommender)
    {
        ArgumentNullException.ThrowIfNull(recommender);
        return new CrossDomainBuilder(TransferMethod.Joint, recommender, CrossDomainBuilder.DefaultRidge, 0);
    }

    /// <summary>Cross-domain item-kNN: a target item's score is the sum of its cosines (over the training users) with the user's items.</summary>
    public static CrossDomainBuilder ItemKnn() => new(TransferMethod.ItemKnn, null, CrossDomainBuilder.DefaultRidge, 0);

    /// <summary>
    /// EMCDR (Man et al., IJCAI 2017) with the ridge linear map: factor models of the source domains and of
    /// the target domain, and a map between a user's two factor vectors learnt on the users in both.
    /// </summary>
    /// <param name="factors">The factor model of each side (default <see cref="Recommenders.ImplicitAls()"/>); it must train a factor model.</param>
    public static CrossDomainBuilder Emcdr(IRecommenderBuilder? factors = null) =>
        new(TransferMethod.Emcdr, factors ?? Recommenders.ImplicitAls(), CrossDomainBuilder.DefaultRidge, 0);

    /// <summary>
    /// No transfer: <paramref name="recommender"/> trained on the target domain alone. It serves users with
    /// target history (warm users); a target-cold user gets its ranking for the mean training user.
    /// </summary>
    public static CrossDomainBuilder TargetOnly(IRecommenderBuilder recommender)
    {
        ArgumentNullException.ThrowIfNull(recommender);
        return new CrossDomainBuilder(TransferMethod.TargetOnly, recommender, CrossDomainBuilder.DefaultRidge, 0);
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
