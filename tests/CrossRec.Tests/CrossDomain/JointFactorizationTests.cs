namespace CrossRec.Tests.CrossDomain;

public class JointFactorizationTests
{
    private static readonly SyntheticCrossDomain Data = SyntheticCrossDomain.Generate(Small.Options);

    private static JointFactorizationBuilder Joint() =>
        CrossRec.CrossDomain.Joint().Configure(f => f.Factors(8).Epochs(12).LearningRate(0.02f).BiasLearningRate(0.02f).Seed(3).Deterministic());

    [Test]
    public void ImplicitTrainingSetHasPositivesAndSameDomainNegatives()
    {
        var ratings = Data.Ratings;
        var (positives, training) = ImplicitFeedback.Build(ratings, 3, seed: 9);
        var domains = ratings.ItemDomains.ToArray();
        var had = new HashSet<(int, int)>();
        var active = new HashSet<(int, int)>();
        for (var r = 0; r < ratings.Count; r++)
        {
            had.Add((ratings.Users[r], ratings.Items[r]));
            active.Add((ratings.Users[r], domains[ratings.Items[r]]));
        }

        var seen = new HashSet<(int, int)>();
        var negatives = 0;
        Assert.Multiple(() =>
        {
            Assert.That(positives.Count, Is.EqualTo(had.Count));
            Assert.That(positives.Values.ToArray(), Is.All.EqualTo(1f));
            for (var r = 0; r < training.Count; r++)
            {
                var pair = (training.Users[r], training.Items[r]);
                Assert.That(seen.Add(pair), Is.True, "a (user, item) pair appears once");
                if (training.Values[r] == 0f)
                {
                    negatives++;
                    Assert.That(had.Contains(pair), Is.False, "a negative is never an observed item");
                    Assert.That(active.Contains((pair.Item1, domains[pair.Item2])), Is.True, "negatives come only from domains the user is active in");
                }
                else
                {
                    Assert.That(training.Values[r], Is.EqualTo(1f));
                    Assert.That(had.Contains(pair), Is.True);
                }
            }
        });

        // 3 per positive, unless the user's domain runs out of unobserved items.
        var sizes = new[] { Small.Options.Courses, Small.Options.Films };
        var expected = had.GroupBy(p => (p.Item1, domains[p.Item2])).Sum(g => Math.Min(3 * g.Count(), sizes[g.Key.Item2] - g.Count()));
        Assert.That(negatives, Is.EqualTo(expected));
        Assert.That(negatives, Is.GreaterThan(2 * positives.Count));
        var again = ImplicitFeedback.Build(ratings, 3, seed: 9).Training;
        Assert.That(again.Items.ToArray(), Is.EqualTo(training.Items.ToArray()));
    }

    [Test]
    public void NegativesAreCappedByTheUnobservedItems()
    {
        var b = new InteractionSetBuilder();
        b.Add("u", "a", 1f, domain: "x").Add("u", "b", 1f, domain: "x").Add("v", "c", 1f, domain: "x");
        var (_, training) = ImplicitFeedback.Build(b.Build(), 10, seed: 1);
        // u has 2 positives and 1 unobserved item; v has 1 positive and 2 unobserved items.
        Assert.That(training.Count, Is.EqualTo(3 + 1 + 2));
    }

    [Test]
    public void ImplicitModelExcludesOnlyObservedItemsAndRecommendsTargetItemsToColdUsers()
    {
        var split = CrossDomainSplit.Create(Data.Ratings, "course", "film", 0.2, seed: 1);
        var model = Joint().Implicit(4).Fit(split.Train);
        var user = split.HeldOutUsers[0];
        var id = split.Train.UserIds[user];
        var had = split.Train.RowsOfUser(user).ToArray().Select(r => split.Train.Items[r]).Distinct().Order().ToArray();
        Assert.That(model.SeenItems(user).ToArray(), Is.EqualTo(had));
        var recs = model.Recommend(id, 20, domain: "film");
        Assert.Multiple(() =>
        {
            Assert.That(recs, Has.Count.EqualTo(20));
            foreach (var rec in recs)
            {
                Assert.That(model.Domains![model.ItemDomains[rec.Index]], Is.EqualTo("film"));
            }

            for (var k = 1; k < recs.Count; k++)
            {
                Assert.That(recs[k].Score, Is.LessThanOrEqualTo(recs[k - 1].Score));
            }
        });

        // A warm user's recommendations never repeat a film they have.
        var warm = Enumerable.Range(0, split.Train.UserCount).First(u => Data.FilmActive[u] && !split.HeldOutUsers.Contains(u));
        var warmFilms = model.SeenItems(warm).ToArray().Where(i => model.ItemDomains[i] == 1).ToHashSet();
        Assert.That(warmFilms, Is.Not.Empty);
        Assert.That(model.Recommend(split.Train.UserIds[warm], 50, domain: "film").Select(r => r.Index), Has.None.Matches<int>(warmFilms.Contains));
    }

