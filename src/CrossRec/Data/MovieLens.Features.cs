using System.Globalization;
using System.Text;

namespace CrossRec.Data;

public static partial class MovieLens
{
    /// <summary>
    /// The item features of MovieLens 100K from <c>u.item</c> (see <see cref="LoadItems100K"/>): one
    /// <c>genre:&lt;name&gt;</c> feature per flagged genre and one release-year band, <c>year:&lt;band&gt;</c>
    /// (<see cref="ReleaseYearBand"/>), all of weight 1. <paramref name="path"/> is <c>u.item</c> or its folder.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed; the message names the file, line and column.</exception>
    public static FeatureSet LoadItemFeatures100K(string path)
    {
        var items = LoadItems100K(path);
        var builder = FeatureSet.CreateBuilder("item");
        foreach (var item in items)
        {
            foreach (var genre in item.Genres)
            {
                builder.Add(item.Id, "genre:" + genre);
            }

            builder.Add(item.Id, "year:" + ReleaseYearBand(item.ReleaseDate?.Year));
        }

        return builder.Build(Directory.Exists(path) ? Path.Combine(path, "u.item") : path);
    }

    /// <summary>
    /// The release-year band of a film: the decade before 1990 ("1970s"), the single year from 1990 on ("1996"),
    /// "unknown" without a date. MovieLens 100K's catalogue is dense in its last decade (1,348 of 1,682 films are
    /// from 1990–1998, 355 from 1996 alone) and its ratings were given in 1997–98, so a decade band would put
    /// most films in one band and lose the recency the ratings follow.
    /// </summary>
    public static string ReleaseYearBand(int? year) => year switch
    {
        null => "unknown",
        >= 1990 => year.Value.ToString(CultureInfo.InvariantCulture),
        _ => (year.Value / 10 * 10).ToString(CultureInfo.InvariantCulture) + "s",
    };

    /// <summary>
    /// The user features of MovieLens 100K from <c>u.user</c> (<c>id|age|gender|occupation|zip</c>): an age band
    /// <c>age:&lt;band&gt;</c> (<see cref="AgeBand"/>), <c>gender:&lt;M|F&gt;</c> and <c>occupation:&lt;name&gt;</c>, all of
    /// weight 1 (the zip code is not used). <paramref name="path"/> is <c>u.user</c> or its folder.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed (not five fields, an empty id, an age that is not a whole number in 1..120, a repeated user); the message names the file, line and column.</exception>
    public static FeatureSet LoadUserFeatures100K(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "u.user");
        }

        var builder = FeatureSet.CreateBuilder("user");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var reader = new LineReader(path, Encoding.Latin1);
        var splitter = new FieldSplitter("|", quotes: false);
        while (reader.TryReadLine(out var line))
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            splitter.Split(line, out _);
            if (splitter.Count != 5)
            {
                throw new DataFormatException(path, reader.LineNumber, 0, $"expected 5 '|'-separated fields (id, age, gender, occupation, zip code), found {splitter.Count}.");
            }

            var id = splitter.Field(line, 0).Trim().ToString();
            if (id.Length == 0)
            {
                throw new DataFormatException(path, reader.LineNumber, 1, "the user id is empty.");
            }

            if (!seen.Add(id))
            {
                throw new DataFormatException(path, reader.LineNumber, 1, $"user '{Excerpt.Of(id)}' is listed twice.");
            }

            var ageText = splitter.Field(line, 1).Trim();
            if (!int.TryParse(ageText, NumberStyles.None, CultureInfo.InvariantCulture, out var age) || age < 1 || age > 120)
            {
                throw new DataFormatException(path, reader.LineNumber, 2, $"the age '{Excerpt.Of(ageText)}' is not a whole number in 1..120.");
            }

            var gender = splitter.Field(line, 2).Trim();
            if (gender.IsEmpty)
            {
                throw new DataFormatException(path, reader.LineNumber, 3, "the gender is empty.");
            }

            var occupation = splitter.Field(line, 3).Trim();
            if (occupation.IsEmpty)
            {
                throw new DataFormatException(path, reader.LineNumber, 4, "the occupation is empty.");
            }

            builder.Add(id, "age:" + AgeBand(age));
            builder.Add(id, "gender:" + gender.ToString());
            builder.Add(id, "occupation:" + occupation.ToString());
        }

        if (builder.PairCount == 0)
        {
            throw new DataFormatException(path, 0, 0, "the user file is empty.");
        }

        return builder.Build(path);
    }

    /// <summary>The age bands MovieLens 1M publishes (under 18, 18-24, 25-34, 35-44, 45-49, 50-55, 56+), used for 100K's exact ages too.</summary>
    public static string AgeBand(int age) => age switch
    {
        < 18 => "under-18",
        < 25 => "18-24",
        < 35 => "25-34",
        < 45 => "35-44",
        < 50 => "45-49",
        < 56 => "50-55",
        _ => "56+",
    };
}
