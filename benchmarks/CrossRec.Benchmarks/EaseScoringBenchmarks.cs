using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using CrossRec.Algorithms.Ease;

namespace CrossRec.Benchmarks;

/// <summary>
/// EASE's per-user scoring, <c>acc = Σ_i x_ui · B[i, :]</c> over the user's kept items, for every user of the training
/// part of Last.fm 2K or MovieLens 100K (the accuracy suite's 80/20 split, seed 42; 5,958 and 1,651 kept items): the sparse gather of the model
/// (<see cref="EaseOptions.WeightsPerItem"/> = 512, the default, as the model holds it: compressed rows below a quarter of B,
/// dense rows from there on; and forced compressed) against the dense path the model used before B was stored sparse (<c>TensorPrimitives.MultiplyAdd</c> of m-float rows of a
/// row-major m × m matrix; the baseline). One fit gives all three, so the kept weights are the same numbers.
/// Run: <c>dotnet run -c Release --project benchmarks/CrossRec.Benchmarks -- --filter '*EaseScoring*' --job short --inProcess</c>
/// (needs <c>CROSSREC_DATA</c>).
/// </summary>
[MemoryDiagnoser]
public class EaseScoringBenchmarks
{
    private EaseModel _whole = null!;
    private EaseWeights _pruned = null!;
    private EaseWeights _compressed = null!;
    private float[] _dense = [];
    private int[][] _rows = [];
    private float[][] _strengths = [];
    private float[] _acc = [];

    /// <summary>The dataset (under <c>CROSSREC_DATA</c>).</summary>
    [Params("lastfm-2k", "ml-100k")]
    public string Dataset { get; set; } = "lastfm-2k";

    [GlobalSetup]
    public void Setup()
    {
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA") ?? throw new InvalidOperationException("Set CROSSREC_DATA to the folder holding lastfm-2k/ and ml-100k/.");
        var data = Dataset == "ml-100k"
            ? MovieLens.Load100K(Path.Combine(root, "ml-100k", "u.data"))
            : DelimitedFile.Load(
                Path.Combine(root, "lastfm-2k", "user_artists.dat"),
                new DelimitedFormat { Delimiter = "\t", Header = HeaderMode.Present, User = 0, Item = 1, Rating = 2 });
        var (train, _) = data.SplitPerUser(0.2, 42);
        _whole = Recommenders.Ease().WeightsPerItem(EaseOptions.MaxOrder).Fit(train);
        _pruned = _whole.WithWeightsPerItem(EaseOptions.DefaultWeightsPerItem).Weights;
        var compressed = _pruned.Compressed();
        _compressed = new EaseWeights(compressed.Offsets, compressed.Columns, compressed.Values, dense: false);
        var m = _whole.KeptItemCount;
        _dense = new float[(long)m * m];
        for (var i = 0; i < m; i++)
        {
            _whole.Weights.CopyRow(i, _dense.AsSpan(i * m, m));
        }

        var kept = new Dictionary<int, int>();
        var keptItems = _whole.KeptItems;
        for (var k = 0; k < keptItems.Length; k++)
        {
            kept[keptItems[k]] = k;
        }

        _rows = new int[_whole.UserIds.Count][];
        _strengths = new float[_whole.UserIds.Count][];
        for (var u = 0; u < _rows.Length; u++)
        {
            var items = _whole.SeenItems(u);
            var values = _whole.SeenValues(u);
            var rows = new List<int>();
            var strengths = new List<float>();
            for (var k = 0; k < items.Length; k++)
            {
                if (kept.TryGetValue(items[k], out var row))
                {
                    rows.Add(row);
                    strengths.Add(MathF.Log(1 + values[k]));
                }
            }

            _rows[u] = [.. rows];
            _strengths[u] = [.. strengths];
        }

        _acc = new float[m];
    }

    /// <summary>The former dense path: every kept item of the user adds an m-float row.</summary>
    [Benchmark(Baseline = true)]
    public float DenseRows()
    {
        var m = _acc.Length;
        var sum = 0f;
        for (var u = 0; u < _rows.Length; u++)
        {
            _acc.AsSpan().Clear();
            var rows = _rows[u];
            for (var k = 0; k < rows.Length; k++)
            {
                TensorPrimitives.MultiplyAdd(_dense.AsSpan(rows[k] * m, m), _strengths[u][k], _acc, _acc);
            }

            sum += _acc[u % m];
        }

        return sum;
    }

    /// <summary>The model's path with the default 512 weights per item, held as the model holds them.</summary>
    [Benchmark]
    public float Model512() => Gather(_pruned);

    /// <summary>The same 512 weights per item, compressed rows whatever the density.</summary>
    [Benchmark]
    public float Compressed512() => Gather(_compressed);

    private float Gather(EaseWeights weights)
    {
        var sum = 0f;
        for (var u = 0; u < _rows.Length; u++)
        {
            _acc.AsSpan().Clear();
            var rows = _rows[u];
            for (var k = 0; k < rows.Length; k++)
            {
                weights.AddRow(rows[k], _strengths[u][k], unit: false, _acc);
            }

            sum += _acc[u % _acc.Length];
        }

        return sum;
    }
}
