namespace CrossRec.Metrics;

/// <summary>
/// Ranks every case's candidates and feeds each user's top-K list to the named metric accumulators
/// (<see cref="RankingAccumulators"/>: Precision@K, Recall@K, NDCG@K, MAP@K, HitRate@K, AUC, and the beyond-accuracy
/// metrics when asked) for any ranker that can score every item for a user. The model-facing entry point is <see cref="Evaluation.Ranking"/>; cross-domain
/// protocols reuse <c>Evaluate</c> with their own scorers (popularity, single-domain models).
/// </summary>
internal static class RankingEvaluator
{
    /// <summary>Scores every item for a user: writes one score per item into the span; NaN removes an item from the candidates.</summary>
    public delegate void Scorer(int user, Span<float> scores);

    /// <summary>Per-case metrics (one entry per case; NaN where a case had nothing the ranker could score).</summary>
    public sealed class PerUserMetrics(int cases)
    {
        public double[] Ndcg { get; } = new double[cases];

        public double[] Recall { get; } = new double[cases];

        public double[] HitRate { get; } = new double[cases];
    }

    /// <summary>One evaluated user: index in the scorer's user space, relevant items (item space), items to exclude.</summary>
    public readonly record struct Case(int User, int[] Relevant, int[] Exclude);

    public static RankingMetrics Evaluate(IReadOnlyList<Case> cases, int itemCount, int k, Scorer scorer, int threads, CancellationToken cancellationToken)
        => Evaluate(cases, itemCount, k, scorer, threads, null, cancellationToken);

    /// <summary>As above; when <paramref name="perUser"/> is given, also writes each case's metrics (NaN where the case was not evaluated).</summary>
    public static RankingMetrics Evaluate(IReadOnlyList<Case> cases, int itemCount, int k, Scorer scorer, int threads, PerUserMetrics? perUser, CancellationToken cancellationToken)
        => Evaluate(cases, itemCount, k, scorer, threads, perUser, true, cancellationToken);

    /// <summary>As above; <paramref name="auc"/> false skips the AUC (NaN in the result), the one metric that needs a sort per user.</summary>
    public static RankingMetrics Evaluate(IReadOnlyList<Case> cases, int itemCount, int k, Scorer scorer, int threads, PerUserMetrics? perUser, bool auc, CancellationToken cancellationToken)
        => Evaluate(cases, itemCount, k, scorer, threads, perUser, auc, null, cancellationToken);

    /// <summary>As above; with <paramref name="catalogue"/> the lists are also measured beyond accuracy (<see cref="RankingMetrics.BeyondAccuracy"/>).</summary>
    public static RankingMetrics Evaluate(IReadOnlyList<Case> cases, int itemCount, int k, Scorer scorer, int threads, PerUserMetrics? perUser, bool auc, CatalogueStatistics? catalogue, CancellationToken cancellationToken)
    {
        if (perUser is not null && perUser.Ndcg.Length != cases.Count)
        {
            throw new ArgumentException("The per-user buffers must have one entry per case.", nameof(perUser));
        }

        // Each worker's sums are added into a fresh set (0 + w₁ + w₂ + …, as the former Totals array did).
        var totals = RankingAccumulators.Create(itemCount, auc, catalogue);
        var evaluated = 0;
        var gate = new object();
        Parallel.For(
            0,
            cases.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken },
            () => new Worker(itemCount, k, auc, catalogue),
            (c, _, w) =>
            {
                w.Add(cases[c], scorer, c, perUser);
                return w;
            },
            w =>
            {
                lock (gate)
                {
                    w.MergeInto(totals);
                    evaluated += w.Users;
                }
            });

