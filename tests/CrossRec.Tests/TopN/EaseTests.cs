using CrossRec.Persistence;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Tests.TopN;

public sealed class EaseTests
{
    [Test]
    public void EaseLearnsClustersThatPopularityCannotSee()
    {
        var (train, test) = Clustered(users: 400, seed: 3).SplitPerUser(0.2, seed: 5);
        var ease = Recommenders.Ease().Fit(train);
        var popularity = Recommenders.Popularity().Fit(train);
        var options = new RankingOptions { K = 5 };
        var e = CrossRec.Evaluation.Ranking(ease, test, options);
        var p = CrossRec.Evaluation.Ranking(popularity, test, options);
        TestContext.Out.WriteLine($"EASE NDCG@5 {e.Ndcg:F4}, popularity {p.Ndcg:F4}");
        Assert.That(e.Ndcg, Is.GreaterThan(p.Ndcg + 0.2));
    }

    [TestCase(EaseValues.Binary, 0.0)]
    [TestCase(EaseValues.Log, 2.0)]
    [TestCase(EaseValues.Raw, 0.5)]
    public void WeightsMatchTheClosedFormComputedWithMathNet(EaseValues values, double alpha)
    {
        var train = Clustered(users: 120, seed: 1);
        var model = Recommenders.Ease().Values(values).DiagonalPenalty(alpha).Lambda(7.5).Fit(train);
        var kept = model.KeptItems.ToArray();
        var n = kept.Length;
        var x = Matrix<double>.Build.Dense(train.UserCount, n);
        for (var u = 0; u < train.UserCount; u++)
        {
            var items = model.SeenItems(u);
            var vals = model.SeenValues(u);
            for (var k = 0; k < items.Length; k++)
            {
                x[u, Array.IndexOf(kept, items[k])] = values switch
                {
                    EaseValues.Binary => 1,
                    EaseValues.Raw => vals[k],
                    _ => Math.Log(1 + vals[k]),
                };
            }
        }

        var g = x.TransposeThisAndMultiply(x);
        for (var i = 0; i < n; i++)
        {
            g[i, i] += (alpha * g[i, i]) + 7.5;
        }

        var p = g.Inverse();
        var worst = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var expected = i == j ? 0 : -p[i, j] / p[j, j];
                worst = Math.Max(worst, Math.Abs(model.Weight(kept[i], kept[j]) - expected));
            }
        }

        // B is stored in float32: its entries (|B| < 1 here) round at about 6e-8.
        Assert.That(worst, Is.LessThan(1e-6));
    }

    [Test]
    public void AutoValuesAreLogForNonNegativeDataAndBinaryOtherwise()
    {
        var ratings = Recommenders.Ease().Fit(Clustered(users: 60, seed: 2));
        Assert.That((ratings.Values, ratings.Training!.Parameters["valuesRule"]), Is.EqualTo((EaseValues.Log, "auto: values are non-negative")));
        var b = new InteractionSetBuilder();
        b.Add("u1", "a", 1f).Add("u1", "b", -2f).Add("u2", "a", 3f).Add("u2", "c", 1f);
        var signed = Recommenders.Ease().Fit(b.Build("signed"));
        Assert.That((signed.Values, signed.Training!.Parameters["valuesRule"]), Is.EqualTo((EaseValues.Binary, "auto: negative values present")));

        // Without a value column (all 1) the log rule is binary in effect: x = log 2 scales XᵀX and λ alike.
        var ones = Clustered(users: 150, seed: 3, allOnes: true);
        var auto = Recommenders.Ease().Fit(ones);
        var binary = Recommenders.Ease().Values(EaseValues.Binary).Fit(ones);
        for (var i = 0; i < auto.ItemIds.Count; i++)
        {
            for (var j = 0; j < auto.ItemIds.Count; j++)
            {
                Assert.That(auto.Weight(i, j), Is.EqualTo(binary.Weight(i, j)).Within(1e-5));
            }
        }

        Assert.That(auto.Recommend("u4", 10).Select(r => r.ItemId), Is.EqualTo(binary.Recommend("u4", 10).Select(r => r.ItemId)));
    }

    [Test]
    public void ScoresAreTheSumOfTheWeightRowsOfTheUsersItems()
    {
        var train = Clustered(users: 100, seed: 2);
        var model = Recommenders.Ease().Values(EaseValues.Log).Fit(train);
        var u = 7;
        var scores = new float[model.ItemIds.Count];
        model.ScoreItems(u, scores);
        var items = model.SeenItems(u).ToArray();
        var values = model.SeenValues(u).ToArray();
        for (var j = 0; j < scores.Length; j++)
        {
            var expected = 0.0;
            for (var k = 0; k < items.Length; k++)
            {
                expected += Math.Log(1 + values[k]) * model.Weight(items[k], j);
            }

            Assert.That(scores[j], Is.EqualTo(expected).Within(1e-5), $"item {j}");
        }
    }

    [Test]
    public void SaveAndLoadGiveBitIdenticalScoresFromFileStreamAndTheKindRegistry()
    {
        var train = Clustered(users: 150, seed: 4);
        var model = Recommenders.Ease().Values(EaseValues.Log).MinItemSupport(3).Fit(train);
        using var files = new TempFiles();
        var path = files.PathOf("ease.crm");
        model.Save(path);
        using var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var loaded = new RecommenderModel[] { EaseModel.Load(path), EaseModel.Load(stream), Recommender.Load(path) };
        var expected = new float[model.ItemIds.Count];
        var actual = new float[model.ItemIds.Count];
        foreach (var copy in loaded)
        {
            Assert.That(copy, Is.TypeOf<EaseModel>());
            var ease = (EaseModel)copy;
            Assert.Multiple(() =>
            {
                Assert.That(ease.Lambda, Is.EqualTo(model.Lambda));
                Assert.That(ease.Values, Is.EqualTo(EaseValues.Log));
                Assert.That(ease.MinItemSupport, Is.EqualTo(3));
                Assert.That(ease.KeptItemCount, Is.EqualTo(model.KeptItemCount));
                Assert.That(ease.Training!.Parameters["lambda"], Is.EqualTo(model.Training!.Parameters["lambda"]));
            });
            for (var u = 0; u < model.UserIds.Count; u++)
            {
                model.ScoreItems(u, expected);
                copy.ScoreItems(u, actual);
                Assert.That(actual, Is.EqualTo(expected), $"user {u}");
            }
        }

        Assert.That(Recommender.Kinds, Does.Contain("ease"));
    }

    [Test]
    public void TruncatedAlteredAndCraftedFilesAreRefused()
    {
        var train = Clustered(users: 80, seed: 5);
        var model = Recommenders.Ease().Fit(train);
        using var files = new TempFiles();
        var path = files.PathOf("ease.crm");
        model.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.That(() => EaseModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("truncated"));
        var altered = (byte[])bytes.Clone();
        altered[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, altered);
        Assert.That(() => EaseModel.Load(path), Throws.TypeOf<ModelFormatException>().With.Message.Contains("checksum"));

        var m = model.KeptItemCount;
        var w = model.Weights;
        var (offsets, columns, values) = w.Compressed();
        var withNaN = (float[])values.Clone();
        withNaN[1] = float.NaN;
        var withZero = (float[])values.Clone();
        withZero[1] = 0f;
        var unsorted = (int[])columns.Clone();
        (unsorted[0], unsorted[1]) = (unsorted[1], unsorted[0]);
        var diagonal = (int[])columns.Clone();
        diagonal[offsets[1]] = 1;
        var k = model.WeightsPerItem;
        var crafted = new (string What, Action<ModelFileWriter> Sections)[]
        {
            ("kept count", f => Sections(f, 0, 1, 10.0, m + 1, k, offsets, columns, values)),
            ("values mode", f => Sections(f, 9, 1, 10.0, m, k, offsets, columns, values)),
            ("support", f => Sections(f, 0, 0, 10.0, m, k, offsets, columns, values)),
            ("lambda", f => Sections(f, 0, 1, double.NaN, m, k, offsets, columns, values)),
            ("weights per item", f => Sections(f, 0, 1, 10.0, m, 0, offsets, columns, values)),
            ("a row longer than the weights per item", f => Sections(f, 0, 1, 10.0, m, 2, offsets, columns, values)),
            ("weights length", f => Sections(f, 0, 1, 10.0, m, k, offsets, columns, values[..^1])),
            ("offsets", f => Sections(f, 0, 1, 10.0, m, k, offsets[..^1], columns, values)),
            ("non-finite weight", f => Sections(f, 0, 1, 10.0, m, k, offsets, columns, withNaN)),
            ("zero weight", f => Sections(f, 0, 1, 10.0, m, k, offsets, columns, withZero)),
            ("unsorted columns", f => Sections(f, 0, 1, 10.0, m, k, offsets, unsorted, values)),
            ("diagonal", f => Sections(f, 0, 1, 10.0, m, k, offsets, diagonal, values)),
            ("missing weights", f => f.Add("EASE", new PayloadWriter().Int32(0).Int32(1).Double(10).Int32(m).Int32(k))),
            ("trailing bytes", f =>
            {
                f.Add("EASE", new PayloadWriter().Int32(0).Int32(1).Double(10).Int32(m).Int32(k).Int32(0));
                f.Add("EASW", new PayloadWriter().Int32s(offsets).Int32s(columns).Singles(values));
            }),
        };
        Assert.That(Load(f => Sections(f, 0, 1, 10.0, m, k, offsets, columns, values)).KeptItemCount, Is.EqualTo(m), "the crafting itself is sound");
        foreach (var (what, sections) in crafted)
        {
            Assert.That(() => Load(sections), Throws.TypeOf<ModelFormatException>(), what);
        }

        EaseModel Load(Action<ModelFileWriter> sections)
        {
            var file = new ModelFileWriter("ease");
            model.WriteCommon(file);
            sections(file);
            using var stream = new MemoryStream();
            file.WriteTo(stream);
            stream.Position = 0;
            var fromStream = EaseModel.Load(stream);
            stream.Position = 0;
            Assert.That(Recommender.Load(stream), Is.TypeOf<EaseModel>());
            return fromStream;
        }

        static void Sections(ModelFileWriter f, int values, int support, double lambda, int m, int perItem, int[] offsets, int[] columns, float[] weights)
        {
            f.Add("EASE", new PayloadWriter().Int32(values).Int32(support).Double(lambda).Int32(m).Int32(perItem));
            f.Add("EASW", new PayloadWriter().Int32s(offsets).Int32s(columns).Singles(weights));
        }
    }

    [Test]
    public void EachRowKeepsItsLargestWeightsAndScoresAreTheWholeComputationOverThem()
    {
        var train = Clustered(users: 150, seed: 21);
        var whole = Recommenders.Ease().WeightsPerItem(EaseOptions.MaxOrder).Fit(train);
        var pruned = Recommenders.Ease().WeightsPerItem(6).Fit(train);
        var kept = whole.KeptItems.ToArray();
        var m = kept.Length;
        Assert.That(whole.StoredWeights, Is.EqualTo(m * (m - 1)), "the whole B: every off-diagonal weight");
        Assert.That(pruned.StoredWeights, Is.EqualTo(m * 6));
        for (var i = 0; i < m; i++)
        {
            // The 6 of largest magnitude, ties to the smaller index.
            var expected = Enumerable.Range(0, m).Where(j => j != i)
                .OrderByDescending(j => MathF.Abs(whole.Weight(kept[i], kept[j]))).ThenBy(j => j).Take(6).ToHashSet();
            for (var j = 0; j < m; j++)
            {
                var w = pruned.Weight(kept[i], kept[j]);
                Assert.That(w, Is.EqualTo(expected.Contains(j) ? whole.Weight(kept[i], kept[j]) : 0f), $"B[{i}, {j}]");
            }
        }

        var scores = new float[train.ItemCount];
        for (var u = 0; u < train.UserCount; u += 5)
        {
            pruned.ScoreItems(u, scores);
            var items = pruned.SeenItems(u);
            var values = pruned.SeenValues(u);
            foreach (var j in kept)
            {
                var sum = 0f;
                for (var k = 0; k < items.Length; k++)
                {
                    var w = pruned.Weight(items[k], j);
                    sum += w == 0f ? 0f : MathF.Log(1 + values[k]) * whole.Weight(items[k], j);
                }

                Assert.That(scores[j], Is.EqualTo(sum).Within(1e-6), $"user {u}, item {j}");
            }
        }

        // Pruning a whole model makes the same choice as pruning while fitting.
        var again = whole.WithWeightsPerItem(6);
        Assert.That(again.Weights.Compressed(), Is.EqualTo(pruned.Weights.Compressed()));
        Assert.That((whole.Weights.IsDense, pruned.Weights.IsDense), Is.EqualTo((true, false)), "dense in memory from a quarter of B on");
        Assert.That(pruned.Training!.Parameters["weightsPerItem"], Is.EqualTo("6"));
        Assert.That(pruned.Training.Parameters["storedWeights"], Is.EqualTo((m * 6).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase(6)]
    [TestCase(30)]
    [TestCase(EaseOptions.MaxOrder)]
    public void DenseAndCompressedRowsInMemoryGiveTheSameScoresWeightsAndFile(int perItem)
    {
        var train = Clustered(users: 150, seed: 25);
        var model = Recommenders.Ease().WeightsPerItem(perItem).Fit(train);
        var (offsets, columns, values) = model.Weights.Compressed();
        var dense = new EaseWeights(offsets, columns, values, dense: true);
        var compressed = new EaseWeights(offsets, columns, values, dense: false);
        Assert.That(dense.Compressed(), Is.EqualTo(compressed.Compressed()));
        var m = model.KeptItemCount;
        var a = new float[m];
        var b = new float[m];
        for (var u = 0; u < train.UserCount; u += 3)
        {
            a.AsSpan().Clear();
            b.AsSpan().Clear();
            var items = model.SeenItems(u);
            var vals = model.SeenValues(u);
            for (var k = 0; k < items.Length; k++)
            {
                var row = model.KeptItems.IndexOf(items[k]);
                dense.AddRow(row, MathF.Log(1 + vals[k]), unit: false, a);
                compressed.AddRow(row, MathF.Log(1 + vals[k]), unit: false, b);
            }

            Assert.That(a, Is.EqualTo(b), $"user {u}");
        }

        for (var i = 0; i < m; i++)
        {
            dense.CopyRow(i, a);
            compressed.CopyRow(i, b);
            Assert.That(a, Is.EqualTo(b), $"row {i}");
            Assert.That(dense.Weight(i, (i + 1) % m), Is.EqualTo(compressed.Weight(i, (i + 1) % m)));
        }
    }

    [Test]
    public void ASparseModelFileRoundTripsByteForByteAndIsSmallerThanTheDenseOne()
    {
        var train = Clustered(users: 200, seed: 22, items: 120);
        var model = Recommenders.Ease().WeightsPerItem(10).Fit(train);
        var first = Saved(model);
        var reloaded = EaseModel.Load(new MemoryStream(first));
        Assert.That(Saved(reloaded), Is.EqualTo(first), "save → load → save");
        Assert.That(Saved(Recommenders.Ease().WeightsPerItem(10).Fit(train)), Is.EqualTo(first), "a second fit");
        Assert.That(reloaded.WeightsPerItem, Is.EqualTo(10));
        var whole = Saved(Recommenders.Ease().WeightsPerItem(EaseOptions.MaxOrder).Fit(train));
        var m = model.KeptItemCount;
        TestContext.Out.WriteLine($"{m} kept items: {first.Length:N0} bytes with 10 weights per item, {whole.Length:N0} whole");
        Assert.That(first.Length, Is.LessThan(whole.Length - (m * (m - 11) * 4)), "B's part of the file shrinks with K");
    }

    [Test]
    public void AFormatVersion1FileWithADenseMatrixStillLoadsWithTheSameScores()
    {
        var train = Clustered(users: 150, seed: 23);
        var model = Recommenders.Ease().WeightsPerItem(EaseOptions.MaxOrder).Fit(train);
        var m = model.KeptItemCount;
        var kept = model.KeptItems.ToArray();
        var dense = new float[m * m];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < m; j++)
            {
                dense[(i * m) + j] = model.Weight(kept[i], kept[j]);
            }
        }

        // The common sections of a real file, with KVER 1 and the version-1 sections EASE and EASB.
        var saved = ModelFileReader.Parse(Saved(model), "model", "ease");
        var file = new ModelFileWriter("ease");
        file.Add("KVER", new PayloadWriter().Int32(1));
        foreach (var tag in new[] { "UIDS", "IIDS", "SEEN", "SVAL", "TINF" })
        {
            file.Add(tag, new PayloadWriter().Raw(saved.SectionBytes(tag)));
        }

        file.Add("EASE", new PayloadWriter().Int32((int)model.Values).Int32(model.MinItemSupport).Double(model.Lambda).Int32(m));
        file.Add("EASB", new PayloadWriter().Singles(dense));
        using var stream = new MemoryStream();
        file.WriteTo(stream);
        stream.Position = 0;
        var old = EaseModel.Load(stream);
        Assert.That(old.WeightsPerItem, Is.Zero, "version 1 kept B whole");
        var expected = new float[model.ItemIds.Count];
        var actual = new float[model.ItemIds.Count];
        for (var u = 0; u < model.UserIds.Count; u++)
        {
            model.ScoreItems(u, expected);
            old.ScoreItems(u, actual);
            Assert.That(actual, Is.EqualTo(expected), $"user {u}");
        }

        // A version newer than this library reads is refused by name.
        var newer = new ModelFileWriter("ease");
        newer.Add("KVER", new PayloadWriter().Int32(3));
        using var newerStream = new MemoryStream();
        newer.WriteTo(newerStream);
        newerStream.Position = 0;
        Assert.That(() => EaseModel.Load(newerStream), Throws.TypeOf<ModelFormatException>().With.Message.Contains("model format version 3").And.Message.Contains("up to version 2"));
    }

    [Test]
    public void LoadingAFileReadsItsSectionsStraightIntoTheModel()
    {
        var train = Clustered(users: 300, seed: 24, items: 400);
        using var files = new TempFiles();
        var path = files.PathOf("ease.crm");
        var small = files.PathOf("small.crm");
        // 90 weights per item (compressed in memory) against 1: the same users, items and seen lists, B's part differs.
        var model = Recommenders.Ease().WeightsPerItem(90).Fit(train);
        model.Save(path);
        Recommenders.Ease().WeightsPerItem(1).Fit(train).Save(small);
        var weightBytes = new FileInfo(path).Length - new FileInfo(small).Length;
        EaseModel.Load(path);
        var baseline = Allocated(() => EaseModel.Load(small));
        var allocated = Allocated(() => EaseModel.Load(path));
        TestContext.Out.WriteLine($"B's part of the file {weightBytes:N0} bytes; loading allocated {allocated - baseline:N0} bytes more than for 1 weight per item");
        // The weights are read into the model's arrays only; reading the whole file first would allocate them twice.
        Assert.That(allocated - baseline, Is.LessThan(weightBytes * 1.3));
        Assert.That(EaseModel.Load(path).StoredWeights, Is.EqualTo(model.StoredWeights));

        static long Allocated(Action load)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            load();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // A seekable stream is read in place and left at its end, as reading it through leaves it.
        using (var saved = new MemoryStream())
        {
            model.Save(saved);
            saved.Position = 0;
            Assert.That(Recommender.Load(saved), Is.TypeOf<EaseModel>());
            Assert.That(saved.Position, Is.EqualTo(saved.Length));
        }

        // A stream that cannot seek is copied first, and gives the same model.
        using var pipe = new NonSeekable(File.ReadAllBytes(path));
        Assert.That(Saved(EaseModel.Load(pipe)), Is.EqualTo(File.ReadAllBytes(path)));
    }

    [TestCase(EaseValues.Binary)]
    [TestCase(EaseValues.Raw)]
    [TestCase(EaseValues.Log)]
    public void FoldingInATrainingUsersItemsReproducesItsScoresExactly(EaseValues values)
    {
        var train = Clustered(users: 120, seed: 6);
        var model = Recommenders.Ease().Values(values).MinItemSupport(2).Fit(train);
        var expected = new float[model.ItemIds.Count];
        var actual = new float[model.ItemIds.Count];
        for (var u = 0; u < model.UserIds.Count; u += 7)
        {
            var items = model.SeenItems(u).ToArray();
            var vals = model.SeenValues(u).ToArray();
            // Given in reverse order, and the first item split into two halves: fold-in sorts and sums.
            var pairs = new List<KeyValuePair<string, float>>();
            for (var k = items.Length - 1; k > 0; k--)
            {
                pairs.Add(new(model.ItemIds[items[k]], vals[k]));
            }

            pairs.Add(new(model.ItemIds[items[0]], vals[0] / 2));
            pairs.Add(new(model.ItemIds[items[0]], vals[0] / 2));
            var folded = model.FoldIn(pairs);
            model.ScoreItems(u, expected);
            model.ScoreItems(folded, actual);
            // Tolerance 0: the same code path; halving and re-adding a small integer value is exact.
            Assert.That(actual, Is.EqualTo(expected), $"user {u}");
            Assert.That(model.Recommend(folded, 5).Select(r => r.ItemId), Is.EqualTo(model.Recommend(model.UserIds[u], 5).Select(r => r.ItemId)));
        }
    }

    [Test]
    public void LogModelsRefuseNegativeValuesInTrainingAndFoldIn()
    {
        var b = new InteractionSetBuilder();
        b.Add("u1", "a", 1f).Add("u1", "b", -2f).Add("u2", "a", 3f);
        var data = b.Build("negative");
        Assert.That(() => Recommenders.Ease().Values(EaseValues.Log).Fit(data), Throws.ArgumentException.With.Message.Contains("Values = Log"));
        var model = Recommenders.Ease().Values(EaseValues.Log).Fit(Clustered(users: 40, seed: 1));
        Assert.That(() => model.FoldIn([new("i1", -1f)]), Throws.ArgumentException.With.Message.Contains("non-negative"));
        Assert.That(Recommenders.Ease().Values(EaseValues.Raw).Fit(data).KeptItemCount, Is.EqualTo(2));
    }

    [Test]
    public void FiltersAndSeenItemsAreHonoured()
    {
        var train = Clustered(users: 120, seed: 7, withDomains: true);
        var model = Recommenders.Ease().Fit(train);
        var user = model.UserIds[3];
        var seen = model.SeenItems(3).ToArray().Select(i => model.ItemIds[i]).ToHashSet();
        var all = model.Recommend(user, 100);
        Assert.That(all.Select(r => r.ItemId), Has.None.AnyOf(seen.Cast<object>().ToArray()));
        var top = all[0].ItemId;
        var denied = model.Recommend(user, 5, new RecommendFilter { DenyItems = [top] });
        Assert.That(denied.Select(r => r.ItemId), Does.Not.Contain(top));
        var allowed = model.Recommend(user, 5, new RecommendFilter { AllowItems = ["i1", "i2", "i40"] });
        Assert.That(allowed.Select(r => r.ItemId), Is.SubsetOf(new[] { "i1", "i2", "i40" }));
        var odd = model.Recommend(user, 10, "odd");
        Assert.That(odd.Select(r => int.Parse(r.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture) % 2), Is.All.EqualTo(1));
        var withSeen = model.Recommend(user, model.ItemIds.Count, new RecommendFilter { ExcludeSeen = false });
        Assert.That(withSeen, Has.Count.EqualTo(model.ItemIds.Count));
    }

    [Test]
    public void ExplanationsAreEachTrainingItemsWeightAndSumToTheScore()
    {
        var train = Clustered(users: 120, seed: 8);
        var model = Recommenders.Ease().Values(EaseValues.Binary).Fit(train);
        Assert.That(model.CanExplain, Is.True);
        var user = model.UserIds[5];
        var target = model.Recommend(user, 1)[0];
        var explanation = model.Explain(user, target.ItemId, count: 1000);
        Assert.That(explanation.Score, Is.EqualTo(target.Score));
        Assert.That(explanation.Contributions.Sum(c => (double)c.Contribution), Is.EqualTo(target.Score).Within(1e-5));
        foreach (var c in explanation.Contributions)
        {
            Assert.That(c.Contribution, Is.EqualTo(model.Weight(c.Index, target.Index)));
        }

        Assert.That(explanation.Contributions.Select(c => c.Contribution), Is.Ordered.Descending);

        // With log values each contribution is log(1 + x_uj)·B[j, i].
        var logModel = Recommenders.Ease().Values(EaseValues.Log).Fit(train);
        var u = logModel.UserIds.GetIndex(user);
        var seen = logModel.SeenItems(u).ToArray();
        var values = logModel.SeenValues(u).ToArray();
        foreach (var c in logModel.Explain(user, target.ItemId, count: 1000).Contributions)
        {
            var value = values[Array.IndexOf(seen, c.Index)];
            Assert.That(c.Contribution, Is.EqualTo(MathF.Log(1 + value) * logModel.Weight(c.Index, target.Index)).Within(1e-6));
        }
    }

    [Test]
    public void SimilarItemsRankTheItemsWeightRow()
    {
        var train = Clustered(users: 200, seed: 9);
        var model = Recommenders.Ease().Fit(train);
        var item = model.ItemIds.GetIndex("i3");
        var similar = model.SimilarItems("i3", 5);
        var expected = Enumerable.Range(0, model.ItemIds.Count).Where(j => j != item)
            .OrderByDescending(j => model.Weight(item, j)).ThenBy(j => j).Take(5).Select(j => model.ItemIds[j]);
        Assert.That(similar.Select(s => s.ItemId), Is.EqualTo(expected));
        // Items 0..14 form one cluster: their neighbours come from it.
        Assert.That(similar.Select(s => int.Parse(s.ItemId[1..], System.Globalization.CultureInfo.InvariantCulture)), Is.All.LessThan(15));
    }

    [Test]
    public void RareItemsLeftOutRankBelowEveryKeptItemByPopularity()
    {
        var b = new InteractionSetBuilder();
        var rng = new Random(3);
        for (var u = 0; u < 60; u++)
        {
            foreach (var i in Enumerable.Range(0, 10).OrderBy(_ => rng.Next()).Take(4))
            {
                b.Add($"u{u}", $"common{i}", 1f);
            }
        }

        b.Add("u0", "rare1", 1f).Add("u1", "rare2", 1f).Add("u2", "rare2", 1f);
        var data = b.Build("rare");
        var model = Recommenders.Ease().MinItemSupport(3).Fit(data);
        Assert.That(model.KeptItemCount, Is.EqualTo(10));
        var list = model.Recommend("u5", model.ItemIds.Count);
        var rare = list.Select((r, k) => (r.ItemId, k)).Where(p => p.ItemId.StartsWith("rare", StringComparison.Ordinal)).ToArray();
        Assert.That(rare.Select(r => r.ItemId), Is.EqualTo(new[] { "rare2", "rare1" }), "by popularity");
        Assert.That(rare.Select(r => r.k), Is.EqualTo(new[] { list.Count - 2, list.Count - 1 }), "after every kept item");
        Assert.That(model.Weight(model.ItemIds.GetIndex("rare2"), model.ItemIds.GetIndex("common0")), Is.Zero);

        // The automatic rule keeps everything while MaxItems allows, then raises the threshold.
        Assert.That(Recommenders.Ease().Fit(data).KeptItemCount, Is.EqualTo(12));
        var capped = Recommenders.Ease().MaxItems(11).Fit(data);
        Assert.That((capped.KeptItemCount, capped.MinItemSupport), Is.EqualTo((11, 2)));
        Assert.That(capped.Training!.Parameters["minItemSupportRule"], Does.StartWith("auto"));
        Assert.That(capped.Training.Note, Does.Contain("EASE kept the 11 items with at least 2 training users of 12").And.Contain("never recommended"), "a default cut is said in the note");
        Assert.That(Recommenders.Ease().Fit(data).Training!.Note, Is.Null, "nothing cut, nothing said");
    }

    [Test]
    public void AGramMatrixLargerThanTheMemoryLeftIsRefusedBeforeItIsAllocated()
    {
        var ex = Assert.Throws<ArgumentException>(() => EaseBuilder.CheckAvailable(50_000, new EaseOptions(), "big.tsv", 4L << 30));
        Assert.That(ex!.Message, Does.StartWith("big.tsv: EASE needs n² × 4 bytes (Single) = 9.31 GiB for 50,000 items (plus 195.3 MiB of kept weights), more than the 4.00 GiB").And.Contain("MaxItems").And.Contain("MinItemSupport"));
        Assert.DoesNotThrow(() => EaseBuilder.CheckAvailable(10_000, new EaseOptions(), "big.tsv", 4L << 30));

        // float64 takes twice the memory: 30,000 items fit in 4 GiB as floats (3.35 GiB), not as doubles (6.71 GiB).
        Assert.DoesNotThrow(() => EaseBuilder.CheckAvailable(30_000, new EaseOptions(), "big.tsv", 4L << 30));
        var wide = Assert.Throws<ArgumentException>(() => EaseBuilder.CheckAvailable(30_000, new EaseOptions { Precision = EasePrecision.Double }, "big.tsv", 4L << 30));
        Assert.That(wide!.Message, Does.StartWith("big.tsv: EASE needs n² × 8 bytes (Double) = 6.71 GiB for 30,000 items"));
    }

    [Test]
    public void AnExplicitMaxGramBytesBeyondTheAvailableMemoryIsRefusedByNameBeforeAnythingIsAllocated()
    {
        // 20,000 items with one user each: a 1.49 GiB float32 Gram matrix, allowed by a 16 GiB budget, with 1 GiB available.
        var support = Enumerable.Repeat(1, 20_000).ToArray();
        var options = new EaseOptions { MaxItems = EaseOptions.MaxOrder, MaxGramBytes = EaseOptions.MaxGramBytesLimit };
        var ex = Assert.Throws<ArgumentException>(() => EaseBuilder.ChooseSupport(support, options, "wide.tsv", availableBytes: 1L << 30));
        Assert.That(ex!.Message, Does.StartWith("wide.tsv: EASE needs n² × 4 bytes (Single) = 1.49 GiB for 20,000 items")
            .And.Contain("lower MaxGramBytes (now 16.00 GiB) or leave it unset to size it from the available memory"));

        // Left unset, the budget is half the available memory, and the cut says so.
        var (threshold, _, cap, capRule) = EaseBuilder.ChooseSupport([.. support, .. Enumerable.Repeat(2, 100)], options with { MaxGramBytes = null }, "wide.tsv", availableBytes: 800_000);
        Assert.That((threshold, cap), Is.EqualTo((2, 316)), "400,000 bytes hold 316² floats");
        Assert.That(capRule, Is.EqualTo("memory budget, MaxGramBytes auto 400,000 bytes, half the 800,000 bytes available; MaxItems is 46,340"));
    }

    [Test]
    public void TheItemCapAndWhatSetItAreInTheTrainingParametersAndACutIsInTheNote()
    {
        var data = Clustered(users: 100, seed: 10);
        var model = Recommenders.Ease().Fit(data);
        var p = model.Training!.Parameters;
        Assert.That(p["itemCap"], Is.EqualTo("8192"));
        Assert.That(p["itemCapRule"], Is.EqualTo("MaxItems 8,192 (the memory budget, MaxGramBytes auto, allows more)"));
        Assert.That(p["maxGramBytes"], Is.EqualTo("auto"));
        Assert.That(model.Training.Note, Is.Null, "nothing cut, nothing said");

        var small = Recommenders.Ease().MaxGramBytes(4096).Fit(data);
        Assert.That(small.Training!.Parameters["itemCap"], Is.EqualTo("32"), "4,096 bytes hold 32² floats");
        Assert.That(small.Training.Parameters["itemCapRule"], Is.EqualTo("memory budget, MaxGramBytes 4,096 bytes; MaxItems is 8,192"));
        Assert.That(small.Training.Note, Does.Contain($"EASE kept the {small.KeptItemCount} items").And.Contain("(item cap 32: memory budget, MaxGramBytes 4,096 bytes; MaxItems is 8,192)"));
        var wide = Recommenders.Ease().Precision(EasePrecision.Double).MaxGramBytes(4096).Fit(data);
        Assert.That(wide.Training!.Parameters["itemCap"], Is.EqualTo("22"), "4,096 bytes hold 22² doubles");
    }

    [Test]
    public void TooManyItemsForEaseAtAllIsNotAdvisedToRaiseTheBudget()
    {
        // 46,341 items, one user each: more than EASE's largest order, whatever MaxGramBytes says.
        var b = new InteractionSetBuilder();
        for (var i = 0; i <= EaseOptions.MaxOrder; i++)
        {
            b.Add($"u{i % 50}", $"i{i}", 1);
        }

        var data = b.Build("wide");
        var ex = Assert.Throws<ArgumentException>(() => Recommenders.Ease().MinItemSupport(1).MaxGramBytes(EaseOptions.MaxGramBytesLimit).Fit(data));
        Assert.That(ex!.Message, Does.Contain("46,341 items").And.Contain("set MinItemSupport (now 1) higher").And.Not.Contain("raise MaxGramBytes"));
    }

    [Test]
    public void AGramMatrixOverTheMemoryBudgetIsRefusedByName()
    {
        var data = Clustered(users: 100, seed: 10);
        var ex = Assert.Throws<ArgumentException>(() => Recommenders.Ease().MinItemSupport(1).MaxGramBytes(4096).Fit(data));
        Assert.That(ex!.Message, Does.Contain("MaxGramBytes").And.Contain("MinItemSupport").And.Contain("n² × 4 bytes (Single)"));
        // Automatic pruning fits the budget instead: 4096 bytes hold 32 × 32 floats.
        Assert.That(Recommenders.Ease().MaxGramBytes(4096).Fit(data).KeptItemCount, Is.LessThanOrEqualTo(32));
        Assert.That(() => Recommenders.Ease().MinItemSupport(100_000).Fit(data), Throws.ArgumentException.With.Message.Contains("MinItemSupport"));
    }

    [TestCase("Lambda")]
    [TestCase("LambdaScale")]
    [TestCase("DiagonalPenalty")]
    [TestCase("Values")]
    [TestCase("MinItemSupport")]
    [TestCase("MaxItems")]
    [TestCase("MaxGramBytes")]
    [TestCase("WeightsPerItem")]
    [TestCase("Threads")]
    [TestCase("Precision")]
    public void BadOptionsAreRefusedByName(string option)
    {
        var builder = option switch
        {
            "Lambda" => Recommenders.Ease().Lambda(0),
            "LambdaScale" => Recommenders.Ease().LambdaScale(double.NaN),
            "DiagonalPenalty" => Recommenders.Ease().DiagonalPenalty(-0.5),
            "Values" => Recommenders.Ease().Values((EaseValues)7),
            "MinItemSupport" => Recommenders.Ease().MinItemSupport(0),
            "MaxItems" => Recommenders.Ease().MaxItems(0),
            "MaxGramBytes" => Recommenders.Ease().MaxGramBytes(-1),
            "WeightsPerItem" => Recommenders.Ease().WeightsPerItem(0),
            "Precision" => Recommenders.Ease().Precision((EasePrecision)2),
            _ => Recommenders.Ease().Threads(-1),
        };
        Assert.That(() => builder.Fit(Clustered(users: 20, seed: 1)), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains(option));
    }

    [Test]
    public void AnEmptyTrainingSetIsRefused()
    {
        var empty = Clustered(users: 10, seed: 1).Subset([], "empty");
        Assert.That(() => Recommenders.Ease().Fit(empty), Throws.ArgumentException.With.Message.Contains("empty"));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void CancellationIsHonouredBeforeAndBetweenStages(int cancelAfterStage)
    {
        var data = Clustered(users: 300, seed: 11, items: 300);
        using var cts = new CancellationTokenSource();
        if (cancelAfterStage == 0)
        {
            cts.Cancel();
        }

        var progress = new Synchronous(r =>
        {
            if (r.Iteration == cancelAfterStage)
            {
                cts.Cancel();
            }
        });
        Assert.That(() => Recommenders.Ease().Fit(data, progress, cts.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(progress.Reports.Select(r => r.Iteration), Is.EqualTo(Enumerable.Range(1, cancelAfterStage)));
    }

    [Test]
    public void ThreeStagesAreReportedAndRecordedInTheTrainingInfo()
    {
        var progress = new Synchronous(_ => { });
        var model = Recommenders.Ease().Fit(Clustered(users: 50, seed: 12), progress);
        Assert.That(progress.Reports.Select(r => (r.Algorithm, r.Iteration, r.TotalIterations)), Is.EqualTo(new[] { ("ease", 1, 3), ("ease", 2, 3), ("ease", 3, 3) }));
        var info = model.Training!;
        Assert.Multiple(() =>
        {
            Assert.That(info.Algorithm, Is.EqualTo("ease"));
            Assert.That(info.Device, Is.EqualTo("cpu"));
            Assert.That(info.Parameters.Keys, Is.SupersetOf(new[] { "lambda", "lambdaRule", "diagonalPenalty", "values", "minItemSupport", "minItemSupportRule", "keptItems", "maxItems", "maxGramBytes", "threads" }));
            Assert.That(info.Iterations, Is.Zero);
            Assert.That(model.Algorithm, Is.EqualTo("ease"));
        });
    }

    [Test]
    public void Float32AndFloat64FitsGiveTheSameWeightsToFloat32PrecisionAndBothSaveAndLoad()
    {
        var data = Clustered(users: 500, seed: 14, items: 300);
        var single = Recommenders.Ease().Fit(data);
        var dbl = Recommenders.Ease().Precision(EasePrecision.Double).Fit(data);
        Assert.That(single.Training!.Parameters["precision"], Is.EqualTo("Single"), "the default");
        Assert.That(dbl.Training!.Parameters["precision"], Is.EqualTo("Double"));
        var worst = 0.0;
        var largest = 0.0;
        foreach (var i in dbl.KeptItems)
        {
            foreach (var j in dbl.KeptItems)
            {
                worst = Math.Max(worst, Math.Abs(single.Weight(i, j) - dbl.Weight(i, j)));
                largest = Math.Max(largest, Math.Abs(dbl.Weight(i, j)));
            }
        }

        Assert.That(largest, Is.GreaterThan(0.01));
        Assert.That(worst, Is.LessThan(1e-5 * largest));
        foreach (var model in new[] { single, dbl })
        {
            var loaded = EaseModel.Load(new MemoryStream(Saved(model)));
            Assert.That(Saved(loaded), Is.EqualTo(Saved(model)));
            Assert.That(loaded.Recommend("u3", 10).Select(r => r.ItemId), Is.EqualTo(model.Recommend("u3", 10).Select(r => r.ItemId)));
        }
    }

    [Test]
    public void TheModelIsBitIdenticalAtAnyThreadCount()
    {
        var data = Clustered(users: 400, seed: 13, items: 260);
        var one = Recommenders.Ease().Threads(1).Fit(data);
        var two = Recommenders.Ease().Threads(2).Fit(data);
        var three = Recommenders.Ease().Threads(3).Fit(data);
        var a = new float[one.ItemIds.Count];
        var b = new float[one.ItemIds.Count];
        var c = new float[one.ItemIds.Count];
        for (var i = 0; i < one.ItemIds.Count; i += 13)
        {
            one.ItemSimilarities(i, a);
            two.ItemSimilarities(i, b);
            three.ItemSimilarities(i, c);
            Assert.That(b, Is.EqualTo(a));
            Assert.That(c, Is.EqualTo(a));
        }
    }

    [Test]
    public void AnEngineWithoutTheKernelIsNamedAndCudaWithoutTorchFails()
    {
        Assert.That(() => Recommenders.Ease().OnEngine(new NoKernelEngine()).Fit(Clustered(users: 20, seed: 1)), Throws.TypeOf<NotSupportedException>().With.Message.Contains("IGramSolver"));
        Assert.That(Recommenders.Ease().OnDevice(Device.Cpu).Fit(Clustered(users: 20, seed: 1)).Training!.Note, Is.Null);
    }

    /// <summary>Users in four clusters of items; each user has eight items of their cluster (popular ones more often) and one at random; values 1..5 (or all 1).</summary>
    internal static InteractionSet Clustered(int users, int seed, int items = 60, bool withDomains = false, bool allOnes = false)
    {
        var rng = new Random(seed);
        var b = new InteractionSetBuilder();
        var clusterSize = items / 4;
        for (var u = 0; u < users; u++)
        {
            var cluster = u % 4;
            var chosen = new HashSet<int>();
            while (chosen.Count < 8)
            {
                var r = rng.NextDouble();
                chosen.Add((cluster * clusterSize) + (int)(clusterSize * r * r));
            }

            chosen.Add(rng.Next(items));
            foreach (var i in chosen)
            {
                b.Add($"u{u}", $"i{i}", allOnes ? 1 : 1 + rng.Next(5), domain: withDomains ? (i % 2 == 0 ? "even" : "odd") : null);
            }
        }

        return b.Build("clustered");
    }

    private static byte[] Saved(RecommenderModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    private sealed class Synchronous(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];

        public void Report(TrainingProgress value)
        {
            Reports.Add(value);
            onReport(value);
        }
    }

    private sealed class NoKernelEngine : IComputeEngine
    {
        public string Name => "none";

        public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public KMeansResult Cluster(ReadOnlyMatrix points, KMeansOptions options, IProgress<IterationReport>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();

        public LogisticFit FitLogistic(ReadOnlyMatrix x, ReadOnlySpan<bool> y, LogisticOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
