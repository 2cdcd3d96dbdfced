using System.Text;

namespace CrossRec.Tests.Fuzz;

/// <summary>
/// Seeded, bounded mutation fuzzing of the text loaders (delimited interactions in every built-in layout,
/// the MovieLens item catalogue, the tabular CSV reader and the cross-domain loader). Mutations insert delimiters, quotes, line
/// breaks, invalid UTF-8, non-finite and huge numbers and long fields, delete, repeat and swap lines, and
/// truncate. The contract: a load either succeeds or raises <see cref="DataFormatException"/>, in strict
/// and in lenient mode.
/// </summary>
[NonParallelizable]
public class LoaderFuzzTests
{
    private TempFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    private static readonly string[] Tokens =
    [
        ",", ";", "\t", "::", "|", "\"", "\"\"", "\n", "\r\n", "\r", " ", "", "NaN", "Infinity", "-Infinity", "-1e39", "1e400", "3e10", "-3",
        "9999999999999999999999", "2021-13-45", "2021-06-01T10:00:00Z", "\uFEFF", "\0", "é", "\uFFFD", "NA", "?", "null", "0x10", "1,5", "01-Jan-1995",
        new string('x', 300), "u1", "i1", "user", "item", "rating",
    ];

    private static readonly byte[][] RawBytes = [[0xE9], [0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0xFF, 0xFE]];

    public static IEnumerable<string> Targets() => ["csv-named", "csv-auto", "csv-detect", "csv-implicit", "ml100k", "ml-dat", "ml-csv", "ml-items", "tabular", "cross-domain"];

    private static string BaseText(string target)
    {
        var rng = new Random(3);
        var sb = new StringBuilder();
        switch (target)
        {
            case "csv-named":
                sb.Append("user,item,rating,timestamp,domain\n");
                for (var r = 0; r < 40; r++)
                {
                    sb.Append($"u{rng.Next(8)},\"i{r}\",{1 + rng.Next(5)},{1_600_000_000 + r},{(r % 2 == 0 ? "books" : "films")}\n");
                }

                break;
            case "csv-auto":
            case "csv-detect":
            case "ml-csv":
                sb.Append(target == "ml-csv" ? "userId,movieId,rating,timestamp\n" : "u,i,r,t\n");
                for (var r = 0; r < 40; r++)
                {
                    sb.Append($"{rng.Next(8)},{r},{0.5 + (rng.Next(10) / 2.0)},{1_600_000_000 + r}\n");
                }

                break;
            case "csv-implicit":
                sb.Append("user,item\n");
                for (var r = 0; r < 40; r++)
                {
                    sb.Append($"u{rng.Next(8)},i{r}\n");
                }

                break;
            case "ml100k":
            case "ml-dat":
                var d = target == "ml100k" ? "\t" : "::";
                for (var r = 0; r < 40; r++)
                {
                    sb.Append($"{rng.Next(8)}{d}{r}{d}{1 + rng.Next(5)}{d}{881250949 + r}\n");
                }

                break;
            case "ml-items":
                for (var r = 1; r <= 20; r++)
                {
                    sb.Append($"{r}|Film {r} (1995)|01-Jan-1995||http://example.org/{r}|{string.Join("|", Enumerable.Range(0, 19).Select(g => (g + r) % 5 == 0 ? "1" : "0"))}\n");
                }

                break;
            case "cross-domain":
                sb.Append("user\titem\tvalue\tdomain\n");
                for (var r = 0; r < 40; r++)
                {
                    sb.Append($"u{rng.Next(8)}\t{(r % 2 == 0 ? "b" : "f")}{r}\t{1 + rng.Next(5)}\t{(r % 2 == 0 ? "books" : "films")}\n");
                }

                break;
            default:
                sb.Append("id;age;plan;income;bought\n");
                for (var r = 0; r < 60; r++)
                {
                    sb.Append($"{r};{20 + rng.Next(50)};\"{new[] { "free", "basic", "pro" }[rng.Next(3)]}\";{(r % 9 == 0 ? "NA" : (1000 + (rng.NextDouble() * 500)).ToString("F2", System.Globalization.CultureInfo.InvariantCulture))};{(rng.Next(3) == 0 ? "yes" : "no")}\n");
                }

                break;
        }

        return sb.ToString();
    }

