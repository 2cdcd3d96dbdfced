using CrossRec.Persistence;

namespace CrossRec.Algorithms.Blend;

/// <summary>
/// A weighted blend of recommenders trained on the same data: for a user, each component's scores are
/// standardised over the items the user has not seen (z = (s − mean) / standard deviation), and the blend
/// scores <c>Σ wₘ·zₘ</c>. Standardising puts scores of different kinds (ALS dot products, EASE regression
/// weights, item-kNN similarity sums) on one scale, so the weights mean what they say; a component whose
/// scores are constant for a user contributes nothing for that user.
/// </summary>
/// <remarks>
/// <para>Models of different families make different mistakes: on MovieLens 100K and Last.fm a blend of implicit
/// ALS and EASE ranks better than either alone (see the README's accuracy section), which is why
/// <see cref="Recommenders.Auto"/> tries blending its two best candidates, with the weight chosen on its
/// validation split. <see cref="RecommenderModel.SimilarItems(string, int, RecommendFilter?)"/> blends the
/// components' item similarities the same way. When every component can explain its scores, so can the blend:
/// an item's contribution is the sum over components of wₘ / sdₘ × its contribution to component m's score, so
/// the contributions rank the user's items by their share of the blended score (which also holds the constant
/// −Σ wₘ·meanₘ / sdₘ that no single item owns).</para>
/// <para>Saved as one file holding every component's own (checksummed) model file; loading checks that the
/// components have the blend's users and items, in the same order.</para>
/// <para>When every weighted component serves users known by attributes (<see cref="IAttributeRecommender"/>: the
/// hybrid, mapped models), so does the blend: <see cref="FoldInAttributes"/> folds the user into each component and the
/// blend standardises their scores over the whole catalogue, as for any user.</para>
/// </remarks>
public sealed class BlendModel : RecommenderModel, IAttributeRecommender
{
    internal const string Kind = "blend";

    /// <summary>The most components a blend holds.</summary>
    public const int MaxComponents = 8;

    private readonly RecommenderModel[] _components;
    private readonly double[] _weights;

    private BlendModel(RecommenderModel[] components, double[] weights, CommonSections c)
        : base(c.UserIds, c.ItemIds, c.SeenOffsets, c.SeenItems, c.SeenValues, c.Domains, c.ItemDomains, c.Training)
    {
        _components = components;
        _weights = weights;
    }

    /// <inheritdoc />
    public override string Algorithm => Kind;

    /// <summary>The blended models, in order.</summary>
    public IReadOnlyList<RecommenderModel> Components => _components;

    /// <summary>Each component's weight, normalised to sum to 1.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>
    /// The user attributes that at least one weighted component reads (empty unless every weighted component serves users
    /// known by attributes). <see cref="FoldInAttributes"/> hands every attribute to every weighted component.
    /// </summary>
    public IdMap UserFeatures => AttributeComponents() is { } components
        ? IdMap.Create("user feature", components.OfType<IAttributeRecommender>().SelectMany(c => c.UserFeatures).Distinct(StringComparer.Ordinal))
        : IdMap.Empty("user feature");

    /// <summary>
    /// Places a user the blend has not seen from their attributes: each weighted component folds them in its own way, and
    /// the blend scores the standardised sum of the components' scores over the whole catalogue.
    /// </summary>
    /// <exception cref="NotSupportedException">A weighted component cannot serve users known by attributes (the message names it).</exception>
    /// <exception cref="ArgumentException">No attributes, or a weight that is not finite and above 0.</exception>
    /// <exception cref="KeyNotFoundException">A component does not know an attribute (the message names it).</exception>
    public FoldedUser FoldInAttributes(IEnumerable<KeyValuePair<string, float>> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var components = AttributeComponents() ?? throw new NotSupportedException(
            $"The blend cannot serve users known by attributes: {string.Join(", ", _components.Where((c, m) => _weights[m] > 0 && c is not IAttributeRecommender).Select(c => c.Algorithm))} cannot.");
        var list = attributes.ToList();
        var parts = new FoldedUser?[_components.Length];
        for (var m = 0; m < _components.Length; m++)
        {
            parts[m] = components[m]?.FoldInAttributes(list);
        }

        return new FoldedUser(this, Algorithm, ItemIds.Count, 0f, [], [], []) { Components = parts };
    }

    /// <summary>Each component as an attribute recommender (null where its weight is 0), or null when a weighted one is not.</summary>
    private IAttributeRecommender?[]? AttributeComponents()
    {
        var result = new IAttributeRecommender?[_components.Length];
        for (var m = 0; m < _components.Length; m++)
        {
            if (_weights[m] == 0)
            {
                continue;
            }

            if (_components[m] is not IAttributeRecommender a)
            {
                return null;
            }

            result[m] = a;
        }

        return result;
    }

    internal override string FileKind => Kind;

