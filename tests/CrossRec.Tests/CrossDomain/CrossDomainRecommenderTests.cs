namespace CrossRec.Tests.CrossDomain;

/// <summary>The cross-domain layer over any recommender: transfer methods, the popularity blend, Auto's nested validation, and the protocol comparison.</summary>
public class CrossDomainRecommenderTests
{
    private static readonly SyntheticCrossDomain Data = SyntheticCrossDomain.Generate(Small.Options);
    private static readonly CrossDomainSplit Split = CrossDomainSplit.Create(Data.Ratings, "course", "film", 0.2, 5);

    private static ImplicitAlsBuilder SmallAls() => Recommenders.ImplicitAls().Factors(8).Iterations(5).Seed(3).Threads(1);

    public static IEnumerable<TestCaseData> Methods()
    {
        yield return new TestCaseData("joint-ials").SetArgDisplayNames("joint-ials");
        yield return new TestCaseData("joint-ease").SetArgDisplayNames("joint-ease");
        yield return new TestCaseData("joint-itemknn").SetArgDisplayNames("joint-itemknn");
        yield return new TestCaseData("xd-itemknn").SetArgDisplayNames("xd-itemknn");
        yield return new TestCaseData("emcdr-ials").SetArgDisplayNames("emcdr-ials");
        yield return new TestCaseData("target-only-ials").SetArgDisplayNames("target-only-ials");
        yield return new TestCaseData("joint-ials+popularity(0.25)").SetArgDisplayNames("blend");
    }

    private static CrossDomainBuilder Builder(string method) => method switch
    {
        "joint-ials" => CrossRec.CrossDomain.Transfer(SmallAls()),
        "joint-ease" => CrossRec.CrossDomain.Transfer(Recommenders.Ease()),
        "joint-itemknn" => CrossRec.CrossDomain.Transfer(Recommenders.ItemKnn()),
        "xd-itemknn" => CrossRec.CrossDomain.ItemKnn(),
        "emcdr-ials" => CrossRec.CrossDomain.Emcdr(SmallAls()),
        "target-only-ials" => CrossRec.CrossDomain.TargetOnly(SmallAls()),
        _ => CrossRec.CrossDomain.Transfer(SmallAls()).BlendPopularity(0.25),
    };

