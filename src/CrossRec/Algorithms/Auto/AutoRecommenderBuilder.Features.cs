namespace CrossRec.Algorithms.Auto;

public sealed partial class AutoRecommenderBuilder
{
    /// <summary>
    /// Gives Auto item features: it then chooses between the hybrid model, mapped collaborative models and its usual
    /// collaborative selection by the validation protocol of the request (<see cref="FeatureAutoBuilder.For"/>).
    /// </summary>
    public FeatureAutoBuilder ItemFeatures(FeatureSet? features) => new(this, features, null, AutoRequest.WarmUsers);

    /// <summary>Gives Auto user attributes (see <see cref="ItemFeatures"/>).</summary>
    public FeatureAutoBuilder UserFeatures(FeatureSet? features) => new(this, null, features, AutoRequest.WarmUsers);
}
