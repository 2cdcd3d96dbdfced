using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CrossRec.Tests.Segmentation;

namespace CrossRec.Tests.Fuzz;

/// <summary>
/// Seeded, bounded mutation fuzzing of every model reader. Each mutation rewrites fields inside the
/// sections (counts, lengths, floats, booleans), drops, grows or shrinks sections, or flips raw bytes,
/// and then <b>recomputes the SHA-256 trailer</b> (as anyone can), so the mutated fields reach the
/// readers. The contract: loading either succeeds with a model that then scores, recommends and folds in
/// without throwing, or raises <see cref="ModelFormatException"/> from the reader's own validation (not
/// the guard that wraps an unforeseen exception).
/// </summary>
[NonParallelizable]
public class ModelFileFuzzTests
{
    private static readonly Lazy<Dictionary<string, byte[]>> Models = new(BuildModels);

    public static IEnumerable<string> Kinds() => ["factorization", "factorization-implicit", "popularity", "ials", "bpr", "ease", "itemknn", "itemknn-domains", "rp3beta", "blend", "mapped", "crossdomain-emcdr", "crossdomain-itemknn", "segmentation", "conversion"];

    [TestCaseSource(nameof(Kinds))]
    public void OnlyModelFormatExceptionEscapesAMutatedModelFile(string kind)
    {
        var original = Models.Value[kind];
        Assert.That(() => Load(kind, original), Throws.Nothing, "the unmutated file loads");
        var findings = new FuzzFindings();
        var budget = FuzzBudget.PerTarget(3);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long iterations = 0, refused = 0;
        while (watch.Elapsed < budget || iterations < 200)
        {
            var rng = FuzzBudget.For(kind, iterations);
            var bytes = ModelMutator.Mutate(original, rng);
            try
            {
                var model = Load(kind, bytes);
                Exercise(model, findings, kind, iterations);
            }
            catch (ModelFormatException e) when (e.InnerException is null)
            {
                refused++;
            }
            catch (Exception e)
            {
                findings.Add(kind, iterations, "load", e);
            }

            iterations++;
        }

        TestContext.Out.WriteLine($"{kind}: {iterations:N0} mutated files in {watch.Elapsed.TotalSeconds:F1} s, {refused:N0} refused with ModelFormatException, {iterations - refused - findings.Total:N0} loaded and served, seed {FuzzBudget.Seed}");
        Assert.That(findings.Total, Is.Zero, findings.ToString());
    }

    internal static object Load(string kind, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return kind switch
        {
            "segmentation" => SegmentationModel.Load(stream),
            "conversion" => ConversionModel.Load(stream),
            _ when kind.StartsWith("crossdomain", StringComparison.Ordinal) => CrossDomainModel.Load(stream),
            _ => Recommender.Load(stream),
        };
    }

    /// <summary>Uses a loaded model the way a server would; any exception is a finding.</summary>
    private static void Exercise(object model, FuzzFindings findings, string kind, long iteration)
    {
        try
        {
            switch (model)
            {
                case RecommenderModel m:
                    var scores = new float[m.ItemIds.Count];
                    if (m.UserIds.Count > 0)
                    {
                        m.ScoreItems(0, scores);
                        _ = m.Recommend(m.UserIds[0], 5);
                        _ = m.RecommendMany([m.UserIds[0], m.UserIds[m.UserIds.Count - 1]], 3);
                    }

                    if (m.ItemIds.Count > 0)
                    {
                        _ = m.SimilarItems(m.ItemIds[0], 3);
                        FoldedUser? folded = null;
                        try
                        {
                            folded = m.FoldIn([new(m.ItemIds[0], 1f)]);
                        }
                        catch (ArgumentException)
                        {
                            // A documented refusal of the value (outside the model's scale, say).
                        }
                        catch (InvalidOperationException e) when (e.Message.Contains("not positive definite", StringComparison.Ordinal))
                        {
                            // Documented: implicit ALS factors too extreme for the float fold-in solve.
                        }

                        if (folded is not null)
                        {
                            _ = m.Recommend(folded, 3);
                        }

                        if (m is FactorizationModel f && m.UserIds.Count > 0)
                        {
                            _ = f.Predict(0, 0);
                        }
                    }

                    break;
                case CrossDomainModel x:
                    if (x.UserIds.Count > 0)
                    {
                        _ = x.Recommend(x.UserIds[0], 5);
                        _ = x.RecommendMany([x.UserIds[0], x.UserIds[x.UserIds.Count - 1]], 3);
                    }

                    if (x.ItemIds.Count > 0)
                    {
                        _ = x.Recommend([new(x.ItemIds[0], 1f)], 3);
                    }

                    break;
                case SegmentationModel s:
                    _ = s.Assign(new float[s.Dimensions]);
                    _ = s.Centroids;
                    break;
                case ConversionModel c:
                    try
                    {
                        _ = c.Score(ConversionTable.Value);
                    }
                    catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
                    {
                        // The table does not match the (mutated) encoding: a documented input error.
                    }
                    catch (DataFormatException e) when (e.Problem.Contains("beyond float range", StringComparison.Ordinal))
                    {
                        // A table value standardises beyond float range under the (mutated) mean and deviation: the
                        // documented refusal naming the column, instead of NaN scores.
                    }

                    break;
            }
        }
        catch (Exception e)
        {
            findings.Add(kind, iteration, "serving the loaded model", e);
        }
    }

