using System.Diagnostics;
using System.Text.Json;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace CrossRec.Torch.Tests;

/// <summary>
/// Runs this suite without the .NET SDK, for a GPU host that has only the .NET runtime (benchmarks/cuda/run.sh):
/// <c>dotnet CrossRec.Torch.Tests.dll [--json FILE] [--category NAME]... [--exclude-category NAME]...</c>
/// runs the tests through NUnit's own framework runner, prints one line per test and writes a JSON summary
/// (counts, and per test its outcome, seconds and message). Exit code 0 when nothing failed. Under
/// <c>dotnet test</c> the test host runs the suite instead and this entry point is not used.
/// </summary>
public static class SuiteRunner
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        string? json = null;
        var include = new List<string>();
        var exclude = new List<string>();
        for (var a = 0; a < args.Length; a++)
        {
            var value = a + 1 < args.Length ? args[a + 1] : throw new ArgumentException($"{args[a]} needs a value.", nameof(args));
            switch (args[a])
            {
                case "--json": json = value; break;
                case "--category": include.Add(value); break;
                case "--exclude-category": exclude.Add(value); break;
                default: throw new ArgumentException($"Unknown option {args[a]} (--json FILE, --category NAME, --exclude-category NAME).", nameof(args));
            }

            a++;
        }

        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
        runner.Load(typeof(SuiteRunner).Assembly, new Dictionary<string, object>());
        var listener = new Listener();
        var watch = Stopwatch.StartNew();
        var result = runner.Run(listener, Filter(include, exclude));
        var summary = new
        {
            suite = "CrossRec.Torch.Tests",
            engine = CrossRec.Tests.TopN.RecommenderCases.Name,
            passed = result.PassCount,
            failed = result.FailCount,
            skipped = result.SkipCount + result.InconclusiveCount,
            seconds = Math.Round(watch.Elapsed.TotalSeconds, 1),
            tests = listener.Results,
        };
        Console.WriteLine($"passed {summary.passed}, failed {summary.failed}, skipped {summary.skipped} in {summary.seconds} s on {summary.engine}");
        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        }

        return result.FailCount == 0 && result.PassCount > 0 ? 0 : 1;
    }

    private static TestFilter Filter(List<string> include, List<string> exclude)
    {
        if (include.Count == 0 && exclude.Count == 0)
        {
            return TestFilter.Empty;
        }

        static string Cat(string c) => $"<cat>{System.Security.SecurityElement.Escape(c)}</cat>";
        var parts = new List<string>();
        if (include.Count > 0)
        {
            parts.Add($"<or>{string.Concat(include.Select(Cat))}</or>");
        }

        parts.AddRange(exclude.Select(c => $"<not>{Cat(c)}</not>"));
        return TestFilter.FromXml($"<filter><and>{string.Concat(parts)}</and></filter>");
    }

    private sealed class Listener : ITestListener
    {
        public List<object> Results { get; } = [];

        public void TestStarted(ITest test)
        {
        }

        public void TestFinished(ITestResult result)
        {
            if (result.Test.IsSuite)
            {
                return;
            }

            var outcome = result.ResultState.Status.ToString();
            Console.WriteLine($"{outcome,-12} {result.Duration,8:F2} s  {result.FullName}");
            if (result.ResultState.Status == TestStatus.Failed)
            {
                Console.WriteLine($"    {result.Message?.Trim()}");
            }

            Results.Add(new { name = result.FullName, outcome, seconds = Math.Round(result.Duration, 3), message = result.Message?.Trim(), output = result.Output?.Trim() });
        }

        public void TestOutput(TestOutput output)
        {
        }

        public void SendMessage(TestMessage message)
        {
        }
    }
}
