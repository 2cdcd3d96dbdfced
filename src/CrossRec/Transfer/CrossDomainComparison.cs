using System.Diagnostics;

namespace CrossRec.Transfer;

/// <summary>One recommender's line in a <see cref="CrossDomainComparison"/>.</summary>
/// <param name="Name">What the row is ("default: joint-ials", "popularity (phone)", ...).</param>
/// <param name="Method">The method tag ("auto→joint-ials", "popularity", "target-only-ials", "xd-itemknn", ...).</param>
/// <param name="Metrics">Ranking metrics over the held-out users.</param>
/// <param name="PerUserNdcg">NDCG@K of every evaluated case, in <see cref="CrossDomainComparison.Users"/> order (NaN: not evaluated).</param>
/// <param name="PerUserRecall">Recall@K of every case, same order.</param>
/// <param name="TTest">Paired t-test of this row's per-user NDCG against the first row's (null for the first row).</param>
/// <param name="Bootstrap">Paired bootstrap of the same (null for the first row).</param>
/// <param name="TrainSeconds">Seconds to train it.</param>
public sealed record CrossDomainComparisonRow(
    string Name,
    string Method,
    RankingMetrics Metrics,
    IReadOnlyList<double> PerUserNdcg,
    IReadOnlyList<double> PerUserRecall,
    PairedTestResult? TTest,
    PairedTestResult? Bootstrap,
    double TrainSeconds);

/// <summary>
/// Result of <see cref="CrossDomainProtocolBuilder.Compare(InteractionSet, ICrossDomainBuilder?, IRecommenderBuilder?, IReadOnlyList{ICrossDomainBuilder}?, IProgress{TrainingProgress}?, CancellationToken)"/>:
/// the recommender under test and every baseline on the same held-out users, with per-user results and
/// paired tests of each baseline against the first row. Immutable.
/// </summary>
public sealed record CrossDomainComparison
{
    /// <summary>The domain(s) users are known from.</summary>
    public required string Source { get; init; }

    /// <summary>The domain that was hidden and ranked.</summary>
    public required string Target { get; init; }

    /// <summary>What was hidden of each held-out user.</summary>
    public required CrossDomainHoldOut Mode { get; init; }

    /// <summary>Cut-off K.</summary>
    public required int K { get; init; }

    /// <summary>Users active in both domains.</summary>
    public required int EligibleUsers { get; init; }

    /// <summary>Users held out.</summary>
    public required int HeldOutUsers { get; init; }

    /// <summary>Hidden target interactions.</summary>
    public required int HiddenInteractions { get; init; }

    /// <summary>Candidates: the target catalogue.</summary>
    public required int TargetItems { get; init; }

    /// <summary>External ids of the evaluated cases, aligned with every row's per-user lists.</summary>
    public required IReadOnlyList<string> Users { get; init; }

    /// <summary>The rows: the recommender under test first, then target popularity, the target-only model, cross-domain item-kNN and any extra methods.</summary>
    public required IReadOnlyList<CrossDomainComparisonRow> Rows { get; init; }

    /// <summary>The method of the recommender under test (what <see cref="CrossDomain.Auto()"/> chose, for the default).</summary>
    public required string ChosenMethod { get; init; }

    /// <summary>The nested validation behind <see cref="ChosenMethod"/>; null when the recommender under test is not auto.</summary>
    public CrossDomainSelection? Selection { get; init; }

    /// <summary>The row named by a method tag prefix, or null.</summary>
    public CrossDomainComparisonRow? Row(string method) => Rows.FirstOrDefault(r => r.Method == method);

    /// <summary>A plain-text table: one line per row (Recall, NDCG, HitRate, p-values against the first row).</summary>
    public string ToTable()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(System.FormattableString.Invariant($"{Source} → {Target} ({Mode}): {HeldOutUsers} of {EligibleUsers} users held out, {HiddenInteractions} hidden interactions, {TargetItems} candidate items"));
        sb.AppendLine(System.FormattableString.Invariant($"{"recommender",-38} {"Recall@" + K,10} {"NDCG@" + K,10} {"HitRate@" + K,10} {"p (t)",9} {"p (boot)",9} {"train s",8}"));
        foreach (var r in Rows)
        {
            sb.AppendLine(System.FormattableString.Invariant(
                $"{r.Name,-38} {r.Metrics.Recall,10:F4} {r.Metrics.Ndcg,10:F4} {r.Metrics.HitRate,10:F4} {(r.TTest is null ? "" : r.TTest.PValue.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)),9} {(r.Bootstrap is null ? "" : r.Bootstrap.PValue.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)),9} {r.TrainSeconds,8:F1}"));
        }

