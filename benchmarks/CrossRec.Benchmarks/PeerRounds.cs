using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace CrossRec.Benchmarks;

/// <summary>
/// One CrossRec measurement of a named workload on the files of <c>benchmarks/peers/make_implicit_sets.py</c>, printed as
/// one line (<c>... -- peer-rounds DIR WORKLOAD [ARGS]</c>), so that <c>benchmarks/peers/implicit_rounds.sh</c> can
/// alternate fresh CrossRec and <c>implicit</c> processes on a shared machine and keep the minimum of each side. The
/// workloads and their hyperparameters mirror <c>benchmarks/peers/implicit_rounds.py</c>: <c>als SET K ITERATIONS</c>,
/// <c>topn</c>, <c>bpr SET EPOCHS</c>, <c>knn SET</c>, <c>ease SET ITEMS</c>; and, with the library's defaults rather than the
/// peer's settings, <c>bpr-defaults SET EPOCHS</c> (every default but the epoch count) and <c>als-defaults SET</c>. Times exclude reading the files and
/// building the CSR matrix (as on the peer side). The top-10 lists of the set's evaluation users go to
/// <c>DIR/crossrec.recs.i32</c> (int32 item indices, 10 per user) for the peer script's shared metric.
/// </summary>
internal static class PeerRounds
{
    private const float AlsAlphaPeer = 8f;
    private const float AlsLambda = 1f;
    private const float BprLearningRate = 0.05f;
    private const float BprRegularization = 0.01f;
    private const double EaseLambda = 500;

    public static void Run(string directory, string workload, string[] args)
    {
        var output = Path.Combine(directory, "crossrec.recs.i32");
        if (workload == "topn")
        {
            TopN(directory, output);
            return;
        }

        var (train, evalUsers) = Load(directory, args[0]);
        _ = train.ToMatrix();
        var watch = new Stopwatch();
        RecommenderModel model;
        var extra = "";
        switch (workload)
        {
            case "als":
            {
                int k = Int(args[1]), iterations = Int(args[2]);
                var options = new ImplicitAlsOptions
                {
                    Factors = k,
                    Iterations = iterations,
                    Regularization = AlsLambda,
                    Alpha = AlsAlphaPeer - 1,
                    Confidence = ConfidenceScaling.Linear,
                    NormalizeConfidence = false,
                    WeightedRegularization = false,
                    Solver = AlsSolver.ConjugateGradient,
                    CgSteps = 3,
                    Seed = 42,
                };
                var stamps = new List<double>();
                var progress = new Stamps(watch, stamps);
                watch.Start();
                model = Recommenders.ImplicitAls(options).Fit(train, progress);
                watch.Stop();
                var steady = double.MaxValue;
                for (var i = 1; i < stamps.Count; i++)
                {
                    steady = Math.Min(steady, stamps[i] - stamps[i - 1]);
                }

                extra = Format($"per_iteration={watch.Elapsed.TotalSeconds / iterations:F4} steady_iteration={(stamps.Count > 1 ? steady : watch.Elapsed.TotalSeconds):F4}");
                break;
            }

            case "bpr":
            {
                var epochs = Int(args[1]);
                var options = new BprOptions
                {
                    Factors = 64,
                    Epochs = epochs,
                    LearningRate = BprLearningRate,
                    Schedule = BprLearningRateSchedule.Constant,
                    UserRegularization = BprRegularization,
                    PositiveItemRegularization = BprRegularization,
                    NegativeItemRegularization = BprRegularization,
                    BiasRegularization = BprRegularization,
                    ItemBiases = true,
                    SamplesPerEpoch = 1.0,
                    Seed = 42,
                };
                watch.Start();
                model = Recommenders.Bpr(options).Fit(train);
                watch.Stop();
                extra = Format($"rate={(double)train.ToMatrix().NonZeros * epochs / watch.Elapsed.TotalSeconds:F0}");
                break;
            }

            case "bpr-defaults":
            {
                // The library's own BPR defaults but the epoch count: how the default's accuracy grows with epochs on a
                // set with taste structure (docs/performance.md, "BPR's epoch count at scale").
                var epochs = Int(args[1]);
                var options = new BprOptions { Epochs = epochs };
                watch.Start();
                model = Recommenders.Bpr(options).Fit(train);
                watch.Stop();
                extra = Format($"epochs={epochs} rate={(double)train.ToMatrix().NonZeros * epochs / watch.Elapsed.TotalSeconds:F0}");
                break;
            }

            case "als-defaults":
            {
                watch.Start();
                model = Recommenders.ImplicitAls().Fit(train);
                watch.Stop();
                break;
            }

            case "knn":
            {
                var options = new ItemKnnOptions
                {
                    Neighbors = 100,
                    Shrinkage = 0,
                    Values = ItemKnnValues.Binary,
                    Weighting = ItemKnnWeighting.Cosine,
                    Asymmetry = 0.5f,
                    Scoring = ItemKnnScoring.Binary,
                };
                watch.Start();
                model = Recommenders.ItemKnn(options).Fit(train);
                watch.Stop();
                break;
            }

            case "ease":
            {
                var items = Int(args[1]);
                var options = new EaseOptions
                {
                    Lambda = EaseLambda,
                    DiagonalPenalty = 0,
                    Values = EaseValues.Binary,
                    MaxItems = items,
                    MaxGramBytes = 4L << 30,
                };
                watch.Start();
                model = Recommenders.Ease(options).Fit(train);
                watch.Stop();
                extra = Format($"kept_items={model.Training?.Parameters.GetValueOrDefault("keptItems", "?")}");
                break;
            }

            default:
                throw new ArgumentException($"Unknown workload '{workload}': als, topn, bpr, knn, ease, bpr-defaults or als-defaults.", nameof(workload));
        }

        var lists = model.RecommendMany([.. evalUsers.Select(u => $"u{u}")], 10);
        Write(output, lists);
        Console.WriteLine(Format($"crossrec {workload} seconds={watch.Elapsed.TotalSeconds:F4} {extra}"));
    }

