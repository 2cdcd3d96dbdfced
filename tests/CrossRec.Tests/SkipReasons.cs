using NUnit.Framework;
using NUnit.Framework.Interfaces;

// Every test project of the solution links this file: a skipped test's reason (no CROSSREC_DATA, no PostgreSQL,
// a Torch-only block, ...) is printed in the console output of `dotnet test`, not only "Skipped <name>".
[assembly: CrossRec.Tests.PrintSkipReasons]

namespace CrossRec.Tests;

/// <summary>
/// After each test: if it was skipped or ignored, writes its name and reason to the test's error stream, which the NUnit
/// adapter passes to `dotnet test` as a warning, printed at the default verbosity (its own skip line carries no reason).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class PrintSkipReasonsAttribute : Attribute, ITestAction
{
    public ActionTargets Targets => ActionTargets.Test;

    public void BeforeTest(ITest test)
    {
    }

    public void AfterTest(ITest test)
    {
        var result = TestContext.CurrentContext.Result;
        if (result.Outcome.Status is TestStatus.Skipped or TestStatus.Inconclusive && !string.IsNullOrEmpty(result.Message))
        {
            TestContext.Error.WriteLine($"Skipped {test.Name}: {result.Message}");
        }
    }
}
