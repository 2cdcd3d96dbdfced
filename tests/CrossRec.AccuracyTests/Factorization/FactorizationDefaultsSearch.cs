using System.Globalization;

namespace CrossRec.AccuracyTests.Factorization;

/// <summary>
/// Re-runs the search that chose <see cref="FactorizationOptions"/>' defaults. It looks only at the
/// MovieLens 100K training files: from each <c>uN.base</c> a seeded 10% is held out for validation
/// (seed 1000 + N) and the rest trains; the score of a configuration is the validation RMSE averaged
/// over the five folds, per epoch, so its best epoch count comes out of the same runs. The
/// <c>uN.test</c> files are never read here.
/// </summary>
/// <remarks>
/// Explicit (several minutes on two cores): run it with
/// <c>CROSSREC_DATA=/work/shared/data dotnet test tests/CrossRec.AccuracyTests -c Release --filter Name=DefaultsSearch --logger "console;verbosity=detailed"</c>.
/// Stages (coordinate descent over grids, each stage keeping the previous stage's best values):
/// <list type="number">
/// <item>k × η × λ × σ₀ with η_b = η, λ_b = λ, decay 0.95;</item>
/// <item>bias learning rate × bias regularisation;</item>
/// <item>decay × σ₀ × η again (decay and the step size interact).</item>
/// </list>
/// Epochs: the epoch where the winner's mean validation curve is lowest. Among configurations within
/// 0.0005 RMSE of the best, the cheapest (fewest factors, then fewest epochs) wins: the defaults also
/// train data sets a thousand times larger.
/// </remarks>
[Explicit("Re-runs the default-hyperparameter search (minutes); see the remarks.")]
public class FactorizationDefaultsSearch
{
    private const int MaxEpochs = 100;
    private const double Tolerance = 0.0005;

    [Test]
    public void DefaultsSearch()
    {
        var dir = TestData.Require("ml-100k");
        var folds = Enumerable.Range(1, 5).Select(n => HoldOut(MovieLens.Load100K(Path.Combine(dir, $"u{n}.base")), 1000 + n)).ToArray();

        var stage1 =
            from k in new[] { 32, 64, 128, 256 }
            from lr in new[] { 0.005f, 0.01f, 0.02f, 0.04f }
            from reg in new[] { 0.02f, 0.04f, 0.06f, 0.08f, 0.1f }
            from init in new[] { 0.01f, 0.1f }
            select new FactorizationOptions { Factors = k, LearningRate = lr, Regularization = reg, InitStandardDeviation = init, LearningRateDecay = 0.95f };
        var best = Stage("1: k, learning rate, regularisation, init", stage1, folds);

        var b = best.Options;
        var stage2 =
            from blr in new[] { b.LearningRate / 8, b.LearningRate / 4, b.LearningRate / 2, b.LearningRate }
            from breg in new[] { 0f, 0.005f, 0.02f, b.Regularization }
            select b with { BiasLearningRate = blr, BiasRegularization = breg };
        best = Stage("2: bias learning rate, bias regularisation", stage2, folds);

        b = best.Options;
        var stage3 =
            from decay in new[] { 0.9f, 0.93f, 0.95f, 0.97f, 1f }
            from init in new[] { b.InitStandardDeviation / 3, b.InitStandardDeviation, b.InitStandardDeviation * 3 }
            from lr in new[] { b.LearningRate * 0.75f, b.LearningRate, b.LearningRate * 1.5f }
            select b with { LearningRateDecay = decay, InitStandardDeviation = init, LearningRate = lr };
        best = Stage("3: decay, init, learning rate", stage3, folds);

        TestContext.Out.WriteLine($"CHOSEN: {Describe(best.Options with { Epochs = best.Epoch })}  mean validation RMSE {best.Rmse:F5}");
        Assert.That(best.Rmse, Is.LessThan(0.92), "the search found a configuration in the expected range");
    }

    private static Result Stage(string name, IEnumerable<FactorizationOptions> grid, (InteractionSet Train, InteractionSet Validation)[] folds)
    {
        var configs = grid.Select(o => o with { Epochs = MaxEpochs, Deterministic = true }).ToArray();
        var results = new Result[configs.Length];
        Parallel.For(0, configs.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, j =>
        {
            var curve = new double[MaxEpochs];
            foreach (var (train, validation) in folds)
            {
                var model = CrossRec.Factorization.Biased(configs[j]).OnDevice(Device.Cpu).Fit(train, validation);
                var history = model.Info!.History;
                for (var e = 0; e < MaxEpochs; e++)
                {
                    curve[e] += history[e].ValidationRmse!.Value / folds.Length;
                }
            }

            var epoch = Array.IndexOf(curve, curve.Min());
            results[j] = new Result(configs[j], curve[epoch], epoch + 1);
        });

        TestContext.Out.WriteLine($"== Stage {name}: {configs.Length} configurations");
        foreach (var r in results.OrderBy(r => r.Rmse).Take(10))
        {
            TestContext.Out.WriteLine($"  {r.Rmse:F5} @ {r.Epoch,3} epochs  {Describe(r.Options)}");
        }

        var top = results.Min(r => r.Rmse);
        var chosen = results.Where(r => r.Rmse <= top + Tolerance).OrderBy(r => r.Options.Factors).ThenBy(r => r.Epoch).ThenBy(r => r.Rmse).First();
        TestContext.Out.WriteLine($"  -> {chosen.Rmse:F5} @ {chosen.Epoch} epochs  {Describe(chosen.Options)}");
        return chosen;
    }

    private static (InteractionSet Train, InteractionSet Validation) HoldOut(InteractionSet data, int seed)
    {
        var rows = Enumerable.Range(0, data.Count).ToArray();
        new Random(seed).Shuffle(rows);
        var n = data.Count / 10;
        return (data.Subset(rows.AsSpan(n), $"{data.SourceName} (90%)"), data.Subset(rows.AsSpan(0, n), $"{data.SourceName} (10% held out)"));
    }

    private static string Describe(FactorizationOptions o) => string.Create(
        CultureInfo.InvariantCulture,
        $"k={o.Factors} epochs={o.Epochs} lr={o.LearningRate:G4} reg={o.Regularization:G4} biasLr={o.EffectiveBiasLearningRate:G4} biasReg={o.EffectiveBiasRegularization:G4} decay={o.LearningRateDecay:G4} init={o.InitStandardDeviation:G4}");

    private sealed record Result(FactorizationOptions Options, double Rmse, int Epoch);
}
