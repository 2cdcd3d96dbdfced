using System.Diagnostics;
using CrossRec.Algorithms.Blend;
using CrossRec.Algorithms.Hybrid;
using CrossRec.Algorithms.Mapped;

namespace CrossRec.Algorithms.Auto;

/// <summary>What a model chosen by <see cref="FeatureAutoBuilder"/> will mostly be asked, which decides how candidates are validated.</summary>
public enum AutoRequest
{
    /// <summary>Top-N for users with history, over the whole catalogue (Auto's usual per-user validation split).</summary>
    WarmUsers = 0,

    /// <summary>Rank items that have no interactions yet, among themselves (an allow-list of new items): an item cold-start split, new items only.</summary>
    NewItems = 1,

    /// <summary>Rank new items against the whole catalogue: an item cold-start split, whole catalogue.</summary>
    NewItemsInCatalogue = 2,

    /// <summary>Serve users known only by attributes: a user cold-start split.</summary>
    NewUsers = 3,
}

/// <summary>What <see cref="FeatureAutoBuilder.Select"/> chose and why.</summary>
/// <param name="Model">The chosen model refitted on all of the training data.</param>
/// <param name="Choice">The chosen candidate, as listed in <paramref name="Candidates"/>.</param>
/// <param name="Request">The request it was validated for.</param>
/// <param name="Candidates">Every candidate's validation score (<see cref="CandidateScore.Stage"/> names the protocol).</param>
/// <param name="Warm">Auto's own collaborative selection, for <see cref="AutoRequest.WarmUsers"/>; otherwise null.</param>
/// <param name="Seconds">Total seconds.</param>
public sealed record FeatureAutoSelection(RecommenderModel Model, string Choice, AutoRequest Request, IReadOnlyList<CandidateScore> Candidates, AutoSelection? Warm, double Seconds)
{
    /// <summary>Training rows the validation used: Auto's selection sample (all of them unless <see cref="AutoRecommenderBuilder.MaxSelectionRows"/> sampled users).</summary>
    public int SelectionRows { get; init; }
}

/// <summary>
/// <see cref="Recommenders.Auto"/> with side features: chooses between the hybrid model (<see cref="Recommenders.Hybrid()"/>),
/// collaborative models mapped to features (<see cref="Recommenders.Mapped"/>) and Auto's own collaborative selection
/// by the validation protocol that fits the request, on a split made inside the training data (seeded with Auto's seed).
/// Immutable fluent builder.
/// </summary>
/// <remarks>
/// <para><see cref="AutoRequest.WarmUsers"/>: Auto's usual selection on its per-user split, against the hybrid on the same
/// split; when a collaborative model wins it is returned mapped to the features (warm scores unchanged, new items and
/// attribute users served through the map), so features never cost warm users anything.</para>
/// <para><see cref="AutoRequest.NewItems"/> and <see cref="AutoRequest.NewItemsInCatalogue"/>: 20 % of the training items
/// held out with all their interactions (<see cref="ColdStart.SplitItems"/>); the hybrid and every mapped base (Auto's
/// default candidates except popularity) with the item map's ridge penalty at 10, 30 and 100, and for the whole
/// catalogue the new items' shift at 0, 1, 2 and 3; NDCG@K of the held-out items.</para>
/// <para><see cref="AutoRequest.NewUsers"/>: 20 % of the training users held out (<see cref="ColdStart.SplitUsers"/>); the
/// hybrid and every mapped base (popularity included, which ignores attributes) with the user map's penalty at 3, 10,
/// 30 and 100 regressing the base model's scores, and once (with the first base) regressing the users' own items
/// (<see cref="MappedUserTarget.Interactions"/>, a ridge form of segment popularity) and taking the segments' shares
/// themselves (<see cref="MappedUserTarget.Segments"/>, segment popularity as a model); NDCG@K over the whole catalogue.</para>
/// <para>For every cold request the best candidate of each family (the hybrid; a mapped model of each base algorithm) is
/// kept, and the two best families are blended (<see cref="Recommenders.Blend"/>: each one's scores standardised per
/// user) with the first one's weight at each of Auto's blend weights, on the same split (stage
/// <see cref="CandidateScore.BlendStage"/>); a blend is chosen only when it validates best. Components whose catalogues
/// differ cannot be blended: the blend is then listed as skipped, with the reason. A candidate with the hybrid in it
/// (alone or blended) is chosen only when it beats the best candidate without it by more than one standard error of
/// their paired per-user difference; otherwise that candidate is chosen (the hybrid's fit, paid again at the refit,
/// costs tens of a collaborative one).</para>
/// <para>Every request validates on Auto's selection sample (whole users, up to <see cref="AutoRecommenderBuilder.MaxSelectionRows"/>
/// rows); only the chosen model's refit sees all the training rows. With Auto's time budget
/// (<see cref="AutoRecommenderBuilder.Budget"/>), once it is spent every further candidate is skipped and listed with the
/// reason (a cold request scores at least one); the hybrid, whose fit costs tens of a collaborative one, is tried after
/// the collaborative bases.</para>
/// </remarks>
public sealed class FeatureAutoBuilder : IRecommenderBuilder
{
    /// <summary>Share of items or users a cold-start validation split holds out.</summary>
    public const double ColdValidationFraction = 0.2;

