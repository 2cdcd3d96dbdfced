using TorchSharp;
using static TorchSharp.torch;
using TDevice = TorchSharp.torch.Device;

namespace CrossRec.Torch;

/// <summary>
/// The few TorchSharp calls whose shape has changed between releases (0.99 … 0.107), in one place, so a
/// version bump touches only this file. Everything else uses the stable core API: tensor creation,
/// index_select, index_add_, mm, cdist, argmin, bincount, linalg.cholesky, cholesky_solve, element-wise math.
/// </summary>
internal static class TorchCompat
{
    public static Tensor RandPerm(long n, Generator generator, TDevice device) => torch.randperm(n, dtype: ScalarType.Int64, device: device, generator: generator);

    public static Tensor RandN(long rows, long columns, Generator generator, TDevice device) => torch.randn(rows, columns, dtype: ScalarType.Float32, device: device, generator: generator);

    public static Tensor Cholesky(Tensor a) => torch.linalg.cholesky(a);

    public static Tensor CholeskySolve(Tensor b, Tensor l) => b.cholesky_solve(l);

    /// <summary>self[index[j]] += source[j] along <paramref name="dim"/> (0.99 requires the alpha argument; later versions default it).</summary>
    public static Tensor IndexAdd(Tensor self, long dim, Tensor index, Tensor source) => self.index_add_(dim, index, source, 1);

    public static Tensor Multinomial(Tensor weights, long samples, Generator generator) => weights.multinomial(samples, replacement: true, generator: generator);

    // Copies to managed arrays; the conversion temporaries live and die in their own dispose scope.
    public static float[] ToFloats(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    public static double[] ToDoubles(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }

    public static long[] ToLongs(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
    }

    public static Tensor Indices(int[] values, TDevice device) => torch.tensor(values, dtype: ScalarType.Int32, device: device).to(ScalarType.Int64);

    public static Tensor Floats(float[] values, TDevice device) => torch.tensor(values, dtype: ScalarType.Float32, device: device);

    public static Tensor Floats(float[] values, long rows, long columns, TDevice device) => torch.tensor(values, [rows, columns], dtype: ScalarType.Float32, device: device);
}