    [Test]
    public void ColdUserRecommendationsFollowTheirTrueTaste()
    {
        // The point of joint training: a user with no film history gets films matching their course tastes.
        var split = CrossDomainSplit.Create(Data.Ratings, "course", "film", 0.2, seed: 1);
        var model = Joint().Implicit(4).Fit(split.Train);
        double recommended = 0, catalogue = 0;
        var films = split.Train.ItemsOfDomain("film");
        var n = 0;
        foreach (var u in split.HeldOutUsers)
        {
            foreach (var rec in model.Recommend(split.Train.UserIds[u], 10, domain: "film"))
            {
                recommended += Data.Affinity(u, rec.Index);
                n++;
            }

            foreach (var f in films)
            {
                catalogue += Data.Affinity(u, f) / films.Length;
            }
        }

        recommended /= n;
        catalogue /= split.HeldOutUsers.Length;
        Assert.That(recommended, Is.GreaterThan(catalogue + 0.5), $"mean true affinity of recommended films {recommended:F3} vs catalogue {catalogue:F3}");
    }

    [Test]
    public void FitChecksDomainsAndOptions()
    {
        var b = new InteractionSetBuilder();
        b.Add("u", "i", 1f);
        var noDomains = b.Build();
        Assert.Multiple(() =>
        {
            Assert.That(() => Joint().Fit(noDomains), Throws.InvalidOperationException.With.Message.Contains("no item domains"));
            Assert.That(() => Joint().DomainWeight("book", 2f).Fit(Data.Ratings), Throws.ArgumentException.With.Message.Contains("'book'").And.Message.Contains("'film'"));
            Assert.That(() => Joint().DomainWeight("film", -1f).Fit(Data.Ratings), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("DomainWeights[film]"));
            Assert.That(() => Joint().Implicit(0).Fit(Data.Ratings), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("NegativesPerPositive"));
        });
    }

    [Test]
    public void BuilderIsImmutable()
    {
        var a = Joint();
        var b = a.Implicit(6).DomainWeight("film", 2f);
        Assert.Multiple(() =>
        {
            Assert.That(a.Options.Feedback, Is.EqualTo(FeedbackKind.Implicit), "the default feedback");
            Assert.That(a.Factorization.Options.DomainWeights, Is.Null);
            Assert.That(b.Options.NegativesPerPositive, Is.EqualTo(6));
            Assert.That(b.Factorization.Options.DomainWeights!["film"], Is.EqualTo(2f));
            Assert.That(b.Explicit().Options.Feedback, Is.EqualTo(FeedbackKind.Explicit));
        });
    }

    [Test]
    public void ExplicitDomainBaselinesShrinkItemBiasesTowardTheirDomainMean()
    {
        // Courses are rated 5 and films 1 by everyone; every item has few ratings and the bias
        // regularisation is strong, so without baselines item biases stay near 0 and films are predicted
        // near the overall mean (3); with them, film items start from the film mean.
        var b = new InteractionSetBuilder();
        for (var u = 0; u < 40; u++)
        {
            for (var j = 0; j < 3; j++)
            {
                b.Add($"u{u}", $"c{(u + j) % 30}", 5f, domain: "course");
                b.Add($"u{u}", $"f{(u + (7 * j)) % 30}", 1f, domain: "film");
            }
        }

        var data = b.Build();
        var joint = CrossRec.CrossDomain.Joint().Explicit()
            .Configure(f => f.Factors(4).Epochs(20).LearningRate(0.01f).BiasLearningRate(0.01f).BiasRegularization(5f).Seed(1).Deterministic());
        var offsets = JointFactorizationBuilder.DomainOffsets(data);
        var with = joint.Fit(data);
        var without = joint.WithOptions(joint.Options with { DomainBaselines = false }).Fit(data);
        Assert.Multiple(() =>
        {
            Assert.That(offsets[data.Domains!.GetIndex("film")], Is.EqualTo(-2.0).Within(1e-9));
            Assert.That(offsets[data.Domains!.GetIndex("course")], Is.EqualTo(2.0).Within(1e-9));
            Assert.That(with.GlobalMean, Is.EqualTo(3f).Within(1e-5f));
            Assert.That(with.Predict("u0", "f0"), Is.LessThan(1.5f), "with baselines a film is predicted near the film mean");
            Assert.That(with.Predict("u0", "c5"), Is.GreaterThan(4.5f));
            Assert.That(without.Predict("u0", "f0"), Is.GreaterThan(2f), "without them the bias prior pulls films to the overall mean");
        });
    }

    [Test]
    public void ExplicitDomainBaselinesDoNotHurtRatingAccuracy()
    {
        var (train, test) = Data.Ratings.SplitRandom(0.2, seed: 4);
        var joint = Joint().Explicit();
        var with = joint.Fit(train).Evaluate(test).Rmse;
        var without = joint.WithOptions(joint.Options with { DomainBaselines = false }).Fit(train).Evaluate(test).Rmse;
        TestContext.Out.WriteLine($"explicit joint test RMSE: with domain baselines {with:F4}, without {without:F4}");
        Assert.That(with, Is.LessThanOrEqualTo(without + 0.002));
    }
}

