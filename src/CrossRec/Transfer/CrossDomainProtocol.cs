using System.Diagnostics;

namespace CrossRec.Transfer;

/// <summary>Options of the cross-domain cold-start protocol. Immutable; validated when the protocol runs.</summary>
public sealed record CrossDomainProtocolOptions
{
    /// <summary>The domain the held-out users stay known from (required).</summary>
    public required string Source { get; init; }

    /// <summary>The domain whose interactions are hidden and recommended (required).</summary>
    public required string Target { get; init; }

    /// <summary>Share of the users active in both domains whose target interactions are hidden (0 &lt; f &lt; 1).</summary>
    [BuilderSetter(Name = "HoldOut")]
    public double HoldOutFraction { get; init; } = 0.2;

    /// <summary>Cut-off K of Recall@K, NDCG@K and HitRate@K (1..10000).</summary>
    public int K { get; init; } = 10;

    /// <summary>Seed of the choice of held-out users.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Source interactions a user needs to be eligible (1..1,000,000).</summary>
    public int MinSourceInteractions { get; init; } = 1;

    /// <summary>Target interactions a user needs to be eligible (1..1,000,000).</summary>
    public int MinTargetInteractions { get; init; } = 1;

    /// <summary>A hidden interaction counts as relevant when its value is at least this; null: every hidden interaction is relevant.</summary>
    public float? RelevanceThreshold { get; init; }

    /// <summary>Threads of the ranking evaluation; 0 uses every core (0..1024). More than the core count is clamped to it (these threads only evaluate; nothing is trained differently).</summary>
    public int Threads { get; init; }

    /// <summary>What is hidden of a held-out user's target history: everything (cold start, the default), a share (warm) or one item (leave-one-out).</summary>
    public CrossDomainHoldOut Mode { get; init; } = CrossDomainHoldOut.ColdStart;

    /// <summary>Share of a warm held-out user's distinct target items that is hidden (0 &lt; f &lt; 1; at least one item is hidden and one kept).</summary>
    public double WarmHiddenFraction { get; init; } = 0.5;

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentException">Source or target is empty, or they are equal.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A numeric option is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Source) || string.IsNullOrEmpty(Target))
        {
            throw new ArgumentException($"{nameof(Source)} and {nameof(Target)} must name domains.", string.IsNullOrEmpty(Source) ? nameof(Source) : nameof(Target));
        }

        if (Source == Target)
        {
            throw new ArgumentException($"{nameof(Source)} and {nameof(Target)} must be different domains; both are '{Source}'.", nameof(Target));
        }

        Check.Open(HoldOutFraction, 0, 1, nameof(HoldOutFraction));
        Check.Range(K, 1, 10_000, nameof(K));
        Check.Range(MinSourceInteractions, 1, 1_000_000, nameof(MinSourceInteractions));
        Check.Range(MinTargetInteractions, 1, 1_000_000, nameof(MinTargetInteractions));
        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
        Check.Open(WarmHiddenFraction, 0, 1, nameof(WarmHiddenFraction));
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, $"{nameof(Mode)} must be ColdStart, Warm or LeaveOneOut.");
        }

        if (RelevanceThreshold is { } t && !float.IsFinite(t))
        {
            throw new ArgumentOutOfRangeException(nameof(RelevanceThreshold), t, $"{nameof(RelevanceThreshold)} must be finite.");
        }
    }
}

/// <summary>
/// Immutable fluent builder of the cross-domain cold-start protocol: choose held-out users active in
/// both domains, hide all their target interactions, train on the rest, and score the hidden items with
/// Recall@K, NDCG@K and HitRate@K for the joint model and two baselines.
/// </summary>
/// <remarks>
/// <para>The three recommenders rank the whole target catalogue for every held-out user:</para>
/// <list type="bullet">
/// <item><b>joint</b>: the model the given <see cref="JointFactorizationBuilder"/> trains on every domain;
/// the user's factors come from the source domain.</item>
/// <item><b>target popularity</b>: target items by their number of training interactions.</item>
/// <item><b>target-only</b>: the same factorization trained on the target domain alone. A held-out user
/// has no target interactions, so this model knows nothing personal about them and ranks by its
/// non-personalised score μ + b_i (its notion of popularity; the documented unknown-user fallback of
/// <see cref="FactorizationModel.Predict(string, string)"/>).</item>
/// </list>
/// <para>Candidates are every item of the target domain, including items only the held-out users had
/// (which no recommender can know); the user's training items are excluded.</para>
/// </remarks>
[OptionSetters(typeof(CrossDomainProtocolOptions))]
public sealed partial class CrossDomainProtocolBuilder
{
    /// <summary><see cref="TrainingProgress.Stage"/> while held-out users are chosen and their target interactions hidden.</summary>
    public const string SplitStage = "split";

