namespace CrossRec.Tests.TopN;

/// <summary>
/// Implicit-feedback data with planted structure: users belong to one of a few taste groups, each group
/// prefers its own block of items; a mild global popularity skew sits on top, so popularity is a real
/// (but beatable) baseline. Items alternate between two domains ("book", "film") for domain tests.
/// </summary>
internal static class ImplicitTestData
{
    public static InteractionSet Groups(int users = 400, int items = 160, int groups = 4, int perUser = 16, int seed = 1, bool counts = false, bool domains = false)
    {
        var rng = new Random(seed);
        var builder = new InteractionSetBuilder();
        var block = items / groups;
        for (var u = 0; u < users; u++)
        {
            var g = u % groups;
            var taken = new HashSet<int>();
            while (taken.Count < perUser)
            {
                // 85 % inside the user's group block (skewed to its first items), 15 % anywhere (skewed to low ids).
                int item;
                if (rng.NextDouble() < 0.85)
                {
                    item = (g * block) + (int)(block * Math.Pow(rng.NextDouble(), 1.5));
                }
                else
                {
                    item = (int)(items * Math.Pow(rng.NextDouble(), 2));
                }

                if (taken.Add(item))
                {
                    var value = counts ? 1 + (float)Math.Floor(50 * Math.Pow(rng.NextDouble(), 3)) : 1f;
                    builder.Add($"u{u}", $"i{item}", value);
                }
            }
        }

        var data = builder.Build($"groups(seed {seed})");
        return domains ? data.WithItemDomains(id => int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0 ? "book" : "film") : data;
    }
}
