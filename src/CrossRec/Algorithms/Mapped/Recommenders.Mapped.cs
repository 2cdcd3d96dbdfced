using CrossRec.Algorithms.Mapped;

namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// A collaborative model that can also score new items from their features and users known only by attributes
    /// (Gantner et al. 2010's attribute-to-feature mapping, by ridge regression): warm users and items are scored by
    /// the base model unchanged.
    /// </summary>
    /// <param name="baseBuilder">The collaborative model to map (implicit ALS, EASE, item-kNN, ...).</param>
    /// <example>
    /// <code>
    /// var mapped = Recommenders.Mapped(Recommenders.ImplicitAls()).ItemFeatures(films).UserFeatures(people).Fit(train);
    /// var newFilms = mapped.Recommend("196", 10, new RecommendFilter { AllowItems = premieres });
    /// </code>
    /// </example>
    public static MappedBuilder Mapped(IRecommenderBuilder baseBuilder)
    {
        ArgumentNullException.ThrowIfNull(baseBuilder);
        if (baseBuilder is MappedBuilder)
        {
            throw new ArgumentException("The base builder is a mapped builder already.", nameof(baseBuilder));
        }

        return new MappedBuilder(baseBuilder, new MappedOptions(), null, null);
    }
}
