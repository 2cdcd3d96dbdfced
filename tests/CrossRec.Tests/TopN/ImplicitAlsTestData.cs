namespace CrossRec.Tests.TopN;

/// <summary>Small synthetic implicit-feedback data and a naive double-precision reference of the ALS objective and solve.</summary>
internal static class ImplicitAlsTestData
{
    /// <summary>
    /// Users in <paramref name="groups"/> taste groups, each group drawing most of its items from its own
    /// block of the catalogue and the rest from everywhere by popularity; values are play-count-like
    /// (1 + a geometric count). A model that learns the groups beats popularity by far.
    /// </summary>
    public static InteractionSet Clustered(int users = 300, int items = 120, int groups = 4, int perUser = 12, int seed = 5, bool binary = false)
    {
        var rng = new Random(seed);
        var b = new InteractionSetBuilder();
        var block = items / groups;
        for (var u = 0; u < users; u++)
        {
            var g = u % groups;
            var chosen = new HashSet<int>();
            while (chosen.Count < perUser)
            {
                var item = rng.NextDouble() < 0.8
                    ? (g * block) + (int)(block * Math.Pow(rng.NextDouble(), 1.5))
                    : (int)(items * Math.Pow(rng.NextDouble(), 2.5));
                chosen.Add(item);
            }

            foreach (var i in chosen.Order())
            {
                var value = binary ? 1f : 1f + (float)Math.Floor(-Math.Log(1 - rng.NextDouble()) * 3);
                b.Add($"u{u}", $"i{i}", value);
            }
        }

        return b.Build("clustered");
    }

    /// <summary>The full objective Σ_{u,i} c_ui (p_ui − x_u·y_i)² + penalties, summed naively over every pair in double.</summary>
    public static double Objective(InteractionMatrix m, ImplicitAlsOptions o, ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var k = o.Factors;
        var loss = 0.0;
        for (var u = 0; u < m.UserCount; u++)
        {
            var items = m.ItemsOf(u);
            var values = m.ValuesOf(u);
            for (var i = 0; i < m.ItemCount; i++)
            {
                var s = 0.0;
                for (var f = 0; f < k; f++)
                {
                    s += (double)x[(u * k) + f] * y[(i * k) + f];
                }

                var at = items.IndexOf(i);
                var c = at >= 0 ? o.ConfidenceOf(values[at]) : 1.0;
                var p = at >= 0 ? 1.0 : 0.0;
                loss += c * (p - s) * (p - s);
            }

            loss += o.RegularizationOf(items.Length) * SquaredNorm(x.Slice(u * k, k));
        }

        for (var i = 0; i < m.ItemCount; i++)
        {
            loss += o.RegularizationOf(m.ItemDegree(i)) * SquaredNorm(y.Slice(i * k, k));
        }

        return loss;
    }

    /// <summary>The exact minimiser for one user against fixed item factors: dense normal equations over every item, solved by Gaussian elimination in double.</summary>
    public static double[] Solve(InteractionMatrix m, ImplicitAlsOptions o, int user, ReadOnlySpan<float> y)
    {
        var k = o.Factors;
        var items = m.ItemsOf(user);
        var values = m.ValuesOf(user);
        var a = new double[k, k + 1];
        for (var i = 0; i < m.ItemCount; i++)
        {
            var at = items.IndexOf(i);
            var c = at >= 0 ? o.ConfidenceOf(values[at]) : 1.0;
            var p = at >= 0 ? 1.0 : 0.0;
            for (var r = 0; r < k; r++)
            {
                for (var q = 0; q < k; q++)
                {
                    a[r, q] += c * y[(i * k) + r] * y[(i * k) + q];
                }

                a[r, k] += c * p * y[(i * k) + r];
            }
        }

        for (var r = 0; r < k; r++)
        {
            a[r, r] += o.RegularizationOf(items.Length);
        }

        for (var col = 0; col < k; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < k; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }

            for (var q = 0; q <= k; q++)
            {
                (a[col, q], a[pivot, q]) = (a[pivot, q], a[col, q]);
            }

            for (var r = 0; r < k; r++)
            {
                if (r == col)
                {
                    continue;
                }

                var f = a[r, col] / a[col, col];
                for (var q = col; q <= k; q++)
                {
                    a[r, q] -= f * a[col, q];
                }
            }
        }

        var x = new double[k];
        for (var r = 0; r < k; r++)
        {
            x[r] = a[r, k] / a[r, r];
        }

        return x;
    }

    /// <summary>Largest |a − b| relative to the largest |b|.</summary>
    public static double RelativeError(ReadOnlySpan<float> a, ReadOnlySpan<double> b)
    {
        double diff = 0, scale = 0;
        for (var n = 0; n < b.Length; n++)
        {
            diff = Math.Max(diff, Math.Abs(a[n] - b[n]));
            scale = Math.Max(scale, Math.Abs(b[n]));
        }

        return diff / scale;
    }

    private static double SquaredNorm(ReadOnlySpan<float> v)
    {
        var s = 0.0;
        foreach (var e in v)
        {
            s += (double)e * e;
        }

        return s;
    }
}
