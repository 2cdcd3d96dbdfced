using System.Diagnostics;

namespace CrossRec.Transfer;

/// <summary>
/// A configured cross-domain recommender trainer: given training interactions with item domains and a
/// target domain, it fits a <see cref="CrossDomainModel"/> that recommends target items to every user,
/// target-cold users included. Implemented by <see cref="CrossDomainBuilder"/> (one method) and
/// <see cref="CrossDomainAutoBuilder"/> (the method chosen by validation).
/// </summary>
public interface ICrossDomainBuilder
{
    /// <summary>The method's name, for example "joint-ials", "xd-itemknn", "emcdr-ials" or "auto".</summary>
    string Method { get; }

    /// <summary>Its hyperparameters, by name (invariant-culture strings).</summary>
    IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Validates the options and trains a model recommending <paramref name="target"/> items.</summary>
    /// <param name="train">Training interactions with item domains (<see cref="DomainExtensions.WithItemDomains(InteractionSet, IReadOnlyDictionary{string, string}, bool)"/>).</param>
    /// <param name="target">The domain whose items are recommended; every other domain is a source.</param>
    /// <param name="progress">Training progress of the underlying recommenders.</param>
    /// <param name="cancellationToken">Cancels training.</param>
    /// <exception cref="ArgumentException">The data has no domains, the target is unknown or has no interactions, or an option is invalid (named).</exception>
    CrossDomainModel Fit(InteractionSet train, string target, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>The transfer methods of <see cref="CrossDomainBuilder"/>.</summary>
public enum TransferMethod
{
    /// <summary>Any recommender trained on every domain at once (one latent space or one item-item model); cold users are scored from their other-domain items (their trained factors, or fold-in).</summary>
    Joint = 0,

    /// <summary>Cross-domain item-kNN: cosine between each of the user's items and every target item over the training users, summed.</summary>
    ItemKnn = 1,

    /// <summary>EMCDR: separate factor models for the source domains and the target, and a ridge linear map between a user's factors learnt on the users in both.</summary>
    Emcdr = 2,

    /// <summary>No transfer: the recommender trained on the target domain alone (a target-cold user gets its ranking for the mean user). The reference for users with target history.</summary>
    TargetOnly = 3,
}

/// <summary>
/// Immutable fluent builder of one cross-domain method, optionally blended with target popularity.
/// Create it with <see cref="CrossDomain.Transfer(IRecommenderBuilder)"/>, <see cref="CrossDomain.ItemKnn()"/>
/// or <see cref="CrossDomain.Emcdr(IRecommenderBuilder?)"/>.
/// </summary>
public sealed class CrossDomainBuilder : ICrossDomainBuilder
{
    /// <summary>The default ridge penalty of the EMCDR map, relative to the mean squared source factor.</summary>
    public const double DefaultRidge = 0.1;

    internal CrossDomainBuilder(TransferMethod kind, IRecommenderBuilder? recommender, double ridge, double popularityWeight, IReadOnlyDictionary<string, float>? domainWeights = null)
    {
        DomainWeights = domainWeights ?? new Dictionary<string, float>(StringComparer.Ordinal);
        Kind = kind;
        Recommender = recommender;
        RidgePenalty = ridge;
        PopularityWeight = popularityWeight;
    }

    /// <summary>Per-domain weights of a joint model's training values (domains not listed weigh 1).</summary>
    public IReadOnlyDictionary<string, float> DomainWeights { get; }

    /// <summary>The transfer method.</summary>
    public TransferMethod Kind { get; }

    /// <summary>The recommender trained jointly (<see cref="TransferMethod.Joint"/>) or per side (<see cref="TransferMethod.Emcdr"/>); null for item-kNN.</summary>
    public IRecommenderBuilder? Recommender { get; }

    /// <summary>EMCDR's ridge penalty λ, relative to the mean squared source factor (0 &lt; λ ≤ 1e6).</summary>
    public double RidgePenalty { get; }

    /// <summary>Weight w of standardised target popularity in the blend (1 − w)·transfer + w·popularity (0 ≤ w ≤ 1; 0 = no blend, 1 = popularity alone).</summary>
    public double PopularityWeight { get; }

    /// <inheritdoc />
    public string Method => BaseMethod + (PopularityWeight > 0 ? $"+popularity({RecommenderModel.Invariant(PopularityWeight)})" : string.Empty);

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters
    {
        get
        {
            var p = new Dictionary<string, string>(StringComparer.Ordinal) { ["method"] = Kind.ToString().ToLowerInvariant() };
            if (Recommender is not null)
            {
                foreach (var (key, value) in Recommender.Parameters)
                {
                    p[$"{Recommender.Algorithm}.{key}"] = value;
                }
            }

            if (Kind == TransferMethod.Emcdr)
            {
                p["ridge"] = RecommenderModel.Invariant(RidgePenalty);
            }

            p["popularity_weight"] = RecommenderModel.Invariant(PopularityWeight);
            foreach (var (domain, weight) in DomainWeights.OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                p[$"domain_weight.{domain}"] = RecommenderModel.Invariant(weight);
            }
            return p;
        }
    }

    internal string BaseMethod => Kind switch
    {
        TransferMethod.Joint => $"joint-{Recommender!.Algorithm}{Variant(Recommender)}",
        TransferMethod.ItemKnn => "xd-itemknn",
        TransferMethod.TargetOnly => $"target-only-{Recommender!.Algorithm}{Variant(Recommender)}",
        _ => $"emcdr-{Recommender!.Algorithm}{Variant(Recommender)}" + (RidgePenalty != DefaultRidge ? $"(ridge={RecommenderModel.Invariant(RidgePenalty)})" : string.Empty),
    };

    /// <summary>"(regularization=…)" when an implicit ALS builder's λ is not its default, so candidates are told apart.</summary>
    private static string Variant(IRecommenderBuilder recommender) =>
        recommender is ImplicitAlsBuilder als && als.Options.Regularization != new ImplicitAlsOptions().Regularization
            ? $"(regularization={RecommenderModel.Invariant(als.Options.Regularization)})"
            : string.Empty;

    /// <summary>Blends the method's scores with target popularity: (1 − w)·standardised transfer score + w·standardised log popularity.</summary>
    public CrossDomainBuilder BlendPopularity(double weight) => new(Kind, Recommender, RidgePenalty, weight, DomainWeights);

    /// <summary>EMCDR's ridge penalty on the map (relative to the mean squared source factor).</summary>
    public CrossDomainBuilder Ridge(double ridge) => new(Kind, Recommender, ridge, PopularityWeight, DomainWeights);

    /// <summary>
    /// Joint training: multiplies the values of one domain's interactions by <paramref name="weight"/> before
    /// the recommender sees them (for implicit ALS, that domain's confidences; 0 &lt; w ≤ 1000).
    /// </summary>
    public CrossDomainBuilder DomainWeight(string domain, float weight)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var weights = new Dictionary<string, float>(DomainWeights, StringComparer.Ordinal) { [domain] = weight };
        return new(Kind, Recommender, RidgePenalty, PopularityWeight, weights);
    }

    /// <inheritdoc />
    public CrossDomainModel Fit(InteractionSet train, string target, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var t = Validate(train, target);
        var scorer = FitScorer(train, t, progress, cancellationToken);
        if (PopularityWeight > 0)
        {
            scorer = Blend(scorer, train, t, PopularityWeight);
        }

        return new CrossDomainModel(Method, Parameters, scorer, train, t, watch.Elapsed.TotalSeconds, null);
    }

    /// <summary>Checks the options and the data; returns the target's domain index.</summary>
    internal int Validate(InteractionSet train, string target)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentException.ThrowIfNullOrEmpty(target);
        Check.Closed(PopularityWeight, 0, 1, nameof(PopularityWeight));
        Check.OpenClosed(RidgePenalty, 0, 1e6, nameof(RidgePenalty));
        var t = TargetIndex(train, target);
        foreach (var (domain, weight) in DomainWeights)
        {
            Check.OpenClosed(weight, 0, 1000, nameof(DomainWeights));
            if (!train.Domains!.Contains(domain))
            {
                throw new ArgumentException($"{nameof(DomainWeights)}: unknown domain '{domain}'.", nameof(DomainWeights));
            }

            if (Kind != TransferMethod.Joint)
            {
                throw new ArgumentException($"{nameof(DomainWeights)} apply to joint training only; this is {BaseMethod}.", nameof(DomainWeights));
            }
        }

        return t;
    }

