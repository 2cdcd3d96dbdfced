using System.Diagnostics;

namespace CrossRec.Algorithms.Auto;

/// <summary>The validation result of one candidate of <see cref="Recommenders.Auto"/>.</summary>
/// <param name="Algorithm">Candidate algorithm tag.</param>
/// <param name="Parameters">Its hyperparameters.</param>
/// <param name="Ndcg">Validation NDCG@K.</param>
/// <param name="Recall">Validation Recall@K.</param>
/// <param name="Seconds">Seconds to fit and evaluate it on the validation split.</param>
/// <param name="Skipped">Why it was not tried (too large for its memory budget, ...), or null.</param>
public sealed record CandidateScore(string Algorithm, IReadOnlyDictionary<string, string> Parameters, double Ndcg, double Recall, double Seconds, string? Skipped)
{
    /// <summary><see cref="Stage"/> of a candidate of the first round.</summary>
    public const string SelectionStage = "selection";

    /// <summary><see cref="Stage"/> of a tuning step of the winner.</summary>
    public const string TuningStage = "tuning";

    /// <summary><see cref="Stage"/> of a blend of the winner with the runner-up (<see cref="AutoRecommenderBuilder.Blend"/>).</summary>
    public const string BlendStage = "blend";

    /// <summary>The last stage: the chosen model refitted on all of the training data (a progress stage only; no score is measured).</summary>
    public const string RefitStage = "refit";

    /// <summary>"selection" for the candidates compared first, "tuning" for the steps that tuned the winner, "blend" for the blends of the winner with the runner-up.</summary>
    public string Stage { get; init; } = SelectionStage;
}

/// <summary>What <see cref="AutoRecommenderBuilder.Select"/> chose and why.</summary>
/// <param name="Model">The winning algorithm refitted on all of the training data.</param>
/// <param name="Algorithm">Its tag.</param>
/// <param name="Candidates">Every candidate's validation scores, in the order tried.</param>
/// <param name="ValidationUsers">Users evaluated on the validation split.</param>
/// <param name="Seconds">Total seconds (validation and refit).</param>
public sealed record AutoSelection(RecommenderModel Model, string Algorithm, IReadOnlyList<CandidateScore> Candidates, int ValidationUsers, double Seconds)
{
    /// <summary>Training rows that selection, tuning and the blend search used (all of them unless <see cref="AutoRecommenderBuilder.SelectionRows"/> sampled users).</summary>
    public int SelectionRows { get; init; }
}

/// <summary>
/// Model selection for top-N ranking by validation inside the training data. Immutable fluent builder.
/// </summary>
/// <remarks>
/// <para>The training data is split per user (a random <see cref="ValidationFraction"/> of each user's rows,
/// seeded); each candidate is fitted on the rest and scored by NDCG@K on the held-out rows, training
/// items excluded, the whole catalogue ranked; the best is refitted on all the data. Ties go to the
/// earlier candidate. A candidate whose options refuse the data (for example EASE over its memory
/// budget) is skipped with the reason recorded, never silently.</para>
/// <para>Implementation note: the default candidates are the algorithms whose defaults were themselves
/// chosen by validation on the training parts of the accuracy datasets, so the selection is between
/// tuned methods, not a hyperparameter search.</para>
/// </remarks>
public sealed partial class AutoRecommenderBuilder : IRecommenderBuilder
{
    /// <summary>Default of <see cref="MaxSelectionRows"/>.</summary>
    public const long DefaultMaxSelectionRows = 1_000_000;

    private readonly Settings _settings;

    internal AutoRecommenderBuilder()
        : this(new Settings(null, 0.2, 7, 10, 0, true, true, DefaultMaxSelectionRows, null))
    {
    }

    private AutoRecommenderBuilder(Settings settings) => _settings = settings;

    /// <summary>Share of each user's training rows held out for validation (default 0.2).</summary>
    public double ValidationFraction => _settings.ValidationFraction;

    /// <summary>Seed of the validation split and of the selection sample (default 7).</summary>
    public int SeedValue => _settings.Seed;

    /// <summary>Cut-off of the validation metric NDCG@K (default 10).</summary>
    public int K => _settings.K;

    /// <summary>Threads for evaluation (0 = all cores; 0..1024). More than the core count is clamped to it (these threads only evaluate; nothing is trained differently).</summary>
    public int ThreadCount => _settings.Threads;