    private static void TopN(string directory, string output)
    {
        const int Users = 100_000, Items = 20_000, K = 64;
        var userFactors = Floats(Path.Combine(directory, "serve.user.f32"), Users * K);
        var itemFactors = Floats(Path.Combine(directory, "serve.item.f32"), Items * K);
        var model = new FactorizationModel(
            IdMap.Create("user", Enumerable.Range(0, Users).Select(u => $"u{u}")),
            IdMap.Create("item", Enumerable.Range(0, Items).Select(i => $"i{i}")),
            K, 0f, new float[Users], new float[Items], userFactors, itemFactors, new int[Users + 1], [], [], null, null, null, null);
        var users = model.UserIds.AsSpan().ToArray();
        var watch = Stopwatch.StartNew();
        var lists = model.RecommendMany(users, 10, RecommendFilter.Default with { ExcludeSeen = false });
        watch.Stop();
        Write(output, lists);
        Console.WriteLine(Format($"crossrec topn seconds={watch.Elapsed.TotalSeconds:F4} rate={Users / watch.Elapsed.TotalSeconds:F1}"));
    }

    private static (InteractionSet Train, int[] EvalUsers) Load(string directory, string name)
    {
        var meta = File.ReadAllText(Path.Combine(directory, name + ".meta")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int users = Int(meta[0]), items = Int(meta[1]);
        var u = Ints(Path.Combine(directory, name + ".train.u32"));
        var i = Ints(Path.Combine(directory, name + ".train.i32"));
        var set = new InteractionSet(
            IdMap.Create("user", Enumerable.Range(0, users).Select(x => $"u{x}")),
            IdMap.Create("item", Enumerable.Range(0, items).Select(x => $"i{x}")),
            u,
            i,
            Enumerable.Repeat(1f, u.Length).ToArray(),
            null,
            null,
            null,
            null,
            $"{name} (make_implicit_sets.py)");
        return (set, Ints(Path.Combine(directory, name + ".evalusers.i32")));
    }

    private static void Write(string path, IReadOnlyList<IReadOnlyList<ScoredItem>> lists)
    {
        var flat = new int[lists.Count * 10];
        Array.Fill(flat, -1);
        for (var r = 0; r < lists.Count; r++)
        {
            for (var j = 0; j < Math.Min(10, lists[r].Count); j++)
            {
                flat[(r * 10) + j] = lists[r][j].Index;
            }
        }

        File.WriteAllBytes(path, MemoryMarshal.AsBytes(flat.AsSpan()).ToArray());
    }

    private static int[] Ints(string path) => MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(path)).ToArray();

    private static float[] Floats(string path, int count)
    {
        var values = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
        return values.Length == count ? values : throw new InvalidDataException($"{path} holds {values.Length} floats, not {count}.");
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static string Format(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Records the stopwatch at each iteration's report, synchronously (Progress&lt;T&gt; would post it later).</summary>
    private sealed class Stamps(Stopwatch watch, List<double> stamps) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => stamps.Add(watch.Elapsed.TotalSeconds);
    }
}
