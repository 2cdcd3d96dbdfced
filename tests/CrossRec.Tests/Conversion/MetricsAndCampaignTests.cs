namespace CrossRec.Tests.Conversion;

public class MetricsAndCampaignTests
{
    [Test]
    public void MetricsMatchHandComputedValues()
    {
        bool[] y = [true, false, true, false, false];
        double[] p = [0.9, 0.8, 0.7, 0.3, 0.3];
        var m = ConversionMetrics.Compute(y, p, bins: 5);
        Assert.Multiple(() =>
        {
            // Positive 0.9 beats 3 negatives; positive 0.7 beats 2 → 5 of 6 pairs.
            Assert.That(m.Auc, Is.EqualTo(5.0 / 6).Within(1e-12));
            // Average precision: recall 0.5 at precision 1, recall 1 at precision 2/3.
            Assert.That(m.PrAuc, Is.EqualTo((0.5 * 1) + (0.5 * 2.0 / 3)).Within(1e-12));
            var expectedLogLoss = -(Math.Log(0.9) + Math.Log(0.2) + Math.Log(0.7) + Math.Log(0.7) + Math.Log(0.7)) / 5;
            Assert.That(m.LogLoss, Is.EqualTo(expectedLogLoss).Within(1e-12));
            Assert.That(m.Brier, Is.EqualTo(((0.01) + 0.64 + 0.09 + 0.09 + 0.09) / 5).Within(1e-12));
            Assert.That(m.Gains[^1].Captured, Is.EqualTo(1.0));
        });
    }

    [Test]
    public void AbTestMatchesTheTextbookZTest()
    {
        // 200/2000 vs 260/2000: pooled p = 0.115, z = 0.03 / sqrt(0.115·0.885·0.001) ≈ 2.9814.
        var r = AbTest.Evaluate(new ArmOutcome("control", 2000, 200), new ArmOutcome("treatment", 2000, 260));
        Assert.That(r.Difference, Is.EqualTo(0.03).Within(1e-12));
        Assert.That(r.Z, Is.EqualTo(0.03 / Math.Sqrt(0.115 * 0.885 * 0.001)).Within(1e-9));
        Assert.That(r.PValue, Is.EqualTo(0.00287).Within(0.0001));
        Assert.That(r.Significant, Is.True);
        Assert.That(r.Low, Is.LessThan(0.03).And.GreaterThan(0));
        Assert.That(() => AbTest.Evaluate(new ArmOutcome("a", 0, 0), new ArmOutcome("b", 10, 1)), Throws.ArgumentException.With.Message.Contains("'a'"));
    }

    [Test]
    public void SampleSizeMatchesTheStandardFormula()
    {
        // 10% → 12% at α = 0.05, power 0.8: the usual tables give 3,841 per arm.
        Assert.That(AbTest.RequiredSampleSize(0.10, 0.02), Is.InRange(3830, 3850));
        Assert.That(() => AbTest.RequiredSampleSize(0.10, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void CampaignTakesTheHighestExpectedValueWithinTheBudget()
    {
        CampaignCandidate[] c =
        [
            new("a", 0.5, Value: 10, Cost: 5),
            new("b", 0.9, Value: 1, Cost: 1),
            new("c", 0.2, Value: 100, Cost: 50),
            new("d", 0.1, Value: 10, Cost: 1),
        ];
        var byCount = Campaign.TargetByCount(c, 2);
        Assert.That(byCount.Selected.Select(s => s.Id), Is.EqualTo(new[] { "c", "a" }));
        Assert.That(byCount.ExpectedConversions, Is.EqualTo(0.7).Within(1e-12));
        var byCost = Campaign.TargetByCost(c, 7);
        Assert.That(byCost.Selected.Select(s => s.Id), Is.EqualTo(new[] { "a", "d", "b" }));
        Assert.That(byCost.TotalCost, Is.EqualTo(7));
        Assert.That(() => Campaign.TargetByCount([new("x", 1.5)], 1), Throws.ArgumentException.With.Message.Contains("'x'"));
    }
}