    /// <summary>
    /// The most training rows selection, tuning and the blend search use (default <see cref="DefaultMaxSelectionRows"/>; 0 = no limit).
    /// A larger training set is sampled by whole users (seeded by <see cref="SeedValue"/>) until the sample holds this many rows;
    /// only the final refit sees all the data. See <see cref="SelectionRows"/>.
    /// </summary>
    public long MaxSelectionRows => _settings.MaxSelectionRows;

    /// <summary>The time budget of selection, tuning and the blend search, or null (no budget). See <see cref="Budget"/>.</summary>
    public TimeSpan? TimeBudget => _settings.Budget;

    /// <summary>Whether <see cref="Blend"/> is on.</summary>
    public bool BlendRunnerUp => _settings.Blend;

    /// <summary>Whether <see cref="Tune"/> is on.</summary>
    public bool TuneWinner => _settings.Tune;

    /// <inheritdoc />
    public string Algorithm => "auto";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters
    {
        get
        {
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["validation_fraction"] = RecommenderModel.Invariant(ValidationFraction),
                ["seed"] = RecommenderModel.Invariant(SeedValue),
                ["k"] = RecommenderModel.Invariant(K),
                ["candidates"] = string.Join(",", (_settings.Candidates ?? DefaultCandidates()).Select(c => c.Algorithm)),
                ["tune"] = TuneWinner ? "true" : "false",
                ["blend"] = BlendRunnerUp ? "true" : "false",
                ["max_selection_rows"] = RecommenderModel.Invariant(MaxSelectionRows),
            };
            if (TimeBudget is { } budget)
            {
                parameters["time_budget_seconds"] = RecommenderModel.Invariant(budget.TotalSeconds);
            }

            return parameters;
        }
    }

    /// <summary>The candidates tried when none are given, in order.</summary>
    public static IReadOnlyList<IRecommenderBuilder> DefaultCandidates() => [.. AutoCandidates.Defaults()];

    /// <summary>Tries these candidates instead of the defaults.</summary>
    public AutoRecommenderBuilder Candidates(params IRecommenderBuilder[] candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Length == 0)
        {
            throw new ArgumentException("Auto needs at least one candidate.", nameof(candidates));
        }

        return new(_settings with { Candidates = candidates.ToArray() });
    }

    /// <summary>Share of each user's rows held out for validation, in (0, 0.5].</summary>
    public AutoRecommenderBuilder ValidationShare(double fraction) => new(_settings with { ValidationFraction = fraction });

    /// <summary>Seed of the validation split and of the selection sample.</summary>
    public AutoRecommenderBuilder Seed(int seed) => new(_settings with { Seed = seed });

    /// <summary>Cut-off K of the validation NDCG@K.</summary>
    public AutoRecommenderBuilder Cutoff(int k) => new(_settings with { K = k });

    /// <summary>Evaluation threads (0 = all cores; 0..1024). More than the core count is clamped to it (these threads only evaluate; nothing is trained differently).</summary>
    public AutoRecommenderBuilder Threads(int threads) => new(_settings with { Threads = threads });

    /// <summary>
    /// Whether the winning candidate's main hyperparameters are then tuned on the same validation split (on by
    /// default): one pass of coordinate search, each knob tried a step below and a step above its value (implicit
    /// ALS: regularization and α ÷/× 2.5, then twice the factors; EASE: λ ÷/× 2.5; item-kNN: neighbours ÷/× 4,
    /// shrinkage ÷/× 4, asymmetry ∓ 0.3), a step kept only when it lifts the validation NDCG by more than 0.5 %.
    /// The scores of every step are in <see cref="AutoSelection.Candidates"/> with <see cref="CandidateScore.Stage"/> "tuning".
    /// </summary>
    public AutoRecommenderBuilder Tune(bool tune = true) => new(_settings with { Tune = tune });

    /// <summary>
    /// Whether the (tuned) winner is then blended with the runner-up (on by default): the best candidate of another
    /// algorithm, with the winner's weight tried at 0.8, 0.65, 0.5, 0.35 and 0.2 (<see cref="Recommenders.Blend"/>,
    /// per-user standardised scores) on the same validation split, from the models already fitted there; the best
    /// blend is kept only when it lifts the validation NDCG by more than 0.5 %, and is then refitted on all the data
    /// (two fits instead of one). The scores are in <see cref="AutoSelection.Candidates"/> with
    /// <see cref="CandidateScore.Stage"/> "blend".
    /// </summary>
    public AutoRecommenderBuilder Blend(bool blend = true) => new(_settings with { Blend = blend });

    /// <summary>
    /// Caps the rows that selection, tuning and the blend search train on (0 = no cap; otherwise at least 1,000).
    /// When the training set is larger, whole users are drawn in a seeded random order until the sample holds
    /// <paramref name="rows"/> rows, and every validation fit uses that sample; the winner is refitted on all the
    /// data. The rows used are in <see cref="AutoSelection.SelectionRows"/>; what the sample costs in accuracy is
    /// measured in docs/decisions/auto-budget.md.
    /// </summary>
    public AutoRecommenderBuilder SelectionRows(long rows) => new(_settings with { MaxSelectionRows = rows });

    /// <summary>
    /// A wall-clock budget for selection, tuning and the blend search: once it is spent, the candidates and tuning
    /// steps not yet started are skipped (recorded in <see cref="AutoSelection.Candidates"/> with the reason) and the
    /// best model so far is refitted on all of the training data. The first candidate always runs, and the final
    /// refit is not part of the budget, so a whole fit can take longer by up to one fit of the winner.
    /// </summary>
    /// <param name="budget">Positive, at most 30 days.</param>
    public AutoRecommenderBuilder Budget(TimeSpan budget) => new(_settings with { Budget = budget });

    /// <inheritdoc />
    public RecommenderModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        => Select(train, null, progress, cancellationToken).Model;

    /// <summary>Runs the selection and returns the winner with every candidate's validation score.</summary>
    /// <param name="train">Training interactions.</param>
    /// <param name="candidateProgress">Receives each candidate's score as it is measured.</param>
    /// <param name="progress">
    /// Receives the training progress of every fit, each report labelled with its <see cref="TrainingProgress.Stage"/>,
    /// <see cref="TrainingProgress.Candidate"/> and the <see cref="TrainingProgress.Percent"/> of the whole run done, plus
    /// Auto's own report (algorithm "auto") as each candidate starts and when the run ends.
    /// </param>
    /// <param name="cancellationToken">Cancels the selection.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (named).</exception>
    /// <exception cref="ArgumentException">The training set is empty.</exception>
    public AutoSelection Select(InteractionSet train, IProgress<CandidateScore>? candidateProgress = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Check.OpenClosed(ValidationFraction, 0, 0.5, nameof(ValidationFraction));
        Check.Range(K, 1, 1000, nameof(K));
        Check.Range(ThreadCount, 0, Internal.ThreadCount.Max, nameof(ThreadCount));
        Check.NotEmpty(train, "training");
        if (MaxSelectionRows != 0)
        {
            Check.Range(MaxSelectionRows, 1_000, long.MaxValue, nameof(MaxSelectionRows));
        }

        if (TimeBudget is { } limit && (limit <= TimeSpan.Zero || limit > TimeSpan.FromDays(30)))
        {
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), limit, "The time budget must be positive and at most 30 days.");
        }

        var watch = Stopwatch.StartNew();
        var full = train;
        train = SelectionSample(train, MaxSelectionRows, SeedValue);
        var candidates = _settings.Candidates ?? DefaultCandidates();
        var scores = new List<CandidateScore>(candidates.Count);
        // Progress: one unit per fit (with its validation), planned with the most tuning steps any candidate could take
        // until the winner is known, then exactly; so the percentage only moves forward.
        var plan = new AutoProgress(progress, watch);
        plan.Plan(candidates.Count + (TuneWinner ? candidates.Max(AutoCandidates.TuningSteps) : 0) + (BlendRunnerUp ? 1 : 0) + 1);
        InteractionSet inner, validation;
        try
        {
            (inner, validation) = train.SplitPerUser(ValidationFraction, SeedValue);
        }
        catch (ArgumentException)
        {
            // Every user has a single row: nothing to validate on; the first candidate is used as is.
            var only = candidates[0];
            scores.Add(new CandidateScore(only.Algorithm, only.Parameters, double.NaN, double.NaN, 0, "no user has two rows, so no validation split exists"));
            plan.Plan(1);
            var single = only.Fit(full, plan.Begin(CandidateScore.RefitStage, only.Algorithm), cancellationToken);
            plan.Finish();
            return new AutoSelection(single, only.Algorithm, scores, 0, watch.Elapsed.TotalSeconds) { SelectionRows = train.Count };
        }

        var best = -1;
        var bestNdcg = double.NegativeInfinity;
        var users = 0;
        RecommenderModel? lastModel = null;
        double Score(IRecommenderBuilder candidate, string stage, string label)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TimeBudget is { } budget && scores.Count > 0 && watch.Elapsed > budget)
            {
                lastModel = null;
                var skipped = new CandidateScore(candidate.Algorithm, candidate.Parameters, double.NaN, double.NaN, 0, $"the time budget of {budget.TotalSeconds:0.#} s was spent") { Stage = stage };
                scores.Add(skipped);
                plan.End();
                candidateProgress?.Report(skipped);
                return double.NaN;
            }

            var fitProgress = plan.Begin(stage, label);
            var start = watch.Elapsed.TotalSeconds;
            CandidateScore score;
            var ndcg = double.NaN;
            lastModel = null;
            try
            {
                var model = candidate.Fit(inner, fitProgress, cancellationToken);
                var m = Evaluation.RankingCore(model, validation, new RankingOptions { K = K }, auc: false, cancellationToken);
                lastModel = model;
                users = m.Users;
                ndcg = m.Ndcg;
                score = new CandidateScore(candidate.Algorithm, candidate.Parameters, m.Ndcg, m.Recall, watch.Elapsed.TotalSeconds - start, null) { Stage = stage };
            }
            catch (Exception e) when (e is ArgumentException or InsufficientMemoryException or NotSupportedException or TrainingDivergedException)
            {
                score = new CandidateScore(candidate.Algorithm, candidate.Parameters, double.NaN, double.NaN, watch.Elapsed.TotalSeconds - start, e.Message) { Stage = stage };
            }

            scores.Add(score);
            plan.End();
            candidateProgress?.Report(score);
            return ndcg;
        }

        var validationModels = new RecommenderModel?[candidates.Count];
        var selectionNdcg = new double[candidates.Count];
        for (var c = 0; c < candidates.Count; c++)
        {
            var ndcg = Score(candidates[c], CandidateScore.SelectionStage, candidates[c].Algorithm);
            selectionNdcg[c] = ndcg;
            validationModels[c] = BlendRunnerUp ? lastModel : null; // kept for the blend stage only
            if (ndcg > bestNdcg)
            {
                bestNdcg = ndcg;
                best = c;
            }
        }

        if (best < 0)
        {
            throw new InvalidOperationException($"No candidate could be trained on {train.SourceName}: " + string.Join("; ", scores.Select(s => $"{s.Algorithm}: {s.Skipped}")));
        }

        var chosen = candidates[best];
        var chosenModel = validationModels[best];

        // The runner-up for the blend stage: the best selection candidate of another algorithm (its defaults,
        // untuned; tuning keeps the winner's algorithm). Only its and the winner's validation models are kept.
        var runnerUp = -1;
        for (var c = 0; c < candidates.Count; c++)
        {
            if (validationModels[c] is not null && candidates[c].Algorithm != chosen.Algorithm && candidates[c] is not BlendBuilder
                && (runnerUp < 0 || selectionNdcg[c] > selectionNdcg[runnerUp]))
            {
                runnerUp = c;
            }
        }

        var runnerUpModel = runnerUp >= 0 ? validationModels[runnerUp] : null;
        Array.Clear(validationModels);
        plan.Plan(candidates.Count + (TuneWinner ? AutoCandidates.TuningSteps(chosen) : 0) + (BlendRunnerUp && runnerUpModel is not null && chosen is not BlendBuilder ? 1 : 0) + 1);
        if (TuneWinner)
        {
            foreach (var axis in AutoCandidates.TuningAxes(chosen))
            {
                IRecommenderBuilder? step = null;
                var stepNdcg = bestNdcg * (1 + AutoCandidates.TuningMargin);
                RecommenderModel? stepModel = null;
                foreach (var variant in axis(chosen))
                {
                    var ndcg = Score(variant, CandidateScore.TuningStage, AutoCandidates.Describe(variant, chosen));
                    if (ndcg > stepNdcg)
                    {
                        stepNdcg = ndcg;
                        step = variant;
                        stepModel = BlendRunnerUp ? lastModel : null;
                    }
                }

                if (step is not null)
                {
                    chosen = step;
                    chosenModel = stepModel;
                    bestNdcg = stepNdcg;
                }
            }
        }

        if (BlendRunnerUp && chosenModel is not null && chosen is not BlendBuilder && !(TimeBudget is { } spent && watch.Elapsed > spent))
        {
            if (runnerUpModel is not null)
            {
                BlendBuilder? bestBlend = null;
                var blendNdcg = bestNdcg * (1 + AutoCandidates.TuningMargin);
                var start = watch.Elapsed.TotalSeconds;
                plan.Begin(CandidateScore.BlendStage, $"blend of {chosen.Algorithm} and {candidates[runnerUp].Algorithm}");
                var weights = AutoCandidates.BlendWeights;
                var metrics = BlendValidation.Evaluate(chosenModel, runnerUpModel, weights, validation, K, Internal.ThreadCount.Effective(ThreadCount), cancellationToken);
                var seconds = (watch.Elapsed.TotalSeconds - start) / weights.Length; // one pass scored every weight
                plan.End();
                for (var v = 0; v < weights.Length; v++)
                {
                    var builder = Recommenders.Blend(chosen, candidates[runnerUp]).Weights(weights[v], 1 - weights[v]);
                    var score = new CandidateScore(builder.Algorithm, builder.Parameters, metrics[v].Ndcg, metrics[v].Recall, seconds, null) { Stage = CandidateScore.BlendStage };
                    scores.Add(score);
                    candidateProgress?.Report(score);
                    if (metrics[v].Ndcg > blendNdcg)
                    {
                        blendNdcg = metrics[v].Ndcg;
                        bestBlend = builder;
                    }
                }

                if (bestBlend is not null)
                {
                    chosen = bestBlend;
                    bestNdcg = blendNdcg;
                }
            }
        }

        var label = chosen.Parameters.TryGetValue("components", out var parts) && chosen.Parameters.TryGetValue("weights", out var w) ? $"blend of {parts} weights {w}" : chosen.Algorithm;
        var winner = chosen.Fit(full, plan.Begin(CandidateScore.RefitStage, label), cancellationToken);
        plan.Finish();
        return new AutoSelection(winner, chosen.Algorithm, scores, users, watch.Elapsed.TotalSeconds) { SelectionRows = train.Count };
    }

    /// <summary>
    /// The rows selection trains on: all of <paramref name="train"/> when it holds at most <paramref name="maxRows"/> rows
    /// (or the cap is 0), otherwise whole users in a seeded random order until the sample reaches the cap. The sample keeps
    /// the set's id maps, so its models score the same catalogue.
    /// </summary>
    internal static InteractionSet SelectionSample(InteractionSet train, long maxRows, int seed)
    {
        if (maxRows == 0 || train.Count <= maxRows)
        {
            return train;
        }

        var order = new int[train.UserCount];
        for (var u = 0; u < order.Length; u++)
        {
            order[u] = u;
        }

        new Random(seed).Shuffle(order);
        var rows = new List<int>((int)Math.Min(maxRows + 1_000, train.Count));
        var users = 0;
        foreach (var u in order)
        {
            var own = train.RowsOfUser(u);
            if (own.Length == 0)
            {
                continue;
            }

            foreach (var r in own)
            {
                rows.Add(r);
            }

            users++;
            if (rows.Count >= maxRows)
            {
                break;
            }
        }

        rows.Sort(); // the sample keeps the set's row order
        return train.Subset(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows), $"{train.SourceName} (selection sample: {users} users, {rows.Count} rows, seed {seed})");
    }

    private sealed record Settings(IReadOnlyList<IRecommenderBuilder>? Candidates, double ValidationFraction, int Seed, int K, int Threads, bool Tune, bool Blend, long MaxSelectionRows, TimeSpan? Budget);
}

