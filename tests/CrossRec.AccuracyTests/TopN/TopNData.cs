namespace CrossRec.AccuracyTests.TopN;

/// <summary>
/// The top-N protocol of the recommender accuracy suite: every interaction is a positive, each user's
/// rows are split 80/20 at random (seed 42), the whole catalogue is ranked with the user's training
/// items excluded, and every test item counts as relevant (no rating threshold). NDCG@10 and
/// Recall@10 are reported. Defaults are never tuned on these test parts: algorithms choose their
/// hyperparameters on validation splits of the training part only.
/// </summary>
internal static class TopNData
{
    public const int Seed = 42;

    /// <summary>MovieLens 100K <c>u.data</c> (values are the 1–5 ratings).</summary>
    public static InteractionSet MovieLens100K() => MovieLens.Load100K(Path.Combine(TestData.Require("ml-100k"), "u.data"));

    /// <summary>HetRec Last.fm 2K <c>user_artists.dat</c> (values are play counts).</summary>
    public static InteractionSet LastFm2K() => DelimitedFile.Load(
        Path.Combine(TestData.Require("lastfm-2k"), "user_artists.dat"),
        new DelimitedFormat { Delimiter = "\t", Header = HeaderMode.Present, User = 0, Item = 1, Rating = 2 });

    /// <summary>The dataset by name ("ml-100k", "lastfm-2k").</summary>
    public static InteractionSet Load(string name) => name switch
    {
        "ml-100k" => MovieLens100K(),
        "lastfm-2k" => LastFm2K(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown dataset"),
    };

    /// <summary>The per-user 80/20 split of the protocol.</summary>
    public static (InteractionSet Train, InteractionSet Test) Split(InteractionSet data) => data.SplitPerUser(0.2, Seed);

    /// <summary>NDCG@10, Recall@10 and the rest, every test item relevant, training items excluded.</summary>
    public static RankingMetrics Evaluate(IRecommender model, InteractionSet test) =>
        Evaluation.Ranking(model, test, new RankingOptions { K = 10 });

    /// <summary>Prints one result line (visible with --logger "console;verbosity=detailed").</summary>
    public static void Report(string dataset, string algorithm, RankingMetrics m, double seconds) =>
        TestContext.Out.WriteLine($"{dataset,-10} {algorithm,-12} NDCG@10 {m.Ndcg:F4}  Recall@10 {m.Recall:F4}  P@10 {m.Precision:F4}  HR@10 {m.HitRate:F4}  users {m.Users}  fit {seconds:F2}s");
}
