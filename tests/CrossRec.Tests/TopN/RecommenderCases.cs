namespace CrossRec.Tests.TopN;

/// <summary>The (engine × algorithm) pairs the contract suite runs against.</summary>
public static class RecommenderCases
{
    public static IEnumerable<RecommenderCase> All()
    {
        yield return new RecommenderCase("popularity", d => Recommenders.Popularity().Fit(d), 1.0, BeatsPopularity: false);
        yield return new RecommenderCase("ials (conjugate gradient) on cpu", d => Recommenders.ImplicitAls().Factors(16).Seed(3).Fit(d), 0.9);
        yield return new RecommenderCase("ials (Cholesky) on cpu", d => Recommenders.ImplicitAls().Factors(16).Solver(AlsSolver.Cholesky).Seed(3).Fit(d), 1.0);
        yield return new RecommenderCase("bpr on cpu (deterministic)", d => Recommenders.Bpr().Factors(16).Epochs(60).Seed(3).Deterministic().Fit(d), 0.6);
        yield return new RecommenderCase("hybrid (WARP, identity features only) on cpu", d => Recommenders.Hybrid().Factors(16).Epochs(30).Seed(3).Fit(d), 0.8);
        yield return new RecommenderCase("hybrid (WARP, item features, identity dropout) on cpu", d => Recommenders.Hybrid().Factors(16).Epochs(30).Seed(3).ItemFeatures(DomainFeatures(d)).Fit(d), 0.8);
        yield return new RecommenderCase("hybrid (BPR, item features, no dropout) on cpu", d => Recommenders.Hybrid().Loss(global::CrossRec.Algorithms.Hybrid.HybridLoss.Bpr).IdentityDropout(0).Factors(16).Epochs(30).Seed(3).ItemFeatures(DomainFeatures(d)).Fit(d), 0.8);
        yield return new RecommenderCase("mapped ials (item and user features) on cpu", d => Recommenders.Mapped(Recommenders.ImplicitAls().Factors(16).Seed(3)).ItemFeatures(DomainFeatures(d)).UserFeatures(GroupFeatures(d)).Fit(d), 0.9);
        yield return new RecommenderCase("mapped ease (item features) on cpu", d => Recommenders.Mapped(Recommenders.Ease()).ItemFeatures(DomainFeatures(d)).Fit(d), 1.0);
        yield return new RecommenderCase("ease on cpu", d => Recommenders.Ease().Fit(d), 1.0);
        yield return new RecommenderCase("itemknn on cpu", d => Recommenders.ItemKnn().Fit(d), 1.0);
        yield return new RecommenderCase("rp3beta on cpu", d => Recommenders.Rp3Beta().Fit(d), 1.0);
        yield return new RecommenderCase("rp3beta (log values, unnormalised rows) on cpu", d => Recommenders.Rp3Beta().Values(Algorithms.Rp3Beta.Rp3BetaValues.Log).NormalizeRows(false).Fit(d), 1.0);
        yield return new RecommenderCase("blend (ials + ease) on cpu", d => Recommenders.Blend(Recommenders.ImplicitAls().Factors(16).Seed(3), Recommenders.Ease()).Weights(0.6, 0.4).Fit(d), 0.9);
        yield return new RecommenderCase("biased-mf (implicit SGD) on cpu", d => global::CrossRec.Factorization.Biased().Factors(16).Epochs(20).Regularization(0.02f).Seed(3).Deterministic().FitImplicit(d), 0.2); // fold-in solves on the positives only; training also saw sampled negatives
    }

    /// <summary>Each user's id parity as their one attribute (the mapped case's user features).</summary>
    private static FeatureSet GroupFeatures(InteractionSet data)
    {
        var builder = FeatureSet.CreateBuilder("user");
        for (var u = 0; u < data.UserCount; u++)
        {
            builder.Add(data.UserIds[u], "parity:" + (u % 2));
        }

        return builder.Build();
    }

    /// <summary>Each item's domain as its one feature (the hybrid cases' item features).</summary>
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
