namespace CrossRec.Algorithms.Rp3Beta;

/// <summary>
/// The value transform of <see cref="Rp3BetaValues"/>, shared by training (every stored interaction) and scoring (a
/// training or folded-in user's items), so that a folded-in user with a training user's items scores bit for bit alike.
/// </summary>
internal static class Rp3BetaStrength
{
    /// <summary>The strength of one summed value: 1, <c>log(1 + v)</c> or <c>v</c>; 0 (no edge) for a value ≤ 0 unless binary.</summary>
    public static float Of(Rp3BetaValues values, float value) => values switch
    {
        Rp3BetaValues.Binary => 1f,
        Rp3BetaValues.Log => value > 0 ? (float)Math.Log(1 + (double)value) : 0f,
        _ => value > 0 ? value : 0f,
    };

    /// <summary>The strengths of many values (aligned), or null for <see cref="Rp3BetaValues.Binary"/>, where every strength is 1.</summary>
    public static float[]? OfAll(Rp3BetaValues values, ReadOnlySpan<float> summed)
    {
        if (values == Rp3BetaValues.Binary)
        {
            return null;
        }

        var strengths = new float[summed.Length];
        for (var p = 0; p < summed.Length; p++)
        {
            strengths[p] = Of(values, summed[p]);
        }

        return strengths;
    }
}