        return sb.ToString();
    }
}

public sealed partial class CrossDomainProtocolBuilder
{
    /// <summary>
    /// Splits the data as the options say (cold start, warm or leave-one-out), trains the recommender under
    /// test (default <see cref="CrossDomain.Auto()"/>, whose nested validation sees the training part only)
    /// and every baseline on the training part, ranks the whole target catalogue for every held-out user,
    /// and tests each baseline's per-user NDCG against the recommender's (paired t-test and bootstrap).
    /// </summary>
    /// <param name="data">Interactions with item domains including the source and the target.</param>
    /// <param name="recommender">The recommender under test; null: <see cref="CrossDomain.Auto()"/> validating in the protocol's <see cref="CrossDomainProtocolOptions.Mode"/>.</param>
    /// <param name="targetOnly">The single-domain model trained on the target domain alone; null: <see cref="Recommenders.ImplicitAls()"/>.
    /// A held-out cold user has no target history, so it ranks by its non-personalised score (its mean training user's scores).</param>
    /// <param name="extra">Further methods to add as rows (for example <c>CrossDomain.Transfer(Recommenders.ImplicitAls())</c>).</param>
    /// <param name="progress">A report (algorithm "cross-domain") as each step starts: <see cref="TrainingProgress.Stage"/> "split", "train" or
    /// "evaluate" with <see cref="TrainingProgress.Candidate"/> naming the method, and "selection" with each of Auto's scored candidates.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="InvalidOperationException">The data has no domains, or no user is active in both.</exception>
    /// <exception cref="KeyNotFoundException">A domain is unknown.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public CrossDomainComparison Compare(InteractionSet data, ICrossDomainBuilder? recommender = null, IRecommenderBuilder? targetOnly = null, IReadOnlyList<ICrossDomainBuilder>? extra = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        progress?.Report(Step("split", "held-out users", TimeSpan.Zero));
        var split = Split(data);
        return Compare(split, recommender, targetOnly, extra, progress, cancellationToken);
    }

    /// <summary>As <see cref="Compare(InteractionSet, ICrossDomainBuilder?, IRecommenderBuilder?, IReadOnlyList{ICrossDomainBuilder}?, IProgress{TrainingProgress}?, CancellationToken)"/>, on an existing split.</summary>
    public CrossDomainComparison Compare(CrossDomainSplit split, ICrossDomainBuilder? recommender = null, IRecommenderBuilder? targetOnly = null, IReadOnlyList<ICrossDomainBuilder>? extra = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        var o = Options with { Source = split.Source, Target = split.Target };
        o.Validate();
        recommender ??= CrossDomain.Auto().Mode(o.Mode, o.WarmHiddenFraction);
        targetOnly ??= Recommenders.ImplicitAls();
        var train = split.Train;
        var t = DomainExtensions.DomainIndex(train, split.Target);
        var itemDomains = train.ItemDomainsArray!;
        var itemCount = train.ItemCount;
        var threads = ThreadCount.Effective(o.Threads);
        var cases = CrossDomainScoring.Cases(split, o.RelevanceThreshold);
        var rows = new List<(string Name, string Method, RankingMetrics M, RankingEvaluator.PerUserMetrics P, double Seconds)>();
        var watch = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();

        void AddModel(string name, string method, CrossDomainModel model)
        {
            progress?.Report(Step("evaluate", name, total.Elapsed));
            var (m, p) = CrossDomainScoring.Evaluate(cases, itemCount, o.K, model.ScoreCore, threads, cancellationToken);
            rows.Add((name, method, m, p, model.TrainSeconds));
        }

        progress?.Report(Step("train", recommender.Method, total.Elapsed));
        // Auto's nested validation never uses the held-out users (in warm and leave-one-out modes they keep
        // target rows in the training data, so they would otherwise be eligible).
        var main = recommender is CrossDomainAutoBuilder outer && outer.Excluding(split.HeldOutUsers) is var auto
            ? auto.Fit(train, split.Target, new SynchronousProgress<CrossDomainCandidateScore>(c => progress?.Report(Step(
                CandidateScore.SelectionStage,
                c.Skipped is null ? System.FormattableString.Invariant($"{c.Method}: validation NDCG@{auto.K} {c.Ndcg:F4}, Recall@{auto.K} {c.Recall:F4}") : $"{c.Method}: skipped ({c.Skipped})",
                total.Elapsed))), null, cancellationToken)
            : recommender.Fit(train, split.Target, null, cancellationToken);
        var chosen = main.Method;
        AddModel(recommender is CrossDomainAutoBuilder ? $"default: auto → {chosen}" : chosen, recommender is CrossDomainAutoBuilder ? $"auto→{chosen}" : chosen, main);

        // Target popularity: training interactions (distinct users) of each target item.
        progress?.Report(Step("evaluate", "popularity", total.Elapsed));
        watch.Restart();
        var matrix = train.ToMatrix();
        var popularity = new float[itemCount];
        for (var j = 0; j < itemCount; j++)
        {
            popularity[j] = itemDomains[j] == t ? matrix.ItemDegree(j) : float.NaN;
        }

        var popSeconds = watch.Elapsed.TotalSeconds;
        var (pm, pp) = CrossDomainScoring.Evaluate(cases, itemCount, o.K, (_, s) => popularity.CopyTo(s), threads, cancellationToken);
        rows.Add(($"popularity ({split.Target})", "popularity", pm, pp, popSeconds));

        // Target-only model: the same id space, trained on the target rows alone.
        progress?.Report(Step("train", $"{split.Target}-only {targetOnly.Algorithm}", total.Elapsed));
        watch.Restart();
        var targetTrain = train.OfDomain(split.Target);
        var single = targetOnly.Fit(targetTrain, null, cancellationToken);
        var singleSeconds = watch.Elapsed.TotalSeconds;
        var hasTarget = new bool[train.UserCount];
        foreach (var u in targetTrain.Users)
        {
            hasTarget[u] = true;
        }

        var fallback = NonPersonalised(single, hasTarget);
        var (sm, sp) = CrossDomainScoring.Evaluate(cases, itemCount, o.K, CrossDomainScoring.Masked((u, s) =>
        {
            if (hasTarget[u])
            {
                single.ScoreUser(u, s);
            }
            else
            {
                fallback.CopyTo(s);
            }
        }, itemDomains, t), threads, cancellationToken);
        rows.Add(($"{split.Target} only ({targetOnly.Algorithm})", $"target-only-{targetOnly.Algorithm}", sm, sp, singleSeconds));

        progress?.Report(Step("train", "cross-domain item-kNN", total.Elapsed));
        AddModel("cross-domain item-kNN", "xd-itemknn", CrossDomain.ItemKnn().Fit(train, split.Target, null, cancellationToken));
        foreach (var e in extra ?? [])
        {
            progress?.Report(Step("train", e.Method, total.Elapsed));
            var model = e.Fit(train, split.Target, null, cancellationToken);
            AddModel(model.Method, model.Method, model);
        }

        var first = rows[0].P;
        var result = new List<CrossDomainComparisonRow>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var (name, method, m, p, seconds) = rows[r];
            result.Add(new CrossDomainComparisonRow(
                name, method, m, p.Ndcg, p.Recall,
                r == 0 ? null : PairedTest.TTest(first.Ndcg, p.Ndcg),
                r == 0 ? null : PairedTest.Bootstrap(first.Ndcg, p.Ndcg, 10_000, o.Seed),
                seconds));
        }

        return new CrossDomainComparison
        {
            Source = split.Source,
            Target = split.Target,
            Mode = split.Mode,
            K = o.K,
            EligibleUsers = split.EligibleUsers,
            HeldOutUsers = split.HeldOutUsers.Length,
            HiddenInteractions = split.HeldOut.Count,
            TargetItems = CrossDomainModel.TargetItemsOf(itemDomains, t).Length,
            Users = cases.Select(c => train.UserIds[c.User]).ToArray(),
            Rows = result,
            ChosenMethod = chosen,
            Selection = main.Selection,
        };
    }

    private static float[] NonPersonalised(RecommenderModel model, bool[] hasTarget) => TargetOnlyScorer.MeanUserScores(model, hasTarget);

    private static TrainingProgress Step(string stage, string what, TimeSpan elapsed) => ProgressAdapters.StageStart("cross-domain", stage, what, elapsed);
}
