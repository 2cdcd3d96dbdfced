namespace CrossRec.Metrics;

/// <summary>
/// Computes Precision@K, Recall@K, NDCG@K, MAP@K, HitRate@K and AUC for any ranker that can score every
/// item for a user. The model-facing entry point is <see cref="Evaluation.Ranking"/>; cross-domain
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
    {
        if (perUser is not null && perUser.Ndcg.Length != cases.Count)
        {
            throw new ArgumentException("The per-user buffers must have one entry per case.", nameof(perUser));
        }

        var totals = new double[6];
        var evaluated = 0;
        var gate = new object();
        Parallel.For(
            0,
            cases.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken },
            () => new Worker(itemCount, k, auc),
            (c, _, w) =>
            {
                w.Add(cases[c], scorer, c, perUser);
                return w;
            },
            w =>
            {
                lock (gate)
                {
                    for (var m = 0; m < totals.Length; m++)
                    {
                        totals[m] += w.Totals[m];
                    }

                    evaluated += w.Users;
                }
            });

        if (evaluated == 0)
        {
            return new RankingMetrics(k, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }

        return new RankingMetrics(k, totals[0] / evaluated, totals[1] / evaluated, totals[2] / evaluated, totals[3] / evaluated, totals[4] / evaluated, totals[5] / evaluated, evaluated);
    }

    /// <summary>
    /// Several rankers that share costly per-user work (a blend's component scores at several weights): for each
    /// case the worker's <see cref="IVariantScorer.Prepare"/> runs once, then every variant is scored and
    /// ranked. One <see cref="RankingMetrics"/> per variant, AUC left out (NaN).
    /// </summary>
    public static RankingMetrics[] EvaluateVariants(IReadOnlyList<Case> cases, int itemCount, int k, int variants, Func<IVariantScorer> createScorer, int threads, CancellationToken cancellationToken)
    {
        var totals = new double[variants, 6];
        var evaluated = new int[variants];
        var gate = new object();
        Parallel.For(
            0,
            cases.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken },
            () =>
            {
                var scorer = createScorer();
                var workers = Enumerable.Range(0, variants).Select(_ => new Worker(itemCount, k, false)).ToArray();
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
                        for (var m = 0; m < 6; m++)
                        {
                            totals[v, m] += state.Workers[v].Totals[m];
                        }

                        evaluated[v] += state.Workers[v].Users;
                    }
                }
            });

        var result = new RankingMetrics[variants];
        for (var v = 0; v < variants; v++)
        {
            var n = evaluated[v];
            result[v] = n == 0
                ? new RankingMetrics(k, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0)
                : new RankingMetrics(k, totals[v, 0] / n, totals[v, 1] / n, totals[v, 2] / n, totals[v, 3] / n, totals[v, 4] / n, double.NaN, n);
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

    /// <summary>Per-thread buffers and running sums (precision, recall, ndcg, map, hit, auc).</summary>
    private sealed class Worker
    {
        private readonly float[] _scores;
        private readonly bool[] _relevant;
        private readonly int[] _topIndex;
        private readonly float[] _topScore;
        private readonly float[] _negatives;
        private readonly int _k;

        private readonly bool _auc;

        public Worker(int itemCount, int k, bool auc)
        {
            _auc = auc;
            _scores = new float[itemCount];
            _relevant = new bool[itemCount];
            _k = Math.Min(k, itemCount);
            _topIndex = new int[_k];
            _topScore = new float[_k];
            _negatives = new float[itemCount];
        }

        public double[] Totals { get; } = new double[6];

        public int Users { get; private set; }

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

            var n = top.SortDescending();
            double hits = 0, dcg = 0, ap = 0;
            for (var r = 0; r < n; r++)
            {
                if (_relevant[_topIndex[r]])
                {
                    hits++;
                    dcg += 1.0 / Math.Log2(r + 2);
                    ap += hits / (r + 1);
                }
            }

            double idcg = 0;
            var ideal = Math.Min(relevantCount, _k);
            for (var r = 0; r < ideal; r++)
            {
                idcg += 1.0 / Math.Log2(r + 2);
            }

            Totals[0] += hits / _k;
            Totals[1] += hits / relevantCount;
            Totals[2] += dcg / idcg;
            Totals[3] += ap / ideal;
            Totals[4] += hits > 0 ? 1 : 0;
            Totals[5] += _auc ? Auc(relevantCount) : double.NaN;
            if (perUser is not null)
            {
                perUser.Ndcg[index] = dcg / idcg;
                perUser.Recall[index] = hits / relevantCount;
                perUser.HitRate[index] = hits > 0 ? 1 : 0;
            }

            Users++;
            ClearRelevant(c);
        }

        // AUC = P(score(relevant) > score(other)), ties ½: for each relevant item count the candidates below
        // it. O(n) per relevant item; relevant sets are small next to the catalogue.
        private double Auc(int relevantCount)
        {
            var candidates = 0;
            for (var j = 0; j < _scores.Length; j++)
            {
                if (!float.IsNaN(_scores[j]))
                {
                    candidates++;
                }
            }

            var negatives = candidates - relevantCount;
            if (negatives <= 0)
            {
                return 1.0;
            }

            // Sort candidate scores once, then count negatives below each relevant score by binary search.
            var negativeScores = _negatives.AsSpan(0, negatives);
            var m = 0;
            for (var j = 0; j < _scores.Length; j++)
            {
                if (!float.IsNaN(_scores[j]) && !_relevant[j])
                {
                    negativeScores[m++] = _scores[j];
                }
            }

            negativeScores.Sort();
            double wins = 0;
            for (var j = 0; j < _scores.Length; j++)
            {
                if (_relevant[j] && !float.IsNaN(_scores[j]))
                {
                    var s = _scores[j];
                    var below = LowerBound(negativeScores, s);
                    var upTo = UpperBound(negativeScores, s);
                    wins += below + (0.5 * (upTo - below));
                }
            }

            return wins / ((double)relevantCount * negatives);
        }

        private void ClearRelevant(Case c)
        {
            foreach (var j in c.Relevant)
            {
                _relevant[j] = false;
            }
        }

        private static int LowerBound(ReadOnlySpan<float> sorted, float value)
        {
            int lo = 0, hi = sorted.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid] < value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }

        private static int UpperBound(ReadOnlySpan<float> sorted, float value)
        {
            int lo = 0, hi = sorted.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid] <= value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }
    }
}
