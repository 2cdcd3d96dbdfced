using CrossRec.Persistence;

namespace CrossRec.Transfer;

/// <summary>What a scorer read from a file is checked against: the cross-domain model's ids and domains.</summary>
internal sealed record ScorerContext(string File, IdMap Users, IdMap Items, int[] ItemDomains, int Target);

/// <summary>
/// The scorers' part of a cross-domain model file (section SCOR): a kind tag, then the scorer's arrays; the
/// recommenders inside (joint, EMCDR's two factor models, target-only) as complete nested model files, each
/// with its own checksum. Every array is checked against the model's users, items and domains before use.
/// </summary>
internal abstract partial class TransferScorer
{
    private protected const int JointKind = 1;
    private protected const int ItemKnnKind = 2;
    private protected const int EmcdrKind = 3;
    private protected const int PopularityBlendKind = 4;
    private protected const int TargetOnlyKind = 5;

    /// <summary>Writes the scorer (tag first).</summary>
    public abstract void Write(PayloadWriter w);

    /// <summary>Reads a scorer written by <see cref="Write"/>; <paramref name="nested"/> is true inside a popularity blend.</summary>
    public static TransferScorer Read(PayloadReader r, ScorerContext c, bool nested = false)
    {
        var kind = r.Int32In(JointKind, TargetOnlyKind, "scorer kind");
        return kind switch
        {
            JointKind => new JointScorer(ReadModel(r, c, "joint model")),
            ItemKnnKind => CrossItemKnnScorer.ReadBody(r, c),
            EmcdrKind => EmcdrScorer.ReadBody(r, c),
            PopularityBlendKind when !nested => PopularityBlendScorer.ReadBody(r, c),
            PopularityBlendKind => throw r.Fail("a popularity blend inside a popularity blend"),
            _ => TargetOnlyScorer.ReadBody(r, c),
        };
    }

    private protected static byte[] Saved(RecommenderModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    /// <summary>A nested recommender file, which must have the cross-domain model's users and items in the same order.</summary>
    private protected static RecommenderModel ReadModel(PayloadReader r, ScorerContext c, string what)
    {
        var nested = ModelFileReader.Parse(r.Bytes(), $"{c.File} ({what})", null);
        var model = Recommender.Read(nested);
        if (!model.UserIds.AsSpan().SequenceEqual(c.Users.AsSpan()) || !model.ItemIds.AsSpan().SequenceEqual(c.Items.AsSpan()))
        {
            throw r.Fail($"the {what} ({model.Algorithm}, {model.UserIds.Count} users, {model.ItemIds.Count} items) does not have the model's {c.Users.Count} users and {c.Items.Count} items");
        }

        return model;
    }

    private protected static void WriteFlags(PayloadWriter w, bool[] flags) => w.Int32s(flags.Select(f => f ? 1 : 0).ToArray());

    private protected static bool[] ReadFlags(PayloadReader r, int count, string what)
    {
        var raw = r.Int32s(count);
        var flags = new bool[count];
        for (var i = 0; i < count; i++)
        {
            flags[i] = raw[i] switch
            {
                0 => false,
                1 => true,
                _ => throw r.Fail($"{what} flag {raw[i]} is neither 0 nor 1"),
            };
        }

        return flags;
    }

    private protected static float[] ReadFinite(PayloadReader r, int count, string what)
    {
        var values = r.Singles(count);
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                throw r.Fail($"{what} contain a non-finite value");
            }
        }

        return values;
    }
}

internal sealed partial class JointScorer
{
    public override void Write(PayloadWriter w) => w.Int32(JointKind).Bytes(Saved(Model));
}

internal sealed partial class CrossItemKnnScorer
{
    public override void Write(PayloadWriter w) =>
        w.Int32(ItemKnnKind).Int32s(_offsets).Int32s(_targets).Singles(_weights).Singles(_tieBreak).Int32s(_userOffsets).Int32s(_userItems);

