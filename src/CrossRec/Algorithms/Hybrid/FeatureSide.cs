using CrossRec.Engines.Cpu.Hybrid;

namespace CrossRec.Algorithms.Hybrid;

/// <summary>
/// One side (users or items) of a hybrid model: the named features, the identity features (one per entity that had
/// training interactions), every entity's sparse row over those columns (normalised weights), and the trained
/// embedding (and, for items, bias) of every column. Columns <c>0..Names.Count−1</c> are the named features, then
/// one identity column per entry of <see cref="IdentityOwner"/>.
/// </summary>
/// <param name="Names">The named features, column order.</param>
/// <param name="IdentityOwner">For each identity column, the entity index it belongs to.</param>
/// <param name="Offsets">CSR offsets of the entities' rows (entities + 1).</param>
/// <param name="Features">Column of each row entry.</param>
/// <param name="Weights">Weight of each row entry.</param>
/// <param name="Embeddings">Columns × k.</param>
/// <param name="Biases">One per column (items), or null (users).</param>
internal sealed record FeatureSide(IdMap Names, int[] IdentityOwner, int[] Offsets, int[] Features, float[] Weights, float[] Embeddings, float[]? Biases)
{
    /// <summary>Named features plus identity columns.</summary>
    public int Columns => Names.Count + IdentityOwner.Length;

    /// <summary>Number of entities (rows).</summary>
    public int Entities => Offsets.Length - 1;

    public ReadOnlySpan<int> RowFeatures(int entity) => Features.AsSpan(Offsets[entity], Offsets[entity + 1] - Offsets[entity]);

    public ReadOnlySpan<float> RowWeights(int entity) => Weights.AsSpan(Offsets[entity], Offsets[entity + 1] - Offsets[entity]);

    /// <summary>Every entity's representation Σ w E[f] (entities × k) and, for items, its bias Σ w b[f].</summary>
    public (float[] Vectors, float[]? Biases) Represent(int k)
    {
        var vectors = new float[(long)Entities * k];
        var biases = Biases is null ? null : new float[Entities];
        for (var e = 0; e < Entities; e++)
        {
            var b = HybridMath.Represent(RowFeatures(e), RowWeights(e), Embeddings, Biases, vectors.AsSpan(e * k, k));
            if (biases is not null)
            {
                biases[e] = b;
            }
        }

        return (vectors, biases);
    }

    /// <summary>The display name of a column: the feature's name, or <c>identity:&lt;id&gt;</c> for an identity column.</summary>
    public string ColumnName(int column, IdMap entities) => column < Names.Count ? Names[column] : "identity:" + entities[IdentityOwner[column - Names.Count]];

    public void Write(PayloadWriter w)
    {
        w.Strings(Names.AsSpan().ToArray()).Int32s(IdentityOwner).Int32s(Offsets).Int32s(Features).Singles(Weights).Singles(Embeddings).Boolean(Biases is not null);
        if (Biases is not null)
        {
            w.Singles(Biases);
        }
    }

    /// <summary>Reads and validates what <see cref="Write"/> wrote.</summary>
    public static FeatureSide Read(PayloadReader s, string kind, int entities, int k)
    {
        var names = RecommenderModel.CreateIds(kind + " feature", s.Strings(), s);
        var owners = s.Int32s();
        var offsets = s.Int32s(entities + 1);
        var features = s.Int32s();
        var weights = s.Singles(features.Length);
        var columns = (long)names.Count + owners.Length;
        if (columns * k > int.MaxValue)
        {
            throw s.Fail($"{columns} {kind} feature columns of {k} factors are too many");
        }

        var embeddings = s.Singles((int)(columns * k));
        var biases = s.Boolean() ? s.Singles((int)columns) : null;
        s.End();
        foreach (var o in owners)
        {
            if ((uint)o >= (uint)entities)
            {
                throw s.Fail($"identity owner {o} outside 0..{entities - 1}");
            }
        }

        if (offsets[0] != 0 || offsets[^1] != features.Length)
        {
            throw s.Fail($"{kind} row offsets do not span the entries");
        }

        for (var e = 0; e < entities; e++)
        {
            if (offsets[e + 1] < offsets[e])
            {
                throw s.Fail($"{kind} row offsets decrease at {e}");
            }
        }

        foreach (var f in features)
        {
            if ((uint)f >= (ulong)columns)
            {
                throw s.Fail($"{kind} feature column {f} outside 0..{columns - 1}");
            }
        }

        RecommenderModel.CheckFinite(weights, s, $"{kind} feature weights");
        RecommenderModel.CheckFinite(embeddings, s, $"{kind} feature embeddings");
        if (biases is not null)
        {
            RecommenderModel.CheckFinite(biases, s, $"{kind} feature biases");
        }

        return new FeatureSide(names, owners, offsets, features, weights, embeddings, biases);
    }
}
