using System.Numerics.Tensors;

namespace CrossRec.Metrics;

/// <summary>
/// What the beyond-accuracy metrics need to know about a model's catalogue, computed once per evaluation from the
/// model alone: which items are in the catalogue, every item's training popularity and self-information, and the item
/// vectors the diversity compares (see <see cref="BeyondAccuracyMetrics"/>). Read-only, shared by every worker.
/// </summary>
internal sealed class CatalogueStatistics
{
    private readonly bool[]? _inCatalogue;
    private readonly float[]? _factors;
    private readonly int _factorCount;
    private readonly float[] _norms;
    private readonly int[]? _userOffsets;
    private readonly int[]? _users;

    private CatalogueStatistics(int itemCount, bool[]? inCatalogue, double[] popularity, double[] selfInformation, float[]? factors, int factorCount, float[] norms, int[]? userOffsets, int[]? users)
    {
        ItemCount = itemCount;
        _inCatalogue = inCatalogue;
        CatalogueSize = inCatalogue is null ? itemCount : inCatalogue.Count(x => x);
        Popularity = popularity;
        SelfInformation = selfInformation;
        _factors = factors;
        _factorCount = factorCount;
        _norms = norms;
        _userOffsets = userOffsets;
        _users = users;
    }

    /// <summary>Items of the model.</summary>
    public int ItemCount { get; }

    /// <summary>Items that could be recommended (those of the evaluated domain, or all).</summary>
    public int CatalogueSize { get; }

    /// <summary>The share of the model's training users who have each item.</summary>
    public double[] Popularity { get; }

    /// <summary><c>−log₂ pop(i)</c>, an item without training users counted as one user's.</summary>
    public double[] SelfInformation { get; }

    /// <summary><see cref="BeyondAccuracyMetrics.ItemFactorsBasis"/> or <see cref="BeyondAccuracyMetrics.TrainingUsersBasis"/>.</summary>
    public string DiversityBasis => _factors is null ? BeyondAccuracyMetrics.TrainingUsersBasis : BeyondAccuracyMetrics.ItemFactorsBasis;

    /// <summary>Whether an item is in the catalogue.</summary>
    public bool InCatalogue(int item) => _inCatalogue is null || _inCatalogue[item];

    /// <summary>The statistics of a model's catalogue; <paramref name="domain"/> ≥ 0 restricts it to that domain's items.</summary>
    public static CatalogueStatistics Of(IRecommender model, int domain)
    {
        var n = model.ItemIds.Count;
        var userCount = model.UserIds.Count;

        // Items' training users: the transpose of the seen lists, filled user by user so each item's users are sorted.
        var degree = new int[n];
        for (var u = 0; u < userCount; u++)
        {
            foreach (var i in model.SeenItems(u))
            {
                degree[i]++;
            }
        }

        var popularity = new double[n];
        var selfInformation = new double[n];
        for (var i = 0; i < n; i++)
        {
            popularity[i] = userCount == 0 ? double.NaN : (double)degree[i] / userCount;
            selfInformation[i] = userCount == 0 ? double.NaN : -Math.Log2((double)Math.Max(degree[i], 1) / userCount);
        }

        bool[]? inCatalogue = null;
        if (domain >= 0)
        {
            var itemDomains = model.ItemDomains;
            inCatalogue = new bool[n];
            for (var i = 0; i < n; i++)
            {
                inCatalogue[i] = itemDomains[i] == domain;
            }
        }

        // Item factors where the model ranks by them (the blocked serving path's arrays), else the items' training users.
        if (model is RecommenderModel { BlockScoring: { } scoring } && scoring.Factors > 0 && scoring.ItemFactors.Length == n * scoring.Factors)
        {
            var k = scoring.Factors;
            var norms = new float[n];
            for (var i = 0; i < n; i++)
            {
                norms[i] = TensorPrimitives.Norm(scoring.ItemFactors.AsSpan(i * k, k));
            }

            return new CatalogueStatistics(n, inCatalogue, popularity, selfInformation, scoring.ItemFactors, k, norms, null, null);
        }

        var offsets = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            offsets[i + 1] = offsets[i] + degree[i];
        }

        var users = new int[offsets[n]];
        var cursor = offsets.AsSpan(0, n).ToArray();
        for (var u = 0; u < userCount; u++)
        {
            foreach (var i in model.SeenItems(u))
            {
                users[cursor[i]++] = u;
            }
        }

        var lengths = new float[n];
        for (var i = 0; i < n; i++)
        {
            lengths[i] = MathF.Sqrt(degree[i]);
        }

        return new CatalogueStatistics(n, inCatalogue, popularity, selfInformation, null, 0, lengths, offsets, users);
    }

    /// <summary>The cosine of two items' vectors; 0 when either vector is zero.</summary>
    public double Cosine(int a, int b)
    {
        var norm = (double)_norms[a] * _norms[b];
        if (!(norm > 0))
        {
            return 0;
        }

        if (_factors is not null)
        {
            var k = _factorCount;
            return TensorPrimitives.Dot(_factors.AsSpan(a * k, k), _factors.AsSpan(b * k, k)) / norm;
        }

        // Binary vectors: the number of shared training users (a merge of two sorted lists).
        var users = _users!;
        int p = _userOffsets![a], pEnd = _userOffsets[a + 1], q = _userOffsets[b], qEnd = _userOffsets[b + 1];
        var shared = 0;
        while (p < pEnd && q < qEnd)
        {
            var d = users[p] - users[q];
            if (d == 0)
            {
                shared++;
                p++;
                q++;
            }
            else if (d < 0)
            {
                p++;
            }
            else
            {
                q++;
            }
        }

        return shared / norm;
    }
}
