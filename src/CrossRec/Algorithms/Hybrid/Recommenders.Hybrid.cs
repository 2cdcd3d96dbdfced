using CrossRec.Algorithms.Hybrid;

namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// A hybrid recommender with the library's defaults (Kula 2015, "LightFM"): users and items are sums of the
    /// embeddings of their features plus identity features, trained for ranking with WARP; items that have features but
    /// no interactions are recommendable, and users known only by attributes are served from them.
    /// </summary>
    /// <example>
    /// <code>
    /// var films = MovieLens.LoadItemFeatures100K("ml-100k");
    /// var people = MovieLens.LoadUserFeatures100K("ml-100k");
    /// var hybrid = Recommenders.Hybrid().ItemFeatures(films).UserFeatures(people).Fit(train);
    /// var top = hybrid.Recommend("196", count: 10);
    /// </code>
    /// </example>
    public static HybridBuilder Hybrid() => new(new HybridOptions(), null, null, Device.Auto, null);

    /// <summary>A hybrid recommender from explicit options.</summary>
    public static HybridBuilder Hybrid(HybridOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HybridBuilder(options, null, null, Device.Auto, null);
    }
}