    /// <summary>The components and weights: <c>blend of ials × 0.35 + ease × 0.65 (943 users, 1682 items)</c>.</summary>
    public override string ToString() =>
        $"blend of {string.Join(" + ", _components.Select((c, m) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{c.Algorithm} × {_weights[m]:0.##}")))} ({UserIds.Count} users, {ItemIds.Count} items)";

    internal override int ModelFormatVersion => 1;

    /// <summary>
    /// Blends models already trained on the same interactions (the same users and items, in the same order;
    /// the first component's seen items are the blend's).
    /// </summary>
    /// <param name="components">2..<see cref="MaxComponents"/> models.</param>
    /// <param name="weights">One finite, non-negative weight per model, not all zero; normalised to sum to 1.</param>
    /// <param name="training">The training info to record, or null.</param>
    /// <exception cref="ArgumentException">Too few or too many models, a bad weight, a blend inside a blend, or models of different users or items.</exception>
    public static BlendModel Create(IReadOnlyList<RecommenderModel> components, IReadOnlyList<double> weights, RecommenderTrainingInfo? training = null)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(weights);
        var normalised = CheckWeights(components.Count, weights);
        var models = components.ToArray();
        for (var m = 0; m < models.Length; m++)
        {
            var model = models[m] ?? throw new ArgumentException($"Component {m} is null.", nameof(components));
            if (model is BlendModel)
            {
                throw new ArgumentException($"Component {m} is itself a blend; blend its components instead.", nameof(components));
            }

            if (m > 0 && SameIdsProblem(models[0], model) is { } problem)
            {
                throw new ArgumentException($"Component {m} ({model.Algorithm}) was not trained on the same data as component 0 ({models[0].Algorithm}): {problem}.", nameof(components));
            }
        }

        var first = models[0];
        var common = new CommonSections(first.UserIds, first.ItemIds, first.SeenOffsetsArray, first.SeenItemsArray, first.SeenValuesArray, first.Domains, first.ItemDomainsArray, training);
        return new BlendModel(models, normalised, common);
    }

    /// <summary>Loads a blend saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static BlendModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    internal static double[] CheckWeights(int count, IReadOnlyList<double> weights)
    {
        if (count < 2 || count > MaxComponents)
        {
            throw new ArgumentException($"A blend needs 2..{MaxComponents} components; {count} were given.", "components");
        }

        if (weights.Count != count)
        {
            throw new ArgumentException($"{weights.Count} weights were given for {count} components; one per component is needed.", nameof(weights));
        }

        var sum = 0.0;
        for (var m = 0; m < count; m++)
        {
            if (!double.IsFinite(weights[m]) || weights[m] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(weights), weights[m], $"Weight {m} must be finite and non-negative.");
            }

            sum += weights[m];
        }

        if (sum <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), sum, "At least one weight must be positive.");
        }

        return weights.Select(w => w / sum).ToArray();
    }

    internal static BlendModel Read(ModelFileReader file)
    {
        var c = ReadCommon(file, 1);
        var head = file.Section("BLND");
        var count = head.Int32In(2, MaxComponents, "component count");
        var weights = head.Doubles(count);
        head.End();
        double[] normalised;
        try
        {
            normalised = CheckWeights(count, weights);
        }
        catch (ArgumentException e)
        {
            throw head.Fail(e.Message);
        }

        var components = new RecommenderModel[count];
        for (var m = 0; m < count; m++)
        {
            var section = file.Section($"CMP{m}");
            // Read where it lies in the file (verified, then its sections straight into the component's arrays).
            var nested = file.Nested(section, $"{file.Path} (component {m})", null);
            section.End();
            if (nested.Kind == Kind)
            {
                throw section.Fail("a component is itself a blend");
            }

            var model = Recommender.Read(nested);
            var problem = SameIdsProblem(model, c.UserIds, c.ItemIds);
            if (problem is not null)
            {
                throw section.Fail($"component {m} ({model.Algorithm}) does not match the blend: {problem}");
            }

            components[m] = model;
        }

        return new BlendModel(components, normalised, c);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        file.Add("BLND", new PayloadWriter().Int32(_components.Length).Doubles(_weights));
        for (var m = 0; m < _components.Length; m++)
        {
            using var nested = new MemoryStream();
            _components[m].Save(nested);
            file.Add($"CMP{m}", new PayloadWriter().Bytes(nested.GetBuffer().AsSpan(0, (int)nested.Length)));
        }
    }

    internal override void ScoreUser(int user, Span<float> scores) =>
        Blend(scores, SeenItems(user), (model, buffer) => model.ScoreUser(user, buffer));

    internal override void ScoreFolded(FoldedUser user, Span<float> scores)
    {
        if (user.Components is { } parts)
        {
            if (parts.Length != _components.Length)
            {
                throw new ArgumentException($"The user was folded in by a blend of {parts.Length} components; this blend has {_components.Length}.", nameof(user));
            }

            // A user known by attributes: nothing seen, every item standardised.
            Blend(scores, [], (model, buffer) => model.ScoreFolded(parts[Array.IndexOf(_components, model)]!, buffer));
            return;
        }

        // Each component folds the same interactions in its own way (an exact solve, a neighbourhood sum).
        var items = user.SeenItems.ToArray();
        var values = user.Values.ToArray();
        Blend(scores, items, (model, buffer) => model.ScoreFolded(model.FoldInCore(items, values), buffer));
    }

    internal override void ItemSimilarities(int item, Span<float> scores) =>
        Blend(scores, [item], (model, buffer) => model.ItemSimilarities(item, buffer));

    internal override FoldedUser FoldInCore(int[] items, float[] values) => new(this, Algorithm, ItemIds.Count, 0f, [], items, values);

    /// <inheritdoc />
    public override bool CanExplain => _components.All(c => c.CanExplain);

    internal override float ExplainCore(int user, int item, Span<float> contributions)
    {
        var n = ItemIds.Count;
        var seen = SeenItems(user);
        contributions.Clear();
        var buffer = new float[n];
        var part = new float[contributions.Length];
        var score = 0.0;
        for (var m = 0; m < _components.Length; m++)
        {
            if (_weights[m] == 0)
            {
                continue;
            }

            _components[m].ScoreUser(user, buffer);
            var (mean, sd) = Moments(buffer, seen);
            if (!(sd > 0))
            {
                continue;
            }

            var componentScore = _components[m].ExplainCore(user, item, part);
            var scale = _weights[m] / sd;
            score += scale * (componentScore - mean);
            for (var k = 0; k < part.Length; k++)
            {
                contributions[k] += (float)(scale * part[k]);
            }
        }

        return (float)score;
    }

    internal override string? CheckFoldInValue(float value)
    {
        foreach (var model in _components)
        {
            if (model.CheckFoldInValue(value) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private delegate void ComponentScores(RecommenderModel model, Span<float> buffer);

    /// <summary>scores = Σ wₘ · standardise(component m's scores), standardised over the items not in <paramref name="exclude"/>.</summary>
    private void Blend(Span<float> scores, ReadOnlySpan<int> exclude, ComponentScores score)
    {
        var n = scores.Length;
        scores.Clear();
        var rented = System.Buffers.ArrayPool<float>.Shared.Rent(n);
        try
        {
            var buffer = rented.AsSpan(0, n);
            for (var m = 0; m < _components.Length; m++)
            {
                if (_weights[m] == 0)
                {
                    continue;
                }

                score(_components[m], buffer);
                AddStandardised(scores, buffer, Moments(buffer, exclude), _weights[m]);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// scores += w·(s − mean)/sd, in float; NaN scores (items a component cannot rank) stay NaN. Nothing is added
    /// when the deviation is not positive: constant (or no) scores give nothing to rank by for this user.
    /// </summary>
    internal static void AddStandardised(Span<float> scores, ReadOnlySpan<float> component, (double Mean, double Sd) moments, double weight)
    {
        var (mean, sd) = moments;
        if (!(sd > 0))
        {
            return;
        }

        var scale = (float)(weight / sd);
        var shift = (float)(-mean * weight / sd);
        for (var j = 0; j < scores.Length; j++)
        {
            scores[j] += (component[j] * scale) + shift;
        }
    }

    /// <summary>Mean and standard deviation of the finite scores outside <paramref name="exclude"/> (sorted or not, distinct).</summary>
    internal static (double Mean, double Sd) Moments(ReadOnlySpan<float> values, ReadOnlySpan<int> exclude)
    {
        double sum = 0, squares = 0;
        long count = 0;
        foreach (var v in values)
        {
            if (float.IsFinite(v))
            {
                sum += v;
                squares += (double)v * v;
                count++;
            }
        }

        foreach (var j in exclude)
        {
            var v = values[j];
            if (float.IsFinite(v))
            {
                sum -= v;
                squares -= (double)v * v;
                count--;
            }
        }

        if (count < 2)
        {
            return (0, 0);
        }

        var mean = sum / count;
        var variance = Math.Max(0, (squares / count) - (mean * mean));
        return (mean, Math.Sqrt(variance));
    }

    private static string? SameIdsProblem(RecommenderModel a, RecommenderModel b) =>
        ReferenceEquals(a.UserIds, b.UserIds) && ReferenceEquals(a.ItemIds, b.ItemIds) ? null : SameIdsProblem(b, a.UserIds, a.ItemIds);

    private static string? SameIdsProblem(RecommenderModel model, IdMap users, IdMap items)
    {
        if (model.UserIds.Count != users.Count || !model.UserIds.AsSpan().SequenceEqual(users.AsSpan()))
        {
            return $"its {model.UserIds.Count} users are not the blend's {users.Count} users in the same order";
        }

        if (model.ItemIds.Count != items.Count || !model.ItemIds.AsSpan().SequenceEqual(items.AsSpan()))
        {
            return $"its {model.ItemIds.Count} items are not the blend's {items.Count} items in the same order";
        }

        return null;
    }
}
