namespace CrossRec;

public static partial class Recommenders
{
    /// <summary>Item popularity: every user gets the items most users have. The baseline of every evaluation.</summary>
    public static PopularityBuilder Popularity() => new();
}
