using System.Globalization;

namespace CrossRec.Samples.Campaign;

/// <summary>
/// The marketing half of the pipeline, on the production joint model: user segments, a conversion model
/// learned from past film offers, the audience of a new film offer under a budget, and an A/B test of
/// that audience against a random one (outcomes drawn from the synthetic platform's ground truth).
/// </summary>
internal static class CampaignSteps
{
    /// <summary>k-means over the user factors plus behaviour features (activity, mean rating, domain shares).</summary>
    public static SegmentsResult Segment(CampaignData data, FactorizationModel model, CampaignArguments a, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var behaviour = DropConstantColumns(UserFeatures.FromInteractions(data.Ratings));
        var features = UserFeatures.Combine((model.UserFactors, 1f), (behaviour, 1f));
        var segmentation = Segmentation.KMeans(a.Segments).Seed(a.Seed).Restarts(3).Threads(a.Threads).Fit(features, progress, ct);
        var profiles = segmentation.Profile(data.Ratings, ItemLabels(data), top: 3, minCount: 20);
        var assignment = segmentation.Result!.Assignments.ToArray();
        return new SegmentsResult(segmentation, profiles, assignment, features.RowIds!);
    }

    /// <summary>Leaves out feature columns with one value for every user (mean_value on binary data), which k-means cannot standardise.</summary>
    private static ReadOnlyMatrix DropConstantColumns(ReadOnlyMatrix m)
    {
        var keep = new List<int>();
        for (var c = 0; c < m.Columns; c++)
        {
            var first = m[0, c];
            for (var r = 1; r < m.Rows; r++)
            {
                if (m[r, c] != first)
                {
                    keep.Add(c);
                    break;
                }
            }
        }

        if (keep.Count == m.Columns)
        {
            return m;
        }

        var values = new float[m.Rows * keep.Count];
        for (var r = 0; r < m.Rows; r++)
        {
            for (var k = 0; k < keep.Count; k++)
            {
                values[(r * keep.Count) + k] = m[r, keep[k]];
            }
        }

        return ReadOnlyMatrix.Create(values, m.Rows, keep.Count, m.RowIds, m.ColumnNames is null ? null : keep.Select(c => m.ColumnNames[c]).ToArray());
    }

    /// <summary>
    /// Fits conversion scoring on the past film offers (80/20 stratified by outcome) with and without the
    /// joint model's offer affinity, so the report can show what the recommender adds.
    /// </summary>
    public static ConversionResult ScoreConversion(CampaignData data, FactorizationModel model, SegmentsResult segments, CampaignArguments a, CancellationToken ct)
    {
        var synthetic = data.Synthetic!;
        var offers = synthetic.OfferHistory;
        var users = offers.Select(o => data.Ratings.UserIds[o.User]).ToArray();
        var films = offers.Select(o => data.Ratings.ItemIds[o.Film]).ToArray();
        var table = Features(data, model, segments, users, films)
            .WithColumns(new TabularData([TabularColumn.Categorical("converted", offers.Select(o => o.Converted ? "yes" : "no"))]));
        var (train, test, _) = Conversion.SplitStratified(table, "converted", 0.2, a.Seed);
        ct.ThrowIfCancellationRequested();
        var scoring = Conversion.Logistic().Threads(a.Threads);
        var withAffinity = scoring.Fit(train, "converted", "yes", cancellationToken: ct);
        var withoutAffinity = scoring.Fit(train, "converted", "yes", drop: ["affinity"], cancellationToken: ct);
        var labels = Enumerable.Range(0, test.RowCount).Select(r => test["converted"].Text(r) == "yes").ToArray();
        var metrics = ConversionMetrics.Compute(labels, withAffinity.Score(test));
        var baseline = ConversionMetrics.Compute(labels, withoutAffinity.Score(test));
        return new ConversionResult(withAffinity, metrics, baseline, offers.Count, offers.Select(o => o.Film).Distinct().Count());
    }

    /// <summary>
    /// The new offer: the most popular film no past campaign promoted (popular, so worth a campaign), treated as a
    /// premiere: <see cref="Without"/> removes every interaction it has before the models are trained.
    /// </summary>
    public static int NewFilm(CampaignData data)
    {
        var offered = new HashSet<int>(data.Synthetic!.OfferedFilms.ToArray());
        var filmDomain = data.Ratings.Domains!.GetIndex(data.Target);
        var counts = data.Ratings.CountsPerItem();
        return Enumerable.Range(0, data.Ratings.ItemCount)
            .Where(i => data.Ratings.ItemDomains[i] == filmDomain && !offered.Contains(i))
            .OrderByDescending(i => counts[i]).ThenBy(i => i)
            .First();
    }

