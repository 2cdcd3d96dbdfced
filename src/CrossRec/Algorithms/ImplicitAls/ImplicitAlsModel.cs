using CrossRec.Engines.Cpu.ImplicitAls;
using CrossRec.Persistence;

namespace CrossRec.Algorithms.ImplicitAls;

/// <summary>
/// An implicit-feedback ALS model (Hu, Koren and Volinsky 2008): user factors X and item factors Y
/// fitted to every user–item pair, observed pairs with preference 1 and confidence
/// <see cref="ImplicitAlsOptions.ConfidenceOf"/>, the rest with preference 0 and confidence 1. Scores are
/// x_u·y_i; similar items are the cosine of item factors. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Training ends with a user half-sweep, so every training user's factors are the least-squares response
/// to the final item factors (exactly so with <see cref="AlsSolver.Cholesky"/>); <see cref="RecommenderModel.FoldIn"/>
/// computes that same response for a new user, and <see cref="RecommenderModel.Explain"/> splits a score
/// over the user's items as Hu et al. §5 do.
/// </remarks>
public sealed class ImplicitAlsModel : FactorRecommender
{
    internal const string Kind = "ials";
    private const int FormatVersion = 1;
    private readonly ImplicitAlsOptions _solve;
    private float[]? _gram;

    internal ImplicitAlsModel(CommonSections common, int factors, float[] userFactors, float[] itemFactors, ImplicitAlsOptions options)
        : base(common, factors, userFactors, itemFactors, null)
    {
        // Only what fold-in and explanations need is kept (and saved); the rest is in Training.Parameters.
        _solve = new ImplicitAlsOptions
        {
            Factors = factors,
            Regularization = options.Regularization,
            WeightedRegularization = options.WeightedRegularization,
            RegularizationExponent = options.RegularizationExponent,
            Confidence = options.Confidence,
            Alpha = options.Alpha,
            Epsilon = options.Epsilon,
            Solver = AlsSolver.Cholesky,
            Threads = 1,
        };
    }

    /// <inheritdoc />
    public override string Algorithm => "ials";

    /// <inheritdoc />
    /// <remarks>Always true: the explanation of Hu et al. (2008, §5).</remarks>
    public override bool CanExplain => true;

    /// <summary>How the training values became confidences.</summary>
    public ConfidenceScaling Confidence => _solve.Confidence;

    /// <summary>Confidence slope α.</summary>
    public float Alpha => _solve.Alpha;

    /// <summary>ε of the log confidence.</summary>
    public float Epsilon => _solve.Epsilon;

    /// <summary>L2 penalty λ.</summary>
    public float Regularization => _solve.Regularization;

    /// <summary>True when each row's penalty was scaled by (1 + its interaction count)^ν.</summary>
    public bool WeightedRegularization => _solve.WeightedRegularization;

    /// <summary>The exponent ν of the weighted penalty.</summary>
    public float RegularizationExponent => _solve.RegularizationExponent;

    internal override string FileKind => Kind;

    internal override int ModelFormatVersion => FormatVersion;

    /// <summary>Loads an implicit ALS model saved by <see cref="RecommenderModel.Save(string)"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, altered, of another kind or inconsistent.</exception>
    public static ImplicitAlsModel Load(string path) => ModelFileReader.Open(path, Kind).Read(Read);

    /// <summary>Loads an implicit ALS model from a stream written by <see cref="RecommenderModel.Save(Stream)"/>.</summary>
    /// <exception cref="ModelFormatException">The data is truncated, altered, of another kind or inconsistent.</exception>
    public static ImplicitAlsModel Load(Stream stream) => ModelFileReader.Open(stream, Kind).Read(Read);

    internal static ImplicitAlsModel Read(ModelFileReader file)
    {
        var common = ReadCommon(file, FormatVersion);
        if (file.Has("IBIA"))
        {
            throw file.Section("IBIA").Fail("implicit ALS models have no item biases");
        }

        foreach (var v in common.SeenValues)
        {
            if (v < 0f)
            {
                throw file.Section("SVAL").Fail($"training value {v} is negative; implicit ALS confidences need non-negative values");
            }
        }

        var (k, userFactors, itemFactors, _) = ReadFactors(file, common);
        var s = file.Section("IALS");
        var confidence = s.Int32();
        var alpha = s.Single();
        var epsilon = s.Single();
        var regularization = s.Single();
        var weighted = s.Boolean();
        var exponent = s.Single();
        s.End();
        if (!Enum.IsDefined((ConfidenceScaling)confidence))
        {
            throw s.Fail($"confidence scaling {confidence} is not Linear (0) or Log (1)");
        }

        if (!(alpha > 0f && alpha <= 1e6f) || !(epsilon > 0f && epsilon <= 1e9f) || !(regularization > 0f && regularization <= 1e6f) || !(exponent >= 0f && exponent <= 2f))
        {
            throw s.Fail($"alpha {alpha}, epsilon {epsilon}, regularization {regularization} or its exponent {exponent} is outside the range training accepts");
        }

        var options = new ImplicitAlsOptions
        {
            Factors = k,
            Confidence = (ConfidenceScaling)confidence,
            Alpha = alpha,
            Epsilon = epsilon,
            Regularization = regularization,
            WeightedRegularization = weighted,
            RegularizationExponent = exponent,
        };
        return new ImplicitAlsModel(common, k, userFactors, itemFactors, options);
    }

