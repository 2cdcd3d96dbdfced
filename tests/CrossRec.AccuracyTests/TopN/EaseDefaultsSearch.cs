using System.Diagnostics;
using System.Globalization;

namespace CrossRec.AccuracyTests.TopN;

/// <summary>
/// How EASE's defaults were chosen: on a validation split INSIDE the training part of the top-N protocol
/// (the 80 % training part split again per user, 20 % held out, seed 7); the test part is never used.
/// Prints NDCG@10 / Recall@10 on the validation part for each setting.
/// </summary>
/// <remarks>
/// Explicit (minutes on two cores: every λ is one Gram inverse). Run it with
/// <c>CROSSREC_DATA=/path/to/data dotnet test tests/CrossRec.AccuracyTests -c Release --filter "FullyQualifiedName~EaseDefaultsSearch" --logger "console;verbosity=detailed"</c>.
/// </remarks>
[TestFixture]
[Explicit("Re-runs the EASE default search on validation splits of the training parts (minutes).")]
public sealed class EaseDefaultsSearch
{
    private static readonly string[] Datasets = ["ml-100k", "lastfm-2k"];

    [Test]
    public void LambdaAbsoluteAndRelative()
    {
        foreach (var name in Datasets)
        {
            var (fit, validation) = Validation(name);
            foreach (var lambda in new[] { 25.0, 50, 100, 200, 300, 500, 800, 1200 })
            {
                Run(name, fit, validation, Recommenders.Ease().Lambda(lambda), $"lambda={lambda}");
            }

            foreach (var scale in new[] { 2.0, 5, 10, 20, 40 })
            {
                Run(name, fit, validation, Recommenders.Ease().LambdaScale(scale), $"scale={scale}");
            }
        }
    }

    [Test]
    public void ValuesModes()
    {
        foreach (var name in Datasets)
        {
            var (fit, validation) = Validation(name);
            foreach (var values in new[] { EaseValues.Binary, EaseValues.Log, EaseValues.Raw })
            {
                foreach (var scale in new[] { 5.0, 10, 20 })
                {
                    Run(name, fit, validation, Recommenders.Ease().Values(values).LambdaScale(scale), $"values={values} scale={scale}");
                }
            }
        }
    }

    [TestCase(EaseValues.Log)]
    [TestCase(EaseValues.Binary)]
    public void DiagonalPenalty(EaseValues values)
    {
        foreach (var name in Datasets)
        {
            var (fit, validation) = Validation(name);
            foreach (var alpha in new[] { 0.0, 0.5, 1, 2, 4, 8 })
            {
                foreach (var scale in new[] { 1.0, 2, 5, 10 })
                {
                    Run(name, fit, validation, Recommenders.Ease().Values(values).DiagonalPenalty(alpha).LambdaScale(scale), $"{values} alpha={alpha} scale={scale}");
                }
            }
        }
    }

    /// <summary>What pruning rare items costs: every item (t = 1: 1,602 items on ML-100K, 13,414 on Last.fm, minutes) against higher thresholds.</summary>
    [Test]
    public void MinItemSupport()
    {
        foreach (var name in Datasets)
        {
            var (fit, validation) = Validation(name);
            foreach (var support in new[] { 1, 2, 3, 5 })
            {
                Run(name, fit, validation, Recommenders.Ease().MinItemSupport(support), $"minItemSupport={support}");
            }

            Run(name, fit, validation, Recommenders.Ease(), "defaults (automatic support)");
        }
    }

    /// <summary>
    /// <see cref="EaseOptions.WeightsPerItem"/>: B kept whole, then each row cut to its K largest weights, on the
    /// validation split (to choose) and on the test split (to report the cost; never used to choose).
    /// </summary>
    [Test]
    public void WeightsPerItem()
    {
        foreach (var name in Datasets)
        {
            var (train, test) = TopNData.Split(TopNData.Load(name));
            var (fit, validation) = train.SplitPerUser(0.2, seed: 7);
            foreach (var (part, trainOn, evaluateOn) in new[] { ("validation", fit, validation), ("test", train, test) })
            {
                var whole = Recommenders.Ease().WeightsPerItem(EaseOptions.MaxOrder).Fit(trainOn);
                var full = TopNData.Evaluate(whole, evaluateOn).Ndcg;
                TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-10} {part,-10} whole B ({whole.KeptItemCount} items, {whole.StoredWeights:N0} weights)  NDCG@10 {full:F4}"));
                foreach (var k in new[] { 16, 32, 64, 128, 256, 512, 1024 })
                {
                    var pruned = whole.WithWeightsPerItem(k);
                    var ndcg = TopNData.Evaluate(pruned, evaluateOn).Ndcg;
                    TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-10} {part,-10} K = {k,5}  weights {pruned.StoredWeights,11:N0}  NDCG@10 {ndcg:F4}  ({ndcg - full:+0.0000;-0.0000})"));
                }
            }
        }
    }

    private static (InteractionSet Fit, InteractionSet Validation) Validation(string name)
    {
        var (train, _) = TopNData.Split(TopNData.Load(name));
        return train.SplitPerUser(0.2, seed: 7);
    }

    private static void Run(string dataset, InteractionSet fit, InteractionSet validation, EaseBuilder builder, string label)
    {
        var watch = Stopwatch.StartNew();
        var model = builder.Fit(fit);
        var seconds = watch.Elapsed.TotalSeconds;
        var m = TopNData.Evaluate(model, validation);
        var p = model.Training!.Parameters;
        TestContext.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{dataset,-10} {label,-28} NDCG@10 {m.Ndcg:F4}  Recall@10 {m.Recall:F4}  lambda {model.Lambda,8:F1} ({p["lambdaRule"]})  kept {model.KeptItemCount}  fit {seconds:F1}s"));
    }
}
