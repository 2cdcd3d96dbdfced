namespace CrossRec.Tests.Fuzz;

/// <summary>
/// Seeded, bounded fuzzing of the trainer's command line (<c>topn</c>): random option names and values, hostile
/// paths (a directory, devices, /proc, a missing file) and numbers out of range. The contract: the program never
/// throws and never prints a stack trace; it ends with exit code 0, 1 (a failed run) or 2 (a user error).
/// </summary>
[NonParallelizable]
public class CommandLineFuzzTests
{
    private static readonly string[] Options =
    [
        "--train", "--users", "--out", "--algorithm", "--count", "--item-domains", "--domain", "--seed", "--threads", "--save", "--json",
        "--help", "--bogus", "-x", "--", "--count=3", "train",
    ];

    [Test]
    public void TheTrainerEndsWithAnExitCodeAndNoStackTraceWhateverTheArguments()
    {
        using var files = new TempFiles();
        var train = files.Write("train.tsv", string.Join('\n', Enumerable.Range(0, 60).Select(r => $"u{r % 12}\ti{(r * 7) % 15}\t{1 + (r % 3)}")) + "\n");
        var users = files.Write("users.txt", "u1\nu2\nnobody\n");
        var domains = files.Write("domains.tsv", string.Join('\n', Enumerable.Range(0, 15).Select(i => $"i{i}\t{(i % 2 == 0 ? "books" : "films")}")) + "\n");
        var folder = files.PathOf("folder");
        Directory.CreateDirectory(folder);
        // Devices are offered to the input options only: an output that a regression let through would be renamed over
        // the device itself (as root, /dev/null). Output options get a folder, a missing folder and kernel files instead.
        string[] values =
        [
            train, train, users, domains, folder, "/proc/self/mem", files.PathOf("missing.tsv"), files.PathOf("out.tsv"), files.PathOf("model.bin"), files.PathOf("no/such/dir/x"),
            "popularity", "itemknn", "ease", "ials", "bogus", "books", "films", "0", "1", "3", "-1", "99999999999", "1e400", "NaN", "", " ", "10x", "\u00e9", "\t",
        ];
        string[] inputOptions = ["--train", "--users", "--item-domains"];
        string[] devices = ["/dev/zero", "/dev/null", "/dev/urandom"];

        var findings = new FuzzFindings();
        var budget = FuzzBudget.PerTarget(3);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long iterations = 0;
        var codes = new int[3];
        while (watch.Elapsed < budget || iterations < 30)
        {
            var rng = FuzzBudget.For("topn-argv", iterations);
            var args = new List<string> { "topn" };
            for (var n = rng.Next(8); n > 0; n--)
            {
                var option = Options[rng.Next(Options.Length)];
                args.Add(option);
                if (rng.Next(5) > 0)
                {
                    args.Add(inputOptions.Contains(option) && rng.Next(3) == 0 ? devices[rng.Next(devices.Length)] : values[rng.Next(values.Length)]);
                }
            }

            // Most runs should get past the parser: give the required inputs, most of the time.
            if (rng.Next(3) > 0 && !args.Contains("--train"))
            {
                args.AddRange(["--train", train, "--users", users, "--out", files.PathOf("out.tsv"), "--algorithm", "popularity"]);
            }

            var (code, err) = Run([.. args]);
            if (code is < 0 or > 2)
            {
                findings.Add("topn-argv", iterations, $"exit code {code} for {string.Join(' ', args)}", new InvalidOperationException(err));
            }
            else
            {
                codes[code]++;
            }

            if (err.Contains("   at ", StringComparison.Ordinal))
            {
                findings.Add("topn-argv", iterations, $"stack trace for {string.Join(' ', args)}", new InvalidOperationException(err));
            }

            iterations++;
        }

        foreach (var device in devices)
        {
            Assert.That(InputFile.Of(device), Is.EqualTo(InputFile.Kind.CharacterDevice), $"{device} is still a device");
        }

        TestContext.Out.WriteLine($"topn argv: {iterations:N0} command lines in {watch.Elapsed.TotalSeconds:F1} s; exit 0: {codes[0]}, 1: {codes[1]}, 2: {codes[2]}; seed {FuzzBudget.Seed}");
        Assert.That(findings.Total, Is.Zero, findings.ToString());
        Assert.That(codes[0], Is.GreaterThan(0), "some command lines are valid and run");
        Assert.That(codes[2], Is.GreaterThan(0), "some command lines are refused");
    }

    private static (int Code, string Err) Run(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousErr) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                return (CrossRec.Trainer.Program.Main(args), error.ToString());
            }
            catch (Exception e)
            {
                return (-1, $"{e.GetType().Name} escaped: {e}");
            }
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousErr);
        }
    }
}
