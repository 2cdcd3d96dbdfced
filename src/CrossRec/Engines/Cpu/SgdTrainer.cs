using System.Diagnostics;
using System.Numerics.Tensors;

namespace CrossRec.Engines.Cpu;

/// <summary>
/// Stochastic gradient descent for biased matrix factorization on the CPU (baseline, single-threaded).
/// </summary>
internal static class SgdTrainer
{
    public static FactorizationModel Train(InteractionSet train, InteractionSet? validation, FactorizationOptions o, IProgress<EpochReport>? progress, string device, CancellationToken ct)
    {
        if (train.Count == 0)
        {
            throw new ArgumentException($"{train.SourceName}: the training set is empty.", nameof(train));
        }

        if (o.EarlyStoppingPatience is not null && validation is null)
        {
            throw new ArgumentException($"{nameof(FactorizationOptions.EarlyStoppingPatience)} needs a validation set.", nameof(validation));
        }

        var k = o.Factors;
        var nu = train.UserCount;
        var ni = train.ItemCount;
        var users = train.UsersArray;
        var items = train.ItemsArray;
        var values = train.ValuesArray;
        var mu = (float)train.MeanValue();
        var rng = new Random(o.Seed);
        var bu = new float[nu];
        var bi = new float[ni];
        var p = new float[checked(nu * k)];
        var q = new float[checked(ni * k)];
        FillNormal(p, o.InitStandardDeviation, rng);
        FillNormal(q, o.InitStandardDeviation, rng);

        var order = new int[train.Count];
        for (var r = 0; r < order.Length; r++)
        {
            order[r] = r;
        }

        var history = new List<EpochReport>();
        var stopwatch = Stopwatch.StartNew();
        double trainSeconds = 0;
        var lr = o.LearningRate;
        var lrb = o.EffectiveBiasLearningRate;
        var reg = o.Regularization;
        var regb = o.EffectiveBiasRegularization;
        var best = double.PositiveInfinity;
        var bestEpoch = 0;
        float[]? bestBu = null, bestBi = null, bestP = null, bestQ = null;
        var epochsRun = 0;
        for (var epoch = 1; epoch <= o.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            var epochStart = stopwatch.Elapsed;
            rng.Shuffle(order);
            double se = 0;
            for (var n = 0; n < order.Length; n++)
            {
                var r = order[n];
                var u = users[r];
                var i = items[r];
                var pu = p.AsSpan(u * k, k);
                var qi = q.AsSpan(i * k, k);
                var e = values[r] - (mu + bu[u] + bi[i] + TensorPrimitives.Dot(pu, qi));
                se += e * e;
                bu[u] += lrb * (e - (regb * bu[u]));
                bi[i] += lrb * (e - (regb * bi[i]));
                for (var f = 0; f < k; f++)
                {
                    var pf = pu[f];
                    var qf = qi[f];
                    pu[f] += lr * ((e * qf) - (reg * pf));
                    qi[f] += lr * ((e * pf) - (reg * qf));
                }
            }

            var epochTime = (stopwatch.Elapsed - epochStart).TotalSeconds;
            trainSeconds += epochTime;
            var rmse = Math.Sqrt(se / order.Length);
            if (!double.IsFinite(rmse))
            {
                throw new TrainingDivergedException($"Training diverged in epoch {epoch} (training error became {rmse}): LearningRate {o.LearningRate} (bias learning rate {o.EffectiveBiasLearningRate}) is too large for this data; try a smaller {nameof(FactorizationOptions.LearningRate)}.");
            }

            epochsRun = epoch;
            double? valRmse = null;
            if (validation is not null)
            {
                var snapshot = FactorizationModel.FromTraining(train, k, mu, bu, bi, p, q, null);
                valRmse = snapshot.Evaluate(validation).Rmse;
            }

            var report = new EpochReport(epoch, o.Epochs, rmse, valRmse, TimeSpan.FromSeconds(trainSeconds), order.Length / Math.Max(epochTime, 1e-9), lr, device);
            history.Add(report);
            progress?.Report(report);
            if (valRmse is { } v && o.EarlyStoppingPatience is { } patience)
            {
                if (v < best)
                {
                    best = v;
                    bestEpoch = epoch;
                    bestBu = (float[])bu.Clone();
                    bestBi = (float[])bi.Clone();
                    bestP = (float[])p.Clone();
                    bestQ = (float[])q.Clone();
                }
                else if (epoch - bestEpoch >= patience)
                {
                    break;
                }
            }

            lr *= o.LearningRateDecay;
            lrb *= o.LearningRateDecay;
        }

        if (bestP is not null)
        {
            (bu, bi, p, q) = (bestBu!, bestBi!, bestP, bestQ!);
        }
        else
        {
            bestEpoch = epochsRun;
        }

        var info = new TrainingInfo(device, o, epochsRun, bestEpoch, trainSeconds, (double)train.Count * epochsRun / Math.Max(trainSeconds, 1e-9), history);
        return FactorizationModel.FromTraining(train, k, mu, bu, bi, p, q, info);
    }

    private static void FillNormal(float[] values, float sd, Random rng)
    {
        for (var j = 0; j < values.Length; j++)
        {
            // Box–Muller
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            values[j] = (float)(sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }
}
