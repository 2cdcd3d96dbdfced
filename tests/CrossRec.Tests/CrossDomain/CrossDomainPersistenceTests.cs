using CrossRec.Persistence;

namespace CrossRec.Tests.CrossDomain;

/// <summary><see cref="CrossDomainModel.Save(Stream)"/> and <see cref="CrossDomainModel.Load(Stream)"/>: every transfer method comes back scoring bit-identically, and crafted files are refused.</summary>
public class CrossDomainPersistenceTests
{
    private static readonly SyntheticCrossDomain Data = SyntheticCrossDomain.Generate(Small.Options);
    private static readonly CrossDomainSplit Split = CrossDomainSplit.Create(Data.Ratings, "course", "film", 0.2, 5);

    private static ImplicitAlsBuilder SmallAls() => Recommenders.ImplicitAls().Factors(8).Iterations(5).Seed(3).Threads(1);

    public static IEnumerable<TestCaseData> Methods()
    {
        yield return new TestCaseData("joint-ials").SetArgDisplayNames("joint-ials");
        yield return new TestCaseData("joint-blend").SetArgDisplayNames("joint-blend");
        yield return new TestCaseData("xd-itemknn").SetArgDisplayNames("xd-itemknn");
        yield return new TestCaseData("emcdr-ials").SetArgDisplayNames("emcdr-ials");
        yield return new TestCaseData("target-only-ease").SetArgDisplayNames("target-only-ease");
        yield return new TestCaseData("xd-itemknn+popularity").SetArgDisplayNames("xd-itemknn+popularity");
    }

    private static ICrossDomainBuilder Builder(string method) => method switch
    {
        "joint-ials" => CrossRec.CrossDomain.Transfer(SmallAls()),
        "joint-blend" => CrossRec.CrossDomain.Transfer(Recommenders.Blend(SmallAls(), Recommenders.ItemKnn())),
        "xd-itemknn" => CrossRec.CrossDomain.ItemKnn(),
        "emcdr-ials" => CrossRec.CrossDomain.Emcdr(SmallAls()),
        "target-only-ease" => CrossRec.CrossDomain.TargetOnly(Recommenders.Ease()),
        _ => CrossRec.CrossDomain.ItemKnn().BlendPopularity(0.3),
    };

    private static byte[] Saved(CrossDomainModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    [TestCaseSource(nameof(Methods))]
    public void ALoadedModelScoresAndRecommendsExactlyAsTheSavedOne(string method)
    {
        var model = Builder(method).Fit(Split.Train, "film");
        var loaded = CrossDomainModel.Load(new MemoryStream(Saved(model)));
        Assert.That(loaded.Method, Is.EqualTo(model.Method));
        Assert.That(loaded.Parameters, Is.EquivalentTo(model.Parameters));
        Assert.That(loaded.Target, Is.EqualTo("film"));
        Assert.That(loaded.Selection, Is.Null);
        Assert.That(loaded.JointModel is null, Is.EqualTo(model.JointModel is null));
        var a = new float[model.ItemIds.Count];
        var b = new float[model.ItemIds.Count];
        foreach (var u in new[] { 0, Split.HeldOutUsers[0], Split.HeldOutUsers[^1], model.UserIds.Count - 1 })
        {
            model.ScoreItems(u, a);
            loaded.ScoreItems(u, b);
            Assert.That(b, Is.EqualTo(a), $"user {u}");
        }

        var courses = Split.Train.ItemsOfDomain("course").Take(3).Select(i => new KeyValuePair<string, float>(Split.Train.ItemIds[i], 1f)).ToList();
        Assert.That(loaded.Recommend(courses, 10), Is.EqualTo(model.Recommend(courses, 10)));
        var cold = Split.Train.UserIds[Split.HeldOutUsers[1]];
        Assert.That(loaded.RecommendMany([cold], 10)[0], Is.EqualTo(model.Recommend(cold, 10)));
    }

    [Test]
    public void AutosChoiceIsSavedToAFileAndSignedFilesNeedTheirKey()
    {
        var model = CrossRec.CrossDomain.Auto().Fit(Split.Train, "film");
        var path = Path.Combine(Path.GetTempPath(), $"crossrec-xd-{Guid.NewGuid():N}.model");
        var key = ModelSigningKey.Generate();
        try
        {
            model.Save(path);
            var cold = Split.Train.UserIds[Split.HeldOutUsers[2]];
            Assert.That(CrossDomainModel.Load(path).Recommend(cold, 10), Is.EqualTo(model.Recommend(cold, 10)));
            model.Save(path, key);
            Assert.That(CrossDomainModel.Load(path, key).Method, Is.EqualTo(model.Method));
            Assert.That(() => CrossDomainModel.Load(path, ModelSigningKey.Generate()), Throws.TypeOf<ModelFormatException>());
            Assert.That(() => Recommender.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("crossdomain"), "not a single-domain recommender");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ATransferModelWhoseJointModelWasTrainedOnOtherDataIsRefused()
    {
        var model = CrossRec.CrossDomain.Transfer(SmallAls()).Fit(Split.Train, "film");
        var bytes = Saved(model);
        var other = CrossRec.CrossDomain.Transfer(SmallAls()).Fit(SyntheticCrossDomain.Generate(Small.Options with { Users = 300 }).Ratings, "film");
        // Swap in the other model's SCOR section: same layout, other users.
        var file = ModelFileReader.Parse(bytes, "model", "crossdomain");
        var foreign = ModelFileReader.Parse(Saved(other), "other", "crossdomain");
        var writer = new ModelFileWriter("crossdomain");
        foreach (var tag in new[] { "KVER", "CDHD", "UIDS", "IIDS", "DOMS", "SEEN" })
        {
            writer.Add(tag, Raw(file, tag));
        }

        writer.Add("SCOR", Raw(foreign, "SCOR"));
        using var crafted = new MemoryStream();
        writer.WriteTo(crafted);
        crafted.Position = 0;
        Assert.That(() => CrossDomainModel.Load(crafted), Throws.TypeOf<ModelFormatException>().With.Message.Contains("does not have the model's"));
    }

    private static PayloadWriter Raw(ModelFileReader file, string tag) => new PayloadWriter().Raw(file.SectionBytes(tag));
}
