using System.Globalization;
using MathNet.Numerics.LinearAlgebra;

namespace CrossRec.Benchmarks;

/// <summary>
/// What trained factors look like (<c>... -- factor-stats [DATASET ...]</c>, datasets <c>ml-100k</c> and <c>lastfm-2k</c>
/// from <c>CROSSREC_DATA</c>): fits implicit ALS with the library's defaults on the whole set and prints the structure
/// statistics of <see cref="Measure"/> for its item and user factors, then the same statistics of the two synthetic
/// catalogues of <see cref="ApproximateServingBenchmarks"/> (isotropic and structured) at the same size, so that the
/// structured generator's parameters can be read against the trained factors. docs/performance.md has the table.
/// </summary>
internal static class FactorStructureStudy
{
    public static void Run(string[] datasets)
    {
        Console.WriteLine(Stats.Header);
        foreach (var dataset in datasets)
        {
            var data = AutoBudgetStudy.Load(dataset);
            var model = (ImplicitAlsModel)Recommenders.ImplicitAls().Fit(data);
            var k = model.Factors;
            Console.WriteLine(Measure(model.ItemFactorArray, model.ItemIds.Count, k, model.UserFactorArray, model.UserIds.Count).Row($"{dataset} ALS"));
            foreach (var shape in new[] { CatalogueShape.Isotropic, CatalogueShape.Structured })
            {
                var synthetic = ApproximateServingBenchmarks.Catalogue(model.UserIds.Count, model.ItemIds.Count, 7, shape);
                Console.WriteLine(Measure(synthetic.ItemFactorArray, synthetic.ItemIds.Count, synthetic.Factors, synthetic.UserFactorArray, synthetic.UserIds.Count).Row($"{shape} at {model.ItemIds.Count} items"));
            }
        }
    }

    /// <summary>
    /// Structure statistics of <paramref name="n"/> item vectors of length <paramref name="k"/> (and of the users'):
    /// σ of ln|q| and the 90th/10th percentile ratio of the norms; the length of the mean unit direction; the share of
    /// the (centred) variance of the unit directions in the top 1 and top 10 principal components and the effective rank
    /// exp(entropy of the normalised eigenvalues); over 256 seeded items, the mean cosine to the 10th nearest item and the
    /// median cosine to all items; over 256 seeded users, the mean z-score of their 10th best item score among all
    /// item scores (how far the top of a list stands out) and the cosine of the users' and items' mean directions.
    /// </summary>
    public static Stats Measure(float[] items, int n, int k, float[] users, int m)
    {
        var (itemSigma, itemP90P10) = NormSpread(items, n, k);
        var unit = Unit(items, n, k);
        var (itemMean, top1, top10, rank) = Directions(unit, n, k, out var itemMeanVector);
        var rng = new Random(11);
        double nn10 = 0, median = 0;
        const int probes = 256;
        var cos = new float[n];
        for (var p = 0; p < probes; p++)
        {
            var i = rng.Next(n);
            for (var j = 0; j < n; j++)
            {
                cos[j] = j == i ? float.NegativeInfinity : Dot(unit, i, unit, j, k);
            }

            Array.Sort(cos);
            nn10 += cos[n - 10];
            median += cos[(n - 1) / 2];
        }

        var userUnit = Unit(users, m, k);
        var (userMean, _, _, _) = Directions(userUnit, m, k, out var userMeanVector);
        double z10 = 0;
        var scores = new double[n];
        for (var p = 0; p < probes; p++)
        {
            var u = rng.Next(m);
            double sum = 0, square = 0;
            for (var j = 0; j < n; j++)
            {
                scores[j] = Dot(users, u, items, j, k);
                sum += scores[j];
                square += scores[j] * scores[j];
            }

            var mean = sum / n;
            var sd = Math.Sqrt(Math.Max(1e-30, (square / n) - (mean * mean)));
            Array.Sort(scores);
            z10 += (scores[n - 10] - mean) / sd;
        }

        var meanCos = itemMeanVector.DotProduct(userMeanVector) / Math.Max(1e-30, itemMeanVector.L2Norm() * userMeanVector.L2Norm());
        return new Stats(n, itemSigma, itemP90P10, itemMean, top1, top10, rank, nn10 / probes, median / probes, NormSpread(users, m, k).Sigma, userMean, z10 / probes, meanCos);
    }