        return RankingAccumulators.Result(k, totals, evaluated, catalogue);
    }

    /// <summary>
    /// Several rankers that share costly per-user work (a blend's component scores at several weights): for each
    /// case the worker's <see cref="IVariantScorer.Prepare"/> runs once, then every variant is scored and
    /// ranked. One <see cref="RankingMetrics"/> per variant, AUC left out (NaN).
    /// </summary>
    public static RankingMetrics[] EvaluateVariants(IReadOnlyList<Case> cases, int itemCount, int k, int variants, Func<IVariantScorer> createScorer, int threads, CancellationToken cancellationToken)
    {
        var totals = Enumerable.Range(0, variants).Select(_ => RankingAccumulators.Create(itemCount, false, null)).ToArray();
        var evaluated = new int[variants];
        var gate = new object();
        Parallel.For(
            0,
            cases.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken },
            () =>
            {
                var scorer = createScorer();
                var workers = Enumerable.Range(0, variants).Select(_ => new Worker(itemCount, k, false, null)).ToArray();
                var scorers = Enumerable.Range(0, variants).Select(v => (Scorer)((_, scores) => scorer.Score(v, scores))).ToArray();
                return (Scorer: scorer, Workers: workers, Scorers: scorers);
            },
            (c, _, state) =>
            {
                state.Scorer.Prepare(cases[c].User);
                for (var v = 0; v < variants; v++)
                {
                    state.Workers[v].Add(cases[c], state.Scorers[v], c, null);
                }

                return state;
            },
            state =>
            {
                lock (gate)
                {
                    for (var v = 0; v < variants; v++)
                    {
                        state.Workers[v].MergeInto(totals[v]);
                        evaluated[v] += state.Workers[v].Users;
                    }
                }
            });

        var result = new RankingMetrics[variants];
        for (var v = 0; v < variants; v++)
        {
            result[v] = RankingAccumulators.Result(k, totals[v], evaluated[v], null);
        }

        return result;
    }

    /// <summary>A per-thread scorer of several ranker variants (see <see cref="EvaluateVariants"/>).</summary>
    public interface IVariantScorer
    {
        /// <summary>Does the work every variant of this user shares.</summary>
        void Prepare(int user);

        /// <summary>Writes variant <paramref name="variant"/>'s scores of the prepared user.</summary>
        void Score(int variant, Span<float> scores);
    }

    /// <summary>Per-thread buffers and one accumulator per metric.</summary>
    private sealed class Worker
    {
        private readonly float[] _scores;
        private readonly bool[] _relevant;
        private readonly int[] _topIndex;
        private readonly float[] _topScore;
        private readonly int _k;
        private readonly RankingAccumulator[] _metrics;
        private readonly ListMean _ndcg;
        private readonly ListMean _recall;
        private readonly ListMean _hitRate;

        public Worker(int itemCount, int k, bool auc, CatalogueStatistics? catalogue)
        {
            _scores = new float[itemCount];
            _relevant = new bool[itemCount];
            _k = Math.Min(k, itemCount);
            _topIndex = new int[_k];
            _topScore = new float[_k];
            _metrics = RankingAccumulators.Create(itemCount, auc, catalogue);
            _ndcg = Named(RankingMetricNames.Ndcg);
            _recall = Named(RankingMetricNames.Recall);
            _hitRate = Named(RankingMetricNames.HitRate);
        }

        public int Users { get; private set; }

        public void MergeInto(RankingAccumulator[] totals)
        {
            for (var m = 0; m < totals.Length; m++)
            {
                totals[m].Merge(_metrics[m]);
            }
        }

        public void Add(Case c, Scorer scorer, int index, PerUserMetrics? perUser)
        {
            if (perUser is not null)
            {
                perUser.Ndcg[index] = perUser.Recall[index] = perUser.HitRate[index] = double.NaN;
            }

            scorer(c.User, _scores);
            foreach (var j in c.Exclude)
            {
                _scores[j] = float.NaN;
            }

            var relevantCount = 0;
            foreach (var j in c.Relevant)
            {
                if (!float.IsNaN(_scores[j]) && !_relevant[j])
                {
                    _relevant[j] = true;
                    relevantCount++;
                }
            }

            if (relevantCount == 0)
            {
                ClearRelevant(c);
                return;
            }

            var top = new TopK(_topIndex, _topScore);
            for (var j = 0; j < _scores.Length; j++)
            {
                top.Offer(j, _scores[j]);
            }

            var list = new RankedList(_topIndex.AsSpan(0, top.SortDescending()), _k, _relevant, relevantCount, _scores);
            foreach (var metric in _metrics)
            {
                metric.Add(list);
            }

            if (perUser is not null)
            {
                perUser.Ndcg[index] = _ndcg.Last;
                perUser.Recall[index] = _recall.Last;
                perUser.HitRate[index] = _hitRate.Last;
            }

            Users++;
            ClearRelevant(c);
        }

        private ListMean Named(string name) => (ListMean)_metrics.First(m => m.Name == name);

        private void ClearRelevant(Case c)
        {
            foreach (var j in c.Relevant)
            {
                _relevant[j] = false;
            }
        }
    }
}