    /// <summary>The interactions without any of <paramref name="item"/>'s (the item stays in the catalogue, with no history).</summary>
    public static InteractionSet Without(InteractionSet data, int item)
    {
        var rows = Enumerable.Range(0, data.Count).Where(r => data.Items[r] != item).ToArray();
        return data.Subset(rows, data.SourceName + " (the new film's interactions removed)");
    }

    /// <summary>
    /// The new film's metadata: its two strongest themes and its domain, as categorical features (what a catalogue
    /// would carry: genre tags), for every film.
    /// </summary>
    public static FeatureSet FilmMetadata(CampaignData data)
    {
        var s = data.Synthetic!;
        var filmDomain = data.Ratings.Domains!.GetIndex(data.Target);
        var builder = FeatureSet.CreateBuilder("item");
        for (var i = 0; i < data.Ratings.ItemCount; i++)
        {
            if (data.Ratings.ItemDomains[i] != filmDomain)
            {
                continue;
            }

            var a = s.ItemAttributes.Row(i).ToArray();
            var order = Enumerable.Range(0, a.Length).OrderByDescending(d => a[d]).ThenBy(d => d).Take(2);
            builder.Add(data.Ratings.ItemIds[i], order.Select(d => "theme:" + s.ThemeNames[d]));
        }

        return builder.Build("film themes");
    }

    /// <summary>
    /// The audience of the new film, which has no interactions: the joint model never saw it, so its factors are placed
    /// from its metadata by a ridge map from the other films' metadata to their learned factors (Gantner et al. 2010's
    /// attribute-to-feature mapping, as <c>Recommenders.Mapped</c> does for top-N models); the relative affinity of every
    /// candidate for it then feeds the conversion model learned from past offers, and the best
    /// <see cref="CampaignArguments.Budget"/> users by expected value (probability × price) form the audience.
    /// </summary>
    public static TargetingResult Target(CampaignData data, int film, FactorizationModel model, SegmentsResult segments, ConversionResult conversion, CampaignArguments a)
    {
        var synthetic = data.Synthetic!;
        var filmId = data.Ratings.ItemIds[film];
        var metadata = FilmMetadata(data);
        var placed = PlaceFromMetadata(model, metadata, film);
        var candidates = Enumerable.Range(0, data.Ratings.UserCount).Where(u => !synthetic.HasConsumed(u, film)).ToArray();
        var ids = candidates.Select(u => data.Ratings.UserIds[u]).ToArray();
        var table = Features(data, model, segments, ids, Enumerable.Repeat(filmId, ids.Length).ToArray(), (film, placed));
        var probabilities = conversion.Model.Score(table);
        var plan = CrossRec.Conversions.Campaign.TargetByCount(ids.Select((id, k) => new CampaignCandidate(id, probabilities[k], a.Price)), a.Budget);
        var (probability, contributions) = conversion.Model.Explain(table, Array.IndexOf(ids, plan.Selected[0].Id), top: 4);
        var themes = string.Join(", ", metadata.FeaturesOf(filmId).Select(f => f.Key));
        return new TargetingResult(film, data.Label(film), candidates, probabilities, plan, plan.Selected[0].Id, probability, contributions, themes, TrainingCounts(model)[film]);
    }

    /// <summary>How many training users had each item.</summary>
    private static int[] TrainingCounts(FactorizationModel model)
    {
        var counts = new int[model.ItemIds.Count];
        for (var u = 0; u < model.UserIds.Count; u++)
        {
            foreach (var i in model.SeenItems(u))
            {
                counts[i]++;
            }
        }

        return counts;
    }