    [TestCaseSource(nameof(Methods))]
    public void EveryMethodRecommendsUnseenTargetItemsToTargetColdUsersAndNewUsers(string method)
    {
        var model = Builder(method).Fit(Split.Train, "film");
        Assert.That(model.Method, Is.EqualTo(method));
        Assert.That(model.Target, Is.EqualTo("film"));
        var film = Split.Train.Domains!.GetIndex("film");
        var itemDomains = Split.Train.ItemDomains.ToArray();
        var cold = Split.Train.UserIds[Split.HeldOutUsers[0]];
        var recs = model.Recommend(cold, 10);
        var seen = model.SeenItems(Split.HeldOutUsers[0]).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(recs, Has.Count.EqualTo(10));
            Assert.That(recs.Select(r => itemDomains[r.Index]), Is.All.EqualTo(film));
            Assert.That(recs.Select(r => r.Index), Has.None.AnyOf(seen.Cast<object>().ToArray()));
            Assert.That(recs.Select(r => r.Score), Is.Ordered.Descending);
            Assert.That(model.JointModel is not null, Is.EqualTo(method.StartsWith("joint", StringComparison.Ordinal)));
        });

        // A user the model never saw, known only from three courses.
        var courses = Split.Train.ItemsOfDomain("course").Take(3).Select(i => new KeyValuePair<string, float>(Split.Train.ItemIds[i], 1f)).ToList();
        var fresh = model.Recommend(courses, 5);
        Assert.That(fresh.Select(r => itemDomains[r.Index]), Is.All.EqualTo(film));
        Assert.That(fresh, Has.Count.EqualTo(5));

        var many = model.RecommendMany([cold, Split.Train.UserIds[0]], 4, threads: 1);
        Assert.That(many[0].Select(r => r.ItemId), Is.EqualTo(recs.Take(4).Select(r => r.ItemId)));
    }

    /// <summary>
    /// A batch gives every user the list one request gives, bit for bit, whichever serving path it takes (joint factor
    /// models take the blocked kernel with the target domain as a mask; the others score one user at a time).
    /// </summary>
    [TestCaseSource(nameof(Methods))]
    public void EveryMethodServesABatchWithTheListsOfOneRequestAtATime(string method)
    {
        var model = Builder(method).Fit(Split.Train, "film");
        var itemDomains = Split.Train.ItemDomains.ToArray();
        var film = Split.Train.Domains!.GetIndex("film");
        var films = Split.Train.ItemsOfDomain("film").Select(i => Split.Train.ItemIds[i]).ToArray();
        var users = model.UserIds.AsSpan().ToArray();
        var filters = new RecommendFilter?[]
        {
            null,
            new() { ExcludeSeen = false },
            new() { DenyItems = [.. films.Where((_, n) => n % 3 == 0)] },
            new() { AllowItems = [.. films.Where((_, n) => n % 2 == 0)], Predicate = id => !id.EndsWith('7') },
        };
        foreach (var filter in filters)
        {
            var batch = model.RecommendMany(users, 7, filter, threads: 2);
            for (var u = 0; u < users.Length; u++)
            {
                var single = model.Recommend(users[u], 7, filter);
                Assert.That(batch[u].Select(r => (r.Index, r.Score)), Is.EqualTo(single.Select(r => (r.Index, r.Score))), $"{method}: user {users[u]}");
                Assert.That(batch[u].Select(r => itemDomains[r.Index]), Is.All.EqualTo(film), $"{method}: user {users[u]}");
            }
        }
    }

    [Test]
    public void CrossDomainItemKnnScoresAreSummedCosinesOverTrainingUsers()
    {
        // u1: a, x   u2: a, b, x, y   u3: b, y   u4: a (cold in "t")
        var data = new InteractionSetBuilder()
            .Add("u1", "a", 1, null, "s").Add("u1", "x", 1, null, "t")
            .Add("u2", "a", 1, null, "s").Add("u2", "b", 1, null, "s").Add("u2", "x", 1, null, "t").Add("u2", "y", 1, null, "t")
            .Add("u3", "b", 1, null, "s").Add("u3", "y", 1, null, "t")
            .Add("u4", "a", 1, null, "s")
            .Build("tiny");
        var model = CrossRec.CrossDomain.ItemKnn().Fit(data, "t");
        var scores = new float[data.ItemCount];
        model.ScoreItems(data.UserIds.GetIndex("u4"), scores);
        var x = data.ItemIds.GetIndex("x");
        var y = data.ItemIds.GetIndex("y");

        // cos(a, x) = 2 / √(3·2); cos(a, y) = 1 / √(3·2); ties are broken by a popularity term far below.
        Assert.That(scores[x], Is.EqualTo(2 / Math.Sqrt(6)).Within(1e-3));
        Assert.That(scores[y], Is.EqualTo(1 / Math.Sqrt(6)).Within(1e-3));
        Assert.That(scores[x] - scores[y], Is.EqualTo(1 / Math.Sqrt(6)).Within(1e-3));
        Assert.That(float.IsNaN(scores[data.ItemIds.GetIndex("a")]), "source items are not candidates");
    }

    [Test]
    public void BlendWeightOneRanksByTargetPopularity()
    {
        var model = CrossRec.CrossDomain.ItemKnn().BlendPopularity(1).Fit(Split.Train, "film");
        var user = Split.HeldOutUsers[1];
        var recs = model.Recommend(Split.Train.UserIds[user], 5, new RecommendFilter { ExcludeSeen = false });
        var counts = Split.Train.ToMatrix();
        var byPopularity = Split.Train.ItemsOfDomain("film").OrderByDescending(counts.ItemDegree).ThenBy(i => i).Take(5).ToArray();
        Assert.That(recs.Select(r => counts.ItemDegree(r.Index)), Is.EqualTo(byPopularity.Select(counts.ItemDegree)));
    }

    [Test]
    public void DomainWeightsScaleTheJointTrainingValues()
    {
        var model = CrossRec.CrossDomain.Transfer(SmallAls()).DomainWeight("film", 2f).Fit(Split.Train, "film");
        Assert.That(model.Parameters["domain_weight.film"], Is.EqualTo("2"));
        var joint = model.JointModel!;
        var film = Split.Train.Domains!.GetIndex("film");
        var domains = Split.Train.ItemDomains.ToArray();
        var plain = Split.Train.ToMatrix();
        var user = Enumerable.Range(0, Split.Train.UserCount).First(u => plain.ItemsOf(u).ToArray().Any(i => domains[i] == film));
        var items = joint.SeenItems(user).ToArray();
        var values = joint.SeenValues(user).ToArray();
        for (var k = 0; k < items.Length; k++)
        {
            var original = plain.ValuesOf(user)[plain.ItemsOf(user).IndexOf(items[k])];
            Assert.That(values[k], Is.EqualTo(domains[items[k]] == film ? 2 * original : original));
        }

        Assert.That(() => CrossRec.CrossDomain.ItemKnn().DomainWeight("film", 2).Fit(Split.Train, "film"), Throws.ArgumentException.With.Property("ParamName").EqualTo("DomainWeights"));
        Assert.That(() => CrossRec.CrossDomain.Transfer(SmallAls()).DomainWeight("music", 2).Fit(Split.Train, "film"), Throws.ArgumentException.With.Message.Contains("music"));
        Assert.That(() => CrossRec.CrossDomain.Transfer(SmallAls()).DomainWeight("film", 0).Fit(Split.Train, "film"), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("DomainWeights"));
    }

    [Test]
    public void EmcdrNeedsAFactorModel()
    {
        var e = Assert.Throws<ArgumentException>(() => CrossRec.CrossDomain.Emcdr(Recommenders.ItemKnn()).Fit(Split.Train, "film"));
        Assert.That(e!.Message, Does.Contain("factor model"));
    }

    [Test]
    public void BadOptionsAndDataAreRefusedByName()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => CrossRec.CrossDomain.ItemKnn().BlendPopularity(1.5).Fit(Split.Train, "film"), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("PopularityWeight"));
            Assert.That(() => CrossRec.CrossDomain.Emcdr().Ridge(0).Fit(Split.Train, "film"), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("RidgePenalty"));
            Assert.That(() => CrossRec.CrossDomain.ItemKnn().Fit(Split.Train, "music"), Throws.ArgumentException.With.Property("ParamName").EqualTo("target"));
            var plain = new InteractionSetBuilder().Add("u", "i", 1).Build("plain");
            Assert.That(() => CrossRec.CrossDomain.ItemKnn().Fit(plain, "film"), Throws.ArgumentException.With.Message.Contains("no item domains"));
            Assert.That(() => CrossRec.CrossDomain.Auto().ValidationShare(0.9).Fit(Split.Train, "film"), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("ValidationFraction"));
            Assert.That(() => CrossRec.CrossDomain.Auto().BlendWeights(-0.1), Throws.TypeOf<ArgumentOutOfRangeException>());
            var model = CrossRec.CrossDomain.ItemKnn().Fit(Split.Train, "film");
            Assert.That(() => model.Recommend(Split.Train.UserIds[0], 3, RecommendFilter.ForDomain("course")), Throws.ArgumentException.With.Message.Contains("'film'"));
            Assert.That(() => model.Recommend([new KeyValuePair<string, float>("nope", 1)], 3), Throws.TypeOf<KeyNotFoundException>());
        });
    }

    [Test]
    public void AutoValidatesInsideTheTrainingDataOnlyAndReportsItsChoice()
    {
        var reported = new List<CrossDomainCandidateScore>();
        var auto = CrossRec.CrossDomain.Auto()
            .Candidates(CrossRec.CrossDomain.Transfer(SmallAls()), CrossRec.CrossDomain.ItemKnn())
            .BlendWeights(0, 0.5)
            .Threads(1);
        var model = auto.Fit(Split.Train, "film", new SyncProgress<CrossDomainCandidateScore>(reported.Add));
        var selection = model.Selection!;

        // The nested split is made of the training set's users active in both domains: the outer held-out
        // users have no film rows there, so none of them can be a validation user.
        var nested = CrossDomainSplit.CreateCore(Split.Train, null, "film", auto.ValidationFraction, auto.SeedValue, 1, 1, CrossDomainHoldOut.ColdStart, 0.5);
        Assert.Multiple(() =>
        {
            Assert.That(nested.HeldOutUsers.ToArray(), Has.None.AnyOf(Split.HeldOutUsers.ToArray().Cast<object>().ToArray()));
            Assert.That(selection.ValidationUsers, Is.EqualTo(nested.HeldOutUsers.Length));
            Assert.That(reported, Has.Count.EqualTo(4));
            Assert.That(selection.Candidates, Is.EqualTo(reported));
            Assert.That(selection.Chosen.Ndcg, Is.EqualTo(selection.Candidates.Max(c => c.Ndcg)));
            Assert.That(model.Method, Is.EqualTo(selection.Method));
            Assert.That(selection.Candidates.Select(c => c.Method), Is.EqualTo(new[] { "joint-ials", "joint-ials+popularity(0.5)", "xd-itemknn", "xd-itemknn+popularity(0.5)" }));
        });
    }

    [Test]
    public void InAWarmComparisonAutoNeverValidatesOnTheHeldOutUsers()
    {
        var protocol = CrossRec.CrossDomain.Protocol("course", "film").Warm(0.5).Seed(5).Threads(1);
        var split = protocol.Split(Data.Ratings);
        var auto = CrossRec.CrossDomain.Auto().Mode(CrossDomainHoldOut.Warm).Candidates(CrossRec.CrossDomain.ItemKnn()).BlendWeights(0).Threads(1);
        var result = protocol.Compare(split, auto);

        // Held-out warm users keep film rows in training, so they are eligible for a nested split unless excluded.
        var excluded = new HashSet<int>(split.HeldOutUsers.ToArray());
        var expected = CrossDomainSplit.CreateCore(split.Train, null, "film", auto.ValidationFraction, auto.SeedValue, 1, 1, CrossDomainHoldOut.Warm, 0.5, excluded);
        var unrestricted = CrossDomainSplit.CreateCore(split.Train, null, "film", auto.ValidationFraction, auto.SeedValue, 1, 1, CrossDomainHoldOut.Warm, 0.5);
        Assert.Multiple(() =>
        {
            Assert.That(expected.HeldOutUsers.ToArray(), Has.None.AnyOf(split.HeldOutUsers.ToArray().Cast<object>().ToArray()));
            Assert.That(unrestricted.HeldOutUsers.ToArray(), Has.Some.AnyOf(split.HeldOutUsers.ToArray().Cast<object>().ToArray()), "the exclusion matters here");
            Assert.That(result.Selection!.ValidationUsers, Is.EqualTo(expected.HeldOutUsers.Length));
            Assert.That(result.Mode, Is.EqualTo(CrossDomainHoldOut.Warm));
        });
    }

    [Test]
    public void AutoAddsTheTargetOnlyReferenceOnlyForUsersWithTargetHistory()
    {
        Assert.That(CrossDomainAutoBuilder.DefaultCandidates().Select(c => c.Kind), Has.None.EqualTo(TransferMethod.TargetOnly));
        Assert.That(CrossDomainAutoBuilder.DefaultCandidates(CrossDomainHoldOut.Warm).Select(c => c.Kind), Has.One.EqualTo(TransferMethod.TargetOnly));
        Assert.That(CrossRec.CrossDomain.Auto().Mode(CrossDomainHoldOut.LeaveOneOut).Parameters["candidates"], Does.Contain("target-only-ials"));
    }

    [Test]
    public void AutoSkipsJointEaseWhenTheCatalogueExceedsItsBudgetAndSaysWhy()
    {
        var auto = CrossRec.CrossDomain.Auto().Candidates(CrossRec.CrossDomain.Transfer(Recommenders.Ease().MaxItems(50)), CrossRec.CrossDomain.ItemKnn()).BlendWeights(0).Threads(1);
        var model = auto.Fit(Split.Train, "film");
        var ease = model.Selection!.Candidates[0];
        Assert.That(ease.Skipped, Does.Contain("MaxItems = 50"));
        Assert.That(model.Method, Is.EqualTo("xd-itemknn"));
    }

    [TestCase(CrossDomainHoldOut.Warm)]
    [TestCase(CrossDomainHoldOut.LeaveOneOut)]
    public void WarmAndLeaveOneOutKeepPartOfTheTargetHistory(CrossDomainHoldOut mode)
    {
        var options = new CrossDomainProtocolOptions { Source = "course", Target = "film", Seed = 5, Mode = mode, WarmHiddenFraction = 0.5 };
        var split = CrossDomainSplit.Create(Data.Ratings, options);
        var film = Data.Ratings.Domains!.GetIndex("film");
        var domains = Data.Ratings.ItemDomains.ToArray();
        var trainFilms = split.Train.ToMatrix();
        var hidden = split.HeldOut.ToMatrix();
        var all = Data.Ratings.ToMatrix();
        Assert.That(split.Mode, Is.EqualTo(mode));
        foreach (var u in split.HeldOutUsers)
        {
            var kept = trainFilms.ItemsOf(u).ToArray().Count(i => domains[i] == film);
            var gone = hidden.ItemsOf(u).Length;
            var total = all.ItemsOf(u).ToArray().Count(i => domains[i] == film);
            Assert.That(kept + gone, Is.EqualTo(total), $"user {u}");
            Assert.That(kept, Is.GreaterThanOrEqualTo(1), $"user {u} keeps target history");
            if (mode == CrossDomainHoldOut.LeaveOneOut)
            {
                Assert.That(gone, Is.EqualTo(1), $"user {u}");
            }
            else
            {
                Assert.That(gone, Is.EqualTo(Math.Clamp((int)Math.Round(0.5 * total), 1, total - 1)), $"user {u}");
            }
        }

        // The same seed and options give the same split.
        Assert.That(CrossDomainSplit.Create(Data.Ratings, options).HeldOut.Items.ToArray(), Is.EqualTo(split.HeldOut.Items.ToArray()));
    }

    [Test]
    public void CompareRanksEveryBaselineOnTheSameUsersWithPairedTests()
    {
        var result = CrossRec.CrossDomain.Protocol("course", "film").HoldOut(0.2).Seed(5).Threads(1)
            .Compare(Data.Ratings, CrossRec.CrossDomain.Transfer(SmallAls()), SmallAls(), [CrossRec.CrossDomain.Emcdr(SmallAls())]);
        TestContext.Out.WriteLine(result.ToTable());
        Assert.Multiple(() =>
        {
            Assert.That(result.Rows.Select(r => r.Method), Is.EqualTo(new[] { "joint-ials", "popularity", "target-only-ials", "xd-itemknn", "emcdr-ials" }));
            Assert.That(result.ChosenMethod, Is.EqualTo("joint-ials"));
            Assert.That(result.Selection, Is.Null);
            Assert.That(result.Rows[0].TTest, Is.Null);
            foreach (var row in result.Rows)
            {
                Assert.That(row.PerUserNdcg, Has.Count.EqualTo(result.Users.Count), row.Name);
                Assert.That(row.Metrics.Users, Is.EqualTo(result.HeldOutUsers), row.Name);
                Assert.That(row.PerUserNdcg.Average(), Is.EqualTo(row.Metrics.Ndcg).Within(1e-9), row.Name);
                Assert.That(row.PerUserRecall.Average(), Is.EqualTo(row.Metrics.Recall).Within(1e-9), row.Name);
            }

            foreach (var row in result.Rows.Skip(1))
            {
                Assert.That(row.TTest!.PValue, Is.InRange(0.0, 1.0), row.Name);
                Assert.That(row.Bootstrap!.PValue, Is.InRange(0.0, 1.0), row.Name);
                Assert.That(row.TTest.MeanDifference, Is.EqualTo(result.Rows[0].Metrics.Ndcg - row.Metrics.Ndcg).Within(1e-9), row.Name);
            }

            // Taste-driven synthetic data: transfer must beat the popularity ranking clearly.
            Assert.That(result.Rows[0].Metrics.Ndcg, Is.GreaterThan(result.Row("popularity")!.Metrics.Ndcg));
            Assert.That(result.Row("popularity")!.TTest!.PValue, Is.LessThan(0.01));
        });
    }

    [Test]
    public void PairedTTestMatchesTheTextbookValue()
    {
        // Differences 1..5: mean 3, s = √2.5, t = 3 / (√2.5 / √5) = 4.2426, 4 degrees of freedom: p = 0.01324.
        var a = new double[] { 2, 4, 6, 8, 10 };
        var b = new double[] { 1, 2, 3, 4, 5 };
        var t = PairedTest.TTest(a, b);
        Assert.Multiple(() =>
        {
            Assert.That(t.Pairs, Is.EqualTo(5));
            Assert.That(t.MeanDifference, Is.EqualTo(3).Within(1e-12));
            Assert.That(t.Statistic, Is.EqualTo(4.242641).Within(1e-5));
            Assert.That(t.PValue, Is.EqualTo(0.01324).Within(5e-5));
            Assert.That(PairedTest.TTest(a, a).PValue, Is.EqualTo(1));
            Assert.That(PairedTest.TTest([1, double.NaN, 3], [0, 5, 1]).Pairs, Is.EqualTo(2));
            Assert.That(() => PairedTest.TTest(a, [1.0]), Throws.ArgumentException);
            Assert.That(PairedTest.Bootstrap(a, b, 2000, 1).PValue, Is.LessThan(0.01));
            Assert.That(PairedTest.Bootstrap([1, -1, 1, -1], [0, 0, 0, 0], 2000, 1).PValue, Is.GreaterThan(0.5));
            Assert.That(() => PairedTest.Bootstrap(a, b, 10), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void TwoDomainFilesLoadWithQualifiedItemsAndBadLinesAreNamed()
    {
        using var files = new TempFiles();
        var sport = files.Write("sport.txt", "0\t17\t1\n1\t17\t1\n1\t3\t1\n");
        var phone = files.Write("phone.txt", "0\t17\t1\n2\t5\t1\n");
        var data = CrossDomainData.Open($"{sport}:sport,{phone}:phone");
        Assert.Multiple(() =>
        {
            Assert.That(data.Count, Is.EqualTo(5));
            Assert.That(data.UserCount, Is.EqualTo(3));
            Assert.That(data.ItemIds, Is.EquivalentTo(new[] { "sport:17", "sport:3", "phone:17", "phone:5" }));
            Assert.That(data.OfDomain("phone").Count, Is.EqualTo(2));
        });

        var four = files.Write("four.csv", "user,item,value,domain\nu1,i1,1,a\nu1,j1,2,b\n");
        Assert.That(CrossDomainData.Open(four).DomainSummaries(), Has.Count.EqualTo(2));

        var badValue = files.Write("bad.txt", "u1\ti1\t1\tx\nu2\ti2\tlots\ty\n");
        var e = Assert.Throws<DataFormatException>(() => CrossDomainData.Load(badValue));
        Assert.That((e!.Line, e.Column), Is.EqualTo((2L, 3)));

        var twoDomains = files.Write("clash.txt", "u1\ti1\t1\tx\nu2\ti1\t1\ty\n");
        e = Assert.Throws<DataFormatException>(() => CrossDomainData.Load(twoDomains));
        Assert.That((e!.Line, e.Column), Is.EqualTo((2L, 4)));
        Assert.That(e.Message, Does.Contain("one file per domain"));

        var short3 = files.Write("short.txt", "u1\ti1\t1\n");
        e = Assert.Throws<DataFormatException>(() => CrossDomainData.Load(short3));
        Assert.That(e!.Line, Is.EqualTo(1));
        Assert.That(() => CrossDomainData.Open($"{sport}:sport"), Throws.ArgumentException.With.Message.Contains("two domains"));
        Assert.That(() => CrossDomainData.Open(files.PathOf("missing.txt")), Throws.TypeOf<FileNotFoundException>());
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
