using System.Globalization;
using System.Text;
using CrossRec.Data.Parsing;

namespace CrossRec.Data;

/// <summary>A MovieLens 100K film: id, title, release date and genres (from <c>u.item</c>).</summary>
/// <param name="Id">Item id, as in the rating files.</param>
/// <param name="Title">Title with year, e.g. "Toy Story (1995)".</param>
/// <param name="ReleaseDate">Release date, when given.</param>
/// <param name="Genres">Genre names (one or more; "unknown" when none is flagged).</param>
public sealed record MovieLensItem(string Id, string Title, DateOnly? ReleaseDate, IReadOnlyList<string> Genres);

public static partial class MovieLens
{
    private static readonly string[] DefaultGenres =
    [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    /// <summary>
    /// Reads the MovieLens 100K film catalogue: <c>u.item</c> (Latin-1, <c>|</c>-separated: id, title,
    /// release date, video date, IMDb URL, then one 0/1 flag per genre) with genre names from the
    /// <c>u.genre</c> beside it (or the standard 19 names when it is absent). <paramref name="path"/> is the
    /// file or its folder.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is malformed; the message names the file, line and column.</exception>
    public static IReadOnlyList<MovieLensItem> LoadItems100K(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, "u.item");
        }

        var genres = ReadGenres(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "u.genre"));
        var latin1 = Encoding.Latin1;
        var items = new List<MovieLensItem>();
        using var reader = new LineReader(path, latin1);
        var splitter = new FieldSplitter("|", quotes: false);
        while (reader.TryReadLine(out var line))
        {
            if (line.IsWhiteSpace())
            {
                continue;
            }

            splitter.Split(line, out _);
            var expected = 5 + genres.Length;
            if (splitter.Count != expected)
            {
                throw new DataFormatException(path, reader.LineNumber, 0, $"expected {expected} '|'-separated fields (id, title, release date, video date, URL, {genres.Length} genre flags), found {splitter.Count}.");
            }

            var id = splitter.Field(line, 0).Trim().ToString();
            if (id.Length == 0)
            {
                throw new DataFormatException(path, reader.LineNumber, 1, "the item id is empty.");
            }

            DateOnly? date = null;
            var dateText = splitter.Field(line, 2).Trim();
            if (!dateText.IsEmpty)
            {
                if (!DateOnly.TryParseExact(dateText, ["dd-MMM-yyyy", "d-MMM-yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    throw new DataFormatException(path, reader.LineNumber, 3, $"the release date '{Excerpt.Of(dateText)}' is not in dd-MMM-yyyy form.");
                }

                date = d;
            }

            var flagged = new List<string>();
            for (var g = 0; g < genres.Length; g++)
            {
                var flag = splitter.Field(line, 5 + g).Trim();
                if (flag is "1")
                {
                    flagged.Add(genres[g]);
                }
                else if (flag is not "0")
                {
                    throw new DataFormatException(path, reader.LineNumber, 6 + g, $"the {genres[g]} genre flag is '{Excerpt.Of(flag)}'; expected 0 or 1.");
                }
            }

            if (flagged.Count == 0)
            {
                flagged.Add(genres[0]);
            }

            items.Add(new MovieLensItem(id, splitter.Field(line, 1).ToString(), date, flagged));
        }

        if (items.Count == 0)
        {
            throw new DataFormatException(path, 0, 0, "the item catalogue is empty.");
        }

        return items;
    }

    private static string[] ReadGenres(string path)
    {
        if (!File.Exists(path))
        {
            return DefaultGenres;
        }

        var byIndex = new SortedDictionary<int, string>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path, Encoding.Latin1))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var bar = line.LastIndexOf('|');
            if (bar <= 0 || !int.TryParse(line.AsSpan(bar + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) || index < 0 || !byIndex.TryAdd(index, line[..bar]))
            {
                throw new DataFormatException(path, lineNo, 0, "expected 'name|index' with a distinct non-negative index.");
            }
        }

        if (byIndex.Count == 0 || byIndex.Keys.Last() != byIndex.Count - 1)
        {
            throw new DataFormatException(path, 0, 0, "genre indices must run 0..n-1 without gaps.");
        }

        return byIndex.Values.ToArray();
    }
}
