using System.Diagnostics;

namespace CrossRec.Algorithms.Rp3Beta;

/// <summary>
/// Immutable fluent builder of an <see cref="Rp3BetaModel"/>: each call returns a new builder, so a configured
/// builder can be shared and reused. Options are validated by <see cref="Fit"/>.
/// </summary>
[OptionSetters(typeof(Rp3BetaOptions), Kernel = typeof(IRp3BetaKernel))]
public sealed partial class Rp3BetaBuilder : IRecommenderBuilder
{
    /// <inheritdoc />
    public string Algorithm => "rp3beta";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Parameters => Options.ToParameters();

    /// <summary>Validates the options and builds the model.</summary>
    /// <param name="train">Training interactions; values are used as <see cref="Rp3BetaOptions.Values"/> says.</param>
    /// <param name="progress">Receives one report when the weights are built.</param>
    /// <param name="cancellationToken">Checked between blocks of items.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    /// <exception cref="ArgumentException">The training set is empty.</exception>
    /// <exception cref="NotSupportedException">The requested engine has no RP3beta kernel.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public Rp3BetaModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = Options;
        o.Validate();
        Check.NotEmpty(train, "training");

        cancellationToken.ThrowIfCancellationRequested();
        var (engine, kernel, note) = EngineResolver.ResolveKernel<IRp3BetaKernel>(_device, _engine, Algorithm);
        var watch = Stopwatch.StartNew();
        var m = train.ToMatrix();

        // The value transform happens once, before the seam; the seen items below are the matrix's own rows, so these
        // strengths are also the users' score weights.
        var strengths = Rp3BetaStrength.OfAll(o.Values, m.UserValues);
        float[] edges;
        if (strengths is null)
        {
            edges = new float[m.NonZeros];
            Array.Fill(edges, 1f);
        }
        else
        {
            edges = strengths;
        }

        var walk = new Rp3BetaWalkOptions
        {
            Neighbors = o.Neighbors,
            Alpha = o.Alpha,
            Beta = o.Beta,
            NormalizeRows = o.NormalizeRows,
            Threads = o.Threads,
            Deterministic = o.Deterministic,
        };
        var weights = kernel.Walk(m, edges, walk, cancellationToken);
        if (weights.ItemCount != m.ItemCount)
        {
            throw new InvalidOperationException($"The {engine.Name} engine returned weight lists for {weights.ItemCount} items; the data has {m.ItemCount}.");
        }

        var report = new TrainingProgress(Algorithm, 1, 1, double.NaN, watch.Elapsed, engine.Name);
        progress?.Report(report);
        var info = new RecommenderTrainingInfo(Algorithm, engine.Name, Parameters, 0, watch.Elapsed.TotalSeconds, [], ThreadCount.Join(note, ThreadCount.ClampWarning(o.Threads, "Rp3BetaOptions.Threads")));
        var (offsets, items, values) = RecommenderModel.SeenFrom(train);
        var settings = new Rp3BetaModel.Settings(o.Values, o.Alpha, o.Beta, o.NormalizeRows);
        return new Rp3BetaModel(train.UserIds, train.ItemIds, weights, settings, offsets, items, values, train.Domains, train.HasDomains ? train.ItemDomains.ToArray() : null, info, strengths);
    }

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);
}
