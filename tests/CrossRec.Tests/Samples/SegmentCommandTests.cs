using System.Text.Json;

namespace CrossRec.Tests.Samples;

/// <summary>The trainer's <c>segment</c> command: per-row assignments (<c>--out</c>) and the segment map (<c>--plot</c>).</summary>
[NonParallelizable]
public sealed class SegmentCommandTests
{
    [Test]
    public void OutWritesEveryRowsSegmentAndPlotDrawsTheMap()
    {
        using var files = new TempFiles();
        // Three well-separated groups of 40 rows in 4 dimensions.
        var rng = new Random(3);
        var values = new float[120 * 4];
        for (var r = 0; r < 120; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                values[(r * 4) + c] = (float)((r / 40 == c ? 10 : 0) + rng.NextDouble());
            }
        }

        var npy = files.PathOf("points.npy");
        Npy.Write(npy, ReadOnlyMatrix.Create(values, 120, 4));
        var output = new StringWriter();
        var (previousOut, previousErr) = (Console.Out, Console.Error);
        int code;
        try
        {
            Console.SetOut(output);
            Console.SetError(output);
            code = CrossRec.Trainer.Program.Main(["segment", "--npy", npy, "--clusters", "3", "--seed", "1", "--out", files.PathOf("out/segments.tsv"), "--plot", files.PathOf("out/map.png"), "--json"]);
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
        }

        Assert.That(code, Is.EqualTo(0), output.ToString());
        var lines = File.ReadAllLines(files.PathOf("out/segments.tsv"));
        Assert.That(lines[0], Is.EqualTo("row\tsegment"));
        Assert.That(lines, Has.Length.EqualTo(121));
        var rows = lines.Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.That(rows.Select(p => p[0]), Is.EqualTo(Enumerable.Range(0, 120).Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var segments = rows.Select(p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        for (var g = 0; g < 3; g++)
        {
            Assert.That(segments.Skip(g * 40).Take(40).Distinct().Count(), Is.EqualTo(1), $"group {g} is one segment");
        }

        Assert.That(segments.Distinct().Count(), Is.EqualTo(3));
        var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
        Assert.That(summary.GetProperty("sizes").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 40, 40, 40 }));
        Assert.That(new FileInfo(files.PathOf("out/map.png")).Length, Is.GreaterThan(5_000));
    }
}
