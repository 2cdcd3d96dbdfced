using System.Globalization;

namespace CrossRec.Samples.Campaign;

/// <summary>Command-line options of the campaign sample, parsed and range-checked.</summary>
internal sealed record CampaignArguments
{
    public const string Usage = """
        crossrec-campaign — cross-domain film campaign for a course platform, end to end:
          cold-start evaluation (the library's default cross-domain recommender, CrossDomain.Auto,
          against popularity, target-only and cross-domain item-kNN) → joint course+film model
          → user segments → conversion scoring
          → audience under a budget → A/B test → report.

        Data (default: the embedded synthetic platform, see SyntheticCrossDomain):
          --users N            users                                   (default 8000)
          --courses N          courses in the catalogue                (default 300)
          --films N            films in the catalogue                  (default 500)
          --data-seed S        seed of the synthetic data              (default 7)
          --movielens DIR      use MovieLens 100K instead: films of --genre form the target
                               domain, all other films the source; segments are profiled
                               by genre (no conversion/A-B steps: the data has no offers)
          --genre NAME         target genre for --movielens            (default Drama)
          --data SPEC          a real two-domain file instead: user item value domain rows, or
                               PATH:DOMAIN,PATH:DOMAIN (one user item [value] file per domain);
                               needs --source and --target (no conversion/A-B steps)
          --source D           the domain users are known from (with --data)
          --target D           the domain to recommend (with --data)

        Model and pipeline:
          --factors K          latent factors                          (default 32)
          --epochs E           training epochs                         (default 30)
          --negatives N        sampled negatives per interaction       (default 4)
          --film-weight W      loss weight of film interactions        (default 1)
          --segments K         user segments (k-means clusters)        (default 6)
          --budget N           contacts the campaign may make          (default 1000)
          --price P            value of one conversion (film price)    (default 12)
          --seed S             seed of training, split and A/B draws   (default 7)
          --threads T          worker threads, 0 = all cores           (default 0)

        Output:
          --json               also print a JSON summary as the last stdout line
          --plot DIR           write the run's pictures (PNG) into DIR
          --help               this text
        """;

    public int Users { get; init; } = 8000;

    public int Courses { get; init; } = 300;

    public int Films { get; init; } = 500;

    public int DataSeed { get; init; } = 7;

    public string? MovieLens { get; init; }

    public string Genre { get; init; } = "Drama";

    public string? Data { get; init; }

    public string? Source { get; init; }

    public string? Target { get; init; }

    public int Factors { get; init; } = 32;

    public int Epochs { get; init; } = 30;

    public int Negatives { get; init; } = 4;

    public float FilmWeight { get; init; } = 1f;

    public int Segments { get; init; } = 6;

    public int Budget { get; init; } = 1000;

    public double Price { get; init; } = 12;

    public int Seed { get; init; } = 7;

    public int Threads { get; init; }

    public bool Json { get; init; }

    /// <summary>Directory for the pictures (<c>--plot DIR</c>); null draws none.</summary>
    public string? PlotDirectory { get; init; }

    public bool Help { get; init; }

    /// <summary>Parses the arguments; a bad one throws <see cref="ArgumentException"/> naming it.</summary>
    public static CampaignArguments Parse(IReadOnlyList<string> args)
    {
        var a = new CampaignArguments();
        for (var k = 0; k < args.Count; k++)
        {
            var name = args[k];
            a = name switch
            {
                "--users" => a with { Users = Int(name, Next(ref k), 10, 10_000_000) },
                "--courses" => a with { Courses = Int(name, Next(ref k), 10, 1_000_000) },
                "--films" => a with { Films = Int(name, Next(ref k), 10, 1_000_000) },
                "--movielens" => a with { MovieLens = Next(ref k) },
                "--genre" => a with { Genre = Next(ref k) },
                "--data" => a with { Data = Next(ref k) },
                "--source" => a with { Source = Next(ref k) },
                "--target" => a with { Target = Next(ref k) },
                "--data-seed" => a with { DataSeed = Int(name, Next(ref k), int.MinValue, int.MaxValue) },
                "--factors" => a with { Factors = Int(name, Next(ref k), 1, 4096) },
                "--epochs" => a with { Epochs = Int(name, Next(ref k), 1, 100_000) },
                "--negatives" => a with { Negatives = Int(name, Next(ref k), 1, 1000) },
                "--film-weight" => a with { FilmWeight = Float(name, Next(ref k), 0.001f, 1000f) },
                "--segments" => a with { Segments = Int(name, Next(ref k), 1, 1000) },
                "--budget" => a with { Budget = Int(name, Next(ref k), 1, 10_000_000) },
                "--price" => a with { Price = Float(name, Next(ref k), 0.01f, 1_000_000f) },
                "--seed" => a with { Seed = Int(name, Next(ref k), int.MinValue, int.MaxValue) },
                "--threads" => a with { Threads = Int(name, Next(ref k), 0, 1024) },
                "--json" => a with { Json = true },
                "--plot" => a with { PlotDirectory = Next(ref k) },
                "--help" or "-h" => a with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{name}'. Run with --help for the list."),
            };
        }

        if (a.Data is not null && (a.Source is null || a.Target is null))
        {
            throw new ArgumentException("--data needs --source DOMAIN and --target DOMAIN.");
        }

        if (a.Data is null && (a.Source is not null || a.Target is not null))
        {
            throw new ArgumentException("--source and --target go with --data.");
        }

        if (a.Data is not null && a.MovieLens is not null)
        {
            throw new ArgumentException("--data and --movielens are alternatives; give one.");
        }

        return a;

        string Next(ref int k)
        {
            if (k + 1 >= args.Count)
            {
                throw new ArgumentException($"Option '{args[k]}' needs a value.");
            }

            return args[++k];
        }
    }

    private static int Int(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            throw new ArgumentException($"{name} must be an integer in {min}..{max}; got '{text}'.");
        }

        return v;
    }

    private static float Float(string name, string text, float min, float max)
    {
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v) || v < min || v > max)
        {
            throw new ArgumentException($"{name} must be a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]; got '{text}'.");
        }

        return v;
    }
}
