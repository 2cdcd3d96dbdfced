using System.Globalization;
using System.Text;

namespace CrossRec.Benchmarks;

/// <summary>
/// Writes the SGD comparison sets in LIBMF's text format (<c>user item rating</c>, 0-based dense indices of the
/// training set, one rating per line) so LIBMF and CrossRec train on the same files:
/// <c>syn10m.tr.txt/.te.txt</c> (a seeded 11M-rating synthetic set split 10M / 1M) and, when
/// <c>CROSSREC_DATA</c> holds MovieLens 100K, <c>ml100k-u1.tr.txt/.te.txt</c>. Used by
/// <c>benchmarks/peers/libmf/run.sh</c>.
/// </summary>
internal static class LibmfExport
{
    public static void Run(string directory)
    {
        Directory.CreateDirectory(directory);
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 200_000, Items = 40_000, Ratings = 11_000_000, Seed = 42 });
        var (train, test) = data.SplitRandom(1.0 / 11, seed: 7);
        Write(train, Path.Combine(directory, "syn10m.tr.txt"));
        Write(test, Path.Combine(directory, "syn10m.te.txt"));
        Console.WriteLine($"wrote {train.Count:N0} + {test.Count:N0} synthetic ratings to {directory}");
        var root = Environment.GetEnvironmentVariable("CROSSREC_DATA");
        if (root is not null && Directory.Exists(Path.Combine(root, "ml-100k")))
        {
            var (u1, u1Test) = MovieLens.Load100KFold(Path.Combine(root, "ml-100k"), 1);
            Write(u1, Path.Combine(directory, "ml100k-u1.tr.txt"));
            Write(u1Test, Path.Combine(directory, "ml100k-u1.te.txt"));
            Console.WriteLine($"wrote MovieLens 100K u1 ({u1.Count:N0} + {u1Test.Count:N0}) to {directory}");
        }
        else
        {
            Console.WriteLine("CROSSREC_DATA has no ml-100k/: MovieLens files not written.");
        }
    }

    /// <summary>Both parts of a split share the id maps, so dense indices mean the same user and item in each file.</summary>
    private static void Write(InteractionSet set, string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var users = set.Users;
        var items = set.Items;
        var values = set.Values;
        for (var r = 0; r < set.Count; r++)
        {
            writer.Write(users[r].ToString(CultureInfo.InvariantCulture));
            writer.Write(' ');
            writer.Write(items[r].ToString(CultureInfo.InvariantCulture));
            writer.Write(' ');
            writer.Write(values[r].ToString("R", CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }
}
