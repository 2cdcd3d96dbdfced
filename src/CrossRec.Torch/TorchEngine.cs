using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace CrossRec.Torch;

/// <summary>
/// The TorchSharp engine: biased matrix factorization (minibatch SGD with analytic gradients, or ALS with
/// batched Cholesky), k-means and logistic regression as tensor operations on a CUDA GPU or libtorch CPU, and
/// the capability kernels of every recommender (<see cref="IImplicitAlsKernel"/>, <see cref="IBprKernel"/>,
/// <see cref="IGramSolver"/> for EASE, <see cref="IItemSimilarityKernel"/> for item-kNN, <see cref="Algorithms.Hybrid.IHybridKernel"/>), which
/// <see cref="IComputeEngine.TryGetKernel{T}"/> returns.
/// Results come back as the core's engine-agnostic models, which the core package saves, loads and serves.
/// </summary>
/// <remarks>
/// Every temporary tensor lives in a <c>torch.NewDisposeScope()</c> (per batch, epoch or chunk), so native
/// memory does not grow across epochs. An engine instance holds no mutable state and may be shared.
/// </remarks>
internal sealed partial class TorchEngine : IComputeEngine, IFactorizationKernel
{
    private readonly torch.Device _device;

    /// <summary>Creates an engine on libtorch CPU or the given CUDA device.</summary>
    /// <exception cref="InvalidOperationException">TorchSharp's native runtime does not load (the message has the loader's error), or CUDA was requested but is not available.</exception>
    public TorchEngine(TorchEngineOptions? options = null)
    {
        Options = options ?? new TorchEngineOptions();
        Options.Validate();
        if (TorchNativeRuntime.LoadFailure is { } failure)
        {
            throw new InvalidOperationException($"The TorchSharp engine cannot start: {failure}");
        }

        if (Options.Device == TorchDevice.Cuda)
        {
            if (!torch.cuda.is_available())
            {
                throw new InvalidOperationException("TorchDevice.Cuda was requested but TorchSharp reports no CUDA device (add TorchSharp-cuda-linux or TorchSharp-cuda-windows and check the driver).");
            }

            _device = new torch.Device(DeviceType.CUDA, Options.DeviceIndex);
            Name = $"cuda:{Options.DeviceIndex}";
        }
        else
        {
            _device = torch.CPU;
            Name = "libtorch-cpu";
        }
    }

    /// <summary>Creates an engine on a device.</summary>
    public TorchEngine(TorchDevice device)
        : this(new TorchEngineOptions { Device = device })
    {
    }

    /// <summary>Engine settings.</summary>
    public TorchEngineOptions Options { get; }

    /// <inheritdoc />
    public string Name { get; }

    private int BatchSize => Options.BatchSize ?? (Options.Device == TorchDevice.Cuda ? 65_536 : 8_192);

    private bool OnCuda => Options.Device == TorchDevice.Cuda;

    /// <summary>
    /// The most bytes one chunk of temporaries may take even when the budget allows more: 1 GiB on CUDA, 64 MiB
    /// on the CPU, where fresh multi-gigabyte temporaries cost more in page faults than they save in calls.
    /// </summary>
    internal long MaxChunkBytes => OnCuda ? 1L << 30 : 64L << 20;

    /// <summary>
    /// The memory the kernels may plan with now: <see cref="TorchEngineOptions.MemoryBudgetBytes"/> when set;
    /// on CUDA <see cref="TorchMemoryBudget.FreeMemoryShare"/> of the free device memory (NVML; where NVML is
    /// missing, 4 GiB, said in the source); on the CPU half of the memory available to the process.
    /// </summary>
    public TorchMemoryBudget MemoryBudget()
    {
        if (Options.MemoryBudgetBytes is { } stated)
        {
            return new TorchMemoryBudget(stated, $"{nameof(TorchEngineOptions)}.{nameof(TorchEngineOptions.MemoryBudgetBytes)}");
        }

        if (OnCuda)
        {
            return Nvml.FreeBytes(Options.DeviceIndex, out var why) is { } free
                ? new TorchMemoryBudget((long)(free * TorchMemoryBudget.FreeMemoryShare), $"{TorchMemoryBudget.FreeMemoryShare:P0} of the {TorchMemoryBudget.Format(free)} NVML reports free on {Name}")
                : new TorchMemoryBudget(4L << 30, $"a default of 4 GiB: {why}");
        }

        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return new TorchMemoryBudget(Math.Max(1L << 28, available / 2), $"half of the {TorchMemoryBudget.Format(available)} available to this process");
    }

