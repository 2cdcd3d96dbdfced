using CrossRec.Algorithms.Hybrid;
using CrossRec.Engines.Cpu.Bpr;

namespace CrossRec.Engines.Cpu.Hybrid;

/// <summary>
/// The managed engine's hybrid training run (Kula 2015): single-threaded SGD over a seeded shuffle of the
/// positives, per-parameter Adagrad, negatives sampled afresh at every step. Single-threaded on purpose: a step
/// touches every feature of the user, the positive and the negatives, and the shared feature rows (a genre, an age
/// band) are written by almost every step, so Hogwild workers would collide on exactly the rows that carry the
/// cold-start signal; one thread keeps a seeded run bit-identical.
/// </summary>
internal sealed class HybridSession : IHybridSession
{
    /// <summary>Draws BPR makes to find a negative the user does not have before it skips the step.</summary>
    private const int BprMaxDraws = 32;

    private readonly HybridProblem _p;
    private readonly HybridOptions _o;
    private readonly int _k;
    private readonly float[] _userEmbeddings;
    private readonly float[] _itemEmbeddings;
    private readonly float[] _itemBiases;
    private readonly float[] _userAccumulated;
    private readonly float[] _itemAccumulated;
    private readonly float[] _biasAccumulated;
    private readonly int[] _order;
    private readonly int[] _positiveUser;
    private readonly float[] _pu;
    private readonly float[] _qi;
    private readonly float[] _qj;
    private readonly float[] _difference;

    public HybridSession(HybridProblem problem, HybridOptions options)
    {
        _p = problem;
        _o = options;
        _k = options.Factors;
        var k = _k;
        _userEmbeddings = new float[(long)problem.UserFeatureCount * k];
        _itemEmbeddings = new float[(long)problem.ItemFeatureCount * k];
        _itemBiases = new float[problem.ItemFeatureCount];
        _userAccumulated = new float[_userEmbeddings.Length];
        _itemAccumulated = new float[_itemEmbeddings.Length];
        _biasAccumulated = new float[_itemBiases.Length];
        Array.Fill(_userAccumulated, 1f);
        Array.Fill(_itemAccumulated, 1f);
        Array.Fill(_biasAccumulated, 1f);
        var rng = BprRandom.For(options.Seed, -1);
        var scale = 1f / k;
        for (var n = 0; n < _userEmbeddings.Length; n++)
        {
            _userEmbeddings[n] = (float)(rng.NextDouble() - 0.5) * scale;
        }

        for (var n = 0; n < _itemEmbeddings.Length; n++)
        {
            _itemEmbeddings[n] = (float)(rng.NextDouble() - 0.5) * scale;
        }

        var positives = problem.PositiveItems.Length;
        _order = new int[positives];
        _positiveUser = new int[positives];
        for (var u = 0; u < problem.Users; u++)
        {
            for (var r = problem.PositiveOffsets[u]; r < problem.PositiveOffsets[u + 1]; r++)
            {
                _positiveUser[r] = u;
            }
        }

        for (var r = 0; r < positives; r++)
        {
            _order[r] = r;
        }

        _pu = new float[k];
        _qi = new float[k];
        _qj = new float[k];
        _difference = new float[k];
    }