    internal static int TargetIndex(InteractionSet train, string target)
    {
        if (!train.HasDomains)
        {
            throw new ArgumentException($"{train.SourceName}: the interactions have no item domains; give them with WithItemDomains before training a cross-domain model.", nameof(train));
        }

        if (!train.Domains!.Contains(target))
        {
            throw new ArgumentException($"{train.SourceName}: unknown target domain '{target}' (the data has {string.Join(", ", train.Domains.AsSpan().ToArray())}).", nameof(target));
        }

        var t = train.Domains.GetIndex(target);
        var itemDomains = train.ItemDomainsArray!;
        var any = false;
        foreach (var i in train.Items)
        {
            if (itemDomains[i] == t)
            {
                any = true;
                break;
            }
        }

        if (!any)
        {
            throw new ArgumentException($"{train.SourceName}: the target domain '{target}' has no training interactions.", nameof(target));
        }

        return t;
    }

    internal static TransferScorer Blend(TransferScorer scorer, InteractionSet train, int target, double weight)
    {
        var targetItems = CrossDomainModel.TargetItemsOf(train.ItemDomainsArray!, target);
        return new PopularityBlendScorer(scorer, PopularityBlendScorer.StandardPopularity(train, targetItems), targetItems, (float)weight);
    }

    /// <summary>
    /// Why <see cref="CrossDomain.Auto()"/> should not try this candidate on the data, or null: joint EASE on
    /// a catalogue larger than its <see cref="EaseOptions.MaxItems"/> would prune the least-supported items
    /// (sparse target items first) and spend minutes on the largest Gram inverse it allows.
    /// </summary>
    internal string? AutoRefusal(InteractionSet train)
    {
        if (Kind == TransferMethod.Joint && Recommender is EaseBuilder ease && ease.Options.MinItemSupport is null)
        {
            var m = train.ToMatrix();
            var supported = 0;
            for (var j = 0; j < train.ItemCount; j++)
            {
                supported += m.ItemDegree(j) > 0 ? 1 : 0;
            }

            if (supported > ease.Options.MaxItems)
            {
                return System.FormattableString.Invariant($"{supported} items have training users, more than EASE's MaxItems = {ease.Options.MaxItems}: it would leave the least-supported items out of the model");
            }
        }

        return null;
    }

