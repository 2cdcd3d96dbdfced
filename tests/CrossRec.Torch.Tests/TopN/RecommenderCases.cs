namespace CrossRec.Tests.TopN;

/// <summary>
/// The (engine × algorithm) pairs the linked recommender contract suite (RecommenderContractTests.cs of
/// CrossRec.Tests) runs against here: every recommender whose training has a kernel, on the TorchSharp engine
/// (libtorch CPU in CI; CROSSREC_TORCH_DEVICE=cuda runs them on the GPU). Same settings and fold-in bounds as
/// the managed engine's cases.
/// </summary>
public static class RecommenderCases
{
    /// <summary>The engine the cases train on.</summary>
    internal static CrossRec.Torch.TorchEngine Engine { get; } = new(Environment.GetEnvironmentVariable("CROSSREC_TORCH_DEVICE") == "cuda" ? CrossRec.Torch.TorchDevice.Cuda : CrossRec.Torch.TorchDevice.Cpu);

    /// <summary>The engine's name, for reports.</summary>
    public static string Name => Engine.Name;

    public static IEnumerable<RecommenderCase> All()
    {
        var e = Engine;
        var on = $"on {e.Name}";
        yield return new RecommenderCase($"ials (conjugate gradient) {on}", d => Recommenders.ImplicitAls().Factors(16).Seed(3).OnEngine(e).Fit(d), 0.9);
        yield return new RecommenderCase($"ials (Cholesky) {on}", d => Recommenders.ImplicitAls().Factors(16).Solver(AlsSolver.Cholesky).Seed(3).OnEngine(e).Fit(d), 1.0);
        yield return new RecommenderCase($"bpr {on} (deterministic)", d => Recommenders.Bpr().Factors(16).Epochs(60).Seed(3).Deterministic().OnEngine(e).Fit(d), 0.6);
        yield return new RecommenderCase($"ease {on}", d => Recommenders.Ease().OnEngine(e).Fit(d), 1.0);
        yield return new RecommenderCase($"itemknn {on}", d => Recommenders.ItemKnn().OnEngine(e).Fit(d), 1.0);
        yield return new RecommenderCase($"hybrid (WARP, identity features only) {on}", d => Recommenders.Hybrid().Factors(16).Epochs(30).Seed(3).OnEngine(e).Fit(d), 0.8);
        yield return new RecommenderCase($"hybrid (WARP, item features, identity dropout) {on}", d => Recommenders.Hybrid().Factors(16).Epochs(30).Seed(3).ItemFeatures(DomainFeatures(d)).OnEngine(e).Fit(d), 0.8);
        yield return new RecommenderCase($"hybrid (BPR, item features, no dropout) {on}", d => Recommenders.Hybrid().Loss(global::CrossRec.Algorithms.Hybrid.HybridLoss.Bpr).IdentityDropout(0).Factors(16).Epochs(30).Seed(3).ItemFeatures(DomainFeatures(d)).OnEngine(e).Fit(d), 0.8);
        yield return new RecommenderCase($"biased-mf (implicit SGD) {on}", d => global::CrossRec.Factorization.Biased().Factors(16).Epochs(20).Regularization(0.02f).Seed(3).Deterministic().OnEngine(e).FitImplicit(d), 0.2);
    }

    /// <summary>Each item's domain as its one feature ("all" without domains), as in the managed engine's hybrid cases.</summary>
    private static FeatureSet DomainFeatures(InteractionSet data)
    {
        var builder = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < data.ItemCount; i++)
        {
            builder.Add(data.ItemIds[i], data.HasDomains ? "domain:" + data.Domains![data.ItemDomains[i]] : "all");
        }

        return builder.Build();
    }
}
