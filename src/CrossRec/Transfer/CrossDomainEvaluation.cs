namespace CrossRec.Transfer;

/// <summary>
/// Result of the cross-domain cold-start protocol: ranking quality on the held-out users' hidden target
/// interactions for the joint model and the two baselines. Immutable.
/// </summary>
public sealed record CrossDomainEvaluation
{
    /// <summary>The domain the held-out users were known from.</summary>
    public required string Source { get; init; }

    /// <summary>The domain that was hidden and ranked.</summary>
    public required string Target { get; init; }

    /// <summary>Cut-off K of the metrics.</summary>
    public required int K { get; init; }

    /// <summary>Users active in both domains.</summary>
    public required int EligibleUsers { get; init; }

    /// <summary>Users whose target interactions were hidden.</summary>
    public required int HeldOutUsers { get; init; }

    /// <summary>Hidden target interactions.</summary>
    public required int HiddenInteractions { get; init; }

    /// <summary>Items of the target catalogue (the candidates).</summary>
    public required int TargetItems { get; init; }

    /// <summary>The joint model trained on every domain.</summary>
    public required RankingMetrics Joint { get; init; }

    /// <summary>Target-domain popularity (training interaction counts).</summary>
    public required RankingMetrics Popularity { get; init; }

    /// <summary>The model trained on the target domain alone (held-out users get its μ + b_i ranking); null when not evaluated.</summary>
    public RankingMetrics? TargetOnly { get; init; }

    /// <summary>Seconds spent training the joint model; 0 when it was trained elsewhere.</summary>
    public double JointTrainSeconds { get; init; }

    /// <summary>Seconds spent training the target-only model; 0 when it was trained elsewhere.</summary>
    public double TargetOnlyTrainSeconds { get; init; }

    /// <summary>The recommenders as rows, joint first: (name, metrics).</summary>
    public IReadOnlyList<CrossDomainRow> Rows
    {
        get
        {
            var rows = new List<CrossDomainRow>
            {
                new("joint (all domains)", Joint),
                new($"popularity ({Target})", Popularity),
            };
            if (TargetOnly is not null)
            {
                rows.Add(new($"{Target} only", TargetOnly));
            }

            return rows;
        }
    }

    /// <summary>Relative Recall@K gain of the joint model over the better baseline (0.5 = 50 % higher); NaN when undefined.</summary>
    public double RecallLiftOverBestBaseline
    {
        get
        {
            var best = Math.Max(Popularity.Recall, TargetOnly?.Recall ?? double.NegativeInfinity);
            return best > 0 ? (Joint.Recall / best) - 1 : double.NaN;
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Source}→{Target} cold start, {HeldOutUsers} held-out users: Recall@{K} joint {Joint.Recall:F4} / popularity {Popularity.Recall:F4}"
        + (TargetOnly is null ? string.Empty : $" / {Target}-only {TargetOnly.Recall:F4}")
        + $"; NDCG@{K} joint {Joint.Ndcg:F4} / popularity {Popularity.Ndcg:F4}"
        + (TargetOnly is null ? string.Empty : $" / {Target}-only {TargetOnly.Ndcg:F4}");
}

/// <summary>One recommender's line in a <see cref="CrossDomainEvaluation"/>.</summary>
/// <param name="Name">The recommender.</param>
/// <param name="Metrics">Its ranking metrics on the held-out users.</param>
public sealed record CrossDomainRow(string Name, RankingMetrics Metrics);