    /// <summary>
    /// Ridge regression (λ = <see cref="MetadataPenalty"/> items, intercept unpenalised) from the metadata of the films
    /// the model learned to their factors, evaluated at <paramref name="film"/>'s metadata.
    /// </summary>
    private static float[] PlaceFromMetadata(FactorizationModel model, FeatureSet metadata, int film)
    {
        var k = model.Factors;
        var d = metadata.Features.Count + 1;
        var gram = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(d, d);
        var rhs = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(d, k);
        var row = new double[d];
        var counts = TrainingCounts(model);
        for (var r = 0; r < metadata.Count; r++)
        {
            var item = model.ItemIds.GetIndex(metadata.Ids[r]);
            if (item == film || counts[item] == 0)
            {
                continue;
            }

            Array.Clear(row);
            row[0] = 1;
            var f = metadata.FeatureIndices(r);
            var w = metadata.Weights(r);
            for (var n = 0; n < f.Length; n++)
            {
                row[f[n] + 1] = w[n];
            }

            var q = model.ItemFactors.Row(item);
            for (var x = 0; x < d; x++)
            {
                if (row[x] == 0)
                {
                    continue;
                }

                for (var y = 0; y < d; y++)
                {
                    gram[x, y] += row[x] * row[y];
                }

                for (var c = 0; c < k; c++)
                {
                    rhs[x, c] += row[x] * q[c];
                }
            }
        }

        for (var x = 1; x < d; x++)
        {
            gram[x, x] += MetadataPenalty;
        }

        var map = gram.Cholesky().Solve(rhs);
        var at = metadata.Ids.GetIndex(model.ItemIds[film]);
        var placed = new float[k];
        for (var c = 0; c < k; c++)
        {
            var v = map[0, c];
            var f = metadata.FeatureIndices(at);
            var w = metadata.Weights(at);
            for (var n = 0; n < f.Length; n++)
            {
                v += map[f[n] + 1, c] * w[n];
            }

            placed[c] = (float)v;
        }

        return placed;
    }

    /// <summary>Ridge penalty of the metadata map, in films (the library's <c>MappedOptions</c> default, chosen by validation).</summary>
    private const double MetadataPenalty = 30;

    /// <summary>
    /// Treatment: the targeted audience. Control: as many candidates drawn at random. Each contacted user
    /// converts with the platform's true probability (seeded draws), and the two-proportion test compares
    /// the arms.
    /// </summary>
    public static AbResult RunAbTest(CampaignData data, TargetingResult targeting, CampaignArguments a)
    {
        var synthetic = data.Synthetic!;
        var rng = new Random(a.Seed);
        var ids = data.Ratings.UserIds;
        var treatment = targeting.Plan.Selected.Select(c => ids.GetIndex(c.Id)).ToArray();
        var pool = (int[])targeting.Candidates.Clone();
        rng.Shuffle(pool);
        var control = pool[..treatment.Length];
        var treated = Convert(treatment);
        var controlled = Convert(control);
        var trueExpected = treatment.Sum(u => synthetic.ConversionProbability(u, targeting.Film));
        var result = AbTest.Evaluate(new ArmOutcome("random audience", control.Length, controlled), new ArmOutcome("targeted audience", treatment.Length, treated));
        var baseRate = Math.Max(result.Control.Rate, 1e-3);
        var mde = Math.Min(0.02, (1 - baseRate) / 2);
        var needed = AbTest.RequiredSampleSize(baseRate, mde);
        return new AbResult(result, trueExpected, mde, needed);

        int Convert(int[] users)
        {
            var converted = 0;
            foreach (var u in users)
            {
                converted += rng.NextDouble() < synthetic.ConversionProbability(u, targeting.Film) ? 1 : 0;
            }

            return converted;
        }
    }

    /// <summary>
    /// Conversion features of (user, film) rows: the joint model's affinity of the film for the user, the
    /// user's bias, activity, film activity and segment. The affinity is relative — the user's score of the
    /// film minus the film's mean score over all users — because the raw score also carries the film's
    /// popularity (its item bias): a model fitted on the past offers' films would otherwise read a more
    /// popular new film as a more likely sale for everyone and overstate the campaign's conversions.
    /// </summary>
    private static TabularData Features(CampaignData data, FactorizationModel model, SegmentsResult segments, string[] users, string[] films, (int Film, float[] Factors)? placed = null)
    {
        // A premiere's score is p_u·q̂ from its placed factors; its bias, the same for every user, cancels in the relative affinity.
        float Score(int u, int item)
        {
            if (placed is not { } p || item != p.Film)
            {
                return model.Score(u, item);
            }

            var pu = model.UserFactors.Row(u);
            var s = 0f;
            for (var c = 0; c < pu.Length; c++)
            {
                s += pu[c] * p.Factors[c];
            }

            return s;
        }

        var segmentOfUser = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var r = 0; r < segments.RowIds.Count; r++)
        {
            segmentOfUser[segments.RowIds[r]] = segments.Assignment[r];
        }

