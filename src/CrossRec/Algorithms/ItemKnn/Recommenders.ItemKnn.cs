namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>
    /// Item-based k-nearest-neighbours: a sparse top-K item-item similarity over the training users, and
    /// a user's score of an item the sum of its similarities to the user's items. Fast to train, exact
    /// explanations, defaults chosen by validation on ratings and play counts.
    /// </summary>
    public static ItemKnnBuilder ItemKnn() => new(new ItemKnnOptions(), Device.Auto, null);

    /// <summary>Item-based k-nearest-neighbours from explicit options.</summary>
    public static ItemKnnBuilder ItemKnn(ItemKnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ItemKnnBuilder(options, Device.Auto, null);
    }
}