    internal override void WriteModel(ModelFileWriter file)
    {
        WriteFactors(file);
        file.Add("IALS", new PayloadWriter().Int32((int)_solve.Confidence).Single(_solve.Alpha).Single(_solve.Epsilon).Single(_solve.Regularization).Boolean(_solve.WeightedRegularization).Single(_solve.RegularizationExponent));
    }

    internal override string? CheckFoldInValue(float value) =>
        value < 0f ? "implicit ALS needs non-negative values (the confidence of a pair is 1 + α·f(value))" : null;

    /// <summary>
    /// The exact confidence-weighted least-squares solve against the fixed item factors (Cholesky), the
    /// same code and Gram matrix as a training half-sweep with <see cref="AlsSolver.Cholesky"/>.
    /// </summary>
    internal override FoldedUser FoldInCore(int[] items, float[] values)
    {
        var confidence = ConfidencesOf(values);
        var x = new float[Factors];
        var scratch = new AlsScratch(Factors);
        if (!AlsRowSolver.SolveCholesky(Gram(), ItemFactorArray, items, confidence, _solve.RegularizationOf(items.Length), scratch, x))
        {
            throw new InvalidOperationException($"The fold-in system is not positive definite in float arithmetic (regularization {_solve.Regularization}); the values may be too extreme for this model.");
        }

        return new FoldedUser(this, Algorithm, ItemIds.Count, 0f, x, items, values);
    }

    /// <summary>
    /// Hu et al. (2008, §5): with <c>W_u = (YᵀC_uY + λI)⁻¹</c>, the user's exact factors are
    /// <c>W_u Σ_j c_uj y_j</c>, so the score of item i is <c>Σ_j s_ij c_uj</c> with <c>s_ij = y_iᵀ W_u y_j</c>;
    /// item j's contribution is <c>s_ij c_uj</c> and the contributions sum to the returned score. That
    /// score equals the ranking score when the user's factors are the exact solve (Cholesky training);
    /// after conjugate-gradient training it is the score the exact solve would give.
    /// </summary>
    internal override float ExplainCore(int user, int item, Span<float> contributions)
    {
        var items = SeenItems(user);
        var confidence = ConfidencesOf(SeenValues(user));
        var k = Factors;
        var scratch = new AlsScratch(k);
        var x = new float[k];
        if (!AlsRowSolver.SolveCholesky(Gram(), ItemFactorArray, items, confidence, _solve.RegularizationOf(items.Length), scratch, x))
        {
            throw new InvalidOperationException($"The user's system is not positive definite in float arithmetic (regularization {_solve.Regularization}).");
        }

        // W_u y_i from the factor the solve left in scratch.A; s_ij = (W_u y_i)·y_j because W_u is symmetric.
        var w = new float[scratch.Kp];
        ItemRow(item).CopyTo(w);
        AlsMath.CholeskySolve(scratch.A, k, scratch.Kp, w);
        var wi = w.AsSpan(0, k);
        var score = 0.0;
        for (var j = 0; j < items.Length; j++)
        {
            var c = confidence[j] * AlsMath.Dot(wi, ItemRow(items[j]));
            contributions[j] = c;
            score += c;
        }

        return (float)score;
    }

    /// <summary>YᵀY of the item factors (k × padded k), computed once, exactly as the last training half-sweep computed it.</summary>
    internal float[] Gram()
    {
        var gram = Volatile.Read(ref _gram);
        if (gram is null)
        {
            var k = Factors;
            var kp = AlsMath.Padded(k);
            gram = new float[k * kp];
            var partials = new float[AlsRowSolver.GramBlocks(ItemIds.Count) * k * kp];
            AlsRowSolver.Gram(ItemFactorArray, ItemIds.Count, k, gram, partials, new AlsScratchPool(k), 1, default);
            Interlocked.CompareExchange(ref _gram, gram, null);
            gram = _gram!;
        }

        return gram;
    }

    private float[] ConfidencesOf(ReadOnlySpan<float> values)
    {
        var c = new float[values.Length];
        for (var j = 0; j < c.Length; j++)
        {
            c[j] = _solve.ConfidenceOf(values[j]);
        }

        return c;
    }
}
