namespace CrossRec.Serving;

/// <summary>
/// The arrays a latent-factor model ranks with: <c>s(u, j) = (p_u·q_j + b_j) + (μ + b_u)</c>, where the
/// item bias is optional and the user offset μ + b_u is present only for biased MF (<see cref="UserBias"/>
/// not null). The dot runs in the order of <see cref="ServingKernel.Dots"/>, so one user and a block of
/// users get bit-identical scores.
/// </summary>
/// <param name="Factors">k.</param>
/// <param name="UserFactors">P, users × k, row-major.</param>
/// <param name="ItemFactors">Q, items × k, row-major.</param>
/// <param name="ItemBias">b_j, or null.</param>
/// <param name="GlobalMean">μ (used only with <paramref name="UserBias"/>).</param>
/// <param name="UserBias">b_u, or null for no user offset.</param>
internal readonly record struct FactorScoring(int Factors, float[] UserFactors, float[] ItemFactors, float[]? ItemBias, float GlobalMean, float[]? UserBias)
{
    /// <summary>Number of items.</summary>
    public int Items => ItemFactors.Length / Factors;

    /// <summary>The constant μ + b_u added to every score of <paramref name="user"/> (only when <see cref="UserBias"/> is set).</summary>
    public float Offset(int user) => GlobalMean + UserBias![user];
}
