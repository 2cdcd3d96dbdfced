namespace CrossRec;

/// <summary>
/// Entry points of the fluent recommender API: one builder per algorithm, each with its own validated
/// options record, each returning an immutable <see cref="IRecommender"/>.
/// </summary>
/// <example>
/// <code>
/// var als  = Recommenders.ImplicitAls().Factors(64).Fit(train, progress, cancellationToken);
/// var ease = Recommenders.Ease().Fit(train);
/// var top  = als.Recommend("196", count: 10);
/// </code>
/// </example>
public static partial class Recommenders
{
}
