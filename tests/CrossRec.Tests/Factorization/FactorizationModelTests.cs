namespace CrossRec.Tests.Factorization;

public class FactorizationModelTests
{
    private static InteractionSet Tiny()
    {
        var b = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        var rng = new Random(3);
        for (var u = 0; u < 40; u++)
        {
            for (var i = 0; i < 30; i++)
            {
                if (rng.NextDouble() < 0.5)
                {
                    var taste = (u % 2 == i % 2) ? 4.5f : 1.5f;
                    b.Add($"u{u}", $"i{i}", Math.Clamp(taste + (float)(rng.NextDouble() - 0.5), 1f, 5f));
                }
            }
        }

        return b.Build("tiny");
    }

    [Test]
    public void SavedModelReloadsAndPredictsBitIdentically()
    {
        var data = Tiny();
        var model = CrossRec.Factorization.Biased().Factors(4).Epochs(20).Deterministic().Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"crossrec-{Guid.NewGuid():N}.model");
        try
        {
            model.Save(path);
            var loaded = FactorizationModel.Load(path);
            for (var u = 0; u < data.UserCount; u++)
            {
                for (var i = 0; i < data.ItemCount; i++)
                {
                    Assert.That(BitConverter.SingleToInt32Bits(loaded.Predict(u, i)), Is.EqualTo(BitConverter.SingleToInt32Bits(model.Predict(u, i))));
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void TruncatedAndAlteredFilesAreRefused()
    {
        var model = CrossRec.Factorization.Biased().Factors(4).Epochs(2).Deterministic().Fit(Tiny());
        var path = Path.Combine(Path.GetTempPath(), $"crossrec-{Guid.NewGuid():N}.model");
        try
        {
            model.Save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var truncated = Assert.Throws<ModelFormatException>(() => FactorizationModel.Load(path));
            Assert.That(truncated!.Message, Does.Contain("truncated").And.Contain(path));

            var altered = (byte[])bytes.Clone();
            altered[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(path, altered);
            var tampered = Assert.Throws<ModelFormatException>(() => FactorizationModel.Load(path));
            Assert.That(tampered!.Message, Does.Contain("checksum"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void RecommendExcludesItemsTheUserHas()
    {
        var data = Tiny();
        var model = CrossRec.Factorization.Biased().Factors(4).Epochs(30).Deterministic().Fit(data);
        var recs = model.Recommend("u0", 100);
        var seen = new HashSet<int>(model.SeenItems(data.UserIds.GetIndex("u0")).ToArray());
        Assert.That(recs, Is.Not.Empty);
        Assert.That(recs.Select(r => r.Index).Any(seen.Contains), Is.False);
        Assert.That(recs.Count, Is.EqualTo(data.ItemCount - seen.Count));
        Assert.That(recs.Select(r => r.Score), Is.Ordered.Descending);
    }
}
