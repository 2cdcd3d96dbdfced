using System.Numerics.Tensors;

namespace CrossRec.Internal;

/// <summary>
/// Cosine similarity of one row of a row-major factor table to every row, with the row norms computed
/// once and cached (thread-safe). Shared by every factor model's <c>SimilarItems</c>.
/// </summary>
internal sealed class FactorCosine(float[] factors, int rows, int k)
{
    private float[]? _norms;

    /// <summary>Writes cos(row <paramref name="item"/>, row j) into <c>scores[j]</c> (0 where a norm is 0).</summary>
    public void Similarities(int item, Span<float> scores)
    {
        var norms = Norms();
        var all = factors.AsSpan();
        var q = all.Slice(item * k, k);
        var qn = norms[item];
        for (var j = 0; j < scores.Length; j++)
        {
            var denom = qn * norms[j];
            scores[j] = denom > 0 ? TensorPrimitives.Dot(q, all.Slice(j * k, k)) / denom : 0f;
        }
    }

    private float[] Norms()
    {
        var norms = Volatile.Read(ref _norms);
        if (norms is null)
        {
            norms = new float[rows];
            for (var j = 0; j < norms.Length; j++)
            {
                norms[j] = TensorPrimitives.Norm(factors.AsSpan(j * k, k));
            }

            Interlocked.CompareExchange(ref _norms, norms, null);
            norms = _norms!;
        }

        return norms;
    }
}
