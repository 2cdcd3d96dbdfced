using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using CrossRec.Engines.Cpu.Ease;

namespace CrossRec.Algorithms.Ease;

/// <summary>
/// Immutable fluent builder of an <see cref="EaseModel"/>: each call returns a new builder, so a configured
/// builder can be shared and reused. Options are validated by <see cref="Fit"/>.
/// </summary>
/// <example>
/// <code>
/// var ease = Recommenders.Ease().Fit(train);                  // λ and the kept items from the data
/// var tuned = Recommenders.Ease().Lambda(300).MinItemSupport(2).Fit(train, progress, cancellationToken);
/// </code>
/// </example>
[OptionSetters(typeof(EaseOptions), Kernel = typeof(IGramSolver))]
public sealed partial class EaseBuilder : IRecommenderBuilder
{
    private const string AlgorithmTag = "ease";
    private const int Stages = 3;

    /// <summary>λ as a multiple of the mean diagonal of XᵀX (used while no absolute <see cref="Lambda"/> is set).</summary>
    public EaseBuilder LambdaScale(double scale) => With(Options with { Lambda = null, LambdaScale = scale });

    /// <summary>
    /// Validates the options and trains: builds <c>XᵀX + λI</c> over the kept items, inverts it, and forms
    /// <c>B</c>. Reports three stages through <paramref name="progress"/> (iteration 1: Gram matrix built,
    /// 2: factorised, 3: inverted; the loss is NaN).
    /// </summary>
    /// <param name="train">Training interactions.</param>
    /// <param name="progress">Optional stage reports.</param>
    /// <param name="cancellationToken">Honoured inside the Gram, factorisation and inverse loops.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">The training set is empty, has negative values with <see cref="EaseValues.Log"/>, or keeps no item or more items than <see cref="EaseOptions.MaxGramBytes"/> allows (the message names the option to change).</exception>
    /// <exception cref="TrainingDivergedException">The Gram matrix is not numerically positive definite (λ far too small for the values).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public EaseModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = Options;
        o.Validate();
        Check.NotEmpty(train, "training");

        cancellationToken.ThrowIfCancellationRequested();
        var watch = Stopwatch.StartNew();
        var (engine, solver, note) = EngineResolver.ResolveKernel<IGramSolver>(_device, _engine, Algorithm);
        var matrix = train.ToMatrix();
        var values = o.Values;
        if (values == EaseValues.Auto)
        {
            values = matrix.NonZeros > 0 && TensorPrimitives.Min(matrix.UserValues) < 0 ? EaseValues.Binary : EaseValues.Log;
        }

        var userWeights = EaseModel.Transform(matrix.UserValuesArray, values, train.SourceName);
        var itemWeights = EaseModel.Transform(matrix.ItemValuesArray, values, train.SourceName);

        var support = new int[matrix.ItemCount];
        for (var i = 0; i < support.Length; i++)
        {
            support[i] = matrix.ItemDegree(i);
        }

        var (threshold, rule, cap, capRule) = ChooseSupport(support, o, train.SourceName);
        var (kept, keptIndex) = EaseModel.SelectKept(support, threshold);
        var m = kept.Length;
        if ((long)m * Math.Min(o.WeightsPerItem, Math.Max(0, m - 1)) > Array.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{train.SourceName}: {m:N0} kept items × {nameof(EaseOptions.WeightsPerItem)} {o.WeightsPerItem:N0} weights exceed the largest array .NET holds; lower {nameof(EaseOptions.WeightsPerItem)}."), nameof(train));
        }