    /// <summary><see cref="TrainingProgress.Stage"/> while the joint model trains on every domain.</summary>
    public const string JointTrainingStage = "joint-training";

    /// <summary><see cref="TrainingProgress.Stage"/> while the baseline trains on the target domain alone.</summary>
    public const string TargetOnlyTrainingStage = "target-only-training";

    /// <summary><see cref="TrainingProgress.Stage"/> while every recommender ranks the target catalogue for the held-out users.</summary>
    public const string EvaluationStage = "evaluation";

    /// <summary><see cref="TrainingProgress.Stage"/> of the last report.</summary>
    public const string DoneStage = "done";

    internal CrossDomainProtocolBuilder(CrossDomainProtocolOptions options)
    {
        Options = options;
    }

    private CrossDomainProtocolBuilder With(CrossDomainProtocolOptions options) => new(options);

    /// <summary>The options collected so far.</summary>
    public CrossDomainProtocolOptions Options { get; }

    /// <summary>Minimum source and target interactions of an eligible user.</summary>
    public CrossDomainProtocolBuilder MinInteractions(int source, int target) => With(Options with { MinSourceInteractions = source, MinTargetInteractions = target });

    /// <summary>Warm users: the share of their target items hidden (the rest stay in training).</summary>
    public CrossDomainProtocolBuilder Warm(double hiddenFraction = 0.5) => With(Options with { Mode = CrossDomainHoldOut.Warm, WarmHiddenFraction = hiddenFraction });

    /// <summary>Leave-one-out: one target item of each held-out user hidden and ranked against the whole target catalogue.</summary>
    public CrossDomainProtocolBuilder LeaveOneOut() => With(Options with { Mode = CrossDomainHoldOut.LeaveOneOut });

    /// <summary>Splits the data as the options say (see <see cref="CrossDomainSplit.Create(InteractionSet, CrossDomainProtocolOptions)"/>).</summary>
    public CrossDomainSplit Split(InteractionSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return CrossDomainSplit.Create(data, Options);
    }