    /// <inheritdoc />
    public FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (train.Count == 0)
        {
            throw new ArgumentException($"{train.SourceName}: the training set is empty.", nameof(train));
        }

        if (options.EarlyStoppingPatience is not null && validation is null)
        {
            throw new ArgumentException($"{nameof(FactorizationOptions.EarlyStoppingPatience)} needs a validation set.", nameof(validation));
        }

        if (options.DomainWeights is { Count: > 0 } && options.Algorithm == FactorizationAlgorithm.Als)
        {
            throw new NotSupportedException($"{nameof(FactorizationOptions.DomainWeights)} are supported by SGD (either engine); the Torch engine's ALS does not weight domains. Use {nameof(FactorizationAlgorithm)}.{nameof(FactorizationAlgorithm.Sgd)}.");
        }

        return options.Algorithm == FactorizationAlgorithm.Als
            ? FactorizeAls(train, validation, options, progress, cancellationToken)
            : FactorizeSgd(train, validation, options, progress, cancellationToken);
    }

    private FactorizationModel FactorizeSgd(InteractionSet train, InteractionSet? validation, FactorizationOptions o, IProgress<EpochReport>? progress, CancellationToken ct)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator((ulong)o.Seed, _device);
        var (n, k, users, items, ratings, mu, p, q, bu, bi) = Start(train, o, generator);

        // Per-item loss weights from DomainWeights (null: unweighted), as the CPU engine applies them: the
        // error term of every gradient is scaled by the rating's weight, the L2 shrink is not.
        var itemWeights = Engines.Cpu.BiasedMf.SgdSession.ResolveDomainWeights(train, o) is { } w ? TorchCompat.Floats(w, _device) : null;

        var lr = o.LearningRate;
        var lrb = o.EffectiveBiasLearningRate;
        var reg = o.Regularization;
        var regb = o.EffectiveBiasRegularization;
        var batch = BatchSize;
        double trainSeconds = 0;
        Parameters? snapshot = null;
        Parameters? bestParameters = null;
        var restored = false;
        var early = o.EarlyStoppingPatience is { } patience && validation is not null
            ? new TrainingLoop.EarlyStopping<EpochReport>(patience, r => r.ValidationRmse, () => bestParameters = snapshot, () => restored = true)
            : null;
        var run = TrainingLoop.Execute(
            o.Epochs,
            (epochIndex, ct) =>
            {
                var epoch = epochIndex + 1;
                if (epochIndex > 0)
                {
                    lr *= o.LearningRateDecay;
                    lrb *= o.LearningRateDecay;
                }

                var watch = Stopwatch.StartNew();
                double squaredError;
                using (var epochScope = torch.NewDisposeScope())
                {
                    var order = TorchCompat.RandPerm(n, generator, _device);
                    var sum = torch.zeros(1, dtype: ScalarType.Float64, device: _device);
                    for (long start = 0; start < n; start += batch)
                    {
                        ct.ThrowIfCancellationRequested();
                        using var batchScope = torch.NewDisposeScope();
                        var index = order.narrow(0, start, Math.Min(batch, n - start));
                        var u = users.index_select(0, index);
                        var i = items.index_select(0, index);
                        var r = ratings.index_select(0, index);
                        var pu = p.index_select(0, u);
                        var qi = q.index_select(0, i);
                        var bu_ = bu.index_select(0, u);
                        var bi_ = bi.index_select(0, i);

                        // Analytic gradients of ½e² + ½λ‖·‖² per rating; updates from the same row are summed, as
                        // Hogwild threads would apply them, which keeps the CPU engine's learning rates valid.
                        var raw = r - (pu * qi).sum(1) - bu_ - bi_ - mu;
                        sum.add_((raw * raw).sum().to(ScalarType.Float64));
                        var e = itemWeights is null ? raw : raw * itemWeights.index_select(0, i);

                        // A row that occurs c times in the batch gets the sum of c steps taken from the same stale
                        // value, which is stable only while η·c·‖q‖² < 2 for factors and η_b·c < 2 for biases; popular
                        // items break that at GPU batch sizes (measured: 65,536-rating batches diverged at the default
                        // rate on a 200k-rating synthetic set). So a row's summed steps are capped at 8/η (factors)
                        // and 1/η_b (biases) — all other rows step exactly as SGD does, which keeps parity with the
                        // CPU engine (capping at a fixed 8 or 64 steps cost 0.02–0.3 RMSE; 1,024 diverged).
                        var cu = RowCounts(u, train.UserCount);
                        var ci = RowCounts(i, train.ItemCount);
                        var e1 = e.unsqueeze(1);
                        TorchCompat.IndexAdd(bu, 0, u, (e - (bu_ * regb)) * Capped(cu, 1 / lrb, lrb));
                        TorchCompat.IndexAdd(bi, 0, i, (e - (bi_ * regb)) * Capped(ci, 1 / lrb, lrb));
                        TorchCompat.IndexAdd(p, 0, u, ((e1 * qi) - (pu * reg)) * Capped(cu, 8 / lr, lr).unsqueeze(1));
                        TorchCompat.IndexAdd(q, 0, i, ((e1 * pu) - (qi * reg)) * Capped(ci, 8 / lr, lr).unsqueeze(1));
                    }

                    squaredError = sum.item<double>(); // one device sync per epoch
                }

                var epochSeconds = watch.Elapsed.TotalSeconds;
                trainSeconds += epochSeconds;
                var rmse = Math.Sqrt(squaredError / n);
                double? validationRmse = null;
                snapshot = null;
                if (validation is not null && double.IsFinite(rmse))
                {
                    snapshot = Parameters.Read(p, q, bu, bi);
                    validationRmse = snapshot.ToModel(train, k, mu, null).Evaluate(validation).Rmse;
                }

                return new EpochReport(epoch, o.Epochs, rmse, validationRmse, TimeSpan.FromSeconds(trainSeconds), n / Math.Max(epochSeconds, 1e-9), lr, Name);
            },
            r => double.IsFinite(r.TrainRmse),
            (epoch, r) => new TrainingDivergedException($"Training diverged in epoch {epoch} on {Name}: the training error became {r.TrainRmse} at learning rate {r.LearningRate} (LearningRate = {o.LearningRate}, BiasLearningRate = {o.EffectiveBiasLearningRate}). The learning rate is too large for this data; try a smaller LearningRate."),
            parametersFinite: null,
            early,
            progress,
            ct);
        var history = run.History;
        var epochsRun = history.Count;
        var final = restored ? bestParameters! : Parameters.Read(p, q, bu, bi);
        var info = new TrainingInfo(Name, o, epochsRun, run.BestIteration, trainSeconds, (double)n * epochsRun / Math.Max(trainSeconds, 1e-9), history);
        return final.ToModel(train, k, mu, info);
    }

    /// <summary>
    /// What both factorization algorithms start from: the ratings on the device, the global mean, factors drawn
    /// from N(0, InitStandardDeviation²) with the seeded generator, and zero biases (inside the caller's scope).
    /// </summary>
    private (long N, int K, Tensor Users, Tensor Items, Tensor Ratings, float Mu, Tensor P, Tensor Q, Tensor Bu, Tensor Bi) Start(
        InteractionSet train, FactorizationOptions o, torch.Generator generator)
    {
        var k = o.Factors;
        return (
            train.Count,
            k,
            TorchCompat.Indices(train.UsersArray, _device),
            TorchCompat.Indices(train.ItemsArray, _device),
            TorchCompat.Floats(train.ValuesArray, _device),
            (float)train.MeanValue(),
            TorchCompat.RandN(train.UserCount, k, generator, _device).mul_(o.InitStandardDeviation),
            TorchCompat.RandN(train.ItemCount, k, generator, _device).mul_(o.InitStandardDeviation),
            torch.zeros(train.UserCount, dtype: ScalarType.Float32, device: _device),
            torch.zeros(train.ItemCount, dtype: ScalarType.Float32, device: _device));
    }

    /// <summary>For each occurrence, how many times its row occurs in the batch (float).</summary>
    private static Tensor RowCounts(Tensor rows, long rowCount) =>
        torch.bincount(rows, minlength: rowCount).index_select(0, rows).to(ScalarType.Float32);

    /// <summary>Per occurrence: the learning rate, scaled so the row's summed steps count at most <paramref name="cap"/> times.</summary>
    private static Tensor Capped(Tensor counts, float cap, float rate) => (cap / counts).clamp_max(1f) * rate;

    /// <summary>
    /// Alternating least squares with biases: each half-step solves, for every user (then every item), the
    /// regularised normal equations of [b, p] against the fixed other side, λ weighted by the row's rating
    /// count; all rows at once with batched Cholesky. Outer products are accumulated in chunks of ratings
    /// so memory stays bounded.
    /// </summary>
    private FactorizationModel FactorizeAls(InteractionSet train, InteractionSet? validation, FactorizationOptions o, IProgress<EpochReport>? progress, CancellationToken ct)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator((ulong)o.Seed, _device);
        var (n, k, users, items, ratings, mu, p, q, bu, bi) = Start(train, o, generator);
        double trainSeconds = 0;
        var run = TrainingLoop.Execute(
            o.Epochs,
            (epochIndex, ct) =>
            {
                var watch = Stopwatch.StartNew();
                double squaredError;
                using (var epochScope = torch.NewDisposeScope())
                {
                    var (newBu, newP) = SolveSide(users, items, ratings - mu - bi.index_select(0, items), q, train.UserCount, o.Regularization, ct);
                    bu.copy_(newBu);
                    p.copy_(newP);
                    var (newBi, newQ) = SolveSide(items, users, ratings - mu - bu.index_select(0, users), p, train.ItemCount, o.Regularization, ct);
                    bi.copy_(newBi);
                    q.copy_(newQ);
                    var e = ratings - (p.index_select(0, users) * q.index_select(0, items)).sum(1) - bu.index_select(0, users) - bi.index_select(0, items) - mu;
                    squaredError = (e * e).sum().to(ScalarType.Float64).item<double>();
                }

                var seconds = watch.Elapsed.TotalSeconds;
                trainSeconds += seconds;
                var rmse = Math.Sqrt(squaredError / n);
                double? validationRmse = validation is null || !double.IsFinite(rmse) ? null : Parameters.Read(p, q, bu, bi).ToModel(train, k, mu, null).Evaluate(validation).Rmse;
                return new EpochReport(epochIndex + 1, o.Epochs, rmse, validationRmse, TimeSpan.FromSeconds(trainSeconds), n / Math.Max(seconds, 1e-9), 0f, Name);
            },
            r => double.IsFinite(r.TrainRmse),
            (epoch, r) => new TrainingDivergedException($"ALS produced a non-finite error in epoch {epoch} on {Name}; increase Regularization (now {o.Regularization})."),
            parametersFinite: null,
            earlyStopping: null,
            progress,
            ct);
        var history = run.History;
        var info = new TrainingInfo(Name, o, o.Epochs, o.Epochs, trainSeconds, (double)n * o.Epochs / Math.Max(trainSeconds, 1e-9), history);
        return Parameters.Read(p, q, bu, bi).ToModel(train, k, mu, info);
    }

    /// <summary>Solves [b_row, p_row] for every row given the other side's factors and the residuals.</summary>
    private (Tensor Bias, Tensor Factors) SolveSide(Tensor rows, Tensor cols, Tensor residual, Tensor other, long rowCount, float lambda, CancellationToken ct)
    {
        var k = other.shape[1];
        var dim = k + 1;
        var a = torch.zeros(rowCount, dim * dim, dtype: ScalarType.Float32, device: _device);
        var b = torch.zeros(rowCount, dim, dtype: ScalarType.Float32, device: _device);
        var n = rows.shape[0];
        var chunk = Math.Max(1L, (1L << 25) / (dim * dim)); // ≤ 32M floats of outer products at a time
        for (long start = 0; start < n; start += chunk)
        {
            ct.ThrowIfCancellationRequested();
            using var chunkScope = torch.NewDisposeScope();
            var length = Math.Min(chunk, n - start);
            var r = rows.narrow(0, start, length);
            var x = torch.cat([torch.ones(length, 1, dtype: ScalarType.Float32, device: _device), other.index_select(0, cols.narrow(0, start, length))], 1);
            TorchCompat.IndexAdd(a, 0, r, (x.unsqueeze(2) * x.unsqueeze(1)).reshape(length, dim * dim));
            TorchCompat.IndexAdd(b, 0, r, x * residual.narrow(0, start, length).unsqueeze(1));
        }

        var counts = rows.bincount(null, rowCount).to(ScalarType.Float32).clamp(1);
        var system = a.reshape(rowCount, dim, dim) + (torch.eye(dim, dtype: ScalarType.Float32, device: _device).unsqueeze(0) * (counts * lambda).reshape(rowCount, 1, 1));
        var solution = TorchCompat.CholeskySolve(b.unsqueeze(2), TorchCompat.Cholesky(system)).squeeze(2);
        return (solution.select(1, 0).contiguous(), solution.narrow(1, 1, k).contiguous());
    }

    /// <summary>Trained parameters copied to managed arrays.</summary>
    private sealed record Parameters(float[] P, float[] Q, float[] Bu, float[] Bi)
    {
        public static Parameters Read(Tensor p, Tensor q, Tensor bu, Tensor bi) =>
            new(TorchCompat.ToFloats(p), TorchCompat.ToFloats(q), TorchCompat.ToFloats(bu), TorchCompat.ToFloats(bi));

        public FactorizationModel ToModel(InteractionSet train, int k, float mu, TrainingInfo? info) =>
            FactorizationModel.FromTraining(train, k, mu, Bu, Bi, P, Q, info);
    }
}
