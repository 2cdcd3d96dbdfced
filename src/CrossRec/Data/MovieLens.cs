namespace CrossRec.Data;

/// <summary>
/// Loaders for the MovieLens rating files (GroupLens, grouplens.org/datasets/movielens). The data is
/// not redistributed with CrossRec; download it from GroupLens under their terms.
/// </summary>
public static partial class MovieLens
{
    /// <summary>MovieLens 100K: tab-separated <c>user item rating timestamp</c>, ratings 1..5.</summary>
    public static DelimitedFormat Format100K { get; } = new()
    {
        Delimiter = "\t",
        Quoted = false,
        Header = HeaderMode.Absent,
        Timestamp = 3,
        FieldCount = 4,
        Scale = RatingScale.FiveStars,
    };

    /// <summary>MovieLens 1M and 10M <c>ratings.dat</c>: <c>user::item::rating::timestamp</c>, ratings within 0.5..5.</summary>
    public static DelimitedFormat FormatDat { get; } = Format100K with { Delimiter = "::", Scale = RatingScale.HalfStars };

    /// <summary>MovieLens "latest" / 20M / 25M <c>ratings.csv</c>: header <c>userId,movieId,rating,timestamp</c>, ratings 0.5..5.</summary>
    public static DelimitedFormat FormatCsv { get; } = new()
    {
        Delimiter = ",",
        Header = HeaderMode.Present,
        User = "userId",
        Item = "movieId",
        Rating = "rating",
        Timestamp = "timestamp",
        FieldCount = 4,
        Scale = RatingScale.HalfStars,
    };

    /// <summary>
    /// Loads MovieLens 100K ratings: a file (<c>u.data</c>, <c>uN.base</c>, <c>uN.test</c>, <c>ua/ub</c>) or a
    /// folder, whose <c>u.data</c> is read.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file (or the folder's u.data) does not exist.</exception>
    /// <exception cref="DataFormatException">A row is malformed; the message names the file, line and column.</exception>
    public static InteractionSet Load100K(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "u.data");
        }

        return DelimitedFile.Load(path, Format100K, options);
    }

    /// <summary>
    /// Loads fold <paramref name="fold"/> (1..5) of the MovieLens 100K cross-validation splits:
    /// <c>uN.base</c> for training and <c>uN.test</c> for testing, the test set's ids continuing the training set's.
    /// </summary>
    public static (InteractionSet Train, InteractionSet Test) Load100KFold(string directory, int fold, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Check.Range(fold, 1, 5, nameof(fold));
        options ??= new LoadOptions();
        var train = Load100K(Path.Combine(directory, $"u{fold}.base"), options);
        var test = Load100K(Path.Combine(directory, $"u{fold}.test"), options with { IdsFrom = train });
        return (train, test);
    }

    /// <summary>Loads a MovieLens 1M or 10M <c>ratings.dat</c> file (or the <c>ratings.dat</c> of a folder).</summary>
    public static InteractionSet LoadDat(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "ratings.dat");
        }

        return DelimitedFile.Load(path, FormatDat, options);
    }

    /// <summary>Loads a MovieLens "latest" <c>ratings.csv</c> file (or the <c>ratings.csv</c> of a folder).</summary>
    public static InteractionSet LoadCsv(string path, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "ratings.csv");
        }

        return DelimitedFile.Load(path, FormatCsv, options);
    }
}
