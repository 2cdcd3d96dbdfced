using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace CrossRec.Algorithms.ImplicitAls;

/// <summary>
/// Immutable fluent builder of an <see cref="ImplicitAlsModel"/>: each call returns a new builder, so a
/// configured builder can be shared and reused. Options are validated by <see cref="Fit"/>.
/// </summary>
/// <example>
/// <code>
/// var model = Recommenders.ImplicitAls().Factors(128).Iterations(20).Fit(train, progress, cancellationToken);
/// var top = model.Recommend("196", 10);
/// </code>
/// </example>
[OptionSetters(typeof(ImplicitAlsOptions), Kernel = typeof(IImplicitAlsKernel))]
public sealed partial class ImplicitAlsBuilder : IRecommenderBuilder
{
    /// <summary>Algorithm tag of the models it trains: "ials".</summary>
    public string Algorithm => "ials";

    /// <summary>The hyperparameters it will train with, by name (invariant-culture strings), as recorded in <see cref="RecommenderModel.Training"/>.</summary>
    public IReadOnlyDictionary<string, string> Parameters => OptionParameters.Of(Options);

    /// <summary>Validates the options and trains a model.</summary>
    /// <param name="train">Training interactions; values are confidences' raw input (ratings, counts, or all 1) and must be non-negative.</param>
    /// <param name="progress">Receives one report per iteration, with the full training objective.</param>
    /// <param name="cancellationToken">Checked before every iteration and between blocks of rows.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">The training set is empty or has a negative value (the message names the row).</exception>
    /// <exception cref="NotSupportedException">An explicit engine or <see cref="Device.Cuda"/> lacks the implicit ALS kernel.</exception>
    /// <exception cref="TrainingDivergedException">The factors became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public ImplicitAlsModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var options = Options;
        options.Validate();
        Check.NotEmpty(train, "training");

        var r = FirstNegative(train.Values);
        if (r >= 0)
        {
            throw new ArgumentException(
                $"{train.SourceName}: row {r} (user '{train.UserIds[train.Users[r]]}', item '{train.ItemIds[train.Items[r]]}') has value {train.Values[r]}; implicit ALS needs non-negative values (the confidence is 1 + α·f(value)).",
                nameof(train));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var watch = Stopwatch.StartNew();
        var (engine, kernel, note) = EngineResolver.ResolveKernel<IImplicitAlsKernel>(_device, _engine, Algorithm);
        var matrix = train.ToMatrix();
        var parameters = OptionParameters.Of(options);
        if (options.NormalizeConfidence)
        {
            options = options with { Alpha = EffectiveAlpha(options, matrix.UserValuesArray), NormalizeConfidence = false };
        }

        parameters["effectiveAlpha"] = RecommenderModel.Invariant(options.Alpha);
        var k = options.Factors;
        var userFactors = new float[checked(matrix.UserCount * k)];
        var itemFactors = new float[checked(matrix.ItemCount * k)];
        Initialise(options.Seed, userFactors, itemFactors);
        IReadOnlyList<TrainingProgress> history;
        using (var session = kernel.Start(matrix, options, userFactors, itemFactors))
        {
            (history, _) = TrainingLoop.Run(
                Algorithm,
                engine.Name,
                options.Iterations,
                (_, token) => (session.Iterate(token), null),
                $"regularization {RecommenderModel.Invariant(options.Regularization)} (Regularization) is too small, or alpha {RecommenderModel.Invariant(options.Alpha)} (Alpha) too large, for these values",
                session.FactorsFinite,
                progress,
                cancellationToken);
            session.CopyFactors(userFactors, itemFactors);
        }

        var info = new RecommenderTrainingInfo(Algorithm, engine.Name, parameters, options.Iterations, watch.Elapsed.TotalSeconds, history, ThreadCount.Join(note, ThreadCount.ClampWarning(options.Threads, "ImplicitAlsOptions.Threads")));
        return new ImplicitAlsModel(RecommenderModel.CommonFrom(train, info), k, userFactors, itemFactors, options);
    }

    /// <summary>Index of the first value that is negative or NaN, or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one pass over every row before the first iteration
    private static int FirstNegative(ReadOnlySpan<float> values)
    {
        for (var r = 0; r < values.Length; r++)
        {
            if (!(values[r] >= 0f))
            {
                return r;
            }
        }

        return -1;
    }

    /// <summary>α divided by the mean of f(r) over the summed training values (α itself when that mean is 0 or the result leaves the valid range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float EffectiveAlpha(ImplicitAlsOptions options, ReadOnlySpan<float> values)
    {
        var unit = options with { Alpha = 1f };
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += unit.ConfidenceOf(v) - 1f;
        }

        var mean = sum / Math.Max(1, values.Length);
        var alpha = (float)(options.Alpha / mean);
        return mean > 0 && float.IsFinite(alpha) && alpha > 0f && alpha <= 1e6f ? alpha : options.Alpha;
    }

    /// <summary>The engine-independent start: uniform in [0, 0.01), users then items, from one seeded generator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Initialise(int seed, Span<float> userFactors, Span<float> itemFactors)
    {
        var rng = new Random(seed);
        for (var n = 0; n < userFactors.Length; n++)
        {
            userFactors[n] = rng.NextSingle() * 0.01f;
        }

        for (var n = 0; n < itemFactors.Length; n++)
        {
            itemFactors[n] = rng.NextSingle() * 0.01f;
        }
    }

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);
}
