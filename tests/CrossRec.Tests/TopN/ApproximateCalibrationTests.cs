using CrossRec.Persistence;
using CrossRec.Serving.Approximate;

namespace CrossRec.Tests.TopN;

/// <summary>
/// efSearch chosen by calibration on the model's own users (<see cref="ApproximateServingOptions.EfSearch"/> left null,
/// <see cref="ApproximateServingOptions.TargetRecall"/>, <see cref="RecommenderModel.ApproximateCalibration"/>).
/// </summary>
public class ApproximateCalibrationTests
{
    /// <summary>200 users (all of them in the sample), 6,000 items, k = 16, log-normal item norms.</summary>
    private static readonly Lazy<FactorizationModel> Catalogue = new(() => ApproximateServingTests.Synthetic(200, 6000, 16, 5));

    /// <summary>The ladder as the contract states it, written out here rather than read from the code under test.</summary>
    private static readonly int[] Ladder = [10, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024];

    /// <summary>Every band walked, so that recall grows with efSearch on a small catalogue (small bands would be scanned whole, which is exact).</summary>
    private static ApproximateServingOptions Walked(double target) => new() { ScanFactor = 0, TargetRecall = target, JointCalibration = false };

    /// <summary>Recall@10 of <paramref name="model"/> served at <paramref name="ef"/> against the exact lists of every user.</summary>
    private static double RecallAt(RecommenderModel model, int ef) => RecallAndBoundAt(model, ef).Recall;

    /// <summary>
    /// Recall@10 at <paramref name="ef"/> and its one-sided 95 % lower bound as the contract states it: the recall less
    /// 1.645 standard errors (sample standard deviation) of the mean of the per-user recalls.
    /// </summary>
    private static (double Recall, double Bound) RecallAndBoundAt(RecommenderModel model, int ef)
    {
        var users = model.UserIds.AsSpan().ToArray();
        var exact = model.WithExactServing().RecommendMany(users, 10);
        var approximate = model.WithApproximateServing(new ApproximateServingOptions { EfSearch = ef, ScanFactor = 0 }).RecommendMany(users, 10);
        double hit = 0, total = 0;
        var perUser = new List<double>();
        for (var u = 0; u < users.Length; u++)
        {
            var truth = exact[u].Select(s => s.Index).ToHashSet();
            var h = approximate[u].Count(s => truth.Contains(s.Index));
            hit += h;
            total += truth.Count;
            perUser.Add((double)h / truth.Count);
        }

        var mean = perUser.Average();
        var sd = Math.Sqrt(perUser.Sum(r => (r - mean) * (r - mean)) / (perUser.Count - 1));
        var recall = hit / total;
        return (recall, Math.Clamp(recall - (1.645 * sd / Math.Sqrt(perUser.Count)), 0, recall));
    }

    private static (T Model, List<TrainingProgress> Reports) WithReports<T>(T model, ApproximateServingOptions options)
        where T : RecommenderModel
    {
        var reports = new List<TrainingProgress>();
        var result = model.WithApproximateServing(options, new SynchronousProgress<TrainingProgress>(reports.Add));
        return (result, reports);
    }

