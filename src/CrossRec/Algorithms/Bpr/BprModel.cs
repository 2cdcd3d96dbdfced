using CrossRec.Engines.Cpu.Bpr;
using CrossRec.Persistence;

namespace CrossRec.Algorithms.Bpr;

/// <summary>
/// A Bayesian personalised ranking model (Rendle et al. 2009): user factors P, item factors Q and item
/// biases b, trained so that <c>x̂(u,i) = p_u·q_i + b_i</c> ranks a user's items above the items they do
/// not have. Scores are ranking scores (only their order means something). Similar items are the cosine
/// of item factors. Immutable and safe to share across threads; train one with
/// <see cref="Recommenders.Bpr()"/>.
/// </summary>
/// <remarks>
/// <para><b>Fold-in.</b> A new user's factors start at 0 and take <see cref="FoldInEpochs"/> × n SGD
/// steps for n items: each step draws a positive uniformly from the user's items and a negative
/// uniformly from the items they do not have (of the positive's domain when training did so), at the
/// training learning rate (and schedule, spread over the fold-in passes) with the user regularisation,
/// the item factors and biases fixed. The steps are seeded by the model's seed, so the same items
/// always give the same factors, on the trained model and on one loaded from its file.</para>
/// </remarks>
public sealed class BprModel : FactorRecommender
{
    private const string Kind = "bpr";
    private const int Version = 1;
    private const int FoldInStream = -2;
    private readonly FoldInSettings _foldIn;
    private BprNegativeSampler? _sampler;

    internal BprModel(CommonSections common, int factors, float[] userFactors, float[] itemFactors, float[]? itemBias, FoldInSettings foldIn, IReadOnlyList<double> sampledAuc)
        : base(common, factors, userFactors, itemFactors, itemBias)
    {
        _foldIn = foldIn;
        SampledAuc = sampledAuc;
    }

    /// <inheritdoc />
    public override string Algorithm => "bpr";

    /// <summary>
    /// The sampled training AUC of every epoch (<see cref="BprEpochResult.SampledAuc"/>), in order; the
    /// per-epoch loss is in <see cref="RecommenderModel.Training"/>'s history. Empty after loading.
    /// </summary>
    public IReadOnlyList<double> SampledAuc { get; }

    /// <summary>Fold-in passes over a new user's items (<see cref="BprOptions.FoldInEpochs"/>).</summary>
    public int FoldInEpochs => _foldIn.Epochs;

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => Version;

    /// <summary>Loads a BPR model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static BprModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    /// <summary>Loads a BPR model from a stream written by <see cref="RecommenderModel.Save(Stream)"/>.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or inconsistent.</exception>
    public static BprModel Load(Stream stream) => ModelFileReader.Open(stream, Kind).Read(Read);

    internal static BprModel Read(ModelFileReader file)
    {
        var common = ReadCommon(file, Version);
        var (k, userFactors, itemFactors, bias) = ReadFactors(file, common);
        var s = file.Section("BPRF");
        var seed = s.Int32();
        var rate = s.Single();
        var schedule = (BprLearningRateSchedule)s.Int32();
        var userReg = s.Single();
        var epochs = s.Int32();
        var domainAware = s.Boolean();
        s.End();
        if (!float.IsFinite(rate) || rate <= 0 || rate > 10)
        {
            throw s.Fail($"fold-in learning rate {rate} outside (0, 10]");
        }

        if (!Enum.IsDefined(schedule))
        {
            throw s.Fail($"unknown learning-rate schedule {(int)schedule}");
        }

        if (!float.IsFinite(userReg) || userReg < 0 || userReg > 100 || (double)rate * userReg >= 1)
        {
            throw s.Fail($"user regularisation {userReg} outside [0, 100] or not below 1/learning rate");
        }

        if (epochs < 1 || epochs > 10_000)
        {
            throw s.Fail($"fold-in epochs {epochs} outside 1..10000");
        }

        if (domainAware && common.Domains is null)
        {
            throw s.Fail("domain-aware negatives without item domains");
        }

        return new BprModel(common, k, userFactors, itemFactors, bias, new FoldInSettings(seed, rate, schedule, userReg, epochs, domainAware), []);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        WriteFactors(file);
        var f = _foldIn;
        file.Add("BPRF", new PayloadWriter().Int32(f.Seed).Single(f.LearningRate).Int32((int)f.Schedule).Single(f.UserRegularization).Int32(f.Epochs).Boolean(f.DomainAware));
    }

    /// <summary>BPR ranks implicit feedback: a negative value has no meaning as an interaction.</summary>
    internal override string? CheckFoldInValue(float value) => value < 0 ? "BPR treats every interaction as a positive; values must not be negative." : null;

    internal override unsafe FoldedUser FoldInCore(int[] items, float[] values)
    {
        var k = Factors;
        var p = new float[k];
        var sampler = Sampler();
        var rng = BprRandom.For(_foldIn.Seed, FoldInStream);
        var bias = ItemBiasArray;
        var f = _foldIn;
        fixed (float* pu = p, q = ItemFactorArray)
        {
            for (var e = 0; e < f.Epochs; e++)
            {
                var rate = BprOptions.RateAt(f.LearningRate, f.Schedule, e, f.Epochs);
                var au = 1f - (rate * f.UserRegularization);
                for (var t = 0; t < items.Length; t++)
                {
                    var i = items[rng.NextInt(items.Length)];
                    var j = sampler.Sample(ref rng, items, i);
                    if (j < 0)
                    {
                        continue;
                    }

                    var qi = q + ((long)i * k);
                    var qj = q + ((long)j * k);
                    var x = BprStep.DotDifference(pu, qi, qj, k);
                    if (bias is not null)
                    {
                        x += bias[i] - bias[j];
                    }

                    var g = BprStep.Gradient(x, out _);
                    BprStep.UpdateUser(pu, qi, qj, k, rate * g, au);
                }
            }
        }

        return new FoldedUser(this, Algorithm, ItemIds.Count, 0f, p, items, values);
    }

    private BprNegativeSampler Sampler()
    {
        var sampler = Volatile.Read(ref _sampler);
        if (sampler is null)
        {
            sampler = BprNegativeSampler.Create(ItemIds.Count, ItemDomains, _foldIn.DomainAware);
            Interlocked.CompareExchange(ref _sampler, sampler, null);
            sampler = _sampler!;
        }

        return sampler;
    }

    /// <summary>What fold-in needs from training: the seed, the step schedule, the user penalty, the passes and the negative sampling.</summary>
    internal readonly record struct FoldInSettings(int Seed, float LearningRate, BprLearningRateSchedule Schedule, float UserRegularization, int Epochs, bool DomainAware);
}
