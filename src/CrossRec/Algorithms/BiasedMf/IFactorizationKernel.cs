namespace CrossRec.Algorithms.BiasedMf;

/// <summary>The engine capability biased matrix factorization needs: train a model on the engine's device.</summary>
/// <remarks>Implementations must be safe to call from several threads at once (each call owns its buffers).</remarks>
internal interface IFactorizationKernel
{
    /// <summary>Trains a biased matrix factorization model.</summary>
    /// <param name="train">Training interactions.</param>
    /// <param name="validation">Optional held-out interactions (same id maps or an extension of them) for per-epoch validation RMSE and early stopping.</param>
    /// <param name="options">Validated hyperparameters.</param>
    /// <param name="progress">Receives one report per epoch.</param>
    /// <param name="cancellationToken">Stops training between (or inside) epochs.</param>
    FactorizationModel Factorize(InteractionSet train, InteractionSet? validation, FactorizationOptions options, IProgress<EpochReport>? progress, CancellationToken cancellationToken);
}
