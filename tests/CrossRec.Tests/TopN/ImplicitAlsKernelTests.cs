using CrossRec.Engines.Cpu.ImplicitAls;

namespace CrossRec.Tests.TopN;

/// <summary>The managed ALS kernel against a naive double-precision reference.</summary>
public sealed class ImplicitAlsKernelTests
{
    private static readonly ImplicitAlsOptions Small = new() { Factors = 7, Iterations = 4, Regularization = 0.5f, Alpha = 2f, Solver = AlsSolver.Cholesky, Threads = 2 };

    [TestCase(ConfidenceScaling.Linear, false)]
    [TestCase(ConfidenceScaling.Log, true)]
    public void TheExactHalfSweepIsTheLeastSquaresMinimiserOverEveryPair(ConfidenceScaling scaling, bool weighted)
    {
        var data = ImplicitAlsTestData.Clustered(users: 40, items: 30, perUser: 6);
        var m = data.ToMatrix();
        var o = Small with { Confidence = scaling, WeightedRegularization = weighted };
        var y = new float[m.ItemCount * o.Factors];
        ImplicitAlsBuilder.Initialise(3, new float[m.UserCount * o.Factors], y);
        var x = AlsSession.SolveUsersExactly(m, o, y);
        for (var u = 0; u < m.UserCount; u++)
        {
            var reference = ImplicitAlsTestData.Solve(m, o, u, y);
            Assert.That(ImplicitAlsTestData.RelativeError(x.AsSpan(u * o.Factors, o.Factors), reference), Is.LessThan(1e-4), $"user {u}");
        }
    }

    [TestCase(AlsSolver.Cholesky)]
    [TestCase(AlsSolver.ConjugateGradient)]
    public void TheReportedLossIsTheFullObjectiveAndFallsEveryIteration(AlsSolver solver)
    {
        var data = ImplicitAlsTestData.Clustered(users: 60, items: 40, perUser: 8);
        var m = data.ToMatrix();
        var o = Small with { Solver = solver, Iterations = 6 };
        var x = new float[m.UserCount * o.Factors];
        var y = new float[m.ItemCount * o.Factors];
        ImplicitAlsBuilder.Initialise(o.Seed, x, y);
        using var session = CpuEngine.Kernel<IImplicitAlsKernel>().Start(m, o, x, y);
        var previous = double.PositiveInfinity;
        for (var it = 0; it < o.Iterations; it++)
        {
            var loss = session.Iterate(default);
            session.CopyFactors(x, y);
            var naive = ImplicitAlsTestData.Objective(m, o, x, y);
            Assert.That(loss, Is.EqualTo(naive).Within(1e-4).Percent, $"iteration {it + 1}");
            Assert.That(loss, Is.LessThan(previous), $"iteration {it + 1}");
            previous = loss;
        }
    }

    [Test]
    public void ManyConjugateGradientStepsReachTheExactSolve()
    {
        var data = ImplicitAlsTestData.Clustered(users: 50, items: 30, perUser: 7);
        var m = data.ToMatrix();
        var exact = Small with { Iterations = 3 };
        var cg = exact with { Solver = AlsSolver.ConjugateGradient, CgSteps = 60 };
        var a = Recommenders.ImplicitAls(exact).Fit(data);
        var b = Recommenders.ImplicitAls(cg).Fit(data);
        var ua = a.UserFactors.AsSpan().ToArray();
        var ub = b.UserFactors.AsSpan().ToArray().Select(v => (double)v).ToArray();
        Assert.That(ImplicitAlsTestData.RelativeError(ua, ub), Is.LessThan(1e-3));
    }

    [TestCase(1)]
    [TestCase(5)]
    [TestCase(8)]
    [TestCase(13)]
    [TestCase(64)]
    [TestCase(130)]
    public void CholeskySolvesASymmetricPositiveDefiniteSystemOfAnySize(int k)
    {
        var kp = AlsMath.Padded(k);
        var rng = new Random(k);
        var m = new double[k, k];
        var a = new float[k * kp];
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c <= r; c++)
            {
                var v = Math.Round(rng.NextDouble() - 0.5, 3);
                m[r, c] = m[c, r] = v;
            }