    [Test]
    public void CalibrationChoosesTheSmallestLadderValueWhoseRecallOnTheUsersReachesTheTargetWithConfidence()
    {
        var model = Catalogue.Value;
        var graphs = model.WithApproximateServing(new ApproximateServingOptions { EfSearch = 10, ScanFactor = 0 });
        var measured = Ladder.Take(8).Select(ef => RecallAndBoundAt(graphs, ef)).ToArray();
        var recalls = measured.Select(m => m.Recall).ToArray();
        var bounds = measured.Select(m => m.Bound).ToArray();
        TestContext.Out.WriteLine(string.Join(", ", Ladder.Zip(measured, (ef, m) => $"{ef}: {m.Recall:F4} (bound {m.Bound:F4})")));
        Assert.That(bounds[0], Is.LessThan(bounds[^1]), "the catalogue must make recall grow with efSearch for this test to mean anything");
        Assert.That(bounds.Zip(recalls).Where(p => p.Second < 1).All(p => p.First < p.Second), Is.True, "below full recall the bound lies under the recall");

        // A target between two ladder values' bounds, one at exactly a value's bound, and one at a value's recall (which
        // that value's bound misses, so a later value is chosen).
        foreach (var target in new[] { (bounds[0] + bounds[^1]) / 2, bounds[3], recalls[2] })
        {
            var expected = Array.FindIndex(bounds, b => b >= target);
            var (calibrated, reports) = WithReports(graphs, Walked(target));
            var c = calibrated.ApproximateCalibration!;
            TestContext.Out.WriteLine($"target {target:F4}: {c}");
            Assert.That(c.EfSearch, Is.EqualTo(Ladder[expected]), $"target {target}");
            Assert.That(c.Recall, Is.EqualTo(recalls[expected]).Within(1e-12));
            Assert.That(c.LowerBound, Is.EqualTo(bounds[expected]).Within(1e-9));
            Assert.That(c.Reached, Is.True);
            Assert.That(c.Users, Is.EqualTo(200));
            Assert.That(c.TargetRecall, Is.EqualTo(target));
            Assert.That(calibrated.ApproximateOptions!.EfSearch, Is.Null);

            // One report per value tried, each with its recall; the graphs were reused (no build reports).
            Assert.That(reports.Select(r => r.Candidate), Is.EqualTo(Ladder.Take(expected + 1).Select(ef => $"efSearch {ef}")));
            Assert.That(reports.Select(r => r.Metrics[TrainingProgress.RecallMetric]), Is.EqualTo(recalls.Take(expected + 1)).Within(1e-12));
            Assert.That(reports.Select(r => r.Stage), Is.All.EqualTo("calibration"));

            // It serves at the chosen value: the same lists as the explicit setting.
            var users = model.UserIds.AsSpan().ToArray();
            var explicitly = graphs.WithApproximateServing(new ApproximateServingOptions { EfSearch = c.EfSearch, ScanFactor = 0 });
            Assert.That(
                calibrated.RecommendMany(users, 10).Select(l => l.Select(s => s.Index)),
                Is.EqualTo(explicitly.RecommendMany(users, 10).Select(l => l.Select(s => s.Index))));
        }
    }

    [Test]
    public void AnExplicitEfSearchIsUsedAsGivenWithoutCalibration()
    {
        var (model, reports) = WithReports(Catalogue.Value, new ApproximateServingOptions { EfSearch = 40, TargetRecall = 0.999 });
        Assert.That(model.ApproximateCalibration, Is.Null);
        Assert.That(model.ApproximateOptions!.EfSearch, Is.EqualTo(40));
        Assert.That(model.Approximate!.Index.EfSearch, Is.EqualTo(40));
        Assert.That(reports.Where(r => r.Stage is not null), Is.Empty, "no calibration pass");
        Assert.That(reports, Is.Not.Empty, "the build reports");
    }

