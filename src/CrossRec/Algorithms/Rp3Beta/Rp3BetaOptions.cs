namespace CrossRec.Algorithms.Rp3Beta;

/// <summary>How a training value becomes the strength of an interaction, the edge weight of RP3beta's user → item step.</summary>
public enum Rp3BetaValues
{
    /// <summary>Every interaction counts 1, whatever its value (the reference implementation's <c>implicit=True</c>).</summary>
    Binary = 0,

    /// <summary><c>log(1 + v)</c> of the summed value; a value ≤ 0 is no edge. Damps play counts, keeps ratings ordered.</summary>
    Log = 1,

    /// <summary>The summed value itself (the reference's <c>implicit=False</c>); a value ≤ 0 is no edge.</summary>
    Raw = 2,
}

/// <summary>
/// Hyperparameters of RP3beta (Paudel et al. 2017): item-item weights from a three-step random walk item → user →
/// item on the bipartite interaction graph, the transition probabilities raised to α, each weight divided by the
/// destination item's popularity to the power β, the K largest kept per item. Immutable; use <c>with</c> expressions
/// or the fluent builder from <see cref="Recommenders.Rp3Beta()"/>. Every value is checked by <see cref="Validate"/>
/// when training starts, and a bad value names the option and its allowed range.
/// </summary>
/// <remarks>
/// <para>With s<sub>ui</sub> the strength of user u's interaction with item i (<see cref="Values"/>), deg(i) the
/// number of users with a positive strength on i:
/// <c>P_ui = (s_ui / Σ_j s_uj)^α</c>, <c>P_iu = (1 / deg(i))^α</c>, and
/// <c>W_ij = Σ_u P_iu · P_uj / deg(j)^β</c> for j ≠ i. Each row of W keeps its <see cref="Neighbors"/> largest
/// entries and, with <see cref="NormalizeRows"/>, is then divided by its sum. A user's score of item j is
/// <c>Σ_i s_ui · W_ij</c> over the user's items.</para>
/// <para>The defaults were chosen by validation inside the training parts of ML-100K and Last.fm 2K
/// (docs/decisions/rp3beta-defaults.md gives the grid).</para>
/// </remarks>
public sealed record Rp3BetaOptions
{
    /// <summary>Neighbours kept per item, K (1..100000).</summary>
    public int Neighbors { get; init; } = 200;

    /// <summary>Exponent α of the transition probabilities (0 ≤ α ≤ 5; 1 is the plain random walk P³).</summary>
    public float Alpha { get; init; } = 0.8f;

    /// <summary>Popularity penalty β: each weight is divided by the destination item's degree to this power (0 ≤ β ≤ 5; 0 is P³<sub>α</sub>).</summary>
    public float Beta { get; init; } = 0.4f;

    /// <summary>How a training value becomes an interaction strength.</summary>
    public Rp3BetaValues Values { get; init; } = Rp3BetaValues.Binary;

    /// <summary>Whether each item's kept weights are divided by their sum after the top-K pruning (the reference implementation's <c>normalize_similarity</c>).</summary>
    public bool NormalizeRows { get; init; } = true;

    /// <summary>Worker threads; 0 uses every core (0..1024). More than <see cref="Environment.ProcessorCount"/> is clamped to the core count, with a warning in the fitted model's training note.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Ask the engine for a bit-identical model run to run. The CPU engine always gives one, at any
    /// thread count; a GPU engine may need this to avoid order-dependent sums.
    /// </summary>
    public bool Deterministic { get; init; }

    /// <summary>Checks every option; the exception names the option and its allowed range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range or not finite.</exception>
    public void Validate()
    {
        Check.Range(Neighbors, 1, 100_000, nameof(Neighbors));
        Check.Closed(Alpha, 0, 5, nameof(Alpha));
        Check.Closed(Beta, 0, 5, nameof(Beta));
        if (!Enum.IsDefined(Values))
        {
            throw new ArgumentOutOfRangeException(nameof(Values), Values, $"{nameof(Values)} must be Binary, Log or Raw.");
        }

        Check.Range(Threads, 0, ThreadCount.Max, nameof(Threads));
    }

    /// <summary>The options by name, as <see cref="IRecommenderBuilder.Parameters"/> and the model's training info record them.</summary>
    internal Dictionary<string, string> ToParameters() => OptionParameters.Of(this);
}