    private static readonly float[] ItemPenalties = [10f, 30f, 100f];
    private static readonly float[] UserPenalties = [3f, 10f, 30f, 100f];
    private static readonly float[] Shifts = [0f, 1f, 2f, 3f];

    internal FeatureAutoBuilder(AutoRecommenderBuilder auto, FeatureSet? itemFeatures, FeatureSet? userFeatures, AutoRequest request)
    {
        Auto = auto;
        ItemFeatureSet = itemFeatures;
        UserFeatureSet = userFeatures;
        Request = request;
    }

    /// <summary>The Auto settings (seed, cut-off, candidates) the selection uses.</summary>
    public AutoRecommenderBuilder Auto { get; }

    /// <summary>The item features, or null.</summary>
    public FeatureSet? ItemFeatureSet { get; }

    /// <summary>The user attributes, or null.</summary>
    public FeatureSet? UserFeatureSet { get; }

    /// <summary>The request the candidates are validated for.</summary>
    public AutoRequest Request { get; }

    /// <inheritdoc />
    public string Algorithm => "auto";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>(Auto.Parameters, StringComparer.Ordinal)
    {
        ["request"] = Request.ToString(),
        ["itemFeatures"] = ItemFeatureSet is null ? "none" : RecommenderModel.Invariant(ItemFeatureSet.Features.Count),
        ["userFeatures"] = UserFeatureSet is null ? "none" : RecommenderModel.Invariant(UserFeatureSet.Features.Count),
    };

    /// <summary>Item features.</summary>
    public FeatureAutoBuilder ItemFeatures(FeatureSet? features) => new(Auto, features, UserFeatureSet, Request);

    /// <summary>User attributes.</summary>
    public FeatureAutoBuilder UserFeatures(FeatureSet? features) => new(Auto, ItemFeatureSet, features, Request);

    /// <summary>The request to validate for (<see cref="AutoRequest.WarmUsers"/> by default).</summary>
    public FeatureAutoBuilder For(AutoRequest request) => new(Auto, ItemFeatureSet, UserFeatureSet, request);

    /// <inheritdoc />
    public RecommenderModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Select(train, null, progress, cancellationToken).Model;

