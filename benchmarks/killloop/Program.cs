using CrossRec;
using CrossRec.Data.Synthetic;

// kill-loop harness. "make MODEL": fits a fixed implicit-ALS model (about 30 MB on disk) and saves it to MODEL.
// "save MODEL TARGET": loads MODEL, then saves it to TARGET again and again, printing "saved" after each save,
// until the process is killed. The script kills it at random moments and checks TARGET and the temporary files.
if (args is ["make", var path])
{
    var data = SyntheticRatings.Generate(new SyntheticRatingsOptions { Users = 60_000, Items = 20_000, Ratings = 400_000, Seed = 5 });
    Recommenders.ImplicitAls().Factors(64).Iterations(2).Seed(5).Fit(data).Save(path);
    Console.WriteLine($"{path}: {new FileInfo(path).Length:N0} bytes");
    return 0;
}

if (args is ["save", var model, var target])
{
    var loaded = Recommender.Load(model);
    while (true)
    {
        loaded.Save(target);
        Console.WriteLine("saved");
    }
}

Console.Error.WriteLine("usage: make MODEL | save MODEL TARGET");
return 2;
