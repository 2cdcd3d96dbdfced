// Biased MF model (see FactorizationModel.cs): folding a new user in from ratings, and the checks on fold-in values.
using System.Numerics.Tensors;
using CrossRec.Persistence;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Algorithms.BiasedMf;

public sealed partial class FactorizationModel
{
    /// <summary>
    /// Places a new user in the latent space from a few ratings without retraining: item parameters stay
    /// fixed and the user's bias and factors solve the ridge problem
    /// <c>min Σ (r_j − μ − b_j − b_u − p·q_j)² + n·λ_b·b_u² + n·λ·‖p‖²</c>
    /// (the same per-rating penalties SGD applies), by Cholesky on the (k+1)×(k+1) normal equations.
    /// </summary>
    /// <param name="ratings">The user's (item id, rating) pairs; at least one.</param>
    /// <param name="regularization">Factor penalty λ; null uses the training value (or 0.05 when unknown).</param>
    /// <exception cref="ArgumentException">No ratings, an item rated twice, or a rating is NaN/∞ or outside the model's <see cref="Scale"/>.</exception>
    /// <exception cref="KeyNotFoundException">An item is unknown to the model.</exception>
    public FoldedUser FoldIn(IEnumerable<KeyValuePair<string, float>> ratings, float? regularization = null)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var items = new List<int>();
        var residuals = new List<double>();
        var ratingsList = new List<float>();
        var given = new Dictionary<int, float>();
        foreach (var (item, rating) in ratings)
        {
            if (!float.IsFinite(rating))
            {
                throw new ArgumentException($"The rating of item '{item}' is {rating}; ratings must be finite.", nameof(ratings));
            }

            if (Scale is { } scale && !scale.Contains(rating))
            {
                throw new ArgumentException($"The rating of item '{item}' is {rating.ToString(System.Globalization.CultureInfo.InvariantCulture)}, outside the model's rating scale {scale}.", nameof(ratings));
            }

            var i = ItemIds.GetIndex(item);
            if (!given.TryAdd(i, rating))
            {
                throw new ArgumentException(RepeatedFoldInRating(item, given[i], rating), nameof(ratings));
            }

            items.Add(i);
            ratingsList.Add(rating);
            residuals.Add(rating - GlobalMean - _itemBias[i]);
        }

        if (items.Count == 0)
        {
            throw new ArgumentException("Fold-in needs at least one rating.", nameof(ratings));
        }

        var lambda = regularization ?? Info?.Options.Regularization ?? 0.05f;
        Check.Closed(lambda, 0, 100, nameof(regularization));
        var lambdaBias = Info?.Options.EffectiveBiasRegularization ?? lambda;
        var n = items.Count;
        var dim = Factors + 1;

        // Design row j = [1, q_j]; normal equations (XᵀX + Λ) w = Xᵀy with Λ = n·diag(λ_b, λ, …, λ).
        // A tiny ridge keeps the system positive definite when both penalties are 0.
        var a = Matrix<double>.Build.Dense(dim, dim);
        var b = Vector<double>.Build.Dense(dim);
        var row = new double[dim];
        for (var r = 0; r < n; r++)
        {
            row[0] = 1;
            var q = ItemRow(items[r]);
            for (var f = 0; f < Factors; f++)
            {
                row[f + 1] = q[f];
            }

            for (var x = 0; x < dim; x++)
            {
                b[x] += row[x] * residuals[r];
                for (var y = 0; y <= x; y++)
                {
                    a[x, y] += row[x] * row[y];
                }
            }
        }

        for (var x = 0; x < dim; x++)
        {
            for (var y = 0; y < x; y++)
            {
                a[y, x] = a[x, y];
            }

            a[x, x] += (n * (x == 0 ? lambdaBias : lambda)) + 1e-9;
        }

        var w = a.Cholesky().Solve(b);
        var factors = new float[Factors];
        for (var f = 0; f < Factors; f++)
        {
            factors[f] = (float)w[f + 1];
        }

        var seen = items.Distinct().Order().ToArray();
        return new FoldedUser(this, Algorithm, ItemIds.Count, (float)w[0], factors, seen, ValuesOf(seen, items, ratingsList));
    }

    /// <summary>Refuses a fold-in rating outside the model's scale (500 on a 1..5 model would score around 458).</summary>
    internal override string? CheckFoldInValue(float value) =>
        Scale is { } scale && !scale.Contains(value) ? $"outside the model's rating scale {scale}" : null;

    /// <summary>Ratings are not summed: an item rated twice is refused, naming it.</summary>
    internal override bool FoldInSumsRepeats => false;

    /// <summary>Fold-in by the ridge solve of <see cref="FoldIn(IEnumerable{KeyValuePair{string, float}}, float?)"/> with the training penalty.</summary>
    internal override FoldedUser FoldInCore(int[] items, float[] values)
    {
        var pairs = new KeyValuePair<string, float>[items.Length];
        for (var k = 0; k < items.Length; k++)
        {
            pairs[k] = new KeyValuePair<string, float>(ItemIds[items[k]], values[k]);
        }

        return FoldIn(pairs);
    }

    private static float[] ValuesOf(int[] distinct, List<int> items, List<float> ratings)
    {
        var values = new float[distinct.Length];
        for (var k = 0; k < items.Count; k++)
        {
            values[Array.BinarySearch(distinct, items[k])] += ratings[k];
        }

        return values;
    }
}
