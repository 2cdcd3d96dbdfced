namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// EASE (Steck 2019): a closed-form item × item model, <c>B = I − P·diag(1/diag P)</c> with
    /// <c>P = (XᵀX + λI)⁻¹</c>; strong top-N accuracy from implicit or explicit data with one
    /// hyperparameter, λ, chosen from the data by default.
    /// </summary>
    public static EaseBuilder Ease() => new(new EaseOptions(), Device.Auto, null);

    /// <summary>EASE from explicit options.</summary>
    public static EaseBuilder Ease(EaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new EaseBuilder(options, Device.Auto, null);
    }
}
