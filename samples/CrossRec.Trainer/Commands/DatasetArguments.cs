using CrossRec.Trainer.Cli;

namespace CrossRec.Trainer.Commands;

/// <summary>The training and test data chosen on the command line, and how to describe its items.</summary>
public sealed class DatasetArguments
{
    private readonly Dictionary<string, string>? _titles;

    private DatasetArguments(string name, InteractionSet train, InteractionSet test, string? itemCatalogPath)
    {
        Name = name;
        Train = train;
        Test = test;
        ItemCatalogPath = itemCatalogPath;
        if (itemCatalogPath is not null)
        {
            _titles = MovieLens.LoadItems100K(itemCatalogPath).ToDictionary(i => i.Id, i => i.Title);
        }

        // Relevant for ranking metrics: the top star of a rating scale and the one below it (4–5 of 1..5).
        RelevanceThreshold = train.Scale is { } s ? s.Max - 1f : null;
    }

    public string Name { get; }

    public InteractionSet Train { get; }

    public InteractionSet Test { get; }

    /// <summary>MovieLens <c>u.item</c> beside the data, when there is one.</summary>
    public string? ItemCatalogPath { get; }

    public float? RelevanceThreshold { get; }

    /// <summary>What the loader guessed or merged (a header, an inferred scale, merged duplicates); empty for the embedded dataset.</summary>
    public IReadOnlyList<string> LoadWarnings { get; private init; } = [];

    public string DescribeItem(string id) => _titles is not null && _titles.TryGetValue(id, out var title) ? $"{id}  {title}" : id;

    public static DatasetArguments Load(Arguments args, int seed)
    {
        var data = args.String("data");
        var format = args.String("format") ?? "movielens-100k";
        var split = args.String("split");
        var testPath = args.String("test");
        var fraction = args.Float("test-fraction", 0.0001f, 0.9999f) ?? 0.1f;
        var delimiter = args.String("delimiter");
        var syntheticRatings = args.Int("synthetic-ratings", 1000, 50_000_000);
        var duplicates = args.String("duplicates");
        var scaleText = args.String("scale");
        if (data is null)
        {
            if (testPath is not null || args.Has("format") || delimiter is not null || (split is not null && split != "random") || duplicates is not null || scaleText is not null)
            {
                throw new UsageException("--test, --format, --delimiter, --duplicates, --scale and --split uN need --data.");
            }

            // The main job's embedded data (clustered tastes that decide what users rate), scaled by --synthetic-ratings.
            var options = DemoCommand.EmbeddedData(seed);
            options = syntheticRatings is { } n ? options with { Ratings = n, Users = Math.Max(options.Users, n / 40), Items = Math.Max(options.Items, n / 100) } : options;
            var all = SyntheticRatings.Generate(options);
            var (train, test) = all.SplitRandom(fraction, seed);
            return new DatasetArguments($"embedded synthetic ({all.Count:N0} ratings, seed {seed})", train, test, null);
        }

        if (syntheticRatings is not null)
        {
            throw new UsageException("--synthetic-ratings applies to the embedded dataset only (without --data).");
        }

        if (delimiter is not null && format != "csv")
        {
            throw new UsageException("--delimiter applies to --format csv only.");
        }

        var loadOptions = new LoadOptions
        {
            Duplicates = duplicates switch
            {
                null or "refuse" => DuplicatePolicy.Refuse,
                "sum" => DuplicatePolicy.Sum,
                "last" => DuplicatePolicy.Last,
                "max" => DuplicatePolicy.Max,
                _ => throw new UsageException($"--duplicates must be refuse, sum, last or max, got '{duplicates}'."),
            },
            Scale = scaleText is null ? null : ParseScale(scaleText),
        };
        Func<string, LoadOptions?, InteractionSet> load = format switch
        {
            "movielens-100k" => (p, o) => MovieLens.Load100K(p, o),
            "movielens-1m" => (p, o) => MovieLens.LoadDat(p, o),
            "movielens-csv" => (p, o) => MovieLens.LoadCsv(p, o),
            "csv" => (p, o) => DelimitedFile.Load(p, CsvFormat(p, delimiter ?? ","), o),
            _ => throw new UsageException($"--format must be movielens-100k, movielens-1m, movielens-csv or csv, got '{format}'."),
        };

        var catalog = FindCatalog(data, format);
        if (testPath is not null)
        {
            if (split is not null)
            {
                throw new UsageException("give either --split or --test, not both.");
            }

            var train = load(data, loadOptions);
            var test = load(testPath, loadOptions with { IdsFrom = train });
            return new DatasetArguments($"{data} + {testPath}", train, test, catalog) { LoadWarnings = train.LoadReport?.Warnings ?? [] };
        }

        split ??= format == "movielens-100k" && Directory.Exists(data) ? "u1" : "random";
        if (split.Length == 2 && split[0] == 'u' && split[1] is >= '1' and <= '5')
        {
            if (format != "movielens-100k" || !Directory.Exists(data))
            {
                throw new UsageException($"--split {split} needs --data pointing at a MovieLens 100K folder (with u1.base … u5.test).");
            }

            var (train, test) = MovieLens.Load100KFold(data, split[1] - '0', loadOptions);
            return new DatasetArguments($"MovieLens 100K {split}.base/{split}.test", train, test, catalog) { LoadWarnings = train.LoadReport?.Warnings ?? [] };
        }

        if (split != "random")
        {
            throw new UsageException($"--split must be u1..u5 or random, got '{split}'.");
        }

        var everything = load(data, loadOptions);
        var (tr, te) = everything.SplitRandom(fraction, seed);
        return new DatasetArguments($"{data} (random {1 - fraction:0.##}/{fraction:0.##} split, seed {seed})", tr, te, catalog) { LoadWarnings = everything.LoadReport?.Warnings ?? [] };
    }

    private static RatingScale ParseScale(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 2
            || !float.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var min)
            || !float.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var max)
            || !float.IsFinite(min) || !float.IsFinite(max) || min >= max)
        {
            throw new UsageException($"--scale must be MIN,MAX with MIN < MAX (for example 1,5), got '{text}'.");
        }

        return new RatingScale(min, max);
    }

    /// <summary>columns user item rating [timestamp]; a 4th column is read as the timestamp; the header is detected.</summary>
    private static DelimitedFormat CsvFormat(string path, string delimiter)
    {
        if (delimiter == "\\t" || delimiter == "tab")
        {
            delimiter = "\t";
        }

        var first = File.Exists(path) ? DelimitedFile.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l)) : null; // bounded: a device or an endless line is refused by name
        var fields = first?.Split(delimiter).Length ?? 3;
        return new DelimitedFormat { Delimiter = delimiter, Timestamp = fields >= 4 ? 3 : null };
    }

    private static string? FindCatalog(string data, string format)
    {
        if (format != "movielens-100k")
        {
            return null;
        }

        var dir = Directory.Exists(data) ? data : Path.GetDirectoryName(Path.GetFullPath(data));
        var candidate = dir is null ? null : Path.Combine(dir, "u.item");
        return candidate is not null && File.Exists(candidate) ? candidate : null;
    }
}
