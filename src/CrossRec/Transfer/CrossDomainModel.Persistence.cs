using CrossRec.Persistence;

namespace CrossRec.Transfer;

public sealed partial class CrossDomainModel
{
    /// <summary>The file kind tag of cross-domain model files.</summary>
    internal const string FileKind = "crossdomain";

    /// <summary>
    /// Saves the model (method, parameters, ids, domains, training items and the trained method's arrays and
    /// recommenders) in CrossRec's checksummed container, atomically. <see cref="Selection"/> is not stored.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written (the message names <paramref name="path"/>).</exception>
    public void Save(string path) => Writer().WriteAtomically(path);

    /// <summary>Saves the model signed with an application key (HMAC-SHA256); load it with <see cref="Load(string, ModelSigningKey)"/>.</summary>
    public void Save(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Writer().WriteAtomically(path, key);
    }

    /// <summary>Writes the model to a stream.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Writer().WriteTo(stream);
    }

    /// <summary>Writes the model signed with an application key to a stream.</summary>
    public void Save(Stream stream, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(key);
        Writer().WriteTo(stream, key);
    }

    /// <summary>Loads a model saved by <see cref="Save(string)"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or version, or inconsistent.</exception>
    public static CrossDomainModel Load(string path) => ModelFileReader.Open(path, FileKind).Read(Read);

    /// <summary>Loads a model, accepting it only when it was signed with <paramref name="key"/>.</summary>
    /// <exception cref="ModelFormatException">The file is unsigned, signed with another key, truncated, altered or inconsistent.</exception>
    public static CrossDomainModel Load(string path, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ModelFileReader.Open(path, FileKind, key).Read(Read);
    }

    /// <summary>Loads a model from a stream.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or version, or inconsistent.</exception>
    public static CrossDomainModel Load(Stream stream) => ModelFileReader.Open(stream, FileKind).Read(Read);

    /// <summary>Loads a model from a stream, accepting it only when it was signed with <paramref name="key"/>.</summary>
    /// <exception cref="ModelFormatException">The data is unsigned, signed with another key, truncated, altered or inconsistent.</exception>
    public static CrossDomainModel Load(Stream stream, ModelSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ModelFileReader.Open(stream, FileKind, key).Read(Read);
    }

    private ModelFileWriter Writer()
    {
        var file = new ModelFileWriter(FileKind);
        file.Add("KVER", new PayloadWriter().Int32(1));
        // Training seconds are not saved (0): the same data, options and seed give byte-identical files.
        file.Add("CDHD", new PayloadWriter().String(Method).Int32(_target).Double(0).Parameters(Parameters));
        file.Add("UIDS", new PayloadWriter().Strings(UserIds.AsSpan().ToArray()));
        file.Add("IIDS", new PayloadWriter().Strings(ItemIds.AsSpan().ToArray()));
        file.Add("DOMS", new PayloadWriter().Strings(Domains.AsSpan().ToArray()).Int32s(_itemDomains));
        file.Add("SEEN", new PayloadWriter().Int32s(_seenOffsets).Int32s(_seenItems));
        var scorer = new PayloadWriter();
        _scorer.Write(scorer);
        file.Add("SCOR", scorer);
        return file;
    }

    private static CrossDomainModel Read(ModelFileReader file)
    {
        var kver = file.Section("KVER");
        var version = kver.Int32();
        kver.End();
        if (version != 1)
        {
            throw kver.Fail($"model format version {version}; this CrossRec version reads cross-domain models of version 1");
        }

        var users = file.Section("UIDS");
        var userIds = RecommenderModel.CreateIds("user", users.Strings(), users);
        users.End();
        var itemsSection = file.Section("IIDS");
        var itemIds = RecommenderModel.CreateIds("item", itemsSection.Strings(), itemsSection);
        itemsSection.End();
        var (domains, itemDomains) = RecommenderModel.ReadDomains(file, itemIds.Count);
        if (domains is null || itemDomains is null)
        {
            throw new ModelFormatException(file.Path, "the DOMS section (the items' domains) is missing.");
        }

        var (offsets, seen) = RecommenderModel.ReadSeen(file, userIds.Count, itemIds.Count);

        var head = file.Section("CDHD");
        var method = head.RequiredString();
        var target = head.Int32In(0, domains.Count - 1, "target domain");
        var seconds = head.FiniteDouble("training seconds");
        var parameters = head.Parameters();
        head.End();
        if (Array.IndexOf(itemDomains, target) < 0)
        {
            throw head.Fail($"the target domain '{domains[target]}' has no items");
        }

        var section = file.Section("SCOR");
        var scorer = TransferScorer.Read(section, new ScorerContext(file.Path, userIds, itemIds, itemDomains, target));
        section.End();
        return new CrossDomainModel(method, parameters, scorer, userIds, itemIds, domains, itemDomains, offsets, seen, target, seconds);
    }
}