    /// <summary>Runs the selection for <see cref="Request"/> and returns the winner with every candidate's validation score.</summary>
    /// <exception cref="ArgumentException">The training set is empty, or the request needs features that were not given (item features for new items, user attributes for new users).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The request is not defined.</exception>
    /// <exception cref="InvalidOperationException">No candidate could be trained.</exception>
    public FeatureAutoSelection Select(InteractionSet train, IProgress<CandidateScore>? candidateProgress = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Check.NotEmpty(train, "training");
        if (!Enum.IsDefined(Request))
        {
            throw new ArgumentOutOfRangeException(nameof(Request), Request, "Unknown request.");
        }

        if (ItemFeatureSet is null && UserFeatureSet is null)
        {
            throw new ArgumentException("Auto with features needs ItemFeatures, UserFeatures or both; without them use Recommenders.Auto() alone.", nameof(train));
        }

        if (Request is AutoRequest.NewItems or AutoRequest.NewItemsInCatalogue && ItemFeatureSet is null)
        {
            throw new ArgumentException($"The {Request} request ranks items by their features: give ItemFeatures.", nameof(train));
        }

        if (Request == AutoRequest.NewUsers && UserFeatureSet is null)
        {
            throw new ArgumentException("The NewUsers request serves users by their attributes: give UserFeatures.", nameof(train));
        }

        var watch = Stopwatch.StartNew();
        return Request switch
        {
            AutoRequest.WarmUsers => SelectWarm(train, candidateProgress, progress, watch, cancellationToken),
            AutoRequest.NewUsers => SelectCold(train, candidateProgress, progress, watch, cancellationToken, users: true),
            _ => SelectCold(train, candidateProgress, progress, watch, cancellationToken, users: false),
        };
    }

    private HybridBuilder Hybrid() => Recommenders.Hybrid().ItemFeatures(ItemFeatureSet).UserFeatures(UserFeatureSet).Seed(Auto.SeedValue);

    private FeatureAutoSelection SelectWarm(InteractionSet train, IProgress<CandidateScore>? candidateProgress, IProgress<TrainingProgress>? progress, Stopwatch watch, CancellationToken cancellationToken)
    {
        var warm = Auto.Select(train, candidateProgress, progress, cancellationToken);
        var scores = new List<CandidateScore>(warm.Candidates);
        var best = warm.Candidates.Where(c => double.IsFinite(c.Ndcg)).Select(c => c.Ndcg).DefaultIfEmpty(double.NegativeInfinity).Max();
        var hybridNdcg = double.NaN;
        if (warm.ValidationUsers > 0 && BudgetSpent(watch) is { } spent)
        {
            var hybrid = Hybrid();
            var score = new CandidateScore(hybrid.Algorithm, hybrid.Parameters, double.NaN, double.NaN, 0, spent) { Stage = "warm" };
            scores.Add(score);
            candidateProgress?.Report(score);
        }
        else if (warm.ValidationUsers > 0)
        {
            // The same split of the same selection sample that Auto validated its candidates on.
            var start = watch.Elapsed.TotalSeconds;
            var sample = AutoRecommenderBuilder.SelectionSample(train, Auto.MaxSelectionRows, Auto.SeedValue);
            var (inner, validation) = sample.SplitPerUser(Auto.ValidationFraction, Auto.SeedValue);
            var hybrid = Hybrid();
            var model = hybrid.Fit(inner, null, cancellationToken);
            var m = Evaluation.RankingCore(model, validation, new RankingOptions { K = Auto.K }, auc: false, cancellationToken);
            hybridNdcg = m.Ndcg;
            var score = new CandidateScore(hybrid.Algorithm, hybrid.Parameters, m.Ndcg, m.Recall, watch.Elapsed.TotalSeconds - start, null) { Stage = "warm" };
            scores.Add(score);
            candidateProgress?.Report(score);
        }

        if (hybridNdcg > best)
        {
            return new FeatureAutoSelection(Hybrid().Fit(train, progress, cancellationToken), "hybrid", AutoRequest.WarmUsers, scores, warm, watch.Elapsed.TotalSeconds) { SelectionRows = warm.SelectionRows };
        }

        var mapped = MappedModel.Create(warm.Model, ItemFeatureSet, UserFeatureSet);
        return new FeatureAutoSelection(mapped, "mapped " + warm.Algorithm, AutoRequest.WarmUsers, scores, warm, watch.Elapsed.TotalSeconds) { SelectionRows = warm.SelectionRows };
    }

