using Spectre.Console;

namespace CrossRec.Trainer.Commands;

/// <summary>After training: clusters the user factors and prints each segment with its over-represented genres (or domains).</summary>
public static class SegmentationStep
{
    public static void Print(FactorizationModel model, InteractionSet train, string? itemCatalogPath, int clusters, int seed)
    {
        IReadOnlyDictionary<string, IReadOnlyList<string>>? labels = null;
        if (itemCatalogPath is not null)
        {
            labels = MovieLens.LoadItems100K(itemCatalogPath).ToDictionary(i => i.Id, i => i.Genres);
        }

        var segments = Segmentation.KMeans(clusters).Seed(seed).Restarts(3).Fit(model.UserFactors);
        var profiles = segments.Profile(train, labels, top: 4, minCount: 20);
        var what = labels is not null ? "genres" : train.HasDomains ? "domains" : "items";
        var table = new Table().RoundedBorder().Title($"{clusters} user segments (k-means on the user factors)")
            .AddColumn("segment").AddColumn(new TableColumn("users").RightAligned()).AddColumn(new TableColumn("ratings/user").RightAligned())
            .AddColumn(new TableColumn("mean rating").RightAligned()).AddColumn($"over-represented {what} (lift)");
        foreach (var p in profiles)
        {
            table.AddRow(
                $"{p.Segment}",
                $"{p.Size} ({p.Share:P0})",
                $"{p.MeanActivity:F0}",
                $"{p.MeanValue:F2}",
                Markup.Escape(string.Join(", ", p.OverRepresented.Select(l => $"{l.Label} ×{l.Lift:F2}"))));
        }

        AnsiConsole.Write(table);
    }
}
