using CrossRec.Persistence;

namespace CrossRec;

/// <summary>The model file of every recommender: the common sections and the <c>Save</c> overloads; each algorithm writes and reads its own sections.</summary>
public abstract partial class RecommenderModel
{
    /// <inheritdoc />
    public void Save(string path) => ToFile().WriteAtomically(path);

    /// <inheritdoc />
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ToFile().WriteTo(stream);
    }

    /// <summary>
    /// Saves the model signed with an application key (HMAC-SHA256), atomically; load it with
    /// <see cref="Recommender.Load(string, ModelSigningKey)"/> to accept only files signed with that key.
    /// </summary>
    public void Save(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ToFile().WriteAtomically(path, key);
    }

    /// <summary>Writes the model signed with an application key to a stream (see <see cref="Save(string, ModelSigningKey)"/>).</summary>
    public void Save(Stream stream, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        ToFile().WriteTo(stream, key);
    }

    /// <summary>The file kind tag of this model type.</summary>
    internal abstract string FileKind { get; }

    /// <summary>Format version of this model type's own sections (checked on load).</summary>
    internal abstract int ModelFormatVersion { get; }

    /// <summary>Writes the algorithm's own sections.</summary>
    internal abstract void WriteModel(ModelFileWriter file);

    /// <summary>The model file: the common sections, then the algorithm's own.</summary>
    private ModelFileWriter ToFile()
    {
        var file = new ModelFileWriter(FileKind);
        WriteCommon(file);
        WriteModel(file);
        _approximate?.Index.Write(file);
        return file;
    }

    /// <summary>Ids, seen items, domains, training info and the model format version: the sections every recommender file has.</summary>
    internal void WriteCommon(ModelFileWriter file)
    {
        file.Add("KVER", new PayloadWriter().Int32(ModelFormatVersion));
        file.Add("UIDS", new PayloadWriter().Strings(UserIds.AsSpan().ToArray()));
        file.Add("IIDS", new PayloadWriter().Strings(ItemIds.AsSpan().ToArray()));
        file.Add("SEEN", new PayloadWriter().Int32s(_seenOffsets).Int32s(_seenItems));
        file.Add("SVAL", new PayloadWriter().Singles(_seenValues));
        if (Domains is not null)
        {
            file.Add("DOMS", new PayloadWriter().Strings(Domains.AsSpan().ToArray()).Int32s(_itemDomains));
        }

        if (Training is { } t)
        {
            // The training seconds are a fact of the run, not of the model: written as 0 so that the same data, options and
            // seed give byte-identical files (a loaded model reports 0 s).
            file.Add("TINF", new PayloadWriter().String(t.Algorithm).String(t.Device).Int32(t.Iterations).Double(0).String(t.Note).Parameters(t.Parameters));
        }
    }

    /// <summary>Attaches the approximate index saved in <paramref name="file"/> to this model, just read from it (not yet shared).</summary>
    internal void ReadApproximateIndex(ModelFileReader file)
    {
        if (BlockScoring is not { } scoring)
        {
            throw file.Section(Serving.Approximate.MipsIndex.SectionTag).Fail($"a {Algorithm} model has no item vectors for an approximate index");
        }

        _approximate = new Serving.Approximate.ApproximateServer(Serving.Approximate.MipsIndex.Read(file, scoring), scoring, ItemIds);
    }

    /// <summary>The common sections of a recommender file, validated.</summary>
    internal readonly record struct CommonSections(IdMap UserIds, IdMap ItemIds, int[] SeenOffsets, int[] SeenItems, float[] SeenValues, IdMap? Domains, int[]? ItemDomains, RecommenderTrainingInfo? Training);

    /// <summary>Reads and validates the sections <see cref="WriteCommon"/> wrote.</summary>
    internal static CommonSections ReadCommon(ModelFileReader file, int supportedVersion)
    {
        var kver = file.Section("KVER");
        var version = kver.Int32();
        kver.End();
        if (version < 1 || version > supportedVersion)
        {
            throw kver.Fail($"model format version {version}; this CrossRec version reads {file.Kind} models up to version {supportedVersion}");
        }

        var users = file.Section("UIDS");
        var userIds = CreateIds("user", users.Strings(), users);
        users.End();
        var itemsSection = file.Section("IIDS");
        var itemIds = CreateIds("item", itemsSection.Strings(), itemsSection);
        itemsSection.End();
        var (offsets, seenItems) = ReadSeen(file, userIds.Count, itemIds.Count);
        var sval = file.Section("SVAL");
        var seenValues = sval.Singles(seenItems.Length);
        sval.End();
        foreach (var v in seenValues)
        {
            if (!float.IsFinite(v))
            {
                throw sval.Fail("a training value is not finite");
            }
        }

        var (domains, itemDomains) = ReadDomains(file, itemIds.Count);
        RecommenderTrainingInfo? training = null;
        if (file.Has("TINF"))
        {
            var t = file.Section("TINF");
            var algorithm = t.RequiredString();
            var device = t.RequiredString();
            var iterations = t.Int32();
            var seconds = t.Double();
            var note = t.String();
            if (iterations < 0)
            {
                throw t.Fail($"{iterations} iterations");
            }

            var parameters = t.Parameters();
            t.End();
            training = new RecommenderTrainingInfo(algorithm, device, parameters, iterations, seconds, [], note);
        }

        return new CommonSections(userIds, itemIds, offsets, seenItems, seenValues, domains, itemDomains, training);
    }

    /// <summary>Reads and validates the SEEN section (CSR offsets that never decrease, item indices in range).</summary>
    internal static (int[] Offsets, int[] Items) ReadSeen(ModelFileReader file, int userCount, int itemCount)
    {
        var seen = file.Section("SEEN");
        var offsets = seen.Int32s(userCount + 1);
        var seenItems = seen.Int32s();
        seen.End();
        if (offsets[0] != 0 || offsets[^1] != seenItems.Length)
        {
            throw seen.Fail("offsets do not span the item list");
        }

        for (var u = 0; u < userCount; u++)
        {
            if (offsets[u + 1] < offsets[u])
            {
                throw seen.Fail($"offsets decrease at user {u}");
            }
        }

        foreach (var i in seenItems)
        {
            if ((uint)i >= (uint)itemCount)
            {
                throw seen.Fail($"item index {i} outside 0..{itemCount - 1}");
            }
        }

        return (offsets, seenItems);
    }

    /// <summary>Reads and validates the optional DOMS section.</summary>
    internal static (IdMap? Domains, int[]? ItemDomains) ReadDomains(ModelFileReader file, int itemCount)
    {
        if (!file.Has("DOMS"))
        {
            return (null, null);
        }

        var doms = file.Section("DOMS");
        var domains = CreateIds("domain", doms.Strings(), doms);
        var itemDomains = doms.Int32s(itemCount);
        doms.End();
        foreach (var d in itemDomains)
        {
            if (d < -1 || d >= domains.Count)
            {
                throw doms.Fail($"domain index {d} outside -1..{domains.Count - 1}");
            }
        }

        return (domains, itemDomains);
    }

    /// <summary>An id map from a file, refusing duplicate or empty ids by name.</summary>
    internal static IdMap CreateIds(string kind, string[] ids, PayloadReader section)
    {
        try
        {
            return IdMap.Create(kind, ids);
        }
        catch (ArgumentException e)
        {
            throw section.Fail(e.Message);
        }
    }

    /// <summary>Checks that every value of a parameter array is finite.</summary>
    internal static void CheckFinite(ReadOnlySpan<float> values, PayloadReader section, string what)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                throw section.Fail($"{what} contain a non-finite value");
            }
        }
    }
}