    internal static CrossItemKnnScorer ReadBody(PayloadReader r, ScorerContext c)
    {
        var items = c.Items.Count;
        var offsets = r.Int32s(items + 1);
        var targets = r.Int32s();
        var weights = ReadFinite(r, targets.Length, "item-kNN weights");
        var tie = ReadFinite(r, items, "item-kNN tie-breaks");
        var userOffsets = r.Int32s(c.Users.Count + 1);
        var userItems = r.Int32s();
        CheckCsr(r, offsets, targets.Length, "item-kNN offsets");
        CheckCsr(r, userOffsets, userItems.Length, "item-kNN user offsets");
        foreach (var t in targets)
        {
            if ((uint)t >= (uint)items || c.ItemDomains[t] != c.Target)
            {
                throw r.Fail($"item-kNN target {t} is not an item of the target domain");
            }
        }

        foreach (var i in userItems)
        {
            if ((uint)i >= (uint)items)
            {
                throw r.Fail($"item-kNN user item {i} outside 0..{items - 1}");
            }
        }

        return new CrossItemKnnScorer(offsets, targets, weights, tie, userOffsets, userItems);
    }

    private static void CheckCsr(PayloadReader r, int[] offsets, int length, string what)
    {
        if (offsets[0] != 0 || offsets[^1] != length)
        {
            throw r.Fail($"{what} do not span their list");
        }

        for (var k = 1; k < offsets.Length; k++)
        {
            if (offsets[k] < offsets[k - 1])
            {
                throw r.Fail($"{what} decrease at {k - 1}");
            }
        }
    }
}

internal sealed partial class EmcdrScorer
{
    public override void Write(PayloadWriter w)
    {
        w.Int32(EmcdrKind).Bytes(Saved(_source)).Bytes(Saved(_target)).Singles(_map);
        WriteFlags(w, _hasTarget);
        w.Int32(MappedUsers);
    }

    internal static EmcdrScorer ReadBody(PayloadReader r, ScorerContext c)
    {
        var source = ReadModel(r, c, "EMCDR source model") as FactorRecommender ?? throw r.Fail("the EMCDR source model is not a factor model");
        var target = ReadModel(r, c, "EMCDR target model") as FactorRecommender ?? throw r.Fail("the EMCDR target model is not a factor model");
        var map = ReadFinite(r, ((source.Factors + 1) * target.Factors), "EMCDR map weights");
        var hasTarget = ReadFlags(r, c.Users.Count, "EMCDR target-user");
        var mapped = r.Int32In(1, c.Users.Count, "EMCDR mapped users");
        return new EmcdrScorer(source, target, map, hasTarget, c.ItemDomains, c.Target) { MappedUsers = mapped };
    }
}

internal sealed partial class PopularityBlendScorer
{
    public override void Write(PayloadWriter w)
    {
        w.Int32(PopularityBlendKind);
        _inner.Write(w);
        w.Singles(_popularity).Single(_weight);
    }

    internal static PopularityBlendScorer ReadBody(PayloadReader r, ScorerContext c)
    {
        var inner = Read(r, c, nested: true);
        var popularity = ReadFinite(r, c.Items.Count, "popularity scores");
        var weight = r.FiniteSingle("popularity weight");
        if (weight is < 0 or > 1)
        {
            throw r.Fail($"popularity weight {weight} outside 0..1");
        }

        return new PopularityBlendScorer(inner, popularity, CrossDomainModel.TargetItemsOf(c.ItemDomains, c.Target), weight);
    }
}

internal sealed partial class TargetOnlyScorer
{
    public override void Write(PayloadWriter w)
    {
        w.Int32(TargetOnlyKind).Bytes(Saved(_model));
        WriteFlags(w, _hasTarget);
        w.Singles(_fallback);
    }

    internal static TargetOnlyScorer ReadBody(PayloadReader r, ScorerContext c)
    {
        var model = ReadModel(r, c, "target-only model");
        var hasTarget = ReadFlags(r, c.Users.Count, "target-user");
        var fallback = ReadFinite(r, c.Items.Count, "cold-user scores");
        return new TargetOnlyScorer(model, hasTarget, fallback, c.ItemDomains, c.Target);
    }
}
