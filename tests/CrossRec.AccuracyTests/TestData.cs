namespace CrossRec.AccuracyTests;

/// <summary>
/// Locates the real evaluation datasets through the <c>CROSSREC_DATA</c> environment variable (the folder
/// holding <c>ml-100k/</c> and <c>conversion/</c>). When it is unset or a dataset is missing, the test is
/// skipped with <see cref="Assert.Ignore(string)"/> and a message saying what to set — never silently passed.
/// </summary>
internal static class TestData
{
    public const string Variable = "CROSSREC_DATA";

    /// <summary>The dataset folder <paramref name="relative"/> under CROSSREC_DATA, or the test is ignored.</summary>
    public static string Require(string relative)
    {
        var root = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(root))
        {
            Assert.Ignore($"{Variable} is not set: point it at the folder holding '{relative}' (docs/data.md lists the datasets and where they come from) to run this accuracy test.");
        }

        var path = Path.Combine(root!, relative);
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            Assert.Ignore($"'{path}' does not exist ({Variable}={root}); this accuracy test needs that dataset.");
        }

        return path;
    }
}
