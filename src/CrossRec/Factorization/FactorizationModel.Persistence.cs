using CrossRec.Persistence;

namespace CrossRec;

public sealed partial class FactorizationModel
{
    /// <summary>
    /// Saves the model in CrossRec's versioned, checksummed format. The file is written to a temporary
    /// name and renamed into place, so an existing file is replaced only by a complete new one.
    /// </summary>
    public void Save(string path)
    {
        var file = new ModelFileWriter(FileKind);
        var meta = new PayloadWriter().Int32(Factors).Single(GlobalMean).Boolean(Scale.HasValue);
        meta.Single(Scale?.Min ?? 0f).Single(Scale?.Max ?? 0f);
        file.Add("META", meta);
        file.Add("UIDS", new PayloadWriter().Strings(UserIds.AsSpan().ToArray()));
        file.Add("IIDS", new PayloadWriter().Strings(ItemIds.AsSpan().ToArray()));
        file.Add("BIAS", new PayloadWriter().Singles(_userBias).Singles(_itemBias));
        file.Add("FACT", new PayloadWriter().Singles(_userFactors).Singles(_itemFactors));
        file.Add("SEEN", new PayloadWriter().Int32s(_seenOffsets).Int32s(_seenItems));
        if (Domains is not null)
        {
            file.Add("DOMS", new PayloadWriter().Strings(Domains.AsSpan().ToArray()).Int32s(_itemDomains));
        }

        if (Info is not null)
        {
            file.Add("INFO", WriteInfo(Info));
        }

        file.WriteAtomically(path);
    }

    /// <summary>Loads a model saved by <see cref="Save"/>; it predicts bit-identically to the saved one.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or version, or inconsistent.</exception>
    public static FactorizationModel Load(string path)
    {
        var file = ModelFileReader.Open(path, FileKind);
        var meta = file.Section("META");
        var factors = meta.Int32();
        var mu = meta.Single();
        var hasScale = meta.Boolean();
        var min = meta.Single();
        var max = meta.Single();
        meta.End();
        if (factors < 1 || !float.IsFinite(mu))
        {
            throw meta.Fail($"invalid factor count {factors} or global mean {mu}");
        }

        var users = file.Section("UIDS");
        var userIds = CreateIds("user", users.Strings(), users);
        var itemsSection = file.Section("IIDS");
        var itemIds = CreateIds("item", itemsSection.Strings(), itemsSection);
        var bias = file.Section("BIAS");
        var ub = bias.Singles(userIds.Count);
        var ib = bias.Singles(itemIds.Count);
        bias.End();
        var fact = file.Section("FACT");
        var uf = fact.Singles(checked(userIds.Count * factors));
        var itf = fact.Singles(checked(itemIds.Count * factors));
        fact.End();
        CheckFinite(ub, bias, "user biases");
        CheckFinite(ib, bias, "item biases");
        CheckFinite(uf, fact, "user factors");
        CheckFinite(itf, fact, "item factors");
        var seen = file.Section("SEEN");
        var offsets = seen.Int32s(userIds.Count + 1);
        var seenItems = seen.Int32s();
        seen.End();
        if (offsets[0] != 0 || offsets[^1] != seenItems.Length)
        {
            throw seen.Fail("offsets do not span the item list");
        }

        for (var u = 0; u < userIds.Count; u++)
        {
            if (offsets[u + 1] < offsets[u])
            {
                throw seen.Fail($"offsets decrease at user {u}");
            }
        }

        foreach (var i in seenItems)
        {
            if ((uint)i >= (uint)itemIds.Count)
            {
                throw seen.Fail($"item index {i} outside 0..{itemIds.Count - 1}");
            }
        }

        IdMap? domains = null;
        int[]? itemDomains = null;
        if (file.Has("DOMS"))
        {
            var doms = file.Section("DOMS");
            domains = CreateIds("domain", doms.Strings(), doms);
            itemDomains = doms.Int32s(itemIds.Count);
            doms.End();
            foreach (var d in itemDomains)
            {
                if (d < -1 || d >= domains.Count)
                {
                    throw doms.Fail($"domain index {d} outside -1..{domains.Count - 1}");
                }
            }
        }

        var info = file.Has("INFO") ? ReadInfo(file.Section("INFO")) : null;
        RatingScale? scale = hasScale ? new RatingScale(min, max) : null;
        return new FactorizationModel(userIds, itemIds, factors, mu, ub, ib, uf, itf, offsets, seenItems, scale, domains, itemDomains, info);
    }