            m[r, r] += k;
        }

        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < k; c++)
            {
                a[(r * kp) + c] = (float)m[r, c];
            }
        }

        var b = new float[kp];
        for (var r = 0; r < k; r++)
        {
            b[r] = (float)(rng.NextDouble() - 0.5);
        }

        var x = b.ToArray();
        Assert.That(AlsMath.CholeskyUpper(a, k, kp), Is.True);
        AlsMath.CholeskySolve(a, k, kp, x);
        for (var r = 0; r < k; r++)
        {
            var s = 0.0;
            for (var c = 0; c < k; c++)
            {
                s += m[r, c] * x[c];
            }

            Assert.That(s, Is.EqualTo(b[r]).Within(1e-4), $"row {r}");
        }
    }

    [Test]
    public void CholeskyRefusesAMatrixThatIsNotPositiveDefinite()
    {
        var kp = AlsMath.Padded(2);
        var a = new float[2 * kp];
        a[0] = 1;
        a[1] = 2;
        a[kp] = 2;
        a[kp + 1] = 1;
        Assert.That(AlsMath.CholeskyUpper(a, 2, kp), Is.False);
    }

    [Test]
    public void TheGramMatrixIsTheSameForAnyThreadCountAndMatchesTheNaiveSum()
    {
        const int k = 11;
        const int rows = 3000;
        var rng = new Random(2);
        var f = new float[rows * k];
        for (var n = 0; n < f.Length; n++)
        {
            f[n] = (float)(rng.NextDouble() - 0.5);
        }

        var kp = AlsMath.Padded(k);
        float[] Gram(int threads)
        {
            var g = new float[k * kp];
            AlsRowSolver.Gram(f, rows, k, g, new float[AlsRowSolver.GramBlocks(rows) * k * kp], new AlsScratchPool(k), threads, default);
            return g;
        }

        var one = Gram(1);
        Assert.That(Gram(3), Is.EqualTo(one));
        for (var r = 0; r < k; r++)
        {
            for (var c = 0; c < kp; c++)
            {
                var s = 0.0;
                for (var n = 0; c < k && n < rows; n++)
                {
                    s += (double)f[(n * k) + r] * f[(n * k) + c];
                }

                Assert.That(one[(r * kp) + c], Is.EqualTo(s).Within(1e-3), $"({r}, {c})");
            }
        }
    }

    [Test]
    public void DotIsTheSameWhereverTheNumbersLie()
    {
        var rng = new Random(9);
        var x = new float[300];
        var y = new float[300];
        for (var n = 0; n < x.Length; n++)
        {
            x[n] = (float)(rng.NextDouble() - 0.5);
            y[n] = (float)(rng.NextDouble() - 0.5);
        }

        var shiftedX = new float[301];
        var shiftedY = new float[303];
        x.CopyTo(shiftedX, 1);
        y.CopyTo(shiftedY, 3);
        for (var len = 0; len <= 300; len += 7)
        {
            Assert.That(AlsMath.Dot(shiftedX.AsSpan(1, len), shiftedY.AsSpan(3, len)), Is.EqualTo(AlsMath.Dot(x.AsSpan(0, len), y.AsSpan(0, len))), $"length {len}");
        }
    }

    [TestCase(8)]
    [TestCase(16)]
    [TestCase(24)]
    [TestCase(48)]
    [TestCase(64)]
    [TestCase(128)]
    [TestCase(136)]
    [TestCase(150)]
    public void TheFusedConjugateGradientPassMatchesASeparateDotAndAxpyPerColumn(int k)
    {
        var rng = new Random(k);
        var items = 50;
        var factors = new float[items * k];
        for (var n = 0; n < factors.Length; n++)
        {
            factors[n] = (float)(rng.NextDouble() - 0.5);
        }

        var columns = new[] { 3, 17, 0, 49, 22, 8, 31 };
        var confidence = columns.Select(_ => 1f + (float)(rng.NextDouble() * 9)).ToArray();
        var v = Enumerable.Range(0, k).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        foreach (var (alpha, beta) in new[] { (0f, 1f), (1f, -1f) })
        {
            var start = Enumerable.Range(0, k).Select(f => f * 0.01f).ToArray();
            var fused = (float[])start.Clone();
            var separate = (float[])start.Clone();
            var fusedDots = new float[columns.Length];
            var separateDots = new float[columns.Length];
            AlsCgKernel.Accumulate(factors, k, columns, confidence, alpha, beta, v, fused, fusedDots);
            AlsCgKernel.Portable(factors, k, columns, confidence, alpha, beta, v, separate, separateDots);
            for (var j = 0; j < columns.Length; j++)
            {
                var exact = Enumerable.Range(0, k).Sum(f => (double)factors[(columns[j] * k) + f] * v[f]);
                Assert.That(fusedDots[j], Is.EqualTo(exact).Within(1e-4), $"dot {j}, path {AlsCgKernel.KindOf(k)}");
                Assert.That(fusedDots[j], Is.EqualTo(separateDots[j]).Within(1e-4), $"dot {j}");
            }

            for (var f = 0; f < k; f++)
            {
                Assert.That(fused[f], Is.EqualTo(separate[f]).Within(1e-3), $"acc[{f}], α {alpha}, path {AlsCgKernel.KindOf(k)}");
            }
        }
    }

    [TestCase(16)]
    [TestCase(64)]
    [TestCase(100)]
    [TestCase(128)]
    public void TheConjugateGradientLossTrackedThroughItsStepsIsTheFullObjective(int k)
    {
        var data = ImplicitAlsTestData.Clustered(users: 60, items: 40, perUser: 8);
        var m = data.ToMatrix();
        var o = Small with { Solver = AlsSolver.ConjugateGradient, Factors = k, Iterations = 3 };
        var x = new float[m.UserCount * o.Factors];
        var y = new float[m.ItemCount * o.Factors];
        ImplicitAlsBuilder.Initialise(o.Seed, x, y);
        using var session = CpuEngine.Kernel<IImplicitAlsKernel>().Start(m, o, x, y);
        for (var it = 0; it < o.Iterations; it++)
        {
            var loss = session.Iterate(default);
            session.CopyFactors(x, y);
            Assert.That(loss, Is.EqualTo(ImplicitAlsTestData.Objective(m, o, x, y)).Within(1e-3).Percent, $"iteration {it + 1}");
        }
    }

    [TestCase(5)]
    [TestCase(8)]
    [TestCase(33)]
    [TestCase(64)]
    [TestCase(128)]
    public void TheBlockGramProductGivesEachRowTheSameBitsAsOneRowAtATime(int k)
    {
        var rng = new Random(k + 1);
        var kp = AlsMath.Padded(k);
        var g = new float[k * kp];
        for (var r = 0; r < k; r++)
        {
            for (var c = r; c < k; c++)
            {
                g[(r * kp) + c] = g[(c * kp) + r] = (float)(rng.NextDouble() - 0.5);
            }
        }

        var v = new float[16 * kp];
        for (var r = 0; r < 16; r++)
        {
            for (var c = 0; c < k; c++)
            {
                v[(r * kp) + c] = (float)(rng.NextDouble() - 0.5);
            }
        }

        foreach (var rows in new[] { new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 }, new[] { 14, 2, 9 }, new[] { 3, 7, 1, 12, 5 } })
        {
            var block = new float[16 * kp];
            AlsMath.SymMatMulRows(g, k, kp, v, block, rows);
            foreach (var r in rows)
            {
                var one = new float[kp];
                AlsMath.SymMatVec(g, k, kp, v.AsSpan(r * kp, kp), one);
                Assert.That(block.AsSpan(r * kp, kp).ToArray(), Is.EqualTo(one), $"row {r} of [{string.Join(", ", rows)}]");
                var exact = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, k).Sum(m => (double)g[(m * kp) + c] * v[(r * kp) + m])).ToArray();
                Assert.That(one.Take(k).Select(x => (double)x).ToArray(), Is.EqualTo(exact).Within(1e-4), $"row {r}");
            }
        }
    }

    [Test]
    [NonParallelizable] // switches the kernel's path for the whole process
    public void ConjugateGradientOnRowsPaddedToARegisterWidthReachesTheUnpaddedSolution()
    {
        // k = 100 runs padded to a width the register kernel takes (112 with AVX-512, 104 with AVX2 alone); with many
        // steps both the padded and the portable run reach the exact solve, so they agree.
        Assert.That(AlsCgKernel.PaddedWidth(100), Is.GreaterThanOrEqualTo(100).And.LessThanOrEqualTo(125));
        var data = ImplicitAlsTestData.Clustered(users: 50, items: 30, perUser: 7);
        var cg = Small with { Factors = 100, Solver = AlsSolver.ConjugateGradient, CgSteps = 150, Iterations = 2 };
        var padded = Recommenders.ImplicitAls(cg).Fit(data);
        AlsCgKernel.ForcePortable = true;
        ImplicitAlsModel portable;
        try
        {
            Assert.That(AlsCgKernel.PaddedWidth(100), Is.EqualTo(100));
            portable = Recommenders.ImplicitAls(cg).Fit(data);
        }
        finally
        {
            AlsCgKernel.ForcePortable = false;
        }

        var a = padded.UserFactors.AsSpan().ToArray();
        var b = portable.UserFactors.AsSpan().ToArray();
        Assert.That(a.Length, Is.EqualTo(50 * 100));
        for (var n = 0; n < a.Length; n++)
        {
            Assert.That(a[n], Is.EqualTo(b[n]).Within(2e-3), $"factor {n}");
        }
    }
}