    private FeatureAutoSelection SelectCold(InteractionSet train, IProgress<CandidateScore>? candidateProgress, IProgress<TrainingProgress>? progress, Stopwatch watch, CancellationToken cancellationToken, bool users)
    {
        ColdItemSplit? itemSplit = null;
        ColdUserSplit? userSplit = null;
        var sample = AutoRecommenderBuilder.SelectionSample(train, Auto.MaxSelectionRows, Auto.SeedValue);
        if (users)
        {
            userSplit = ColdStart.SplitUsers(sample, ColdValidationFraction, Auto.SeedValue);
        }
        else
        {
            itemSplit = ColdStart.SplitItems(sample, ColdValidationFraction, Auto.SeedValue);
        }

        var inner = users ? userSplit!.Train : itemSplit!.Train;
        var stage = users ? "cold-users" : Request == AutoRequest.NewItems ? "cold-items" : "cold-items-catalogue";
        var scores = new List<CandidateScore>();

        ColdStartResult Evaluate(RecommenderModel model)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (users)
            {
                var attributes = (IAttributeRecommender)model;
                var features = UserFeatureSet!;
                return ColdStart.EvaluateUsers(userSplit!, model.ItemIds, (id, s) =>
                {
                    if (features.Ids.Contains(id))
                    {
                        model.ScoreItems(attributes.FoldInAttributes(features.FeaturesOf(id)), s);
                    }
                    else
                    {
                        s.Fill(float.NaN); // a user without attributes cannot be served from them
                    }
                }, Auto.K);
            }

            return ColdStart.EvaluateItems(model, itemSplit!, Request == AutoRequest.NewItems ? ColdItemCandidates.NewItems : ColdItemCandidates.WholeCatalogue, Auto.K);
        }

        // The best candidate of each family (the hybrid, or a mapped model's base algorithm), for the blend stage.
        var families = new Dictionary<string, (double Ndcg, string Name, RecommenderModel Model, IRecommenderBuilder Builder)>(StringComparer.Ordinal);

        // The best candidate, and the best one without the hybrid (see ChooseSimpler).
        var best = new Best();
        var bestPlain = new Best();

        void List(string name, IReadOnlyDictionary<string, string> parameters, double ndcg, double seconds, string? skipped, string stageName)
        {
            var score = new CandidateScore(name, parameters, ndcg, double.NaN, seconds, skipped) { Stage = stageName.Length > 0 ? stageName : stage };
            scores.Add(score);
            candidateProgress?.Report(score);
        }

        void Record(string name, IReadOnlyDictionary<string, string> parameters, ColdStartResult? result, double seconds, string? skipped, Func<RecommenderModel> refitWinner, bool withHybrid, string stageName = "")
        {
            List(name, parameters, result?.Metrics.Ndcg ?? double.NaN, seconds, skipped, stageName);
            best.Offer(name, result, refitWinner);
            if (!withHybrid)
            {
                bestPlain.Offer(name, result, refitWinner);
            }
        }

        // With a time budget every candidate after the first one that could be scored is skipped once the budget is
        // spent, and listed with the reason.
        bool Skip(string name, IReadOnlyDictionary<string, string> parameters, string stageName = "")
        {
            if (best.Refit is null || BudgetSpent(watch) is not { } spent)
            {
                return false;
            }

            List(name, parameters, double.NaN, 0, spent, stageName);
            return true;
        }

        void Keep(string family, string name, double ndcg, RecommenderModel model, IRecommenderBuilder builder)
        {
            if (!(ndcg > (families.TryGetValue(family, out var kept) ? kept.Ndcg : double.NegativeInfinity)))
            {
                return;
            }

            families[family] = (ndcg, name, model, builder);

            // Only the two best families can be blended: drop the others' models (a mapped model holds a features ×
            // items user map) so that at most two validation models stay in memory.
            foreach (var worse in families.OrderByDescending(f => f.Value.Ndcg).Skip(2).Select(f => f.Key).ToList())
            {
                families.Remove(worse);
            }
        }