    public HybridEpochResult RunEpoch(int epoch, CancellationToken cancellationToken)
    {
        var rng = BprRandom.For(_o.Seed, epoch);
        for (var n = _order.Length - 1; n > 0; n--)
        {
            var m = rng.NextInt(n + 1);
            (_order[n], _order[m]) = (_order[m], _order[n]);
        }

        var candidates = _p.NegativeCandidates;
        var warp = _o.Loss == HybridLoss.Warp;
        double loss = 0, auc = 0;
        long compared = 0, updates = 0;
        for (var t = 0; t < _order.Length; t++)
        {
            if ((t & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var r = _order[t];
            var u = _positiveUser[r];
            var i = _p.PositiveItems[r];
            var positives = _p.PositiveItems.AsSpan(_p.PositiveOffsets[u], _p.PositiveOffsets[u + 1] - _p.PositiveOffsets[u]);
            RepresentUser(u, _pu);
            var scaleI = DropIdentity(ref rng, i);
            var biasI = RepresentItem(i, scaleI, _qi);
            var si = HybridMath.Dot(_pu, _qi) + biasI;
            var draws = 0;
            var first = true;
            var j = -1;
            var sj = 0f;
            var scaleJ = 1f;
            var limit = warp ? _o.MaxSampled : BprMaxDraws;
            while (draws < limit)
            {
                var c = candidates[rng.NextInt(candidates.Length)];
                draws++;
                if (HybridMath.Contains(positives, c))
                {
                    continue;
                }

                var scale = DropIdentity(ref rng, c);
                var bias = RepresentItem(c, scale, _qj);
                var s = HybridMath.Dot(_pu, _qj) + bias;
                if (first)
                {
                    auc += s < si ? 1 : s == si ? 0.5 : 0;
                    compared++;
                    first = false;
                }

                if (!warp || s > si - 1f)
                {
                    j = c;
                    sj = s;
                    scaleJ = scale;
                    break;
                }
            }

            if (j < 0)
            {
                continue;
            }

            float coefficient;
            if (warp)
            {
                coefficient = HybridMath.WarpWeight(candidates.Length, draws);
                loss += coefficient * (1 - si + sj);
            }
            else
            {
                coefficient = HybridMath.BprCoefficient(si - sj, out var l);
                loss += l;
            }

            if (coefficient > 0)
            {
                Update(u, i, scaleI, j, scaleJ, coefficient);
                updates++;
            }
        }

        return new HybridEpochResult(_order.Length == 0 ? 0 : loss / _order.Length, compared == 0 ? double.NaN : auc / compared, _order.Length, updates);
    }

    public bool ParametersFinite() => AllFinite(_userEmbeddings) && AllFinite(_itemEmbeddings) && AllFinite(_itemBiases);

    public void CopyParameters(Span<float> userEmbeddings, Span<float> itemEmbeddings, Span<float> itemBiases)
    {
        _userEmbeddings.CopyTo(userEmbeddings);
        _itemEmbeddings.CopyTo(itemEmbeddings);
        _itemBiases.CopyTo(itemBiases);
    }

    public void Dispose()
    {
    }

    private static bool AllFinite(float[] values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private void RepresentUser(int u, Span<float> destination)
    {
        var (start, end) = (_p.UserOffsets[u], _p.UserOffsets[u + 1]);
        HybridMath.Represent(_p.UserFeatures.AsSpan(start, end - start), _p.UserWeights.AsSpan(start, end - start), _userEmbeddings, [], destination);
    }

    /// <summary>
    /// Whether this step leaves out the identity of item <paramref name="i"/> (<see cref="HybridOptions.IdentityDropout"/>):
    /// 1 keeps it; otherwise the factor that rescales the other weights (0 marks "dropped" when they are not normalised
    /// and keep their weights: see <see cref="Weight"/>).
    /// </summary>
    private float DropIdentity(ref BprRandom rng, int i)
    {
        if (_o.IdentityDropout <= 0)
        {
            return 1f;
        }

        var identity = 0f;
        var total = 0f;
        var has = false;
        for (var e = _p.ItemOffsets[i]; e < _p.ItemOffsets[i + 1]; e++)
        {
            total += _p.ItemWeights[e];
            if (_p.ItemFeatures[e] >= _p.ItemIdentityStart)
            {
                identity = _p.ItemWeights[e];
                has = true;
            }
        }

        // An item with nothing but its identity keeps it: dropping it would leave nothing to learn from.
        if (!has || total <= identity || rng.NextDouble() >= _o.IdentityDropout)
        {
            return 1f;
        }

        return _o.NormalizeFeatures ? -total / (total - identity) : -1f;
    }

    /// <summary>The weight an entry has in this step: dropped identity 0, the others rescaled (a negative scale marks a dropped identity).</summary>
    private float Weight(int entry, float scale)
    {
        if (scale > 0)
        {
            return _p.ItemWeights[entry];
        }

        return _p.ItemFeatures[entry] >= _p.ItemIdentityStart ? 0f : -scale * _p.ItemWeights[entry];
    }

    private float RepresentItem(int i, float scale, Span<float> destination)
    {
        var (start, end) = (_p.ItemOffsets[i], _p.ItemOffsets[i + 1]);
        if (scale > 0)
        {
            return HybridMath.Represent(_p.ItemFeatures.AsSpan(start, end - start), _p.ItemWeights.AsSpan(start, end - start), _itemEmbeddings, _itemBiases, destination);
        }

        var k = _k;
        destination.Clear();
        var bias = 0f;
        for (var e = start; e < end; e++)
        {
            var w = Weight(e, scale);
            if (w != 0)
            {
                var f = _p.ItemFeatures[e];
                HybridMath.AddScaled(destination, w, _itemEmbeddings.AsSpan(f * k, k));
                bias += w * _itemBiases[f];
            }
        }

        return bias;
    }

    /// <summary>
    /// The step on a loss whose derivative is −c by s_i and +c by s_j, from the representations computed before it
    /// (<see cref="_pu"/>, <see cref="_qi"/>, <see cref="_qj"/>): item features of i move along +p_u, those of j along
    /// −p_u, user features along q_i − q_j, each scaled by its weight in its row.
    /// </summary>
    private void Update(int u, int i, float scaleI, int j, float scaleJ, float c)
    {
        var k = _k;
        var rate = _o.LearningRate;
        var itemReg = _o.ItemRegularization;
        for (var n = 0; n < k; n++)
        {
            _difference[n] = _qj[n] - _qi[n];
        }

        for (var e = _p.ItemOffsets[i]; e < _p.ItemOffsets[i + 1]; e++)
        {
            var f = _p.ItemFeatures[e];
            var w = Weight(e, scaleI);
            if (w == 0)
            {
                continue;
            }

            HybridMath.AdagradStep(_itemEmbeddings.AsSpan(f * k, k), _itemAccumulated.AsSpan(f * k, k), -c * w, _pu, rate, itemReg);
            HybridMath.AdagradStep(ref _itemBiases[f], ref _biasAccumulated[f], -c * w, rate, itemReg);
        }

        for (var e = _p.ItemOffsets[j]; e < _p.ItemOffsets[j + 1]; e++)
        {
            var f = _p.ItemFeatures[e];
            var w = Weight(e, scaleJ);
            if (w == 0)
            {
                continue;
            }

            HybridMath.AdagradStep(_itemEmbeddings.AsSpan(f * k, k), _itemAccumulated.AsSpan(f * k, k), c * w, _pu, rate, itemReg);
            HybridMath.AdagradStep(ref _itemBiases[f], ref _biasAccumulated[f], c * w, rate, itemReg);
        }

        for (var e = _p.UserOffsets[u]; e < _p.UserOffsets[u + 1]; e++)
        {
            var f = _p.UserFeatures[e];
            HybridMath.AdagradStep(_userEmbeddings.AsSpan(f * k, k), _userAccumulated.AsSpan(f * k, k), c * _p.UserWeights[e], _difference, rate, _o.UserRegularization);
        }
    }
}
