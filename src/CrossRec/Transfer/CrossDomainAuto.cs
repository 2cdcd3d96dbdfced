using System.Diagnostics;

namespace CrossRec.Transfer;

/// <summary>The validation result of one candidate of <see cref="CrossDomain.Auto()"/> (one method at one popularity weight).</summary>
/// <param name="Method">The candidate's method name (with its blend weight).</param>
/// <param name="Parameters">Its hyperparameters.</param>
/// <param name="PopularityWeight">The blend weight w scored.</param>
/// <param name="Ndcg">Validation NDCG@K on the nested cold-start split.</param>
/// <param name="Recall">Validation Recall@K.</param>
/// <param name="Seconds">Seconds to fit the method on the nested training part and score it (shared by its blend weights).</param>
/// <param name="Skipped">Why it was not scored (its options refuse the data, ...), or null.</param>
public sealed record CrossDomainCandidateScore(string Method, IReadOnlyDictionary<string, string> Parameters, double PopularityWeight, double Ndcg, double Recall, double Seconds, string? Skipped);

/// <summary>What <see cref="CrossDomain.Auto()"/> chose and why.</summary>
/// <param name="Method">The chosen method (refitted on all of the training data).</param>
/// <param name="Candidates">Every candidate's validation scores, in the order tried.</param>
/// <param name="ValidationUsers">Users of the nested validation split (held out from the training data only).</param>
/// <param name="Seconds">Seconds of validation and refit.</param>
public sealed record CrossDomainSelection(string Method, IReadOnlyList<CrossDomainCandidateScore> Candidates, int ValidationUsers, double Seconds)
{
    /// <summary>The chosen method, with its blend weight, ready to fit on other data (for example everyone, after an evaluation).</summary>
    public CrossDomainBuilder? Winner { get; init; }

    /// <summary>The chosen candidate's validation score.</summary>
    public CrossDomainCandidateScore Chosen => Candidates.FirstOrDefault(c => c.Skipped is null && c.Method == Method) ?? Candidates[0];
}

/// <summary>
/// The library's default cross-domain recommender: chooses the transfer method, its main hyperparameter
/// and its popularity blend weight by running the cold-start protocol nested inside the training data
/// — a seeded share of the training users active in the target and another domain lose their target
/// interactions, every candidate is fitted on the rest and scored by NDCG@K on them — then refits the
/// winner on all of the training data. Users held out by an outer evaluation have no target rows in the
/// training data, so they can never take part. Immutable fluent builder.
/// </summary>
/// <remarks>
/// <para>Default candidates, each with its library defaults (chosen by validation for its own algorithm,
/// never for one dataset): implicit ALS trained jointly on every domain, at its default λ and at 2× and 4×
/// (sparser per-domain histories call for more shrinkage, so λ is the hyperparameter searched); EASE
/// trained jointly (skipped, with the reason recorded, when the catalogue exceeds its memory budget);
/// cross-domain item-kNN; EMCDR over implicit ALS; and, when validating warm or leave-one-out users
/// (<see cref="Mode"/>), the target-only implicit ALS as the no-transfer reference. Each is scored unblended and blended with target
/// popularity at w ∈ {0.1, 0.25, 0.5} (the blend is computed from the same scores, so weights cost no
/// refit). Ties go to the earlier candidate and the smaller weight.</para>
/// </remarks>
public sealed class CrossDomainAutoBuilder : ICrossDomainBuilder
{
    private static readonly double[] DefaultWeights = [0, 0.1, 0.25, 0.5];
    private IReadOnlySet<int>? _excluded;
    private readonly IReadOnlyList<CrossDomainBuilder>? _candidates;
    private readonly double[] _weights;

    internal CrossDomainAutoBuilder(IReadOnlyList<CrossDomainBuilder>? candidates, double[]? weights, double validationFraction, int seed, int k, int threads, CrossDomainHoldOut mode = CrossDomainHoldOut.ColdStart, double warmHidden = 0.5)
    {
        HoldOutMode = mode;
        WarmHiddenFraction = warmHidden;
        _candidates = candidates;
        _weights = weights ?? DefaultWeights;
        ValidationFraction = validationFraction;
        SeedValue = seed;
        K = k;
        ThreadCount = threads;
    }

