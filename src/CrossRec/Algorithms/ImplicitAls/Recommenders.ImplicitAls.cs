namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// Implicit-feedback ALS (Hu, Koren and Volinsky 2008): every user–item pair is fitted, observed pairs
    /// with preference 1 weighted by a confidence that grows with the value (rating, play count, or 1),
    /// unobserved pairs with preference 0 and confidence 1. The defaults were chosen by validation on
    /// ratings, play counts and binary data (see <see cref="ImplicitAlsOptions"/>).
    /// </summary>
    public static ImplicitAlsBuilder ImplicitAls() => new(new ImplicitAlsOptions(), Device.Auto, null);

    /// <summary>Implicit-feedback ALS from explicit options.</summary>
    public static ImplicitAlsBuilder ImplicitAls(ImplicitAlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ImplicitAlsBuilder(options, Device.Auto, null);
    }
}
