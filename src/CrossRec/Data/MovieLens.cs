using System.Globalization;

namespace CrossRec;

/// <summary>Loaders for the MovieLens datasets (GroupLens). The data itself is not redistributed with CrossRec.</summary>
public static partial class MovieLens
{
    /// <summary>
    /// Loads MovieLens 100K ratings: a tab-separated <c>user item rating timestamp</c> file (<c>u.data</c>,
    /// <c>uN.base</c>, <c>uN.test</c>), or the <c>u.data</c> of a folder.
    /// </summary>
    public static InteractionSet Load100K(string path, InteractionSet? idsFrom = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "u.data");
        }

        var builder = (idsFrom is null ? new InteractionSetBuilder() : new InteractionSetBuilder(idsFrom)).WithScale(RatingScale.FiveStars);
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var f = line.Split('\t');
            if (f.Length != 4)
            {
                throw new DataFormatException(path, lineNo, 0, $"expected 4 tab-separated fields (user item rating timestamp), found {f.Length}.");
            }

            builder.Add(f[0], f[1], float.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture));
        }

        return builder.Build(path);
    }

    /// <summary>Loads one of the five MovieLens 100K cross-validation folds (<c>uN.base</c>, <c>uN.test</c>), with shared id maps.</summary>
    public static (InteractionSet Train, InteractionSet Test) Load100KFold(string directory, int fold)
    {
        Check.Range(fold, 1, 5, nameof(fold));
        var train = Load100K(Path.Combine(directory, $"u{fold}.base"));
        var test = Load100K(Path.Combine(directory, $"u{fold}.test"), train);
        return (train, test);
    }
}
