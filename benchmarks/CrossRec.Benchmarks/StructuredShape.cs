namespace CrossRec.Benchmarks;

/// <summary>The factor distribution of a synthetic serving catalogue (<see cref="ApproximateServingBenchmarks.Catalogue(int, int, int, CatalogueShape)"/>).</summary>
public enum CatalogueShape
{
    /// <summary>Item factors N(0, 1) × a log-normal scale, users N(0, 1): no structure, the hard case for a graph index.</summary>
    Isotropic,

    /// <summary>Topic centres plus noise on a decaying spectrum around a common direction (<see cref="StructuredShape"/>).</summary>
    Structured,
}

/// <summary>
/// A synthetic catalogue shaped like trained implicit-ALS factors (<see cref="FactorStructureStudy"/> measures both).
/// Every vector, item or user, is <c>w·μ + s</c> scaled to a log-normal length: μ a seeded random unit direction shared
/// by all (trained factors have a common "popularity" direction), s = √ρ·c_t + √(1 − ρ)·g with c_t the centre of the
/// vector's topic t (one of n / <see cref="ItemsPerTopic"/>, uniform) and g fresh noise, both N(0, diag(λ)) with the spectrum
/// λ_f ∝ f^−<see cref="Decay"/> (Σλ = 1). The parameters come from the statistics measured on MovieLens 100K and Last.fm 2K
/// (docs/performance.md, "Approximate serving (HNSW)"): not from any recall or speed figure.
/// </summary>
internal static class StructuredShape
{
    /// <summary>Items per topic: one topic per 50 items (Last.fm 2K has 49 artists per listener); at least one topic.</summary>
    public const int ItemsPerTopic = 50;

    /// <summary>Spectrum decay α of λ_f ∝ f^−α (Last.fm 2K: effective rank 61.5, top-10 share 0.22; α = 0.2 gives 62.8, 0.22).</summary>
    public const double Decay = 0.2;

    /// <summary>Items: weight of the common direction, topic share of the variance.</summary>
    public const double ItemMean = 0.1, ItemTopic = 0.83;

    /// <summary>
    /// Items: σ of ln|q|, 0.95 as Last.fm's; <c>CROSSREC_ANN_ITEM_NORM_SIGMA</c> overrides it for a sensitivity run (0.70
    /// matches Last.fm's middle spread instead, p90/p10 of the norms 6.0, whose tails are heavier than log-normal).
    /// </summary>
    public static double ItemNormSigma { get; } =
        double.TryParse(Environment.GetEnvironmentVariable("CROSSREC_ANN_ITEM_NORM_SIGMA"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 0.95;

    /// <summary>Users: weight of their common direction, topic share of the variance, σ of ln|p|.</summary>
    public const double UserMean = 0.36, UserTopic = 0.83, UserNormSigma = 1.52;

    /// <summary>Cosine of the users' common direction and the items'.</summary>
    public const double MeanCosine = 0.65;

    /// <summary>Fills <paramref name="items"/> (n × k) and <paramref name="users"/> (m × k) from <paramref name="rng"/>.</summary>
    public static void Fill(Random rng, float[] items, int n, float[] users, int m, int k)
    {
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double[] Unit(double[] x)
        {
            var norm = Math.Sqrt(x.Sum(v => v * v));
            return [.. x.Select(v => v / norm)];
        }

        var scale = new double[k];
        for (var f = 0; f < k; f++)
        {
            scale[f] = Math.Pow(f + 1, -Decay / 2);
        }

        scale = Unit(scale);
        var itemMean = new double[k];
        var other = new double[k];
        for (var f = 0; f < k; f++)
        {
            itemMean[f] = Gaussian();
            other[f] = Gaussian();
        }

        // The users' direction: MeanCosine toward the items', the rest along a second direction orthogonal to it.
        itemMean = Unit(itemMean);
        var along = other.Zip(itemMean).Sum(p => p.First * p.Second);
        var orthogonal = Unit([.. other.Zip(itemMean, (o, i) => o - (along * i))]);
        var userMean = itemMean.Zip(orthogonal, (i, o) => (MeanCosine * i) + (Math.Sqrt(1 - (MeanCosine * MeanCosine)) * o)).ToArray();
        var topics = Math.Max(1, n / ItemsPerTopic);
        var centres = new double[topics * k];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = Gaussian() * scale[i % k];
        }

        var v = new double[k];
        void Draw(float[] target, long row, double[] mean, double weight, double topic, double sigma)
        {
            var t = rng.Next(topics);
            double norm = 0;
            for (var f = 0; f < k; f++)
            {
                v[f] = (weight * mean[f]) + (Math.Sqrt(topic) * centres[(t * k) + f]) + (Math.Sqrt(1 - topic) * Gaussian() * scale[f]);
                norm += v[f] * v[f];
            }

            var length = Math.Exp(sigma * Gaussian()) / Math.Sqrt(norm);
            for (var f = 0; f < k; f++)
            {
                target[(row * k) + f] = (float)(v[f] * length);
            }
        }

        for (var u = 0; u < m; u++)
        {
            Draw(users, u, userMean, UserMean, UserTopic, UserNormSigma);
        }

        for (var j = 0; j < n; j++)
        {
            Draw(items, j, itemMean, ItemMean, ItemTopic, ItemNormSigma);
        }
    }
}
