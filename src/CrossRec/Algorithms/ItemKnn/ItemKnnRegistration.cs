namespace CrossRec.Algorithms.ItemKnn;

/// <summary>Item-kNN's entry in <see cref="AlgorithmRegistry"/>.</summary>
internal static class ItemKnnRegistration
{
    public static AlgorithmRegistration Entry { get; } = new("itemknn", "item-kNN", (_, threads) => AlgorithmRegistration.Set(Recommenders.ItemKnn(), threads, (b, v) => b.Threads(v)))
    {
        AutoCandidate = true,
        ModelKind = "itemknn",
        Read = ItemKnnModel.Read,
        CpuKernel = new CpuItemSimilarityKernel(),
        TuningAxes =
        [
            b => Knn(b) is var k ? [k.Neighbors(Math.Max(1, k.Options.Neighbors / 4)), k.Neighbors(k.Options.Neighbors * 4)] : [],
            b => Knn(b) is var k ? [k.Shrinkage(k.Options.Shrinkage / 4), k.Shrinkage(k.Options.Shrinkage * 4)] : [],
            b => Knn(b) is var k ? [k.Asymmetry(Math.Max(0, k.Options.Asymmetry - 0.3f)), k.Asymmetry(Math.Min(1, k.Options.Asymmetry + 0.3f))] : [],
        ],
    };

    private static ItemKnnBuilder Knn(IRecommenderBuilder b) => (ItemKnnBuilder)b;
}