    /// <summary>Splits the data, trains the joint and the target-only model, and evaluates all three recommenders.</summary>
    /// <param name="data">Interactions with item domains, including both <see cref="CrossDomainProtocolOptions.Source"/> and <see cref="CrossDomainProtocolOptions.Target"/>.</param>
    /// <param name="joint">How to train (both the joint and the target-only model use it).</param>
    /// <param name="progress">A report as each stage starts (<see cref="TrainingProgress.Stage"/> one of the <c>…Stage</c> constants, algorithm "cross-domain"), and each training epoch with the stage set.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="InvalidOperationException">The data has no domains, or no user is active in both.</exception>
    /// <exception cref="KeyNotFoundException">A domain is unknown.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public CrossDomainEvaluation Run(InteractionSet data, JointFactorizationBuilder joint, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(joint);
        progress?.Report(ProgressAdapters.StageStart("cross-domain", SplitStage, null, TimeSpan.Zero));
        var split = Split(data);
        return Run(split, joint, progress, cancellationToken);
    }

    /// <summary>Trains and evaluates on an existing split (its source and target override the options').</summary>
    public CrossDomainEvaluation Run(CrossDomainSplit split, JointFactorizationBuilder joint, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(joint);
        var options = Options with { Source = split.Source, Target = split.Target };
        options.Validate();
        joint.Options.Validate();
        joint.Factorization.Options.Validate();

        var stopwatch = Stopwatch.StartNew();
        progress?.Report(ProgressAdapters.StageStart("cross-domain", JointTrainingStage, null, stopwatch.Elapsed));
        var jointModel = joint.Fit(split.Train, ProgressAdapters.WithStage(progress, JointTrainingStage), cancellationToken);
        var jointSeconds = stopwatch.Elapsed.TotalSeconds;

        stopwatch.Restart();
        progress?.Report(ProgressAdapters.StageStart("cross-domain", TargetOnlyTrainingStage, null, stopwatch.Elapsed));
        var targetTrain = split.Train.OfDomain(split.Target);
        var targetModel = joint.FitUnchecked(targetTrain, ProgressAdapters.WithStage(progress, TargetOnlyTrainingStage), cancellationToken);
        var targetSeconds = stopwatch.Elapsed.TotalSeconds;

        progress?.Report(ProgressAdapters.StageStart("cross-domain", EvaluationStage, null, stopwatch.Elapsed));
        var result = Evaluate(split, jointModel, targetModel, targetTrain, options, cancellationToken) with
        {
            JointTrainSeconds = jointSeconds,
            TargetOnlyTrainSeconds = targetSeconds,
        };
        progress?.Report(ProgressAdapters.StageStart("cross-domain", DoneStage, null, stopwatch.Elapsed));
        return result;
    }

    /// <summary>
    /// Evaluates an already trained joint model on a split against the target-popularity baseline (and,
    /// when <paramref name="targetOnly"/> is given, a target-only model trained on
    /// <c>split.Train.OfDomain(split.Target)</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A model does not share the split's id maps.</exception>
    public CrossDomainEvaluation Evaluate(CrossDomainSplit split, FactorizationModel joint, FactorizationModel? targetOnly = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(joint);
        var options = Options with { Source = split.Source, Target = split.Target };
        options.Validate();
        return Evaluate(split, joint, targetOnly, split.Train.OfDomain(split.Target), options, cancellationToken);
    }

    private static CrossDomainEvaluation Evaluate(CrossDomainSplit split, FactorizationModel joint, FactorizationModel? targetOnly, InteractionSet targetTrain, CrossDomainProtocolOptions o, CancellationToken ct)
    {
        var train = split.Train;
        RequireSameIds(joint, train, "joint");
        if (targetOnly is not null)
        {
            RequireSameIds(targetOnly, train, "target-only");
        }

        var target = DomainExtensions.DomainIndex(train, split.Target);
        var itemDomains = train.ItemDomainsArray!;
        var itemCount = train.ItemCount;

        // Relevant items of each held-out user (hidden rows at or above the threshold).
        var relevant = new Dictionary<int, List<int>>();
        var hu = split.HeldOut.Users;
        var hi = split.HeldOut.Items;
        var hv = split.HeldOut.Values;
        for (var r = 0; r < hu.Length; r++)
        {
            if (o.RelevanceThreshold is { } t && hv[r] < t)
            {
                continue;
            }

            if (!relevant.TryGetValue(hu[r], out var list))
            {
                relevant[hu[r]] = list = new List<int>();
            }

            list.Add(hi[r]);
        }

        var cases = new List<RankingEvaluator.Case>(relevant.Count);
        foreach (var (u, list) in relevant.OrderBy(p => p.Key))
        {
            cases.Add(new RankingEvaluator.Case(u, list.Distinct().ToArray(), joint.SeenItems(u).ToArray()));
        }

        var threads = ThreadCount.Effective(o.Threads);

        var jointMetrics = RankingEvaluator.Evaluate(cases, itemCount, o.K, (u, scores) =>
        {
            joint.ScoreItems(joint.UserRow(u), scores);
            MaskOtherDomains(scores, itemDomains, target);
        }, threads, ct);

        var counts = targetTrain.CountsPerItem();
        var popularity = new float[itemCount];
        for (var j = 0; j < itemCount; j++)
        {
            popularity[j] = itemDomains[j] == target ? counts[j] : float.NaN;
        }

        var popularityMetrics = RankingEvaluator.Evaluate(cases, itemCount, o.K, (_, scores) => popularity.CopyTo(scores), threads, ct);

        RankingMetrics? targetMetrics = null;
        if (targetOnly is not null)
        {
            // Held-out users have no target rows, so the target-only model's personal terms for them are
            // untrained initial values; it can only rank them by μ + b_i (the constant μ does not change the order).
            var fallback = new float[itemCount];
            var ib = targetOnly.ItemBiases;
            for (var j = 0; j < itemCount; j++)
            {
                fallback[j] = itemDomains[j] == target ? ib[j] : float.NaN;
            }

            targetMetrics = RankingEvaluator.Evaluate(cases, itemCount, o.K, (_, scores) => fallback.CopyTo(scores), threads, ct);
        }

        return new CrossDomainEvaluation
        {
            Source = split.Source,
            Target = split.Target,
            K = o.K,
            EligibleUsers = split.EligibleUsers,
            HeldOutUsers = split.HeldOutUsers.Length,
            HiddenInteractions = split.HeldOut.Count,
            TargetItems = CountDomain(itemDomains, target),
            Joint = jointMetrics,
            Popularity = popularityMetrics,
            TargetOnly = targetMetrics,
        };
    }

    private static void MaskOtherDomains(Span<float> scores, int[] itemDomains, int domain)
    {
        for (var j = 0; j < scores.Length; j++)
        {
            if (itemDomains[j] != domain)
            {
                scores[j] = float.NaN;
            }
        }
    }

    private static int CountDomain(int[] itemDomains, int domain)
    {
        var n = 0;
        foreach (var d in itemDomains)
        {
            n += d == domain ? 1 : 0;
        }

        return n;
    }

    private static void RequireSameIds(FactorizationModel model, InteractionSet train, string what)
    {
        if (!SameIds(model.UserIds, train.UserIds) || !SameIds(model.ItemIds, train.ItemIds))
        {
            throw new ArgumentException($"The {what} model was not trained on this split's training set (its user or item ids differ); train it on split.Train (or split.Train.OfDomain(target)).");
        }
    }

    private static bool SameIds(IdMap a, IdMap b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        // A model loaded from a file has its own (equal) maps.
        return a.Count == b.Count && a.AsSpan().SequenceEqual(b.AsSpan());
    }
}
