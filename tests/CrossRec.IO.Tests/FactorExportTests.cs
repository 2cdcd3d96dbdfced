namespace CrossRec.IO.Tests;

public sealed class FactorExportTests
{
    [Test]
    public void Biased_mf_factors_and_biases_go_to_parquet_and_npy_with_ids()
    {
        var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 80, Items = 40, Ratings = 1_500, Seed = 9 });
        var model = Factorization.Biased().Factors(3).Epochs(2).Fit(data);
        using var dir = new TempDir();
        FactorExport.ToParquet(model, dir.Path);
        var (users, bias) = FactorExport.ReadParquetAsync(dir.File("users.parquet")).GetAwaiter().GetResult();
        Assert.That(users.RowIds, Is.EqualTo(model.UserIds));
        Assert.That(users.AsSpan().ToArray(), Is.EqualTo(model.UserFactors.AsSpan().ToArray()));
        Assert.That(bias, Is.EqualTo(model.UserBiases.ToArray()));
        Assert.That(Duck.Query($"SELECT decode(value) FROM parquet_kv_metadata('{dir.File("items.parquet")}') WHERE decode(key) = 'crossrec.global_mean'").Single(),
            Does.Contain(model.GlobalMean.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

        FactorExport.ToNpy(model, dir.File("npy"));
        var items = Npy.Read(dir.File("npy/item_factors.npy"));
        Assert.That(items.AsSpan().ToArray(), Is.EqualTo(model.ItemFactors.AsSpan().ToArray()));
        Assert.That(File.ReadAllLines(dir.File("npy/item_ids.txt")), Is.EqualTo(model.ItemIds));
        Assert.That(Npy.Read(dir.File("npy/user_bias.npy")).AsSpan().ToArray(), Is.EqualTo(model.UserBiases.ToArray()));
    }
}