    private static void Load(string target, string path, bool lenient)
    {
        var options = new LoadOptions { Lenient = lenient };
        switch (target)
        {
            case "csv-named":
                DelimitedFile.Load(path, new DelimitedFormat { User = "user", Item = "item", Rating = "rating", Timestamp = "timestamp", Domain = "domain" }, options);
                break;
            case "csv-auto":
                DelimitedFile.Load(path, new DelimitedFormat { Timestamp = 3 }, options with { Scale = RatingScale.HalfStars });
                break;
            case "csv-implicit":
                DelimitedFile.Load(path, new DelimitedFormat { Rating = null }, options with { Duplicates = DuplicatePolicy.Sum });
                break;
            case "ml100k":
                MovieLens.Load100K(path, options);
                break;
            case "ml-dat":
                MovieLens.LoadDat(path, options);
                break;
            case "ml-csv":
                MovieLens.LoadCsv(path, options);
                break;
            case "ml-items":
                MovieLens.LoadItems100K(path);
                break;
            case "cross-domain":
                CrossDomainData.Load(path);
                break;
            case "csv-detect":
                DelimitedFile.Load(path, options); // the format detected from the first lines (DelimitedFormat.Detect)
                break;
            default:
                TabularData.LoadCsv(path);
                break;
        }
    }

    internal static byte[] Mutate(byte[] original, Random rng)
    {
        var bytes = new List<byte>(original);
        var rounds = 1 + rng.Next(4);
        for (var r = 0; r < rounds && bytes.Count > 0; r++)
        {
            var at = rng.Next(bytes.Count + 1);
            switch (rng.Next(10))
            {
                case < 4:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[rng.Next(Tokens.Length)]));
                    break;
                case 4:
                    bytes.InsertRange(at, RawBytes[rng.Next(RawBytes.Length)]);
                    break;
                case 5:
                    bytes.RemoveRange(Math.Min(at, bytes.Count - 1), Math.Min(1 + rng.Next(20), bytes.Count - Math.Min(at, bytes.Count - 1)));
                    break;
                case 6:
                {
                    // Repeat a line (a duplicate (user, item) pair) or move it.
                    var text = Encoding.UTF8.GetString(bytes.ToArray());
                    var lines = text.Split('\n').ToList();
                    var line = lines[rng.Next(lines.Count)];
                    lines.Insert(rng.Next(lines.Count + 1), line);
                    if (rng.Next(2) == 0)
                    {
                        lines.RemoveAt(rng.Next(lines.Count));
                    }

                    bytes = [.. Encoding.UTF8.GetBytes(string.Join('\n', lines))];
                    break;
                }

                case 7:
                    bytes.RemoveRange(at == bytes.Count ? bytes.Count - 1 : at, bytes.Count - (at == bytes.Count ? bytes.Count - 1 : at));
                    break;
                case 8:
                    bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(1 << rng.Next(8));
                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(new string((char)('a' + rng.Next(26)), 1 + rng.Next(5000))));
                    break;
            }
        }

        return [.. bytes];
    }

    [TestCaseSource(nameof(Targets))]
    public void OnlyDataFormatExceptionEscapesAMutatedFile(string target)
    {
        var original = Encoding.UTF8.GetBytes(BaseText(target));
        var path = _files.PathOf(target == "ml-items" ? "u.item" : $"{target}.txt");
        File.WriteAllBytes(path, original);
        Assert.That(() => Load(target, path, lenient: false), Throws.Nothing, "the unmutated file loads");
        var findings = new FuzzFindings();
        var budget = FuzzBudget.PerTarget(2);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long iterations = 0, refused = 0;
        while (watch.Elapsed < budget || iterations < 100)
        {
            var rng = FuzzBudget.For(target, iterations);
            File.WriteAllBytes(path, Mutate(original, rng));
            foreach (var lenient in new[] { false, true })
            {
                try
                {
                    Load(target, path, lenient);
                }
                catch (DataFormatException e)
                {
                    refused++;
                    if (e.Message.Length > 600)
                    {
                        findings.Add(target, iterations, $"message of {e.Message.Length} characters (lenient {lenient})", e);
                    }
                }
                catch (Exception e)
                {
                    findings.Add(target, iterations, $"load (lenient {lenient})", e);
                }
            }

            iterations++;
        }

        TestContext.Out.WriteLine($"{target}: {iterations:N0} mutated files × 2 modes in {watch.Elapsed.TotalSeconds:F1} s, {refused:N0} loads refused with DataFormatException, seed {FuzzBudget.Seed}");
        Assert.That(findings.Total, Is.Zero, findings.ToString());
    }
}
