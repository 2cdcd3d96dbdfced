using System.Diagnostics;
using CrossRec.Tests.TopN;

namespace CrossRec.Torch.Tests;

/// <summary>
/// Torch against the managed engine on MovieLens 100K (CROSSREC_DATA), with the accuracy suite's top-N protocol
/// (every rating a positive, per-user 80/20 split with seed 42, NDCG@10 over the whole catalogue): the same
/// options on both engines reach the same accuracy. Each line printed is a row of the README's parity table.
/// </summary>
[Category("Parity")]
public class TorchParityTests
{
    private static readonly Lazy<(InteractionSet Train, InteractionSet Test)> Split = new(() =>
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA");
        var file = root is null ? null : Path.Combine(root, "ml-100k", "u.data");
        if (file is null || !File.Exists(file))
        {
            Assert.Ignore("CROSSREC_DATA is not set (or has no ml-100k/u.data): the MovieLens parity tests need it.");
        }

        return MovieLens.Load100K(file!).SplitPerUser(0.2, 42);
    });

    private static TorchEngine Engine => RecommenderCases.Engine;

    [Test]
    public void ImplicitAls() => Compare("ials (k 64, 15 it, CG)", e => Recommenders.ImplicitAls().OnEngine(e), 0.005);

    [Test]
    public void ImplicitAlsCholesky() => Compare("ials (k 64, 15 it, Cholesky)", e => Recommenders.ImplicitAls().Solver(AlsSolver.Cholesky).OnEngine(e), 0.005);

    [Test]
    public void Bpr() => Compare("bpr (k 64, 40 epochs)", e => Recommenders.Bpr().Factors(64).Epochs(40).OnEngine(e), 0.02);

    [Test]
    public void Ease() => Compare("ease (defaults)", e => Recommenders.Ease().OnEngine(e), 0.001);

    [Test]
    public void ItemKnn() => Compare("itemknn (defaults)", e => Recommenders.ItemKnn().OnEngine(e), 0.002);

    [Test]
    public void Hybrid() => Compare("hybrid (WARP, genres and year, defaults)", e => Recommenders.Hybrid().ItemFeatures(ItemFeatures.Value).OnEngine(e), 0.02);

    /// <summary>Item cold start (20 % of the items new, seed 42), ranked among the new items: the hybrid's reason to exist.</summary>
    [Test]
    public void HybridNewItems()
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA")!;
        var split = ColdStart.SplitItems(MovieLens.Load100K(Path.Combine(root, "ml-100k", "u.data")), 0.2, 42);
        double Score(IComputeEngine e, out double seconds)
        {
            var watch = Stopwatch.StartNew();
            var model = Recommenders.Hybrid().ItemFeatures(ItemFeatures.Value).OnEngine(e).Fit(split.Train);
            seconds = watch.Elapsed.TotalSeconds;
            return ColdStart.EvaluateItems(model, split, ColdItemCandidates.NewItems, 10).Metrics.Ndcg;
        }

        var cpu = Score(CpuEngine.Default, out var cpuSeconds);
        var torch = Score(Engine, out var torchSeconds);
        TestContext.Out.WriteLine($"| hybrid, new items only (20 % of items) | {cpu:F4} | {torch:F4} | {(torch - cpu >= 0 ? "+" : string.Empty)}{torch - cpu:F4} | {cpuSeconds:F2} s | {torchSeconds:F2} s ({Engine.Name}) |");
        Assert.That(torch, Is.EqualTo(cpu).Within(0.03));
    }

    private static readonly Lazy<FeatureSet> ItemFeatures = new(() =>
    {
        _ = Split.Value; // skips without the data
        return MovieLens.LoadItemFeatures100K(Path.Combine(Environment.GetEnvironmentVariable("CROSSREC_DATA")!, "ml-100k"));
    });

    private static void Compare(string label, Func<IComputeEngine, IRecommenderBuilder> builder, double tolerance)
    {
        var (train, test) = Split.Value;
        var (cpu, cpuSeconds) = Score(builder(CpuEngine.Default), train, test);
        var (torch, torchSeconds) = Score(builder(Engine), train, test);
        TestContext.Out.WriteLine($"| {label} | {cpu:F4} | {torch:F4} | {(torch - cpu >= 0 ? "+" : string.Empty)}{torch - cpu:F4} | {cpuSeconds:F2} s | {torchSeconds:F2} s ({Engine.Name}) |");
        Assert.That(torch, Is.EqualTo(cpu).Within(tolerance));
    }

    private static (double Ndcg, double Seconds) Score(IRecommenderBuilder builder, InteractionSet train, InteractionSet test)
    {
        var watch = Stopwatch.StartNew();
        var model = builder.Fit(train, null, default);
        var seconds = watch.Elapsed.TotalSeconds;
        return (global::CrossRec.Evaluation.Ranking(model, test, new RankingOptions { K = 10 }).Ndcg, seconds);
    }
}