/// <summary>The default candidate list of <see cref="Recommenders.Auto"/>.</summary>
internal static class AutoCandidates
{
    public static IEnumerable<IRecommenderBuilder> Defaults() => AlgorithmRegistry.All.Where(a => a.AutoCandidate).Select(a => a.Create());

    /// <summary>Relative validation gain a tuning step (or a blend) must exceed to be kept (below it, the split's noise decides).</summary>
    public const double TuningMargin = 0.005;

    /// <summary>How many tuning fits <see cref="TuningAxes"/> makes for a winner of this algorithm.</summary>
    public static int TuningSteps(IRecommenderBuilder builder) => TuningAxes(builder).Sum(axis => axis(builder).Count);

    /// <summary>A tuning variant for progress reports: its algorithm and the parameters that differ from the current winner's.</summary>
    public static string Describe(IRecommenderBuilder variant, IRecommenderBuilder current)
    {
        var changed = variant.Parameters.Where(p => !current.Parameters.TryGetValue(p.Key, out var v) || v != p.Value).Select(p => $"{p.Key}={p.Value}");
        return string.Join(" ", changed.Prepend(variant.Algorithm));
    }

    /// <summary>The winner's weights tried by the blend stage (the runner-up gets the rest).</summary>
    public static readonly double[] BlendWeights = [0.8, 0.65, 0.5, 0.35, 0.2];