    internal static readonly Lazy<TabularData> ConversionTable = new(() =>
    {
        var rng = new Random(5);
        var n = 200;
        var age = new double[n];
        var plan = new string?[n];
        var bought = new string?[n];
        for (var r = 0; r < n; r++)
        {
            age[r] = 20 + rng.Next(50);
            plan[r] = r % 17 == 0 ? null : new[] { "free", "basic", "pro" }[rng.Next(3)];
            bought[r] = rng.NextDouble() < (plan[r] == "pro" ? 0.6 : 0.2) + (age[r] / 400) ? "yes" : "no";
        }

        return new TabularData([TabularColumn.Numeric("age", age), TabularColumn.Categorical("plan", plan), TabularColumn.Categorical("bought", bought)]);
    });

    internal static InteractionSet Ratings(bool domains)
    {
        var rng = new Random(11);
        var b = new InteractionSetBuilder().WithScale(RatingScale.FiveStars);
        for (var u = 0; u < 30; u++)
        {
            foreach (var i in Enumerable.Range(0, 25).OrderBy(_ => rng.Next()).Take(6 + rng.Next(6)))
            {
                b.Add($"u{u}", $"i{i}", 1 + rng.Next(5), null, domains ? (i % 2 == 0 ? "books" : "films") : null);
            }
        }

        return b.Build();
    }

    private static FeatureSet MappedItemFeatures()
    {
        var b = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < 25; i++)
        {
            b.Add($"i{i}", [$"parity:{i % 2}", $"third:{i % 3}"]);
        }

        return b.Add("premiere", "parity:0").Build();
    }

    private static FeatureSet MappedUserFeatures()
    {
        var b = FeatureSet.CreateBuilder("user");
        for (var u = 0; u < 30; u++)
        {
            b.Add($"u{u}", $"group:{u % 3}");
        }

        return b.Build();
    }

    internal static Dictionary<string, byte[]> BuildModels()
    {
        var ratings = Ratings(false);
        var withDomains = Ratings(true);
        byte[] Bytes(Action<Stream> save)
        {
            using var s = new MemoryStream();
            save(s);
            return s.ToArray();
        }

        var (points, _) = KMeansTests.Blobs(120, 3, 4, 1.0, 2);
        return new Dictionary<string, byte[]>
        {
            ["factorization"] = Bytes(global::CrossRec.Factorization.Biased().Factors(4).Epochs(3).Seed(1).Deterministic().Fit(ratings).Save),
            ["factorization-implicit"] = Bytes(global::CrossRec.Factorization.Biased().Factors(3).Epochs(2).Seed(1).Deterministic().FitImplicit(ratings).Save),
            ["popularity"] = Bytes(Recommenders.Popularity().Fit(ratings).Save),
            ["ials"] = Bytes(Recommenders.ImplicitAls().Factors(4).Iterations(2).Seed(1).Fit(ratings).Save),
            ["bpr"] = Bytes(Recommenders.Bpr().Factors(4).Epochs(2).Seed(1).Deterministic().Fit(ratings).Save),
            ["ease"] = Bytes(Recommenders.Ease().Fit(ratings).Save),
            ["itemknn"] = Bytes(Recommenders.ItemKnn().Fit(ratings).Save),
            ["itemknn-domains"] = Bytes(Recommenders.ItemKnn().Fit(withDomains).Save),
            ["rp3beta"] = Bytes(Recommenders.Rp3Beta().Values(CrossRec.Algorithms.Rp3Beta.Rp3BetaValues.Log).Fit(withDomains).Save),
            ["blend"] = Bytes(Recommenders.Blend(Recommenders.ImplicitAls().Factors(3).Iterations(2).Seed(1), Recommenders.Popularity()).Weights(0.7, 0.3).Fit(ratings).Save),
            ["mapped"] = Bytes(Recommenders.Mapped(Recommenders.ImplicitAls().Factors(3).Iterations(2).Seed(1)).ItemFeatures(MappedItemFeatures()).UserFeatures(MappedUserFeatures()).Fit(ratings).Save),
            ["crossdomain-emcdr"] = Bytes(CrossRec.CrossDomain.Emcdr(Recommenders.ImplicitAls().Factors(3).Iterations(2).Seed(1)).BlendPopularity(0.2).Fit(withDomains, "films").Save),
            ["crossdomain-itemknn"] = Bytes(CrossRec.CrossDomain.ItemKnn().Fit(withDomains, "films").Save),
            ["segmentation"] = Bytes(global::CrossRec.Segmentation.KMeans(3).Seed(1).Standardize().Fit(points).Save),
            ["conversion"] = Bytes(global::CrossRec.Conversion.Logistic().Fit(ConversionTable.Value, "bought").Save),
        };
    }
}