        // Each collaborative base, fitted once, mapped with every map setting.
        var ownItemMapsTried = false;
        var bases = AutoRecommenderBuilder.DefaultCandidates().Where(b => users || b.Algorithm != "popularity").ToList();
        foreach (var baseBuilder in bases)
        {
            if (Skip("mapped " + baseBuilder.Algorithm, baseBuilder.Parameters))
            {
                continue;
            }

            var start = watch.Elapsed.TotalSeconds;
            RecommenderModel model;
            try
            {
                model = baseBuilder.Fit(inner, null, cancellationToken);
            }
            catch (Exception e) when (e is ArgumentException or InsufficientMemoryException or NotSupportedException or TrainingDivergedException)
            {
                Record("mapped " + baseBuilder.Algorithm, baseBuilder.Parameters, null, watch.Elapsed.TotalSeconds - start, e.Message, () => throw new InvalidOperationException(e.Message), withHybrid: false);
                continue;
            }

            foreach (var options in MapSettings(users))
            {
                if (options.UserTarget != MappedUserTarget.Scores && ownItemMapsTried)
                {
                    continue; // maps of the users' own items do not depend on the base model: tried once, with the first base
                }

                var builder = Recommenders.Mapped(baseBuilder).ItemFeatures(ItemFeatureSet).UserFeatures(UserFeatureSet).WithOptions(options);
                var name = $"mapped {baseBuilder.Algorithm} ({Describe(options, users)})";
                if (Skip(name, builder.Parameters))
                {
                    continue;
                }

                var mapStart = watch.Elapsed.TotalSeconds;
                var mapped = MappedModel.Create(model, ItemFeatureSet, UserFeatureSet, options);
                var result = Evaluate(mapped);
                Record(name, builder.Parameters, result, watch.Elapsed.TotalSeconds - mapStart, null, () => builder.Fit(train, progress, cancellationToken), withHybrid: false);
                Keep("mapped " + baseBuilder.Algorithm, name, result.Metrics.Ndcg, mapped, builder);
            }

            ownItemMapsTried = users;
        }

        // The hybrid, after the collaborative bases: its fit costs tens of theirs, so under a time budget they come first.
        var hybrid = Hybrid();
        if (!Skip("hybrid", hybrid.Parameters))
        {
            var start = watch.Elapsed.TotalSeconds;
            try
            {
                var model = hybrid.Fit(inner, null, cancellationToken);
                var result = Evaluate(model);
                Record("hybrid", hybrid.Parameters, result, watch.Elapsed.TotalSeconds - start, null, () => hybrid.Fit(train, progress, cancellationToken), withHybrid: true);
                Keep("hybrid", "hybrid", result.Metrics.Ndcg, model, hybrid);
            }
            catch (Exception e) when (e is ArgumentException or TrainingDivergedException)
            {
                Record("hybrid", hybrid.Parameters, null, watch.Elapsed.TotalSeconds - start, e.Message, () => hybrid.Fit(train, progress, cancellationToken), withHybrid: true);
            }
        }