    /// <summary>The knobs worth tuning for a builder's algorithm, from its registration (none for an unregistered builder).</summary>
    public static IReadOnlyList<Func<IRecommenderBuilder, IReadOnlyList<IRecommenderBuilder>>> TuningAxes(IRecommenderBuilder builder) =>
        AlgorithmRegistry.ForBuilder(builder)?.TuningAxes ?? [];
}

/// <summary>
/// The blend stage's validation: both models score each validation user once, and every weight's blend is ranked
/// from those two score vectors (the arithmetic of <see cref="BlendModel"/>), so trying five weights costs
/// about one evaluation of each model.
/// </summary>
internal static class BlendValidation
{
    public static RankingMetrics[] Evaluate(RecommenderModel first, RecommenderModel second, IReadOnlyList<double> firstWeights, InteractionSet validation, int k, int threads, CancellationToken cancellationToken)
    {
        var cases = Evaluation.Cases(first, validation, new RankingOptions { K = k }, out _);
        return RankingEvaluator.EvaluateVariants(cases, first.ItemIds.Count, k, firstWeights.Count, () => new Scorer(first, second, firstWeights), threads, cancellationToken);
    }

    private sealed class Scorer(RecommenderModel first, RecommenderModel second, IReadOnlyList<double> firstWeights) : RankingEvaluator.IVariantScorer
    {
        private readonly float[] _a = new float[first.ItemIds.Count];
        private readonly float[] _b = new float[first.ItemIds.Count];
        private (double Mean, double Sd) _ma;
        private (double Mean, double Sd) _mb;