    /// <summary>The training set with each weighted domain's values scaled (the set itself when no weight differs from 1).</summary>
    private InteractionSet Weighted(InteractionSet train)
    {
        if (DomainWeights.Count == 0 || DomainWeights.Values.All(w => w == 1f))
        {
            return train;
        }

        var factor = new float[train.Domains!.Count];
        Array.Fill(factor, 1f);
        foreach (var (domain, weight) in DomainWeights)
        {
            factor[train.Domains.GetIndex(domain)] = weight;
        }

        var itemDomains = train.ItemDomainsArray!;
        var items = train.ItemsArray;
        var values = (float[])train.ValuesArray.Clone();
        for (var r = 0; r < values.Length; r++)
        {
            var d = itemDomains[items[r]];
            values[r] *= d >= 0 ? factor[d] : 1f;
        }

        return new InteractionSet(train.UserIds, train.ItemIds, train.UsersArray, items, values, train.TimestampsArray, train.Domains, itemDomains, null, $"{train.SourceName} [domain-weighted]");
    }

    /// <summary>Trains the transfer method without the popularity blend.</summary>
    internal TransferScorer FitScorer(InteractionSet train, int target, IProgress<TrainingProgress>? progress, CancellationToken ct) => Kind switch
    {
        TransferMethod.Joint => new JointScorer(Recommender!.Fit(Weighted(train), progress, ct)),
        TransferMethod.ItemKnn => CrossItemKnnScorer.Build(train, target, ct),
        TransferMethod.TargetOnly => TargetOnlyScorer.Build(train, target, Recommender!, progress, ct),
        _ => EmcdrScorer.Build(train, target, Recommender!, RidgePenalty, progress, ct),
    };
}
