namespace CrossRec.Engines.Cpu.BiasedMf;

/// <summary>
/// Biased matrix factorization by stochastic gradient descent on the CPU:
/// <c>r̂ = μ + b_u + b_i + p_u·q_i</c> in float32, multi-threaded over a LIBMF-style block grid, SIMD inner
/// loop, learning-rate decay, per-domain loss weights, early stopping on a validation set.
/// </summary>
/// <remarks>
/// <para>The pieces: <see cref="SgdGrid"/> (data layout), <see cref="SgdScheduler"/> (which thread takes
/// which block), <see cref="SgdKernel"/> (the vector math), <see cref="SgdSession"/> (parameters and the
/// epoch loop). This class runs the epochs through the shared <see cref="TrainingLoop"/> (progress, cancellation,
/// divergence, early stopping) and turns them into a model.</para>
/// </remarks>
internal static class SgdTrainer
{
    public static FactorizationModel Train(InteractionSet train, InteractionSet? validation, FactorizationOptions o, IProgress<EpochReport>? progress, string device, CancellationToken ct)
        => Train(train, validation, o, SgdSettings.For(o), progress, device, ct);

    public static FactorizationModel Train(InteractionSet train, InteractionSet? validation, FactorizationOptions o, SgdSettings settings, IProgress<EpochReport>? progress, string device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        Check.NotEmpty(train, "training");

        if (o.EarlyStoppingPatience is not null && validation is null)
        {
            throw new ArgumentException($"{nameof(FactorizationOptions.EarlyStoppingPatience)} needs a validation set; pass one to Fit(train, validation, ...).", nameof(validation));
        }

        // SGD shrinks a parameter by (1 − η·λ) per step; at η·λ ≥ 1 that flips its sign every step, which is
        // never what anyone wants and ends in a divergence far from its cause. Say so up front.
        CheckStepShrink(o.LearningRate, o.Regularization, nameof(FactorizationOptions.LearningRate), nameof(FactorizationOptions.Regularization));
        CheckStepShrink(o.EffectiveBiasLearningRate, o.EffectiveBiasRegularization, nameof(FactorizationOptions.BiasLearningRate), nameof(FactorizationOptions.BiasRegularization));
        ct.ThrowIfCancellationRequested();
        using var session = new SgdSession(train, validation, o, settings);
        double trainSeconds = 0;
        var early = o.EarlyStoppingPatience is { } patience
            ? new TrainingLoop.EarlyStopping<EpochReport>(patience, r => r.ValidationRmse, session.SaveBest, session.RestoreBest)
            : null;
        var run = TrainingLoop.Execute(
            o.Epochs,
            (i, token) =>
            {
                var rate = session.LearningRate;
                var result = session.RunEpoch(token);
                trainSeconds += result.Seconds;
                var rmse = result.Rmse;
                // No validation pass over diverged parameters: the loop raises before anyone reads it.
                double? validationRmse = session.HasValidation && double.IsFinite(rmse) ? session.ValidationRmse() : null;
                return new EpochReport(i + 1, o.Epochs, rmse, validationRmse, TimeSpan.FromSeconds(trainSeconds), result.Ratings / Math.Max(result.Seconds, 1e-9), rate, device);
            },
            r => double.IsFinite(r.TrainRmse),
            (epoch, r) => Diverged(o, epoch, r.LearningRate, "the training error"),
            parametersFinite: null,
            early,
            progress,
            ct);
        var history = run.History;
        var epochsRun = history.Count;
        var bestEpoch = run.BestIteration;
        if (!session.ParametersFinite())
        {
            throw Diverged(o, bestEpoch, history[bestEpoch - 1].LearningRate, "a parameter");
        }

        var info = new TrainingInfo(device, o, epochsRun, bestEpoch, trainSeconds, (double)session.Count * epochsRun / Math.Max(trainSeconds, 1e-9), history);
        return session.ToModel(info);
    }

    private static void CheckStepShrink(float rate, float regularization, string rateName, string regularizationName)
    {
        if ((double)rate * regularization >= 1)
        {
            throw new ArgumentOutOfRangeException(
                regularizationName,
                regularization,
                $"{rateName} × {regularizationName} must be below 1 for SGD (got {rate:G4} × {regularization:G4} = {(double)rate * regularization:G4}): every step multiplies the parameters by 1 − {rateName} × {regularizationName}. Lower one of them.");
        }
    }

    private static TrainingDivergedException Diverged(FactorizationOptions o, int epoch, float rate, string what) =>
        new($"Training diverged in epoch {epoch}: {what} became NaN or infinite at learning rate {rate:G4} " +
            $"({nameof(FactorizationOptions.LearningRate)} = {o.LearningRate:G4}, {nameof(FactorizationOptions.BiasLearningRate)} = {o.EffectiveBiasLearningRate:G4}). " +
            $"The learning rate is too large for this data; try a smaller {nameof(FactorizationOptions.LearningRate)} (for example {o.LearningRate / 10:G3}).");
}