    [Test]
    public void TheDefaultsCalibrateToTheDefaultTarget()
    {
        var model = Catalogue.Value.WithApproximateServing();
        var c = model.ApproximateCalibration!;
        Assert.That(new ApproximateServingOptions().EfSearch, Is.Null);
        Assert.That(c.TargetRecall, Is.EqualTo(0.95));
        Assert.That(c.Reached, Is.True);
        Assert.That(c.Recall, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(Ladder, Does.Contain(c.EfSearch));
    }

    [TestCase(0.0)]
    [TestCase(-0.5)]
    [TestCase(1.0001)]
    [TestCase(double.NaN)]
    public void ATargetRecallOutOfRangeIsRefusedByName(double target)
    {
        Assert.That(
            () => Catalogue.Value.WithApproximateServing(new ApproximateServingOptions { TargetRecall = target }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(nameof(ApproximateServingOptions.TargetRecall)).And.Message.Contains(nameof(ApproximateServingOptions.TargetRecall)));
    }

    [Test]
    public void ATargetTheLargestEfSearchMissesFallsBackToItAndSaysSo()
    {
        var model = Catalogue.Value;
        var walked12 = RecallAt(model.WithApproximateServing(new ApproximateServingOptions { EfSearch = 12, ScanFactor = 0 }), 12);
        Assert.That(walked12, Is.LessThan(1.0), "the precondition: efSearch 12 misses some items");
        var (calibrated, reports) = WithReports(model, Walked(1.0) with { CalibrationCap = 12 });
        var c = calibrated.ApproximateCalibration!;
        Assert.That(c.EfSearch, Is.EqualTo(12));
        Assert.That(c.Recall, Is.EqualTo(walked12).Within(1e-12));
        Assert.That(c.Reached, Is.False);
        Assert.That(c.ToString(), Does.Contain("below the target"));
        Assert.That(reports.Where(r => r.Stage == "calibration").Select(r => r.Candidate), Is.EqualTo(new[] { "efSearch 10", "efSearch 12" }));

        // The default ladder is the one the options' documentation states; a cap off the ladder is itself the last value tried.
        Assert.That(EfSearchCalibration.LadderUpTo(ApproximateServingOptions.DefaultCalibrationCap), Is.EqualTo(Ladder));
        var capped = model.WithApproximateServing(Walked(1.0) with { CalibrationCap = 13 }).ApproximateCalibration!;
        Assert.That((capped.EfSearch, capped.Reached), Is.EqualTo((13, false)));
    }

    [Test]
    public void TheChoiceAndItsRecallSurviveSaveAndLoadAndAreReusedWithoutRecalibrating()
    {
        // Default scan factor: it is internal and not saved.
        var model = Catalogue.Value.WithApproximateServing(new ApproximateServingOptions { TargetRecall = 0.9 });
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = Recommender.Load(stream);
        Assert.That(loaded.ApproximateCalibration, Is.EqualTo(model.ApproximateCalibration));
        Assert.That(loaded.ApproximateOptions, Is.EqualTo(model.ApproximateOptions));
        Assert.That(loaded.ApproximateOptions!.EfSearch, Is.Null);
        var users = model.UserIds.AsSpan().ToArray();
        Assert.That(loaded.RecommendMany(users, 10).Select(l => l.Select(s => (s.Index, s.Score))), Is.EqualTo(model.RecommendMany(users, 10).Select(l => l.Select(s => (s.Index, s.Score)))));
        using var again = new MemoryStream();
        loaded.Save(again);
        Assert.That(again.ToArray(), Is.EqualTo(stream.ToArray()), "a loaded model saves the same bytes");

        // The same options again (other threads): neither a build nor a calibration. Another target: a calibration on the same graphs.
        var (same, none) = WithReports(loaded, new ApproximateServingOptions { TargetRecall = 0.9, Threads = 1 });
        Assert.That(none, Is.Empty);
        Assert.That(same.ApproximateCalibration, Is.EqualTo(model.ApproximateCalibration));
        var (other, calibration) = WithReports(loaded, new ApproximateServingOptions { TargetRecall = 0.99 });
        Assert.That(calibration, Is.Not.Empty);
        Assert.That(calibration.Select(r => r.Stage), Is.All.EqualTo("calibration"), "the graphs are reused");
        Assert.That(other.ApproximateCalibration!.TargetRecall, Is.EqualTo(0.99));

        // The same target with another search option (every band walked) measures again.
        var (walked, recalibrated) = WithReports(loaded, new ApproximateServingOptions { TargetRecall = 0.9, ScanFactor = 0 });
        Assert.That(recalibrated.Select(r => r.Stage), Is.Not.Empty.And.All.EqualTo("calibration"));
        Assert.That(walked.ApproximateCalibration!.Recall, Is.GreaterThanOrEqualTo(0.9));
    }

    [Test]
    public void TheSameSeedChoosesTheSameWayAndSamplesAThousandOfManyUsers()
    {
        var model = ApproximateServingTests.Synthetic(1500, 3000, 8, 7);
        byte[] Saved(int seed, int threads)
        {
            using var stream = new MemoryStream();
            model.WithApproximateServing(new ApproximateServingOptions { Seed = seed, Threads = threads, ScanFactor = 0, TargetRecall = 0.97 }).Save(stream);
            return stream.ToArray();
        }

        var first = model.WithApproximateServing(new ApproximateServingOptions { ScanFactor = 0, TargetRecall = 0.97 }).ApproximateCalibration!;
        Assert.That(first.Users, Is.EqualTo(1000));
        Assert.That(Saved(42, 1), Is.EqualTo(Saved(42, 2)));

        var sample = EfSearchCalibration.Sample(1500, 42);
        Assert.That(sample, Has.Length.EqualTo(1000).And.Ordered.And.Unique);
        Assert.That(sample, Is.All.InRange(0, 1499));
        Assert.That(EfSearchCalibration.Sample(1500, 42), Is.EqualTo(sample));
        Assert.That(EfSearchCalibration.Sample(1500, 43), Is.Not.EqualTo(sample));
        Assert.That(EfSearchCalibration.Sample(700, 42), Is.EqualTo(Enumerable.Range(0, 700)));
    }

    [Test]
    public void CalibrationStopsWhenCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(r =>
        {
            if (r.Stage == "calibration")
            {
                cancel.Cancel();
            }
        });
        Assert.That(() => Catalogue.Value.WithApproximateServing(Walked(1.0), progress, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void AVersionOneIndexSectionStillLoadsWithItsExplicitEfSearch()
    {
        var model = ApproximateServingTests.Synthetic(10, 500, 8, 9).WithApproximateServing(new ApproximateServingOptions { M = 4, EfSearch = 33 });
        using var stream = new MemoryStream();
        model.Save(stream);
        var bytes = stream.ToArray();
        var section = ModelFileReader.Parse(bytes, "model", null).SectionBytes(MipsIndex.SectionTag);

        // Version 1: no target recall (8 bytes after the seed) and no calibration flag (1 byte).
        Assert.That(BitConverter.ToInt32(section, 0), Is.EqualTo(3));
        Assert.That(section[37], Is.EqualTo(0), "not calibrated");
        var v1 = section[..29].Concat(section[38..]).ToArray();
        BitConverter.TryWriteBytes(v1.AsSpan(0), 1);
        using var crafted = ApproximateServingTests.WithIndexSection(bytes, v1);
        var loaded = Recommender.Load(crafted);
        Assert.That(loaded.ApproximateOptions, Is.EqualTo(new ApproximateServingOptions { M = 4, EfSearch = 33 }));
        Assert.That(loaded.ApproximateCalibration, Is.Null);
        var users = model.UserIds.AsSpan().ToArray();
        Assert.That(loaded.RecommendMany(users, 10).Select(l => l.Select(s => (s.Index, s.Score))), Is.EqualTo(model.RecommendMany(users, 10).Select(l => l.Select(s => (s.Index, s.Score)))));
        using var resaved = new MemoryStream();
        loaded.Save(resaved);
        Assert.That(resaved.ToArray(), Is.EqualTo(bytes), "saved again as version 3");
    }

    [Test]
    public void AVersionTwoCalibratedSectionLoadsWithTheDefaultScanFactorAndStopRatio()
    {
        var model = Catalogue.Value.WithApproximateServing(Walked(0.9) with { JointCalibration = true, ScanFactor = ApproximateServingOptions.DefaultScanFactor });
        using var stream = new MemoryStream();
        model.Save(stream);
        var bytes = stream.ToArray();
        var section = ModelFileReader.Parse(bytes, "model", null).SectionBytes(MipsIndex.SectionTag);

        // Version 3 follows the calibration's users (bytes 58..61) with its scan factor (4 bytes) and stop ratio (8).
        Assert.That(section[37], Is.EqualTo(1), "calibrated");
        Assert.That(BitConverter.ToInt32(section, 62), Is.EqualTo(model.Approximate!.Index.ScanFactor));
        Assert.That(BitConverter.ToDouble(section, 66), Is.EqualTo(model.Approximate.Index.StopRatio));
        var v2 = section[..62].Concat(section[74..]).ToArray();
        BitConverter.TryWriteBytes(v2.AsSpan(0), 2);
        using var crafted = ApproximateServingTests.WithIndexSection(bytes, v2);
        var loaded = Recommender.Load(crafted);
        Assert.That(loaded.Approximate!.Index.ScanFactor, Is.EqualTo(ApproximateServingOptions.DefaultScanFactor));
        Assert.That(loaded.Approximate.Index.StopRatio, Is.EqualTo(1.0));
        Assert.That(loaded.ApproximateCalibration!.EfSearch, Is.EqualTo(model.ApproximateCalibration!.EfSearch));
    }

    [TestCase(0.5)]
    [TestCase(0.7)]
    [TestCase(0.9)]
    public void ASmallerStopRatioSearchesLessAndNeverFindsMoreOfAUsersExactList(double stop)
    {
        var model = Catalogue.Value;
        var users = model.UserIds.AsSpan().ToArray();
        var exact = model.WithExactServing().RecommendMany(users, 10);
        foreach (var (ef, scan) in new[] { (10, 0), (40, 0), (10, ApproximateServingOptions.DefaultScanFactor) })
        {
            SearchCost full = new(), cut = new();
            var whole = model.WithApproximateServing(new ApproximateServingOptions { EfSearch = ef, ScanFactor = scan });
            var stopped = whole.WithApproximateServing(new ApproximateServingOptions { EfSearch = ef, ScanFactor = scan, StopRatio = stop });
            var a = whole.WithIndex(whole.Approximate!.Index.Counting(full)).RecommendMany(users, 10);
            var b = stopped.WithIndex(stopped.Approximate!.Index.Counting(cut)).RecommendMany(users, 10);
            var fewer = 0;
            for (var u = 0; u < users.Length; u++)
            {
                var truth = exact[u].Select(s => s.Index).ToHashSet();
                var hitsWhole = a[u].Count(s => truth.Contains(s.Index));
                var hitsStopped = b[u].Count(s => truth.Contains(s.Index));
                Assert.That(hitsStopped, Is.LessThanOrEqualTo(hitsWhole), $"user {u}, efSearch {ef}, scan factor {scan}");
                fewer += hitsWhole - hitsStopped;
            }

            TestContext.Out.WriteLine($"efSearch {ef}, scan factor {scan}, stop {stop}: work per list {cut.PerList:F0} against {full.PerList:F0}, {fewer} exact items fewer");
            Assert.That(cut.PerList, Is.LessThan(full.PerList), "bands are skipped");
            Assert.That(cut.Lists, Is.EqualTo(users.Length));
        }
    }

    [TestCase(ApproximateServingOptions.DefaultScanFactor, 0.97)]
    [TestCase(0, 0.95)]
    [TestCase(0, 0.99)]
    public void JointCalibrationChoosesTheLeastWorkThatReachesTheTargetAmongEverySetting(int scanFactor, double target)
    {
        var model = Catalogue.Value;
        var graphs = model.WithApproximateServing(new ApproximateServingOptions { EfSearch = 10 });
        var users = model.UserIds.AsSpan().ToArray();
        var exact = model.WithExactServing().RecommendMany(users, 10);
        {
            // Every setting, measured here: the smallest efSearch whose bound reaches the target, and its work per list.
            // The bound is Bonferroni-corrected for the settings compared: 14 with a scan factor (two), 7 walked.
            var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - (0.05 / (scanFactor == 0 ? 7 : 14)));
            Assert.That(z, Is.EqualTo(scanFactor == 0 ? 2.4500 : 2.6901).Within(1e-4));
            var settings = new List<(int Ef, int Scan, double Stop, double Cost)>();
            foreach (var scan in scanFactor == 0 ? new[] { 0 } : [scanFactor, 2 * scanFactor])
            {
                foreach (var stop in new[] { 1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3 })
                {
                    foreach (var ef in Ladder)
                    {
                        var cost = new SearchCost();
                        var served = graphs.WithApproximateServing(new ApproximateServingOptions { EfSearch = ef, ScanFactor = scan, StopRatio = stop });
                        var lists = served.WithIndex(served.Approximate!.Index.Counting(cost)).RecommendMany(users, 10);
                        var hits = users.Select((_, u) => lists[u].Count(s => exact[u].Any(e => e.Index == s.Index))).ToArray();
                        var (_, bound) = EfSearchCalibration.Bound(hits, [.. exact.Select(l => l.Count)], z);
                        if (bound >= target)
                        {
                            settings.Add((ef, scan, stop, cost.PerList));
                            break;
                        }
                    }
                }
            }

            var cheapest = settings.MinBy(x => x.Cost);
            var (calibrated, reports) = WithReports(graphs, new ApproximateServingOptions { TargetRecall = target, ScanFactor = scanFactor });
            var c = calibrated.ApproximateCalibration!;
            TestContext.Out.WriteLine($"target {target}: {c}; {reports.Count} settings tried of {settings.Count} reaching it; {string.Join(", ", settings.Select(x => $"{x.Ef}/{x.Scan}/{x.Stop}: {x.Cost:F0}"))}");
            Assert.That(c.Reached, Is.True);
            Assert.That(settings.Where(x => x.Cost == cheapest.Cost).Select(x => (x.Ef, x.Scan, x.Stop)), Does.Contain((c.EfSearch, c.ScanFactor, c.StopRatio)));
            Assert.That(settings.Select(x => x.Ef).Distinct().Count() > 1 || settings.Count < (scanFactor == 0 ? 7 : 14), Is.True, "the settings must differ in efSearch, or some miss the target, for this test to mean anything");

            // It serves as the explicit setting it chose.
            var explicitly = graphs.WithApproximateServing(new ApproximateServingOptions { EfSearch = c.EfSearch, ScanFactor = c.ScanFactor, StopRatio = c.StopRatio });
            Assert.That(
                calibrated.RecommendMany(users, 10).Select(l => l.Select(s => s.Index)),
                Is.EqualTo(explicitly.RecommendMany(users, 10).Select(l => l.Select(s => s.Index))));
        }
    }
}