        public void Prepare(int user)
        {
            first.ScoreUser(user, _a);
            second.ScoreUser(user, _b);
            var seen = first.SeenItems(user);
            _ma = BlendModel.Moments(_a, seen);
            _mb = BlendModel.Moments(_b, seen);
        }

        public void Score(int variant, Span<float> scores)
        {
            scores.Clear();
            BlendModel.AddStandardised(scores, _a, _ma, firstWeights[variant]);
            BlendModel.AddStandardised(scores, _b, _mb, 1 - firstWeights[variant]);
        }
    }
}

/// <summary>
/// The progress of one <see cref="AutoRecommenderBuilder.Select"/>: counts its fits (units), labels every report of a fit
/// with the stage, the candidate and the percentage of the run done, and reports each unit's start itself.
/// </summary>
internal sealed class AutoProgress(IProgress<TrainingProgress>? outer, Stopwatch watch)
{
    private int _done;
    private int _total = 1;
    private double _percent;
    private string _stage = CandidateScore.SelectionStage;
    private string _candidate = "";
    private string _device = "auto";

    /// <summary>Sets the units planned (only ever lowered once known exactly, so the percentage never goes back).</summary>
    public void Plan(int units) => _total = Math.Max(units, _done + 1);

    /// <summary>A unit starts: reports it and returns the progress its fit reports into (null without a listener).</summary>
    public IProgress<TrainingProgress>? Begin(string stage, string candidate)
    {
        if (outer is null)
        {
            return null;
        }

        (_stage, _candidate) = (stage, candidate);
        Own();
        return new SynchronousProgress<TrainingProgress>(r =>
        {
            _device = r.Device;
            var within = r.TotalIterations > 0 ? Math.Clamp((double)r.Iteration / r.TotalIterations, 0, 1) : 0;
            outer.Report(r with { Stage = _stage, Candidate = _candidate, Percent = Advance(_done + within) });
        });
    }

    /// <summary>The current unit is done.</summary>
    public void End() => _done = Math.Min(_done + 1, _total);

    /// <summary>The run is done: a last report at 100 %.</summary>
    public void Finish()
    {
        _done = _total;
        if (outer is not null)
        {
            Own();
        }
    }

    private void Own() => outer!.Report(new TrainingProgress("auto", _done, _total, double.NaN, watch.Elapsed, _device) { Stage = _stage, Candidate = _candidate, Percent = Advance(_done) });

    private double Advance(double units) => _percent = Math.Max(_percent, Math.Min(100, 100 * units / _total));
}
