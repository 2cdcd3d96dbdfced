using System.Text;

namespace CrossRec.Samples.Campaign;

/// <summary>The interactions the campaign runs on, with its source and target domain.</summary>
internal sealed record CampaignData(InteractionSet Ratings, string Source, string Target, string Description, SyntheticCrossDomain? Synthetic, IReadOnlyDictionary<string, string> Titles)
{
    /// <summary>The MovieLens 100K folder the data came from, if it did.</summary>
    public string? MovieLensFolder { get; init; }

    /// <summary>A readable label of an item: its title, or for synthetic items the two themes it leans to most.</summary>
    public string Label(int item)
    {
        var id = Ratings.ItemIds[item];
        if (Titles.TryGetValue(id, out var title))
        {
            return title;
        }

        if (Synthetic is { } s)
        {
            var a = s.ItemAttributes.Row(item).ToArray();
            var top = Enumerable.Range(0, a.Length).OrderByDescending(d => a[d]).Take(2).Select(d => s.ThemeNames[d]);
            return $"{id} ({string.Join(" + ", top)})";
        }

        return id;
    }

    public static CampaignData Generate(CampaignArguments a, CancellationToken ct)
    {
        var data = SyntheticCrossDomain.Generate(new SyntheticCrossDomainOptions { Users = a.Users, Courses = a.Courses, Films = a.Films, Seed = a.DataSeed }, ct);
        return new CampaignData(
            data.Ratings,
            SyntheticCrossDomain.CourseDomain,
            SyntheticCrossDomain.FilmDomain,
            $"synthetic course + film platform (seed {a.DataSeed})",
            data,
            new Dictionary<string, string>());
    }

    /// <summary>
    /// MovieLens 100K with two domains: films whose genres include <paramref name="genre"/> (domain = the
    /// genre in lower case) and all other films ("other"), read from <c>u.item</c>'s genre flags.
    /// </summary>
    public static CampaignData MovieLens100K(string folder, string genre)
    {
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"--movielens: folder '{folder}' does not exist.");
        }

        var genres = ReadGenres(Path.Combine(folder, "u.genre"));
        var index = Array.FindIndex(genres, g => string.Equals(g, genre, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            throw new ArgumentException($"--genre: '{genre}' is not a MovieLens genre; use one of {string.Join(", ", genres)}.");
        }

        var target = genres[index].ToLowerInvariant();
        var itemFile = Path.Combine(folder, "u.item");
        var domains = new Dictionary<string, string>();
        var titles = new Dictionary<string, string>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(itemFile, Encoding.Latin1))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split('|');
            if (f.Length != 5 + genres.Length)
            {
                throw new DataFormatException(itemFile, lineNo, 0, $"expected {5 + genres.Length} '|'-separated fields (5 + one flag per genre), found {f.Length}.");
            }

            var flag = f[5 + index];
            if (flag is not ("0" or "1"))
            {
                throw new DataFormatException(itemFile, lineNo, 6 + index, $"genre flag '{genres[index]}' must be 0 or 1, found '{flag}'.");
            }

            domains[f[0]] = flag == "1" ? target : "other";
            titles[f[0]] = f[1];
        }

        var ratings = CrossRec.Data.MovieLens.Load100K(folder).WithItemDomains(domains);
        return new CampaignData(ratings, "other", target, $"MovieLens 100K: '{target}' films (u.item genre flag) vs. all other films", null, titles) { MovieLensFolder = folder };
    }

    /// <summary>A real two-domain interaction file (or one file per domain) named by <c>--data</c>.</summary>
    public static CampaignData FromFile(string spec, string source, string target)
    {
        var ratings = CrossDomainData.Open(spec);
        foreach (var (option, domain) in new[] { ("--source", source), ("--target", target) })
        {
            if (!ratings.Domains!.Contains(domain))
            {
                throw new ArgumentException($"{option}: '{domain}' is not a domain of {spec} (it has {string.Join(", ", ratings.Domains)}).");
            }
        }

        return new CampaignData(ratings, source, target, $"{spec}: '{source}' → '{target}'", null, new Dictionary<string, string>());
    }

    private static string[] ReadGenres(string path)
    {
        var names = new List<string>();
        foreach (var line in File.ReadLines(path, Encoding.Latin1))
        {
            if (line.Length > 0)
            {
                names.Add(line.Split('|')[0]);
            }
        }

        return names.ToArray();
    }
}