        var baseFeatures = ProfileFeatures.Build(
            model,
            users,
            offerItem: null,
            activity: data.Ratings,
            segments: users.Select(u => segmentOfUser[u]).ToArray(),
            options: new ProfileFeatureOptions { UserFactors = false });
        var affinity = new double[users.Length];
        var targetActivity = new double[users.Length];
        var target = data.Ratings.Domains!.GetIndex(data.Target);
        var perUser = new Dictionary<string, double>(StringComparer.Ordinal);
        var filmMean = new Dictionary<int, double>();
        for (var k = 0; k < users.Length; k++)
        {
            var u = model.UserIds.IndexOf(users[k]);
            var item = model.ItemIds.GetIndex(films[k]);
            if (!filmMean.TryGetValue(item, out var mean))
            {
                var sum = 0.0;
                for (var v = 0; v < model.UserIds.Count; v++)
                {
                    sum += Score(v, item);
                }

                filmMean[item] = mean = sum / model.UserIds.Count;
            }

            affinity[k] = u < 0 ? double.NaN : Score(u, item) - mean;
            if (!perUser.TryGetValue(users[k], out var count))
            {
                count = 0;
                var du = data.Ratings.UserIds.IndexOf(users[k]);
                if (du >= 0)
                {
                    foreach (var r in data.Ratings.RowsOfUser(du))
                    {
                        count += data.Ratings.ItemDomains[data.Ratings.Items[r]] == target ? 1 : 0;
                    }
                }

                perUser[users[k]] = count = Math.Log(1 + count);
            }

            targetActivity[k] = count;
        }

        return baseFeatures.WithColumns(new TabularData(
        [
            TabularColumn.Numeric("affinity", affinity),
            TabularColumn.Numeric($"log_{data.Target}_interactions", targetActivity),
        ]));
    }

    /// <summary>
    /// Item labels for segment profiles: on the synthetic platform the item's domain and its strongest
    /// theme; on MovieLens the film's genres from <c>u.item</c>.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>>? ItemLabels(CampaignData data)
    {
        if (data.Synthetic is not { } s)
        {
            return data.MovieLensFolder is { } folder
                ? MovieLens.LoadItems100K(folder).ToDictionary(i => i.Id, i => i.Genres, StringComparer.Ordinal)
                : null;
        }

        var labels = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var domains = data.Ratings.Domains!;
        for (var i = 0; i < data.Ratings.ItemCount; i++)
        {
            var a = s.ItemAttributes.Row(i);
            var best = 0;
            for (var d = 1; d < a.Length; d++)
            {
                best = a[d] > a[best] ? d : best;
            }

            var domain = domains[data.Ratings.ItemDomains[i]];
            labels[data.Ratings.ItemIds[i]] = [domain, string.Create(CultureInfo.InvariantCulture, $"{s.ThemeNames[best]} {domain}s")];
        }

        return labels;
    }
}

/// <summary>Segments of all users.</summary>
internal sealed record SegmentsResult(SegmentationModel Model, IReadOnlyList<SegmentProfile> Profiles, int[] Assignment, IdMap RowIds);

/// <summary>Conversion model learned from past offers, with its test metrics and those of the same model without affinity.</summary>
internal sealed record ConversionResult(ConversionModel Model, ConversionMetrics Metrics, ConversionMetrics WithoutAffinity, int OfferEvents, int OfferedFilms);

/// <summary>The new offer and the audience chosen for it.</summary>
internal sealed record TargetingResult(
    int Film,
    string FilmLabel,
    int[] Candidates,
    double[] Probabilities,
    CampaignPlan Plan,
    string TopUser,
    double TopProbability,
    IReadOnlyList<FeatureContribution> TopContributions,
    string Metadata,
    int TrainingInteractions);

/// <summary>Simulated A/B outcome of the campaign.</summary>
internal sealed record AbResult(AbTestResult Test, double TrueExpectedConversions, double MinimumDetectableEffect, int RequiredPerArm);
