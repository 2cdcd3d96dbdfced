using CrossRec.Algorithms.Rp3Beta;

namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// RP3beta (Paudel et al. 2017): item-item weights from a three-step random walk item → user → item, each divided
    /// by the destination's popularity to the power β, the K largest kept per item; a user's score of an item the sum
    /// of the weights from the user's items. One of the strongest simple baselines of Dacrema et al. 2019; fast to
    /// train, exact explanations, defaults chosen by validation on ratings and play counts.
    /// </summary>
    public static Rp3BetaBuilder Rp3Beta() => new(new Rp3BetaOptions(), Device.Auto, null);

    /// <summary>RP3beta from explicit options.</summary>
    public static Rp3BetaBuilder Rp3Beta(Rp3BetaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Rp3BetaBuilder(options, Device.Auto, null);
    }
}