        // The two best families blended (Recommenders.Blend: each standardised per user), the first's weight at each of
        // Auto's blend weights: models of different families err differently.
        var pair = families.Values.Where(f => double.IsFinite(f.Ndcg)).OrderByDescending(f => f.Ndcg).Take(2).ToArray();
        if (pair.Length == 2)
        {
            var blendHasHybrid = pair.Any(f => f.Builder is HybridBuilder);
            foreach (var weight in AutoCandidates.BlendWeights)
            {
                var blendStart = watch.Elapsed.TotalSeconds;
                var builder = Recommenders.Blend(pair[0].Builder, pair[1].Builder).Weights(weight, 1 - weight);
                var name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"blend of {pair[0].Name} × {weight} + {pair[1].Name} × {1 - weight:0.##}");
                if (Skip(name, builder.Parameters, CandidateScore.BlendStage))
                {
                    continue;
                }

                try
                {
                    var result = Evaluate(BlendModel.Create([pair[0].Model, pair[1].Model], [weight, 1 - weight]));
                    Record(name, builder.Parameters, result, watch.Elapsed.TotalSeconds - blendStart, null, () => builder.Fit(train, progress, cancellationToken), blendHasHybrid, CandidateScore.BlendStage);
                }
                catch (ArgumentException e)
                {
                    // Components whose catalogues differ cannot be blended; say so and keep the single models.
                    Record(name, builder.Parameters, null, watch.Elapsed.TotalSeconds - blendStart, e.Message, () => throw new InvalidOperationException(e.Message), blendHasHybrid, CandidateScore.BlendStage);
                    break;
                }
            }
        }

        if (best.Refit is null)
        {
            throw new InvalidOperationException($"No candidate could be trained on {train.SourceName}: " + string.Join("; ", scores.Select(s => $"{s.Algorithm}: {s.Skipped}")));
        }

        var chosen = ChooseSimpler(best, bestPlain);
        var winner = chosen.Refit!();
        return new FeatureAutoSelection(winner, chosen.Name, Request, scores, null, watch.Elapsed.TotalSeconds) { SelectionRows = sample.Count };
    }

    /// <summary>
    /// The one-standard-error rule for the hybrid: a candidate with the hybrid in it (alone or blended) is kept only when
    /// it beats the best candidate without it by more than one standard error of their paired per-user difference
    /// (t &gt; 1); otherwise the best candidate without it is chosen. The hybrid's fit costs tens of a collaborative one, and
    /// every fit is paid again at the refit on all the rows, so a lead within the validation noise does not pay for it.
    /// </summary>
    internal static Best ChooseSimpler(Best best, Best bestPlain)
    {
        if (ReferenceEquals(best.Result, bestPlain.Result) || bestPlain.Result is null || best.Result is null)
        {
            return best;
        }

        var t = PairedTest.TTest(best.Result.Ndcg, bestPlain.Result.Ndcg).Statistic;
        return t > 1 ? best : bestPlain;
    }

    /// <summary>The best candidate offered so far: its name, its per-user validation result and how to refit it.</summary>
    internal sealed class Best
    {
        public string Name { get; private set; } = "";

        public ColdStartResult? Result { get; private set; }

        public Func<RecommenderModel>? Refit { get; private set; }

        public void Offer(string name, ColdStartResult? result, Func<RecommenderModel> refit)
        {
            if (result is not null && result.Metrics.Ndcg > (Result?.Metrics.Ndcg ?? double.NegativeInfinity))
            {
                (Name, Result, Refit) = (name, result, refit);
            }
        }
    }

    /// <summary>The reason a candidate is skipped once Auto's time budget is spent, or null while it lasts (or there is none).</summary>
    private string? BudgetSpent(Stopwatch watch) => Auto.TimeBudget is { } budget && watch.Elapsed > budget
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the time budget of {budget.TotalSeconds:0.#} s was spent")
        : null;

    private IEnumerable<MappedOptions> MapSettings(bool users)
    {
        if (users)
        {
            foreach (var target in new[] { MappedUserTarget.Scores, MappedUserTarget.Interactions })
            {
                foreach (var lambda in UserPenalties)
                {
                    yield return new MappedOptions { UserRegularization = lambda, UserTarget = target };
                }
            }

            // The segment shares (the content baseline as a model): no penalty to tune.
            yield return new MappedOptions { UserTarget = MappedUserTarget.Segments };
            yield break;
        }

        foreach (var lambda in ItemPenalties)
        {
            foreach (var shift in Request == AutoRequest.NewItemsInCatalogue ? Shifts : [0f])
            {
                yield return new MappedOptions { ItemRegularization = lambda, NewItemShift = shift };
            }
        }
    }

    private static string Describe(MappedOptions o, bool users) => users
        ? o.UserTarget == MappedUserTarget.Segments
            ? "segment shares"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"user λ {o.UserRegularization}{(o.UserTarget == MappedUserTarget.Interactions ? ", interactions" : "")}")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"item λ {o.ItemRegularization}, shift {o.NewItemShift}");
}
