namespace CrossRec.Algorithms.Rp3Beta;

/// <summary>
/// Capability kernel of RP3beta: the sparse top-K item-item weights of a three-step random walk item → user → item
/// with popularity penalty, without ever forming the dense item × item matrix. The managed <see cref="CpuEngine"/>
/// implements it; other engines may. Obtained with <see cref="IComputeEngine.TryGetKernel{T}"/>.
/// </summary>
/// <remarks>
/// Contract every implementation keeps. An interaction with strength s<sub>ui</sub> &gt; 0 is an edge of the graph
/// (strength 0: no edge); deg(i) counts the edges of item i, S<sub>u</sub> sums the strengths of user u's edges. The
/// weight of items i ≠ j is <c>W_ij = deg(i)^(−α) · deg(j)^(−β) · Σ_u (s_uj / S_u)^α</c> over the users u with edges
/// to both i and j (the item → user step <c>(1 / deg(i))^α</c>, the user → item step <c>(s_uj / S_u)^α</c>). An item
/// is never its own neighbour; only finite, strictly positive weights are kept; each row keeps its
/// <see cref="Rp3BetaWalkOptions.Neighbors"/> largest (ties: smaller item index first), sorted by item index, and
/// with <see cref="Rp3BetaWalkOptions.NormalizeRows"/> the kept weights of a row are divided by their sum. With
/// <see cref="Rp3BetaWalkOptions.Deterministic"/> the result must be bit-identical run to run.
/// </remarks>
internal interface IRp3BetaKernel
{
    /// <summary>The top-K walk weights of every item.</summary>
    /// <param name="matrix">The interactions (only the sparsity structure is read, not the values).</param>
    /// <param name="strengths">Non-negative, finite strength of every stored interaction, aligned with <see cref="InteractionMatrix.UserItems"/>.</param>
    /// <param name="options">Validated walk options.</param>
    /// <param name="cancellationToken">Checked between blocks of items.</param>
    /// <returns>One weight list per item.</returns>
    ItemNeighbors Walk(InteractionMatrix matrix, ReadOnlyMemory<float> strengths, Rp3BetaWalkOptions options, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IRp3BetaKernel.Walk"/> computes, already validated by the caller.</summary>
internal sealed record Rp3BetaWalkOptions
{
    /// <summary>Weights kept per item (K ≥ 1).</summary>
    public int Neighbors { get; init; } = 200;

    /// <summary>Exponent α ≥ 0 of both transition probabilities.</summary>
    public float Alpha { get; init; } = 1f;

    /// <summary>Exponent β ≥ 0 of the destination item's degree that divides each weight.</summary>
    public float Beta { get; init; }

    /// <summary>Whether each row's kept weights are divided by their sum.</summary>
    public bool NormalizeRows { get; init; }

    /// <summary>Worker threads; 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>The result must be bit-identical run to run (the CPU kernel always is, at any thread count).</summary>
    public bool Deterministic { get; init; }
}