        var meanDiagonal = EaseGram.MeanDiagonal(matrix, itemWeights, kept);
        var lambda = o.Lambda ?? (o.LambdaScale * meanDiagonal);
        if (!(lambda > 0) || !double.IsFinite(lambda))
        {
            throw new ArgumentException($"{train.SourceName}: λ = {o.LambdaScale} × mean diagonal {meanDiagonal} is not a positive number (are all values 0?); set {nameof(EaseOptions.Lambda)}.", nameof(train));
        }

        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = ThreadCount.Effective(o.Threads),
            CancellationToken = cancellationToken,
        };
        void Stage(GramSolverStage stage) => Report(progress, stage == GramSolverStage.Factorized ? 2 : 3, watch, engine.Name);
        EaseWeights weights;
        try
        {
            weights = o.Precision == EasePrecision.Double
                ? EaseSolve.Weights(EaseGram.Build<double>(matrix, userWeights, itemWeights, kept, keptIndex, lambda, o.DiagonalPenalty, parallel), m, solver.InvertSpd, o, parallel, () => Report(progress, 1, watch, engine.Name), Stage)
                : EaseSolve.Weights(EaseGram.Build<float>(matrix, userWeights, itemWeights, kept, keptIndex, lambda, o.DiagonalPenalty, parallel), m, solver.InvertSpd, o, parallel, () => Report(progress, 1, watch, engine.Name), Stage);
        }
        catch (ArithmeticException e) when (e is not TrainingDivergedException and not OverflowException)
        {
            throw new TrainingDivergedException($"EASE: XᵀX + λI with λ = {lambda.ToString("G6", CultureInfo.InvariantCulture)} is not numerically positive definite ({e.Message}); raise {nameof(EaseOptions.Lambda)} or use {nameof(EaseOptions.Values)} = {nameof(EaseValues.Log)} or {nameof(EaseValues.Binary)} for extreme values.");
        }

        var seen = RecommenderModel.SeenFrom(train);
        // The options as given, then what this fit decided (the resolved λ, value transform and item cut, and why).
        var parameters = OptionParameters.Of(o);
        parameters["lambda"] = RecommenderModel.Invariant(lambda);
        parameters["lambdaRule"] = o.Lambda is null ? $"{RecommenderModel.Invariant(o.LambdaScale)} x mean diagonal {RecommenderModel.Invariant(meanDiagonal)}" : "explicit";
        parameters["values"] = values.ToString();
        parameters["valuesRule"] = o.Values == EaseValues.Auto ? (values == EaseValues.Log ? "auto: values are non-negative" : "auto: negative values present") : "explicit";
        parameters["minItemSupport"] = RecommenderModel.Invariant(threshold);
        parameters["minItemSupportRule"] = rule;
        parameters["itemCap"] = RecommenderModel.Invariant(cap);
        parameters["itemCapRule"] = capRule;
        parameters["keptItems"] = RecommenderModel.Invariant(m);
        parameters["storedWeights"] = RecommenderModel.Invariant(weights.Count);
        // A default cut of the catalogue is said in the note, not only in the parameters: the items left out are never recommended.
        var pruned = o.MinItemSupport is null && threshold > 1
            ? string.Create(CultureInfo.InvariantCulture, $"EASE kept the {m:N0} items with at least {threshold} training users of {support.Count(c => c > 0):N0} (item cap {cap:N0}: {capRule}); the others are never recommended")
            : null;
        var info = new RecommenderTrainingInfo(AlgorithmTag, engine.Name, parameters, 0, watch.Elapsed.TotalSeconds, [], ThreadCount.Join(ThreadCount.Join(note, pruned), ThreadCount.ClampWarning(o.Threads, "EaseOptions.Threads")));
        return new EaseModel(
            train.UserIds, train.ItemIds, weights, o.WeightsPerItem, threshold, lambda, values,
            seen.Offsets, seen.Items, seen.Values, train.Domains, train.HasDomains ? train.ItemDomains.ToArray() : null, info);
    }

    /// <summary>
    /// The support threshold and how it was chosen, and the item cap the automatic rule works to and what set it; refuses
    /// an explicit threshold that keeps nothing or too much, and a Gram matrix (with the kept weights) larger than the
    /// memory the process may still use, before anything is allocated.
    /// </summary>
    /// <param name="support">Training users of every item.</param>
    /// <param name="o">Validated options.</param>
    /// <param name="source">The data's name, for messages.</param>
    /// <param name="availableBytes">The memory the process may still use (tests); null reads it from the GC.</param>
    internal static (int Threshold, string Rule, int Cap, string CapRule) ChooseSupport(int[] support, EaseOptions o, string source, long? availableBytes = null)
    {
        var maxSupport = 0;
        foreach (var s in support)
        {
            maxSupport = Math.Max(maxSupport, s);
        }

        // count[t] = items with support ≥ t, for t up to the largest support.
        var atLeast = new long[maxSupport + 2];
        foreach (var s in support)
        {
            atLeast[s]++;
        }

        for (var t = maxSupport - 1; t >= 0; t--)
        {
            atLeast[t] += atLeast[t + 1];
        }

        long Kept(int t) => t <= maxSupport ? atLeast[t] : 0;
        var available = availableBytes ?? Available();
        var budget = o.MaxGramBytes ?? Math.Clamp(available / 2, 1L << 10, EaseOptions.MaxGramBytesLimit);
        var budgetRule = o.MaxGramBytes is null
            ? string.Create(CultureInfo.InvariantCulture, $"{nameof(EaseOptions.MaxGramBytes)} auto {Bytes(budget)}, half the {Bytes(available)} available")
            : string.Create(CultureInfo.InvariantCulture, $"{nameof(EaseOptions.MaxGramBytes)} {Bytes(budget)}");
        var entry = EntryBytes(o);
        var byMemory = (int)Math.Min(EaseOptions.MaxOrder, (long)Math.Floor(Math.Sqrt(budget / (double)entry)));
        if (o.MinItemSupport is { } explicitThreshold)
        {
            var m = Kept(explicitThreshold);
            if (m == 0)
            {
                throw new ArgumentException($"{source}: no item has {explicitThreshold} or more training users ({nameof(EaseOptions.MinItemSupport)} = {explicitThreshold}; the most any item has is {maxSupport}); lower {nameof(EaseOptions.MinItemSupport)}.", "train");
            }

            if (m > EaseOptions.MaxOrder || m * m * entry > budget)
            {
                // Advise raising the budget only where it can still be raised.
                var advice = m <= EaseOptions.MaxOrder && budget < EaseOptions.MaxGramBytesLimit && m * m * entry <= EaseOptions.MaxGramBytesLimit
                    ? $"raise {nameof(EaseOptions.MaxGramBytes)} or set {nameof(EaseOptions.MinItemSupport)} (now {explicitThreshold}) higher to prune rare items"
                    : $"set {nameof(EaseOptions.MinItemSupport)} (now {explicitThreshold}) higher to prune rare items (at most {EaseOptions.MaxOrder:N0} items fit EASE's {Bytes(EaseOptions.MaxGramBytesLimit)} limit)";
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{source}: EASE needs n² × {entry} bytes ({o.Precision}) = {Bytes(m * m * entry)} for {m:N0} items; {nameof(EaseOptions.MaxGramBytes)} is {Bytes(budget)}{(o.MaxGramBytes is null ? $" (automatic: half the {Bytes(available)} available)" : "")}; {advice}."),
                    "train");
            }

            CheckAvailable(m, o, source, available);
            return (explicitThreshold, "explicit", byMemory, budgetRule);
        }

        var cap = Math.Min(o.MaxItems, byMemory);
        var capRule = o.MaxItems <= byMemory
            // Without the budget's figures, which follow the memory free at the time: the same fit gives the same file.
            ? string.Create(CultureInfo.InvariantCulture, $"{nameof(EaseOptions.MaxItems)} {o.MaxItems:N0} (the memory budget, {nameof(EaseOptions.MaxGramBytes)} {(o.MaxGramBytes is null ? "auto" : Bytes(budget))}, allows more)")
            : string.Create(CultureInfo.InvariantCulture, $"memory budget, {budgetRule}; {nameof(EaseOptions.MaxItems)} is {o.MaxItems:N0}");
        var threshold = 1;
        while (Kept(threshold) > cap)
        {
            threshold++;
        }

        if (Kept(threshold) == 0)
        {
            throw new ArgumentException($"{source}: no item has a training user.", "train");
        }

        CheckAvailable(Kept(threshold), o, source, available);

        return (threshold, threshold == 1 ? "auto: every item with a training user" : string.Create(CultureInfo.InvariantCulture, $"auto: {Kept(1):N0} items with a training user exceed {cap:N0}"), cap, capRule);
    }

    /// <summary>Bytes per Gram matrix entry in the options' <see cref="EaseOptions.Precision"/>.</summary>
    internal static long EntryBytes(EaseOptions o) => o.Precision == EasePrecision.Single ? sizeof(float) : sizeof(double);

    /// <summary>The memory this process may still use: the GC's total available memory less the managed heap in use.</summary>
    internal static long Available()
    {
        var info = GC.GetGCMemoryInfo();
        return Math.Max(0, info.TotalAvailableMemoryBytes - GC.GetTotalMemory(false));
    }

    /// <summary>
    /// Refuses an item count whose Gram matrix (n² entries of the chosen precision, inverted in place) and kept weights (n × K entries of 8 bytes)
    /// do not fit the memory this process may still use, before allocating them, so a large
    /// <see cref="EaseOptions.MaxGramBytes"/> ends in a clear message rather than an <see cref="OutOfMemoryException"/> half-way through.
    /// </summary>
    internal static void CheckAvailable(long items, EaseOptions o, string source, long available)
    {
        var entry = EntryBytes(o);
        var gram = items * items * entry;
        var need = gram + (items * Math.Min(o.WeightsPerItem, Math.Max(0, items - 1)) * 8);
        if (need > available)
        {
            var fewer = $"set {nameof(EaseOptions.MaxItems)} or {nameof(EaseOptions.MinItemSupport)} to keep fewer items";
            var advice = o.MaxGramBytes is { } explicitBudget && explicitBudget > available
                ? $"lower {nameof(EaseOptions.MaxGramBytes)} (now {Bytes(explicitBudget)}) or leave it unset to size it from the available memory, or {fewer}"
                : fewer;
            if (need - gram > gram / 4)
            {
                advice += $", or lower {nameof(EaseOptions.WeightsPerItem)}";
            }

            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{source}: EASE needs n² × {entry} bytes ({o.Precision}) = {Bytes(gram)} for {items:N0} items (plus {Bytes(need - gram)} of kept weights), more than the {Bytes(available)} this process can still allocate; {advice}."),
                "train");
        }
    }

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes"),
    };

    private static void Report(IProgress<TrainingProgress>? progress, int stage, Stopwatch watch, string device) =>
        progress?.Report(new TrainingProgress(AlgorithmTag, stage, Stages, double.NaN, watch.Elapsed, device));

    /// <inheritdoc />
    public string Algorithm => AlgorithmTag;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters => OptionParameters.Of(Options);

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);
}
