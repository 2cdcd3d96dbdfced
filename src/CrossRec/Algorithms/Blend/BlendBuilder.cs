using System.Diagnostics;
namespace CrossRec.Algorithms.Blend;

/// <summary>Trains a <see cref="BlendModel"/>. Immutable fluent builder.</summary>
public sealed class BlendBuilder : IRecommenderBuilder
{
    private readonly IRecommenderBuilder[] _components;
    private readonly double[] _weights;

    internal BlendBuilder(IRecommenderBuilder[] components, double[] weights)
    {
        _components = components;
        _weights = weights;
    }

    /// <inheritdoc />
    public string Algorithm => BlendModel.Kind;

    /// <summary>The component builders, in order.</summary>
    public IReadOnlyList<IRecommenderBuilder> Components => _components;

    /// <summary>The components' weights (normalised to sum to 1).</summary>
    public IReadOnlyList<double> ComponentWeights => _weights;

    /// <inheritdoc />
    /// <remarks>"components" (the algorithms, comma-separated), "weights" (comma-separated, four decimals), and each
    /// component's own parameters prefixed with its position and algorithm ("0.ials.factors", ...).</remarks>
    public IReadOnlyDictionary<string, string> Parameters
    {
        get
        {
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["components"] = string.Join(",", _components.Select(c => c.Algorithm)),
                ["weights"] = string.Join(",", _weights.Select(w => w.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))),
            };
            for (var m = 0; m < _components.Length; m++)
            {
                foreach (var (key, value) in _components[m].Parameters)
                {
                    parameters[$"{m}.{_components[m].Algorithm}.{key}"] = value;
                }
            }

            return parameters;
        }
    }

    /// <summary>The weights of the components, in order (finite, non-negative, not all zero; normalised to sum to 1).</summary>
    /// <exception cref="ArgumentException">Not one weight per component, or a weight that is negative or not finite, or all zero.</exception>
    public BlendBuilder Weights(params double[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return new BlendBuilder(_components, BlendModel.CheckWeights(_components.Length, weights));
    }

    /// <summary>Trains every component on <paramref name="train"/> (in order, progress forwarded) and blends them.</summary>
    /// <exception cref="ArgumentException">The training set is empty, or a component's options refuse it.</exception>
    public BlendModel Fit(InteractionSet train, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Check.NotEmpty(train, "training");

        var watch = Stopwatch.StartNew();
        var models = new RecommenderModel[_components.Length];
        for (var m = 0; m < models.Length; m++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            models[m] = _components[m].Fit(train, progress, cancellationToken);
        }

        return Create(models, watch.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    RecommenderModel IRecommenderBuilder.Fit(InteractionSet train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) => Fit(train, progress, cancellationToken);

    /// <summary>The blend of already-fitted components with this builder's weights and a training info naming them.</summary>
    internal BlendModel Create(RecommenderModel[] models, double seconds)
    {
        var devices = string.Join(",", models.Select(m => m.Training?.Device ?? "?").Distinct());
        var note = ThreadCount.Join(models.Select(m => m.Training?.Note).ToArray());
        var iterations = models.Sum(m => m.Training?.Iterations ?? 0);
        var info = new RecommenderTrainingInfo(BlendModel.Kind, devices, Parameters, iterations, seconds, [], note);
        return BlendModel.Create(models, _weights, info);
    }
}