    private static IdMap CreateIds(string kind, string[] ids, PayloadReader section)
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

    private static void CheckFinite(float[] values, PayloadReader section, string what)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                throw section.Fail($"{what} contain {v}");
            }
        }
    }

    private static PayloadWriter WriteInfo(TrainingInfo info)
    {
        var o = info.Options;
        var w = new PayloadWriter()
            .String(info.Device).Int32(info.EpochsRun).Int32(info.BestEpoch).Double(info.TrainSeconds).Double(info.UpdatesPerSecond)
            .Int32(o.Factors).Int32(o.Epochs).Single(o.LearningRate).Single(o.BiasLearningRate ?? float.NaN)
            .Single(o.Regularization).Single(o.BiasRegularization ?? float.NaN).Single(o.LearningRateDecay)
            .Single(o.InitStandardDeviation).Int32(o.Seed).Int32(o.Threads).Boolean(o.Deterministic)
            .Int32(o.EarlyStoppingPatience ?? 0).Int32((int)o.Algorithm);
        var weights = o.DomainWeights ?? new Dictionary<string, float>();
        w.Int32(weights.Count);
        foreach (var (domain, weight) in weights)
        {
            w.String(domain).Single(weight);
        }

        w.Int32(info.History.Count);
        foreach (var e in info.History)
        {
            w.Int32(e.Epoch).Int32(e.TotalEpochs).Double(e.TrainRmse).Double(e.ValidationRmse ?? double.NaN)
                .Double(e.Elapsed.TotalSeconds).Double(e.UpdatesPerSecond).Single(e.LearningRate).String(e.Device);
        }

        return w;
    }

    private static TrainingInfo ReadInfo(PayloadReader r)
    {
        var device = r.RequiredString();
        var epochsRun = r.Int32();
        var bestEpoch = r.Int32();
        var seconds = r.Double();
        var ups = r.Double();
        var factors = r.Int32();
        var epochs = r.Int32();
        var lr = r.Single();
        var blr = r.Single();
        var reg = r.Single();
        var breg = r.Single();
        var decay = r.Single();
        var init = r.Single();
        var seed = r.Int32();
        var threads = r.Int32();
        var deterministic = r.Boolean();
        var patience = r.Int32();
        var algorithm = (FactorizationAlgorithm)r.Int32();
        var weightCount = r.Int32();
        Dictionary<string, float>? weights = weightCount > 0 ? new Dictionary<string, float>() : null;
        for (var k = 0; k < weightCount; k++)
        {
            weights![r.RequiredString()] = r.Single();
        }

        var options = new FactorizationOptions
        {
            Factors = factors,
            Epochs = epochs,
            LearningRate = lr,
            BiasLearningRate = float.IsNaN(blr) ? null : blr,
            Regularization = reg,
            BiasRegularization = float.IsNaN(breg) ? null : breg,
            LearningRateDecay = decay,
            InitStandardDeviation = init,
            Seed = seed,
            Threads = threads,
            Deterministic = deterministic,
            EarlyStoppingPatience = patience == 0 ? null : patience,
            Algorithm = algorithm,
            DomainWeights = weights,
        };
        var historyCount = r.Int32();
        var history = new List<EpochReport>(Math.Max(0, Math.Min(historyCount, 100_000)));
        for (var k = 0; k < historyCount; k++)
        {
            var epoch = r.Int32();
            var total = r.Int32();
            var train = r.Double();
            var val = r.Double();
            var elapsed = r.Double();
            var eups = r.Double();
            var elr = r.Single();
            var edev = r.RequiredString();
            history.Add(new EpochReport(epoch, total, train, double.IsNaN(val) ? null : val, TimeSpan.FromSeconds(elapsed), eups, elr, edev));
        }

        r.End();
        return new TrainingInfo(device, options, epochsRun, bestEpoch, seconds, ups, history);
    }
}