    /// <summary>Share of the eligible training users whose target interactions the nested split hides (default 0.2).</summary>
    public double ValidationFraction { get; }

    /// <summary>Seed of the nested split (default 7).</summary>
    public int SeedValue { get; }

    /// <summary>Cut-off K of the validation NDCG@K (default 10).</summary>
    public int K { get; }

    /// <summary>Evaluation threads (0 = all cores; 0..1024). More than the core count is clamped to it (these threads only evaluate; nothing is trained differently).</summary>
    public int ThreadCount { get; }

    /// <summary>What the nested split hides of its validation users' target history (default: everything, the cold start).</summary>
    public CrossDomainHoldOut HoldOutMode { get; }

    /// <summary>With <see cref="CrossDomainHoldOut.Warm"/>: the share of a validation user's target items hidden.</summary>
    public double WarmHiddenFraction { get; }

    /// <summary>The popularity blend weights tried for every candidate.</summary>
    public IReadOnlyList<double> PopularityWeights => _weights;

    /// <inheritdoc />
    public string Method => "auto";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["validation_fraction"] = RecommenderModel.Invariant(ValidationFraction),
        ["seed"] = RecommenderModel.Invariant(SeedValue),
        ["k"] = RecommenderModel.Invariant(K),
        ["candidates"] = string.Join(",", (_candidates ?? DefaultCandidates(HoldOutMode)).Select(c => c.Method)),
        ["popularity_weights"] = string.Join(",", _weights.Select(w => RecommenderModel.Invariant(w))),
        ["mode"] = HoldOutMode.ToString(),
    };

    /// <summary>The candidates tried when none are given, in order, for users known from other domains only.</summary>
    public static IReadOnlyList<CrossDomainBuilder> DefaultCandidates() => DefaultCandidates(CrossDomainHoldOut.ColdStart);

    /// <summary>
    /// The default candidates for a validation mode: for warm and leave-one-out users (who keep target history)
    /// the target-only implicit ALS joins them, as the no-transfer reference; it cannot serve target-cold users.
    /// </summary>
    public static IReadOnlyList<CrossDomainBuilder> DefaultCandidates(CrossDomainHoldOut mode)
    {
        var list = new List<CrossDomainBuilder>(ColdCandidates());
        if (mode != CrossDomainHoldOut.ColdStart)
        {
            list.Add(CrossDomain.TargetOnly(Recommenders.ImplicitAls()));
        }

        return list;
    }

    private static IReadOnlyList<CrossDomainBuilder> ColdCandidates()
    {
        var als = Recommenders.ImplicitAls();
        var lambda = als.Options.Regularization;
        return
        [
            CrossDomain.Transfer(als),
            CrossDomain.Transfer(als.Regularization(2 * lambda)),
            CrossDomain.Transfer(als.Regularization(4 * lambda)),
            CrossDomain.Transfer(Recommenders.Ease()),
            CrossDomain.ItemKnn(),
            CrossDomain.Emcdr(),
        ];
    }

    /// <summary>Tries these candidates instead of the defaults (their own blend weights are replaced by <see cref="PopularityWeights"/>).</summary>
    public CrossDomainAutoBuilder Candidates(params CrossDomainBuilder[] candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Length == 0)
        {
            throw new ArgumentException("Auto needs at least one candidate.", nameof(candidates));
        }

        return new([.. candidates], _weights, ValidationFraction, SeedValue, K, ThreadCount, HoldOutMode, WarmHiddenFraction);
    }

    /// <summary>The popularity blend weights to try (each in [0, 1]; include 0 to allow no blend).</summary>
    public CrossDomainAutoBuilder BlendWeights(params double[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length == 0)
        {
            throw new ArgumentException("Give at least one blend weight (0 = no blend).", nameof(weights));
        }

        foreach (var w in weights)
        {
            Check.Closed(w, 0, 1, nameof(weights));
        }

        return new(_candidates, [.. weights], ValidationFraction, SeedValue, K, ThreadCount, HoldOutMode, WarmHiddenFraction);
    }

    /// <summary>Share of eligible training users held out by the nested split, in (0, 0.5].</summary>
    public CrossDomainAutoBuilder ValidationShare(double fraction) => new(_candidates, _weights, fraction, SeedValue, K, ThreadCount, HoldOutMode, WarmHiddenFraction);

    /// <summary>Seed of the nested split.</summary>
    public CrossDomainAutoBuilder Seed(int seed) => new(_candidates, _weights, ValidationFraction, seed, K, ThreadCount, HoldOutMode, WarmHiddenFraction);

    /// <summary>Cut-off K of the validation NDCG@K.</summary>
    public CrossDomainAutoBuilder Cutoff(int k) => new(_candidates, _weights, ValidationFraction, SeedValue, k, ThreadCount, HoldOutMode, WarmHiddenFraction);

    /// <summary>Evaluation threads (0 = all cores; 0..1024). More than the core count is clamped to it (these threads only evaluate; nothing is trained differently).</summary>
    public CrossDomainAutoBuilder Threads(int threads) => new(_candidates, _weights, ValidationFraction, SeedValue, K, threads, HoldOutMode, WarmHiddenFraction);

    /// <summary>
    /// Validates for users who keep part of their target history (warm, leave-one-out) instead of target-cold
    /// users: choose the mode of the users the model will serve (the protocol's <c>Compare</c> does so for its default).
    /// </summary>
    public CrossDomainAutoBuilder Mode(CrossDomainHoldOut mode, double warmHiddenFraction = 0.5) => new(_candidates, _weights, ValidationFraction, SeedValue, K, ThreadCount, mode, warmHiddenFraction);

    /// <summary>
    /// A copy that never picks these users (dense indices of the training set) for its nested validation: an
    /// outer evaluation's held-out users, who in warm and leave-one-out modes keep target rows in the training data.
    /// </summary>
    internal CrossDomainAutoBuilder Excluding(ReadOnlySpan<int> users) =>
        new(_candidates, _weights, ValidationFraction, SeedValue, K, ThreadCount, HoldOutMode, WarmHiddenFraction) { _excluded = new HashSet<int>(users.ToArray()) };

    /// <inheritdoc />
    public CrossDomainModel Fit(InteractionSet train, string target, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        => Fit(train, target, null, progress, cancellationToken);

    /// <summary>Runs the nested selection, reporting each candidate's validation score as it is measured, and refits the winner.</summary>
    /// <exception cref="ArgumentException">The data has no domains or the target is unknown.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (named).</exception>
    /// <exception cref="InvalidOperationException">No candidate could be trained.</exception>
    public CrossDomainModel Fit(InteractionSet train, string target, IProgress<CrossDomainCandidateScore>? candidateProgress, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentException.ThrowIfNullOrEmpty(target);
        Check.OpenClosed(ValidationFraction, 0, 0.5, nameof(ValidationFraction));
        Check.Range(K, 1, 1000, nameof(K));
        Check.Range(ThreadCount, 0, Internal.ThreadCount.Max, nameof(ThreadCount));
        Check.Open(WarmHiddenFraction, 0, 1, nameof(WarmHiddenFraction));
        var t = CrossDomainBuilder.TargetIndex(train, target);
        var watch = Stopwatch.StartNew();
        var candidates = _candidates ?? DefaultCandidates(HoldOutMode);
        var threads = Internal.ThreadCount.Effective(ThreadCount);
        var scores = new List<CrossDomainCandidateScore>();

        CrossDomainSplit nested;
        try
        {
            nested = CrossDomainSplit.CreateCore(train, null, target, ValidationFraction, SeedValue, 1, 1, HoldOutMode, WarmHiddenFraction, _excluded);
        }
        catch (InvalidOperationException e)
        {
            // No training user is in both domains: nothing to validate on; the first candidate is used as is.
            var only = candidates[0].BlendPopularity(0);
            scores.Add(new CrossDomainCandidateScore(only.Method, only.Parameters, 0, double.NaN, double.NaN, 0, e.Message));
            var fallback = only.FitScorer(train, t, progress, cancellationToken);
            return new CrossDomainModel(only.Method, only.Parameters, fallback, train, t, watch.Elapsed.TotalSeconds, new CrossDomainSelection(only.Method, scores, 0, watch.Elapsed.TotalSeconds) { Winner = only });
        }

        var cases = CrossDomainScoring.Cases(nested, null);
        var itemDomains = nested.Train.ItemDomainsArray!;
        var targetItems = CrossDomainModel.TargetItemsOf(itemDomains, t);
        var popularity = PopularityBlendScorer.StandardPopularity(nested.Train, targetItems);
        var caseIndex = cases.Select((c, n) => (c.User, n)).ToDictionary(p => p.User, p => p.n);
        CrossDomainBuilder? best = null;
        var bestNdcg = double.NegativeInfinity;
        foreach (var candidate in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = watch.Elapsed.TotalSeconds;
            TransferScorer scorer;
            try
            {
                candidate.Validate(nested.Train, target);
                if (candidate.AutoRefusal(nested.Train) is { } refusal)
                {
                    throw new NotSupportedException(refusal);
                }

                scorer = candidate.FitScorer(nested.Train, t, progress, cancellationToken);
            }
            catch (Exception e) when (e is ArgumentException or InsufficientMemoryException or NotSupportedException or TrainingDivergedException)
            {
                var skipped = new CrossDomainCandidateScore(candidate.BaseMethod, candidate.Parameters, 0, double.NaN, double.NaN, watch.Elapsed.TotalSeconds - start, e.Message);
                scores.Add(skipped);
                candidateProgress?.Report(skipped);
                continue;
            }

            // Each user's target scores once; every blend weight is computed from them.
            var cache = ScoreTargets(scorer, cases, targetItems, train.ItemCount, threads, cancellationToken);
            var fitSeconds = watch.Elapsed.TotalSeconds - start;
            foreach (var w in _weights)
            {
                var weighted = candidate.BlendPopularity(w);
                var (m, _) = CrossDomainScoring.Evaluate(cases, train.ItemCount, K, (u, s) =>
                {
                    s.Fill(float.NaN);
                    var row = cache[caseIndex[u]];
                    for (var n = 0; n < targetItems.Length; n++)
                    {
                        s[targetItems[n]] = row[n];
                    }

                    if (w > 0)
                    {
                        PopularityBlendScorer.Blend(s, popularity, targetItems, (float)w);
                    }
                }, threads, cancellationToken, auc: false);
                var score = new CrossDomainCandidateScore(weighted.Method, weighted.Parameters, w, m.Ndcg, m.Recall, fitSeconds, null);
                scores.Add(score);
                candidateProgress?.Report(score);
                if (m.Ndcg > bestNdcg)
                {
                    bestNdcg = m.Ndcg;
                    best = weighted;
                }
            }
        }

        if (best is null)
        {
            throw new InvalidOperationException($"No cross-domain candidate could be trained on {train.SourceName}: " + string.Join("; ", scores.Select(s => $"{s.Method}: {s.Skipped}")));
        }

        var final = best.FitScorer(train, t, progress, cancellationToken);
        if (best.PopularityWeight > 0)
        {
            final = CrossDomainBuilder.Blend(final, train, t, best.PopularityWeight);
        }

        var selection = new CrossDomainSelection(best.Method, scores, cases.Count, watch.Elapsed.TotalSeconds) { Winner = best };
        return new CrossDomainModel(best.Method, best.Parameters, final, train, t, watch.Elapsed.TotalSeconds, selection);
    }

    private static float[][] ScoreTargets(TransferScorer scorer, List<RankingEvaluator.Case> cases, int[] targetItems, int itemCount, int threads, CancellationToken ct)
    {
        var cache = new float[cases.Count][];
        Parallel.For(
            0,
            cases.Count,
            new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = ct },
            () => new float[itemCount],
            (n, _, buffer) =>
            {
                scorer.Score(cases[n].User, buffer);
                var row = new float[targetItems.Length];
                for (var j = 0; j < row.Length; j++)
                {
                    row[j] = buffer[targetItems[j]];
                }

                cache[n] = row;
                return buffer;
            },
            _ => { });
        return cache;
    }
}