    private static (double Sigma, double P90P10) NormSpread(float[] v, int n, int k)
    {
        var logs = new double[n];
        for (var j = 0; j < n; j++)
        {
            logs[j] = 0.5 * Math.Log(Math.Max(1e-30, Dot(v, j, v, j, k)));
        }

        var mean = logs.Average();
        var sigma = Math.Sqrt(logs.Sum(l => (l - mean) * (l - mean)) / n);
        Array.Sort(logs);
        return (sigma, Math.Exp(logs[(int)(0.9 * (n - 1))] - logs[(int)(0.1 * (n - 1))]));
    }

    private static float[] Unit(float[] v, int n, int k)
    {
        var unit = new float[(long)n * k];
        for (var j = 0; j < n; j++)
        {
            var norm = (float)Math.Sqrt(Math.Max(1e-30, Dot(v, j, v, j, k)));
            for (var f = 0; f < k; f++)
            {
                unit[(j * k) + f] = v[(j * k) + f] / norm;
            }
        }

        return unit;
    }

    private static (double MeanLength, double Top1, double Top10, double EffectiveRank) Directions(float[] unit, int n, int k, out Vector<double> mean)
    {
        mean = Vector<double>.Build.Dense(k);
        var second = Matrix<double>.Build.Dense(k, k);
        var row = new double[k];
        for (var j = 0; j < n; j++)
        {
            for (var f = 0; f < k; f++)
            {
                row[f] = unit[(j * k) + f];
                mean[f] += row[f] / n;
            }

            for (var a = 0; a < k; a++)
            {
                for (var b = 0; b < k; b++)
                {
                    second[a, b] += row[a] * row[b] / n;
                }
            }
        }

        var covariance = second - mean.OuterProduct(mean);
        var eigen = covariance.Evd(Symmetricity.Symmetric).EigenValues.Select(e => Math.Max(0, e.Real)).OrderDescending().ToArray();
        var total = eigen.Sum();
        var entropy = -eigen.Where(e => e > 0).Sum(e => e / total * Math.Log(e / total));
        return (mean.L2Norm(), eigen[0] / total, eigen.Take(10).Sum() / total, Math.Exp(entropy));
    }

    private static float Dot(float[] a, int i, float[] b, int j, int k)
    {
        double s = 0;
        for (var f = 0; f < k; f++)
        {
            s += (double)a[((long)i * k) + f] * b[((long)j * k) + f];
        }

        return (float)s;
    }

    /// <summary>One row of the table.</summary>
    internal readonly record struct Stats(int Items, double NormSigma, double NormP90P10, double MeanDirection, double Top1, double Top10, double EffectiveRank, double Nn10Cosine, double MedianCosine, double UserNormSigma, double UserMeanDirection, double UserTop10Z, double MeanCosine)
    {
        public const string Header = "factors | items | σ ln|q| | p90/p10 |q| | |mean dir| | PC1 share | top-10 PC share | eff. rank | 10-NN cos | median cos | users: σ ln|p| | |mean dir| | z of 10th score | cos(user mean, item mean)";

        public string Row(string label) => string.Create(CultureInfo.InvariantCulture,
            $"{label} | {Items} | {NormSigma:F2} | {NormP90P10:F1} | {MeanDirection:F2} | {Top1:F3} | {Top10:F3} | {EffectiveRank:F1} | {Nn10Cosine:F3} | {MedianCosine:F3} | {UserNormSigma:F2} | {UserMeanDirection:F2} | {UserTop10Z:F2} | {MeanCosine:F2}");
    }
}
