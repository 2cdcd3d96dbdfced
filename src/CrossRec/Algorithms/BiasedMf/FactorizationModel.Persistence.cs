using CrossRec.Persistence;

namespace CrossRec.Algorithms.BiasedMf;

public sealed partial class FactorizationModel
{
    /// <summary>Loads a model saved by <see cref="RecommenderModel.Save(string)"/>; it predicts bit-identically to the saved one.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or version, or inconsistent.</exception>
    public static FactorizationModel Load(string path) => ModelFileReader.Open(path, FileKindTag).Read(Read);

    /// <summary>Loads a model from a stream written by <see cref="RecommenderModel.Save(Stream)"/>.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or version, or inconsistent.</exception>
    public static FactorizationModel Load(Stream stream) => ModelFileReader.Open(stream, FileKindTag).Read(Read);

    internal override void WriteModel(ModelFileWriter file)
    {
        var meta = new PayloadWriter().Int32(Factors).Single(GlobalMean).Boolean(Scale.HasValue);
        meta.Single(Scale?.Min ?? 0f).Single(Scale?.Max ?? 0f);
        file.Add("META", meta);
        file.Add("BIAS", new PayloadWriter().Singles(_userBias).Singles(_itemBias));
        file.Add("FACT", new PayloadWriter().Singles(_userFactors).Singles(_itemFactors));
        if (Info is not null)
        {
            file.Add("INFO", WriteInfo(Info));
        }
    }

    /// <summary>Reads a biased MF model; files from before the recommender interface (no KVER/SVAL sections) still load.</summary>
    internal static FactorizationModel Read(ModelFileReader file)
    {
        if (file.Has("KVER"))
        {
            var kver = file.Section("KVER");
            var version = kver.Int32();
            kver.End();
            if (version != 1)
            {
                throw kver.Fail($"model format version {version}; this CrossRec version reads biased-mf models of version 1");
            }
        }

        var meta = file.Section("META");
        var factors = meta.Int32();
        var mu = meta.Single();
        var hasScale = meta.Boolean();
        var min = meta.Single();
        var max = meta.Single();
        meta.End();
        if (factors < 1 || factors > 1 << 16 || !float.IsFinite(mu))
        {
            throw meta.Fail($"invalid factor count {factors} or global mean {mu}");
        }

        if (hasScale && !(float.IsFinite(min) && float.IsFinite(max) && min < max))
        {
            throw meta.Fail($"invalid rating scale [{min}, {max}]");
        }

        var users = file.Section("UIDS");
        var userIds = CreateIds("user", users.Strings(), users);
        var itemsSection = file.Section("IIDS");
        var itemIds = CreateIds("item", itemsSection.Strings(), itemsSection);
        if ((long)userIds.Count * factors > int.MaxValue || (long)itemIds.Count * factors > int.MaxValue)
        {
            throw meta.Fail($"{userIds.Count} users or {itemIds.Count} items × {factors} factors do not fit one array");
        }

        var bias = file.Section("BIAS");
        var ub = bias.Singles(userIds.Count);
        var ib = bias.Singles(itemIds.Count);
        bias.End();
        var fact = file.Section("FACT");
        var uf = fact.Singles(userIds.Count * factors);
        var itf = fact.Singles(itemIds.Count * factors);
        fact.End();
        CheckFinite(ub, bias, "user biases");
        CheckFinite(ib, bias, "item biases");
        CheckFinite(uf, fact, "user factors");
        CheckFinite(itf, fact, "item factors");
        var (offsets, seenItems) = ReadSeen(file, userIds.Count, itemIds.Count);
        float[] seenValues;
        if (file.Has("SVAL"))
        {
            var sval = file.Section("SVAL");
            seenValues = sval.Singles(seenItems.Length);
            sval.End();
            CheckFinite(seenValues, sval, "training values");
        }
        else
        {
            seenValues = new float[seenItems.Length];
            Array.Fill(seenValues, 1f);
        }

        var (domains, itemDomains) = ReadDomains(file, itemIds.Count);
        var info = file.Has("INFO") ? ReadInfo(file.Section("INFO")) : null;
        RatingScale? scale = hasScale ? new RatingScale(min, max) : null;
        return new FactorizationModel(userIds, itemIds, factors, mu, ub, ib, uf, itf, offsets, seenItems, seenValues, scale, domains, itemDomains, info);
    }

    private static PayloadWriter WriteInfo(TrainingInfo info)
    {
        var o = info.Options;
        var w = new PayloadWriter()
            // Timings (seconds, updates per second) are facts of the run, not of the model: written as 0 so that the same
            // data, options and seed give byte-identical files.
            .String(info.Device).Int32(info.EpochsRun).Int32(info.BestEpoch).Double(0).Double(0)
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
                .Double(0).Double(0).Single(e.LearningRate).String(e.Device);
        }

        return w;
    }

    private static TrainingInfo ReadInfo(PayloadReader r)
    {
        var device = r.RequiredString();
        var epochsRun = r.Int32In(0, int.MaxValue, "epochs run");
        var bestEpoch = r.Int32In(0, int.MaxValue, "best epoch");
        var seconds = Seconds(r, "training time");
        var ups = r.FiniteDouble("updates per second");
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
        var weightCount = r.Count("domain weight count", 8, 0, 100_000);
        Dictionary<string, float>? weights = weightCount > 0 ? new Dictionary<string, float>() : null;
        for (var k = 0; k < weightCount; k++)
        {
            var domain = r.RequiredString();
            if (!weights!.TryAdd(domain, r.Single()))
            {
                throw r.Fail($"domain weight '{domain}' appears twice");
            }
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
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw r.Fail($"stored training options are invalid: {e.Message}");
        }

        // An epoch record is 2 ints, 4 doubles, a float and a string length: 48 bytes at least.
        var historyCount = r.Count("epoch history length", 48, 0, 10_000_000);
        var history = new List<EpochReport>(historyCount);
        for (var k = 0; k < historyCount; k++)
        {
            var epoch = r.Int32();
            var total = r.Int32();
            var train = r.Double();
            var val = r.Double();
            var elapsed = Seconds(r, "epoch time");
            var eups = r.Double();
            var elr = r.Single();
            var edev = r.RequiredString();
            history.Add(new EpochReport(epoch, total, train, double.IsNaN(val) ? null : val, TimeSpan.FromSeconds(elapsed), eups, elr, edev));
        }

        r.End();
        return new TrainingInfo(device, options, epochsRun, bestEpoch, seconds, ups, history);
    }

    /// <summary>A duration in seconds: finite, not negative, and within what <see cref="TimeSpan"/> holds.</summary>
    private static double Seconds(PayloadReader r, string what)
    {
        var s = r.Double();
        if (!(s >= 0 && s < 1e12))
        {
            throw r.Fail($"{what} {s} s is not a duration");
        }

        return s;
    }
}