/// <summary>Structure-aware mutations of CrossRec's model container, with the SHA-256 trailer recomputed.</summary>
internal static class ModelMutator
{
    private static readonly int[] InterestingInts = [0, 1, -1, 2, -2, 3, 7, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, int.MaxValue - 1, int.MaxValue / 4, 0x40000000, 1 << 20];
    private static readonly float[] InterestingFloats = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, -1f, 1e38f, -1e38f, float.Epsilon, 5f, 1f, 100f, -5f];
    private static readonly double[] InterestingDoubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0, -1, 1e308, -1e308, double.Epsilon, 1e6];

    /// <summary>The sections of an unsigned container: the header before the section count, and (tag, payload) pairs.</summary>
    public static (byte[] Header, List<(string Tag, byte[] Payload)> Sections) Parse(byte[] file)
    {
        var kindLength = file[12];
        var headerLength = 13 + kindLength;
        var header = file[..headerLength];
        var count = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(headerLength));
        var pos = headerLength + 4;
        var sections = new List<(string, byte[])>();
        for (var s = 0; s < count; s++)
        {
            var tag = Encoding.ASCII.GetString(file, pos, 4);
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(pos + 4));
            sections.Add((tag, file.AsSpan(pos + 12, length).ToArray()));
            pos += 12 + length;
        }

        return (header, sections);
    }

    /// <summary>Serialises sections (with a section count, which may be forced) and appends a valid SHA-256 trailer.</summary>
    public static byte[] Build(byte[] header, List<(string Tag, byte[] Payload)> sections, int? sectionCount = null)
    {
        using var body = new MemoryStream();
        body.Write(header);
        Span<byte> buf = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(buf, sectionCount ?? sections.Count);
        body.Write(buf[..4]);
        foreach (var (tag, payload) in sections)
        {
            body.Write(Encoding.ASCII.GetBytes(tag));
            BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)payload.Length);
            body.Write(buf);
            body.Write(payload);
        }

        return Seal(body.ToArray());
    }

    /// <summary>A body with its SHA-256 and end marker.</summary>
    public static byte[] Seal(byte[] body) => [.. body, .. SHA256.HashData(body), .. "CRXR-END"u8];

    public static byte[] Mutate(byte[] original, Random rng)
    {
        var (header, sections) = Parse(original);
        var copy = sections.Select(s => (s.Tag, (byte[])s.Payload.Clone())).ToList();
        var rounds = 1 + (rng.Next(4) == 0 ? rng.Next(3) : 0);
        int? forcedCount = null;
        var rawFlips = 0;
        for (var r = 0; r < rounds; r++)
        {
            var s = rng.Next(copy.Count);
            var (tag, payload) = copy[s];
            var op = rng.Next(100);
            if (op < 40 && payload.Length >= 4)
            {
                var at = rng.Next(4) == 0 ? 0 : rng.Next(payload.Length - 3);
                var old = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at));
                var value = rng.Next(5) switch
                {
                    0 => old + 1,
                    1 => old - 1,
                    2 => rng.Next(-1000, 1000),
                    3 => payload.Length / (1 + rng.Next(8)),
                    _ => InterestingInts[rng.Next(InterestingInts.Length)],
                };
                BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at), value);
            }
            else if (op < 55 && payload.Length >= 4)
            {
                BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(rng.Next(payload.Length - 3)), InterestingFloats[rng.Next(InterestingFloats.Length)]);
            }
            else if (op < 63 && payload.Length >= 8)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(payload.AsSpan(rng.Next(payload.Length - 7)), InterestingDoubles[rng.Next(InterestingDoubles.Length)]);
            }
            else if (op < 73 && payload.Length > 0)
            {
                payload[rng.Next(payload.Length)] = (byte)(rng.Next(3) switch { 0 => rng.Next(3), 1 => 0xFF, _ => rng.Next(256) });
            }
            else if (op < 80 && payload.Length > 0)
            {
                copy[s] = (tag, payload[..rng.Next(payload.Length)]);
            }
            else if (op < 85)
            {
                var extra = new byte[1 + rng.Next(16)];
                rng.NextBytes(extra);
                copy[s] = (tag, [.. payload, .. extra]);
            }
            else if (op < 89 && copy.Count > 1)
            {
                copy.RemoveAt(s);
            }
            else if (op < 92)
            {
                copy.Add(copy[rng.Next(copy.Count)]);
            }
            else if (op < 95)
            {
                forcedCount = rng.Next(3) switch { 0 => copy.Count + 1, 1 => copy.Count - 1, _ => int.MaxValue };
            }
            else
            {
                rawFlips++;
            }
        }

        var file = Build(header, copy, forcedCount);
        if (rawFlips == 0)
        {
            return file;
        }

        var body = file[..^40];
        for (var f = 0; f < rawFlips * (1 + rng.Next(3)); f++)
        {
            var at = 8 + rng.Next(body.Length - 8); // keep the magic: everything else is fair game
            body[at] ^= (byte)(1 << rng.Next(8));
        }

        return Seal(body);
    }
}
